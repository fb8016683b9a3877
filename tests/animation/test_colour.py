"""Colour coherence: matching pulls a frame to the reference's colours, by the share asked for; settings
are checked when composed."""

import numpy as np
import pytest

from pipeline.animation.colour import ColourConfig
from pipeline.animation.colour_match import ColourMatch, from_space, to_space
from pipeline.animation.curves import Curves
from pipeline.errors import UserError
from pipeline.output.quality import quality
from tests.allocations import peak_bytes


def _reference(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(0.45, 0.12, (24, 32, 3)), 0, 1).astype(np.float32)


def _drifted(reference: np.ndarray, lift: float = 1.5, gain: float = 3.0) -> np.ndarray:
    """Brighter, more saturated, partly blown out: what a feedback loop does to a frame."""
    grey = reference.mean(axis=-1, keepdims=True)
    return np.clip(grey * lift + (reference - grey) * gain, 0, 1).astype(np.float32)


@pytest.mark.parametrize("method", ["histogram", "meanstd"])
@pytest.mark.parametrize("space", ["lab"])
def test_full_strength_brings_the_figures_back_to_the_reference(method, space):
    reference = _reference()
    match = ColourMatch(ColourConfig(match="first", method=method, space=space), fps=24)
    assert match(reference, 0) is reference  # the first frame becomes the reference, unchanged
    drifted = _drifted(reference)
    matched, want, before = quality(match(drifted, 1)), quality(reference), quality(drifted)
    for name in ("luminance", "saturation"):
        assert abs(before[name] / want[name] - 1) > 0.15  # the drift is real...
        assert abs(matched[name] / want[name] - 1) < 0.06, (name, matched, want)  # ...and undone
    assert before["clipped"] - want["clipped"] > 0.1
    assert abs(matched["clipped"] - want["clipped"]) < 0.03


@pytest.mark.parametrize("method", ["histogram", "meanstd"])
def test_hsv_brings_back_saturation_and_value(method):
    """HSV matches value (the brightest channel), not luma: it is checked on what it controls, on a
    drift without blown-out values (histograms cannot spread many pixels tied at 1.0 apart again)."""
    reference = _reference()
    drifted = _drifted(reference, lift=1.2, gain=1.8)
    assert quality(drifted)["clipped"] < 0.03
    match = ColourMatch(ColourConfig(match="first", method=method, space="hsv"), fps=24, reference=reference)
    value = lambda frame: float(frame.max(axis=-1).mean())  # noqa: E731
    matched = match(drifted, 1)
    assert value(drifted) / value(reference) > 1.15
    assert abs(value(matched) / value(reference) - 1) < 0.06
    assert abs(quality(matched)["saturation"] / quality(reference)["saturation"] - 1) < 0.06


@pytest.mark.parametrize("method", ["histogram", "meanstd"])
def test_rgb_brings_back_each_channel(method):
    """RGB matches each channel on its own (not their mix, so not saturation): checked per channel, on
    a drift without many blown-out values (as for HSV)."""
    reference = _reference()
    drifted = _drifted(reference, lift=1.2, gain=1.8)
    match = ColourMatch(ColourConfig(match="first", method=method, space="rgb"), fps=24, reference=reference)
    want, before, after = (f.mean(axis=(0, 1)) for f in (reference, drifted, match(drifted, 1)))
    assert np.abs(before - want).min() > 0.08
    assert np.abs(after - want).max() < 0.01


def test_strength_is_the_share_of_the_way_and_keyframable():
    reference = _reference()
    drifted = _drifted(reference)
    # an image reference (frame 0 of match=first would become its own reference)
    keyframed = ColourConfig(match="image", reference="ref.png", strength="0:(0), 1:(1)")
    match = ColourMatch(keyframed, fps=4, reference=reference)
    full = ColourMatch(ColourConfig(match="image", reference="ref.png"), fps=4, reference=reference)(
        drifted, 4
    )
    assert np.array_equal(match(drifted, 0), drifted)  # t=0: strength 0
    half = match(drifted, 2)  # t=0.5 s: halfway
    assert np.allclose(half, drifted + 0.5 * (full - drifted), atol=1e-6)
    assert np.allclose(match(drifted, 4), full, atol=1e-6)


def test_an_image_reference_is_used_from_the_first_frame():
    reference, other = _reference(0), _drifted(_reference(1))
    cfg = ColourConfig(match="image", reference="ref.png", space="lab")
    match = ColourMatch(cfg, fps=24, reference=reference)
    assert abs(quality(match(other, 0))["luminance"] - quality(reference)["luminance"]) < 0.02


def test_none_leaves_frames_alone():
    frame = _drifted(_reference())
    assert ColourMatch(ColourConfig(), fps=24)(frame, 3) is frame


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        (["colour.strength=1.5"], "colour.strength must be between 0 and 1"),
        (["colour.strength='0:(1), 1:(-2)'"], "colour.strength"),
        (["colour.match=image"], "colour.reference=PATH"),
        (["colour=first_lab", "colour.reference=x.png"], "colour.match=image"),
    ],
)
def test_bad_settings_fail_when_composed(tiny_config, overrides, fragment):
    with pytest.raises(UserError, match=None) as error:
        cfg = tiny_config(*overrides)
        Curves.for_render(cfg, None).check_over(4.0, 8)  # later keyframes: checked before frame 0
    assert fragment in str(error.value) and "\n" not in str(error.value)


def test_presets_compose(tiny_config):
    cfg = tiny_config("colour=first_lab")
    assert (cfg.colour.match, cfg.colour.space) == ("first", "lab")
    assert tiny_config("colour=first_hsv").colour.space == "hsv"
    default = tiny_config().colour  # colour=default: frame 0's colours in LAB, 0.75 of the way, on a zoom
    assert (default.match, default.space, default.strength) == ("auto", "lab", "0.75")
    assert tiny_config("colour=none").colour.match == "none"


def _as_before(cfg: ColourConfig, reference: np.ndarray, frame: np.ndarray, index: int) -> np.ndarray:
    """The match as it was computed before the reference's side was kept: the histogram match (or the
    mean and spread) against the reference, converted and sorted again for every frame."""
    from pipeline.animation.histogram_match import match_histograms

    target, values = to_space(reference, cfg.space), to_space(frame, cfg.space)
    if cfg.method == "histogram":
        matched = match_histograms(values, target)
    else:
        axes = (0, 1)
        spread = target.std(axis=axes) / np.maximum(values.std(axis=axes), 1e-6)
        matched = (values - values.mean(axis=axes)) * spread + target.mean(axis=axes)
    matched = from_space(matched, cfg.space)
    return (frame + float(cfg.strength) * (matched - frame)).astype(np.float32)


@pytest.mark.parametrize("space", ["hsv", "lab", "rgb"])
@pytest.mark.parametrize("method", ["histogram", "meanstd"])
@pytest.mark.parametrize("strength", ["1.0", "0.4"])
def test_the_kept_reference_matches_value_for_value_as_one_sorted_again(space, method, strength):
    """Ties included: a blown-out band (value 1 in every channel) and a black one in both frames."""
    reference, frame = _reference(0), _drifted(_reference(1))
    reference[:3], frame[-2:] = 1.0, 0.0
    cfg = ColourConfig(match="first", space=space, method=method, strength=strength)
    match = ColourMatch(cfg, fps=24, reference=reference)
    for index in (1, 2):  # the kept reference serves every frame
        assert np.array_equal(match(frame, index), _as_before(cfg, reference, frame, index))


def test_matching_a_frame_does_not_sort_the_reference_again():
    """With a reference 64x the frame's size, a frame's match allocates less than one float32 channel of
    the reference: its distribution was taken once, in float64 (scikit-image sorted it again for every
    frame, and np.interp converted float32 values to float64 at every call)."""
    rng = np.random.default_rng(2)
    reference = rng.random((192, 256, 3), dtype=np.float32)
    frame = rng.random((24, 32, 3), dtype=np.float32)
    match = ColourMatch(ColourConfig(match="image", reference="ref.png"), fps=24, reference=reference)
    assert peak_bytes(lambda: match(frame, 1)) < 4 * reference.shape[0] * reference.shape[1]


def test_frame_0_is_its_own_reference_even_when_a_resume_brought_one():
    """A render killed before its first checkpoint restarts at frame 0 with the reference it saved (frame
    0's dream): frame 0 must come out as dreamed, as it did the first time, not matched to itself (a LAB
    round trip moved its bytes, and the resumed video differed at frame 0)."""
    rng = np.random.default_rng(2)
    dream = rng.random((24, 32, 3), dtype=np.float32)
    resumed = ColourMatch(ColourConfig(match="first", space="lab", strength="0.75"), fps=24, reference=dream)
    assert np.array_equal(resumed(dream, 0), dream)
    later = rng.random((24, 32, 3), dtype=np.float32)
    assert not np.array_equal(resumed(later, 1), later)  # later frames are matched to it
