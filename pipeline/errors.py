"""The one exception type for mistakes a user can fix: shown as a single line, never a traceback."""


class UserError(ValueError):
    """A bad setting or input: the message says what is wrong and how to fix it, in one line.

    It subclasses ValueError so config dataclasses can raise it from ``__post_init__`` and OmegaConf
    passes it through unchanged.
    """
