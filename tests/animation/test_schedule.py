import pytest

from pipeline.animation.schedule import LayerSchedule, LayerScheduleConfig, StageConfig
from pipeline.dreamer.settings import ModelConfig
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
        ({"layer": "fc7"}, "fc7"),
        ({"stages": []}, "empty"),
    ],
)
def test_bad_schedules_are_refused(kwargs, fragment):
    """The form at construction; the layer names once the root config checks them against its model."""
    with pytest.raises(UserError, match=fragment):
        LayerScheduleConfig(**kwargs).check_layers(ModelConfig())


@pytest.mark.parametrize("u, mix", [(0.25, 0.15625), (0.75, 0.84375), (0.5, 0.5)])
def test_crossfade_is_a_smoothstep_not_linear(u, mix):
    """Away from the midpoint smoothstep and linear differ (at 1/4: 0.15625 vs 0.25)."""
    schedule = _schedule(crossfade=1.0, fps=4, frames=40)
    weights = schedule.weights_at(8 + round(u * 4))  # the fade runs from t = 2 s (frame 8) to 3 s
    assert weights == pytest.approx(
        {"conv3_1": 1.0 - mix, "conv4_2": 0.5 * mix, "conv5_1": 1.5 * mix}, abs=1e-12
    )


def test_a_longer_crossfade_stretches_the_same_curve():
    schedule = _schedule(crossfade=2.0, fps=4, frames=40)
    assert schedule.weights_at(10)["conv3_1"] == pytest.approx(1.0 - 0.15625)  # t = 2.5 s, u = 1/4
    assert schedule.weights_at(12)["conv5_1"] == pytest.approx(1.5 * 0.5)  # t = 3 s, u = 1/2
    assert schedule.weights_at(16) == {"conv4_2": 0.5, "conv5_1": 1.5}  # t = 4 s: done


def test_the_first_stage_has_nothing_to_fade_from():
    cfg = LayerScheduleConfig(crossfade=1.0, stages=[StageConfig(0.0, {"conv3_1": 2.0})])
    assert LayerSchedule(cfg, fps=10, frames=20).weights_at(0) == {"conv3_1": 2.0}
    assert LayerSchedule(cfg, fps=10, frames=20).weights_at(5) == {"conv3_1": 2.0}


def test_three_stages_fade_into_each_other_in_turn():
    cfg = LayerScheduleConfig(
        unit="frames",
        crossfade=4.0,
        stages=[
            StageConfig(0.0, {"conv2_1": 1.0}),
            StageConfig(10.0, {"conv3_1": 1.0}),
            StageConfig(20.0, {"conv4_1": 1.0}),
        ],
    )
    schedule = LayerSchedule(cfg, fps=24, frames=30)
    assert schedule.weights_at(9) == {"conv2_1": 1.0}
    assert schedule.weights_at(11) == pytest.approx({"conv2_1": 1 - 0.15625, "conv3_1": 0.15625})
    assert schedule.weights_at(14) == {"conv3_1": 1.0}
    assert schedule.weights_at(21) == pytest.approx({"conv3_1": 1 - 0.15625, "conv4_1": 0.15625})
    assert schedule.weights_at(29) == {"conv4_1": 1.0}


def test_fraction_unit_spans_the_whole_video():
    cfg = LayerScheduleConfig(
        unit="fraction", crossfade=0.2,
        stages=[StageConfig(0.0, {"conv3_1": 1.0}), StageConfig(0.5, {"conv4_1": 1.0})],
    )  # fmt: skip
    schedule = LayerSchedule(cfg, fps=24, frames=40)  # fade from frame 20 to frame 28
    assert schedule.weights_at(22) == pytest.approx({"conv3_1": 1 - 0.15625, "conv4_1": 0.15625})


def test_stages_may_be_exactly_one_crossfade_apart():
    cfg = LayerScheduleConfig(
        crossfade=1.0,
        stages=[
            StageConfig(0, {"conv3_1": 1}),
            StageConfig(1, {"conv3_2": 1}),
            StageConfig(2, {"conv3_3": 1}),
        ],
    )
    assert LayerSchedule(cfg, fps=4, frames=20).weights_at(12) == {"conv3_3": 1}


def test_a_zero_weight_layer_is_left_out_and_a_first_stage_may_start_late():
    cfg = LayerScheduleConfig(stages=[StageConfig(1.0, {"conv3_1": 1.0, "conv4_1": 0.0})])
    schedule = LayerSchedule(cfg, fps=10, frames=30)
    assert schedule.weights_at(0) == {"conv3_1": 1.0}  # before the first stage: it holds
    assert schedule.weights_at(20) == {"conv3_1": 1.0}


def test_refusals_name_the_stage_and_the_fix():
    with pytest.raises(UserError, match=r"layer_schedule\.stages\[1\]\.layers is empty"):
        LayerScheduleConfig(stages=[StageConfig(0, {"conv3_1": 1}), StageConfig(1, {})])
    with pytest.raises(UserError, match=r"stages\[1\] lasts 0.5 seconds but the crossfade takes 1"):
        LayerScheduleConfig(
            crossfade=1.0,
            stages=[
                StageConfig(0, {"conv3_1": 1}),
                StageConfig(1, {"conv3_2": 1}),
                StageConfig(1.5, {"conv3_3": 1}),
            ],
        )
    with pytest.raises(UserError, match="start times must be >= 0"):
        LayerScheduleConfig(stages=[StageConfig(-1.0, {"conv3_1": 1})])
    with pytest.raises(UserError, match="must be 0 or more"):
        LayerScheduleConfig(crossfade=-0.5)
    with pytest.raises(UserError, match=r"layer_schedule\.layer: unknown VGG19 layer"):
        LayerScheduleConfig(layer="conv0_0").check_layers(ModelConfig())


def test_refusal_messages_list_choices_and_place():
    with pytest.raises(UserError, match=r"^layer_schedule\.stages is empty"):
        LayerScheduleConfig(stages=[])
    with pytest.raises(
        UserError, match=r"^layer_schedule\.stages\[0\]\.layers: unknown VGG19 layer 'conv9_9'"
    ):
        LayerScheduleConfig(stages=[StageConfig(0.0, {"conv9_9": 1.0})]).check_layers(ModelConfig())
    with pytest.raises(UserError, match="increasing"):
        LayerScheduleConfig(stages=[StageConfig(1.0, {"conv3_1": 1.0}), StageConfig(1.0, {"conv3_2": 1.0})])


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


def test_an_empty_channel_list_is_refused_not_read_as_every_channel():
    from pipeline.animation.schedule import read_entries
    from pipeline.errors import UserError

    with pytest.raises(UserError, match=r"conv3_1:.*no channels"):
        read_entries({"conv3_1:": 1.0}, "layer_schedule.stages[0].layers")


def test_a_huge_channel_range_is_refused_before_it_is_built():
    from pipeline.dreamer.channels import parse_channels
    from pipeline.errors import UserError

    with pytest.raises(UserError, match="channels: .*range\\(0,3000000000\\).*at most"):
        parse_channels("range(0,3000000000)", "channels")


def test_a_channel_subset_is_labelled_as_one_in_the_manifest_not_as_the_whole_layer():
    """{conv3_1: {weight, channels: [1, 2, 3]}} reads "conv3_1:1-3" in the manifest, log and contact
    sheet (it read "conv3_1", like the whole layer); the "name:12,97" form keeps what was written."""
    from pipeline.dreamer.channels import channels_text

    layers = {"conv3_1": {"weight": 1.0, "channels": [1, 2, 3, 7]}, "conv4_2": 0.5, "conv5_1:12,97": 1.0}
    schedule = LayerSchedule(LayerScheduleConfig(stages=[StageConfig(at=0.0, layers=layers)]), 24.0, 24)
    assert schedule.weights_at(0) == {"conv3_1:1-3,7": 1.0, "conv4_2": 0.5, "conv5_1:12,97": 1.0}
    assert [channels_text(c) for c in ((0, 1), (5,), tuple(range(16)), (3, 4, 5, 9, 10))] == [
        "0,1",
        "5",
        "0-15",
        "3-5,9,10",
    ]
