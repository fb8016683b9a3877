"""Keyframe strings: constants, expressions of t, interpolation, easing, and one-line errors for bad input."""

import copy
import math
import pickle

import pytest

from pipeline.animation.keyframes import Keyframed, parse_keyframes
from pipeline.errors import UserError


def _bad(text: str, *pieces: str, name: str = "motion.zoom") -> str:
    """Parse `text`, expect a UserError, and check it is one line naming the setting and each piece."""
    with pytest.raises(UserError) as info:
        parse_keyframes(text, name=name)
    msg = str(info.value)
    assert "\n" not in msg and "\r" not in msg
    assert msg.startswith(f"{name}: ")
    for piece in pieces:
        assert piece in msg, f"{piece!r} missing from {msg!r}"
    return msg


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.05", 1.05), ("-3", -3.0), ("0", 0.0), ("1e-2", 0.01), (" 2.5 ", 2.5), (1.05, 1.05), (7, 7.0)],
)
def test_constants(text: str | float, value: float) -> None:
    k = parse_keyframes(text)
    assert isinstance(k, Keyframed)
    assert k.is_constant
    assert k.text == str(text)
    for t in (0.0, 1.5, 100.0):
        assert k(t) == value
        assert isinstance(k(t), float)


def test_constant_arithmetic_is_folded() -> None:
    k = parse_keyframes("2*pi - e + 10 % 3 + 2**3 + floor(1.7) + ceil(1.2) + abs(-1)")
    assert k.is_constant
    assert k(5.0) == pytest.approx(2 * math.pi - math.e + 1 + 8 + 1 + 2 + 1)


def test_expression_of_t() -> None:
    k = parse_keyframes("1.02 + 0.01*sin(t)", name="motion.zoom")
    assert not k.is_constant
    for t in (0.0, 0.5, math.pi / 2, 3.0, 12.25):
        assert k(t) == pytest.approx(1.02 + 0.01 * math.sin(t))
    assert k(math.pi / 2) == pytest.approx(1.03)


def test_functions() -> None:
    cases = {
        "sqrt(t) + exp(t/10) - log(t)": lambda t: math.sqrt(t) + math.exp(t / 10) - math.log(t),
        "cos(t) * tan(t/4)": lambda t: math.cos(t) * math.tan(t / 4),
        "clamp(t - 1, 0, 2)": lambda t: min(max(t - 1, 0), 2),
        "min(t, 2, 3) + max(t, 1)": lambda t: min(t, 2, 3) + max(t, 1),
        "-t + +t ** 2 % 5": lambda t: -t + (t**2) % 5,
    }
    for text, ref in cases.items():
        k = parse_keyframes(text)
        for t in (0.5, 1.0, 2.5, 4.0):
            assert k(t) == pytest.approx(ref(t)), (text, t)


def test_keyframe_interpolation() -> None:
    k = parse_keyframes("0:(1.02), 4:(1.05), 10:(1.0)")
    assert not k.is_constant
    assert k(-1.0) == pytest.approx(1.02)  # before the first keyframe: hold
    assert k(0.0) == pytest.approx(1.02)
    assert k(1.0) == pytest.approx(1.0275)  # a quarter of the way from 1.02 to 1.05
    assert k(2.0) == pytest.approx(1.035)  # halfway
    assert k(4.0) == pytest.approx(1.05)  # on a keyframe
    assert k(7.0) == pytest.approx(1.025)  # halfway from 1.05 down to 1.0
    assert k(10.0) == pytest.approx(1.0)
    assert k(99.0) == pytest.approx(1.0)  # after the last keyframe: hold


def test_first_keyframe_after_zero_holds_and_spaces_are_fine() -> None:
    k = parse_keyframes(" 2 : ( 10 ) ,  3.5:(13) ")
    assert k(0.0) == 10.0
    assert k(2.0) == 10.0
    assert k(2.75) == pytest.approx(11.5)
    assert k(5.0) == 13.0


@pytest.mark.parametrize(
    ("easing", "u_eased"),
    [
        ("linear", 0.25),
        ("smooth", 3 * 0.25**2 - 2 * 0.25**3),  # 0.15625
        ("ease_in", 0.0625),
        ("ease_out", 1 - 0.75**2),  # 0.4375
    ],
)
def test_easings_at_quarter(easing: str, u_eased: float) -> None:
    k = parse_keyframes(f"0:(1.0), 4:(1.1) | {easing}")
    assert k(1.0) == pytest.approx(1.0 + 0.1 * u_eased)  # t=1 is u=0.25
    assert k(0.0) == pytest.approx(1.0)
    assert k(4.0) == pytest.approx(1.1)


def test_easing_default_is_linear() -> None:
    assert parse_keyframes("0:(0), 4:(8)")(1.0) == pytest.approx(2.0)


def test_expression_valued_keyframes() -> None:
    k = parse_keyframes("0:(1.0), 2:(1.0 + 0.05*sin(2*pi*t))")
    assert not k.is_constant
    for t in (0.5, 1.0, 1.25, 1.5):
        u = t / 2
        assert k(t) == pytest.approx(1.0 + u * 0.05 * math.sin(2 * math.pi * t))
    for t in (2.25, 3.1):  # after the last keyframe the expression keeps running
        assert k(t) == pytest.approx(1.0 + 0.05 * math.sin(2 * math.pi * t))


def test_commas_inside_calls_do_not_split_keyframes() -> None:
    k = parse_keyframes("0:(max(t, 1)), 4:(clamp(t, 0, 2)), 8:(min(t, 3, 5))")
    assert k(0.5) == pytest.approx(1.0 * (1 - 0.125) + 0.5 * 0.125)
    assert k(2.0) == pytest.approx(2.0 * 0.5 + 2.0 * 0.5)
    assert k(6.0) == pytest.approx(2.0 * 0.5 + 3.0 * 0.5)
    assert k(9.0) == 3.0


def test_is_constant() -> None:
    assert parse_keyframes("0:(1.0), 4:(1.0)").is_constant
    assert parse_keyframes("3:(2*pi)").is_constant
    assert not parse_keyframes("0:(1.0), 4:(1.1)").is_constant
    assert not parse_keyframes("0:(1.0), 4:(1.0 + 0*t)").is_constant
    assert not parse_keyframes("t").is_constant


def test_immutable_equal_and_picklable() -> None:
    k = parse_keyframes("0:(1.02), 4:(1.05) | smooth", name="motion.zoom")
    with pytest.raises(AttributeError):
        k.text = "1"  # type: ignore[misc]
    for clone in (pickle.loads(pickle.dumps(k)), copy.deepcopy(k)):
        assert clone == k
        assert clone.name == "motion.zoom"
        assert clone(1.0) == k(1.0)
    assert parse_keyframes("1") != parse_keyframes("2")


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("", ["empty"]),
        ("   ", ["empty"]),
        ("0:(1.02), x:(1.05)", ['keyframe 2 has time "x"', "number of seconds", '"0:(1.02), x:(1.05)"']),
        ("0:(1), inf:(2)", ['keyframe 2 has time "inf"']),
        ("-1:(1), 2:(2)", ['keyframe 1 has time "-1"', "negative"]),
        ("0:(1), 4:(2), 4:(3)", ['keyframe 3 has time "4"', "increase"]),
        ("0:(1), 5:(2), 3:(3)", ['keyframe 3 has time "3"', "increase"]),
        ("0:1.02, 4:(1.05)", ['keyframe 1 value "1.02"', "parentheses"]),
        ("0:(1)+(2), 4:(3)", ["keyframe 1", '"+(2)"', "after its closing parenthesis"]),
        ("0:(1) 4:(2)", ["keyframe 1", '"4:(2)"', "missing comma"]),
        ("1.02 + foo", ['"foo"', "column 8", "allowed", "sin()", "clamp()"]),
        ("0:(1), 4:(baz(t))", ["keyframe 2 value", '"baz"', "column 11", "allowed", "sqrt()"]),
        ("0:(1), 4:(2) | bounce", ['"bounce"', "linear, smooth, ease_in, ease_out"]),
        ("0:(1) | smooth | linear", ['"|"']),
        ("1 | smooth", ['"smooth" needs keyframes']),
        ("1.05 abc", ["syntax error", "column 6"]),
        ("1.05)", ['unmatched ")"', "column 5"]),
        ("0:(sin(t), 4:(1)", ['"(" at column 3', "never closed"]),
        ("1, 0:(2)", ['keyframe 1 "1" has no time', "mix"]),
        ("0:(1), 1.05", ['keyframe 2 "1.05" has no time', "mix"]),
        ("1, 2", ["2 values separated by commas", "keyframe"]),
        ("0:(1),", ["keyframe 2 is empty"]),
        ("0:(), 4:(1)", ["keyframe 1 value is empty"]),
        ("sin(t, 2)", ["sin()", "1 argument"]),
        ("max(t)", ["max()", "at least 2"]),
        ("min(t, key=1)", ["min()", "positional"]),
        ("1/0", ['"1/0"', "division by zero"]),
        ("10**10**10", ['"10**10**10"', "range"]),
        ("1e999", ["inf"]),
        ("__import__('os')", ['"__import__"', "allowed"]),
        ("t.__class__", ['"t.__class__"', "attribute"]),
        ("(lambda: 1)()", ['"(lambda: 1)()"', "not allowed"]),
        ("[1][0]", ['"[1][0]"', "indexing"]),
        ('"a"', ['"a"', "str", "not allowed"]),
        ("True", ['"True"', "bool"]),
        ("1j", ['"1j"', "complex"]),
        ("t < 1", ['"t < 1"', "comparison"]),
        ("t if t else 1", ["not allowed"]),
        ("1 +\n 2 a", ["\\n", "syntax error"]),
    ],
)
def test_rejections_are_one_line_user_errors(text: str, pieces: list[str]) -> None:
    _bad(text, *pieces)


def test_error_quotes_whole_string_and_example() -> None:
    msg = _bad("0:(1.02), x:(1.05)", name="motion.zoom")
    assert msg == (
        'motion.zoom: cannot read "0:(1.02), x:(1.05)": keyframe 2 has time "x", expected a number of '
        'seconds, as in "0:(1.02), 4:(1.05)"'
    )


def test_wrong_types_rejected() -> None:
    for value in (None, True, [1.0]):
        with pytest.raises(UserError, match="dream.lr"):
            parse_keyframes(value, name="dream.lr")  # type: ignore[arg-type]


def test_evaluation_errors_name_expression_and_time() -> None:
    k = parse_keyframes("0:(1), 4:(sqrt(2 - t))", name="dream.lr")
    assert k(1.0) == pytest.approx(0.75 + 0.25 * 1.0)
    with pytest.raises(UserError) as info:
        k(3.0)
    msg = str(info.value)
    assert "\n" not in msg
    for piece in ("dream.lr", '"sqrt(2 - t)"', "t=3", "domain"):
        assert piece in msg
    with pytest.raises(UserError, match=r"t=2.*(range|inf)"):
        parse_keyframes("exp(1000*t)", name="motion.zoom")(2.0)
    with pytest.raises(UserError, match="division by zero"):
        parse_keyframes("1/(t - 1)")(1.0)
    with pytest.raises(UserError, match="domain"):
        parse_keyframes("(t - 3) ** 0.5")(1.0)  # would be complex with Python's **


def test_deep_nesting_is_a_user_error() -> None:
    _bad("(" * 500 + "1" + ")" * 500)
    _bad("-" * 100_000 + "1")
    _bad("t+" * 500 + "t", "nested")  # parses, but deeper than the walker allows
    assert parse_keyframes("t+" * 50 + "t")(1.0) == 51.0


def test_keyframe_times_must_increase_and_the_message_says_which_rule_broke() -> None:
    _bad("1:(1), 0:(2)", "not after the previous 1")
    _bad("2:(1), 0.5:(2)", "not after the previous 2")
    _bad("-1:(1)", "negative")


def test_nested_parentheses_in_a_keyframe_value() -> None:
    k = parse_keyframes("0:((1+2)*(3)), 2:(((4)))")
    assert k(0.0) == 9.0 and k(2.0) == 4.0 and k(1.0) == 6.5


def test_quoted_text_in_messages_is_cut_at_80_characters() -> None:
    long = "1 + " * 30 + "nope"
    msg = _bad(long)
    assert '"' + long[:77] + '..."' in msg
    exact = "x" * 80
    assert '"' + exact + '"' in _bad(exact)


def test_a_backslash_is_quoted_as_it_was_typed() -> None:
    assert "with \\ in" in _bad("0:(1), 1:(with \\ in)")


def test_a_syntax_error_column_counts_the_leading_spaces() -> None:
    """Columns count in the whole string the user typed: three leading spaces move the error by three."""
    import re

    def column(text: str) -> int:
        return int(re.search(r"near column (\d+)", _bad(text)).group(1))

    assert column("   1 +") == column("1 +") + 3
    assert column("0:(1), 4:(   2 +)") == column("0:(1), 4:(2 +)") + 3


def test_an_expression_that_mentions_t_before_a_constant_still_varies() -> None:
    k = parse_keyframes("t*2 + pi")
    assert not k.is_constant and k(1.0) == pytest.approx(2 + math.pi)


@pytest.mark.parametrize("wrap", ["-({})", "({} + 0)", "abs({})", "(0 + {})"])
def test_nesting_is_limited_at_exactly_100_levels(wrap: str) -> None:
    def nested(levels: int) -> str:
        text = "t"
        for _ in range(levels):
            text = wrap.format(text)
        return text

    parse_keyframes(nested(100))  # 100 levels: the deepest node sits at depth 100
    _bad(nested(101), "nested more than 100 levels")
