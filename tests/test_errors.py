"""UserError: the one exception for fixable mistakes; a ValueError, so config validation passes it on."""

import pytest

from pipeline.errors import UserError


def test_user_error_is_a_value_error_with_its_message():
    with pytest.raises(ValueError, match="^frames must be at least 1$"):
        raise UserError("frames must be at least 1")
