"""pipeline: render infinitely zooming DeepDream videos from a photo, noise or a clip.

Frames flow sources -> dreamer -> animation (camera, feedback) -> output; run/ holds one render's life and
sweeps/ many renders. The commands sit at the top (render, dream, encode, bench) beside the root schemas
(config) and the shared error path (errors) and ffmpeg runner (ffmpeg). tests/test_layering.py checks who
may import whom, as each subpackage's docstring states.

From Python: `pipeline.Dreamer`, `pipeline.render_video`, `pipeline.DreamImage` and `pipeline.UserError`
(pipeline/api/, docs/python.md), loaded on first use so `import pipeline` stays instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.api import Dreamer, DreamImage, render_video
    from pipeline.errors import UserError

__all__ = ["DreamImage", "Dreamer", "UserError", "render_video"]


def __getattr__(name: str) -> Any:
    """The API's names, imported when first asked for (PEP 562)."""
    if name == "UserError":
        from pipeline.errors import UserError

        return UserError
    if name in __all__:
        from pipeline import api

        return getattr(api, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
