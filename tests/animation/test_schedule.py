import pytest

from pipeline.animation.schedule import LayerSchedule, LayerScheduleConfig, StageConfig
from pipeline.errors import UserError


def _schedule(crossfade=1.0, unit="seconds", fps=10, frames=100):
    cfg = LayerScheduleConfig(
        unit=unit,
        crossfade=crossfade,
        stages=[
            StageConfig(at=0.0, layers={"conv3_1": 1.0}),
            StageConfig(at=2.0, layers={"conv4_2": 0.5, "conv5_1": 1.5}),
        ],
    )
    return LayerSchedule(cfg, fps=fps, frames=frames)


def test_weights_before_inside_and_after_a_crossfade():
    schedule = _schedule()
    assert schedule.weights_at(10) == {"conv3_1": 1.0}  # t = 1 s: first stage only
    halfway = schedule.weights_at(25)  # t = 2.5 s: halfway through the 1 s fade
    assert halfway == pytest.approx({"conv3_1": 0.5, "conv4_2": 0.25, "conv5_1": 0.75})
    assert sum(halfway.values()) == pytest.approx(0.5 * 1.0 + 0.5 * 2.0)
    assert schedule.weights_at(30) == {"conv4_2": 0.5, "conv5_1": 1.5}  # t = 3 s: fade done


def test_crossfade_changes_smoothly():
    schedule = _schedule(crossfade=1.0, fps=100, frames=1000)
    series = [schedule.weights_at(i).get("conv3_1", 0.0) for i in range(150, 350)]
    steps = [abs(b - a) for a, b in zip(series, series[1:])]
    assert max(steps) < 0.02  # no jump bigger than 2% of the weight between frames
    assert series[0] == 1.0 and series[-1] == 0.0


def test_no_crossfade_switches_hard():
    schedule = _schedule(crossfade=0.0)
    assert schedule.weights_at(19) == {"conv3_1": 1.0}
    assert schedule.weights_at(20) == {"conv4_2": 0.5, "conv5_1": 1.5}


def test_frames_and_fraction_units():
    by_frames = _schedule(crossfade=0.0, unit="frames")
    assert by_frames.weights_at(1) == {"conv3_1": 1.0} and "conv5_1" in by_frames.weights_at(2)
    cfg = LayerScheduleConfig(
        unit="fraction", stages=[StageConfig(0.0, {"conv3_1": 1.0}), StageConfig(0.5, {"conv4_1": 1.0})]
    )
    schedule = LayerSchedule(cfg, fps=24, frames=10)
    assert schedule.weights_at(4) == {"conv3_1": 1.0} and schedule.weights_at(5) == {"conv4_1": 1.0}


def test_single_layer_shortcut_overrides_stages():
    cfg = LayerScheduleConfig(layer="conv2_1")
    assert LayerSchedule(cfg, 24, 10).weights_at(7) == {"conv2_1": 1.0}
    assert cfg.deepest_layer() == "conv2_1"


def test_deepest_layer_spans_all_stages():
    assert _schedule().cfg.deepest_layer() == "conv5_1"


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"stages": [StageConfig(0.0, {"conv9_9": 1.0})]}, "conv9_9"),
        ({"stages": [StageConfig(0.0, {"conv3_1": -1.0})]}, "weight -1.0"),
        ({"stages": [StageConfig(0.0, {"conv3_1": 0.0})]}, "all weights are 0"),
        ({"stages": [StageConfig(1.0, {"conv3_1": 1.0}), StageConfig(0.5, {"conv3_2": 1.0})]}, "increasing"),
        (
            {
                "crossfade": 2.0,
                "stages": [
                    StageConfig(0, {"conv3_1": 1}),
                    StageConfig(1, {"conv3_2": 1}),
                    StageConfig(2, {"conv3_3": 1}),
                ],
            },
            "crossfade",
        ),
        ({"unit": "minutes"}, "unit"),
        ({"layer": "fc7"}, "fc7"),
        ({"stages": []}, "empty"),
    ],
)
def test_bad_schedules_are_refused(kwargs, fragment):
    with pytest.raises(UserError, match=fragment):
        LayerScheduleConfig(**kwargs)


def test_a_schedule_of_10000_stages_costs_no_more_per_frame_than_one_of_10():
    """Scaling, not speed: CPU time per frame with 10,000 stages against 10 stages, in the same run.
    A scan of every stage per frame made it ~1000x (10,000 frames x 10,000 stages: quadratic)."""
    import time

    from pipeline.animation.schedule import LayerSchedule, LayerScheduleConfig, StageConfig

    def seconds(stages: int) -> float:
        cfg = LayerScheduleConfig(unit="frames", stages=[StageConfig(at=float(i), layers={"conv3_1": 1.0})
                                                          for i in range(stages)])  # fmt: skip
        schedule = LayerSchedule(cfg, 24, 10_000)
        started = time.process_time()
        for index in range(0, 10_000, 5):
            schedule.weights_at(index)
        return time.process_time() - started

    seconds(10)  # warm-up
    ratio = seconds(10_000) / seconds(10)
    print(f"weights_at: 10,000 stages cost {ratio:.1f}x 10 stages per frame")
    assert ratio < 20
