"""Which layers dream, how strongly, at each frame: stages of layer weights joined by crossfades."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.dreamer.layers import check_layer_name, deepest
from pipeline.errors import UserError

UNITS = ("seconds", "frames", "fraction")


@dataclass
class StageConfig:
    at: float = 0.0  # when this stage starts, in the schedule's unit; it fades in over `crossfade`
    # layer -> weight (>= 0). Empty by default: a non-empty default would be merged into every YAML stage.
    layers: dict[str, float] = field(default_factory=dict)


@dataclass
class LayerScheduleConfig:
    unit: str = "seconds"  # unit of `at` and `crossfade`: seconds | frames | fraction (of the whole video)
    crossfade: float = 0.0  # how long each stage takes to fade in over the previous one, in `unit`
    layer: str | None = None  # shortcut: dream this one layer for the whole video (stages are ignored)
    stages: list[StageConfig] = field(default_factory=lambda: [StageConfig(at=0.0, layers={"conv4_2": 1.0})])

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise UserError(f"layer_schedule.unit must be one of {', '.join(UNITS)}, got {self.unit!r}")
        if self.crossfade < 0:
            raise UserError(f"layer_schedule.crossfade must be 0 or more, got {self.crossfade}")
        if self.layer is not None:
            check_layer_name(self.layer, "layer_schedule.layer")
            return
        if not self.stages:
            raise UserError(
                "layer_schedule.stages is empty: give at least one {at: 0, layers: {conv4_2: 1.0}}"
            )
        for number, stage in enumerate(self.stages):
            _check_stage(stage, f"layer_schedule.stages[{number}]")
        starts = [stage.at for stage in self.stages]
        if starts[0] < 0 or any(b <= a for a, b in zip(starts, starts[1:])):
            raise UserError(f"layer_schedule.stages: start times must be >= 0 and increasing, got {starts}")
        for number, (a, b) in enumerate(zip(starts[1:], starts[2:]), start=1):
            if b - a < self.crossfade:
                raise UserError(
                    f"layer_schedule.stages[{number}] lasts {b - a:g} {self.unit} but the crossfade takes "
                    f"{self.crossfade:g}: space the stages further apart or shorten layer_schedule.crossfade"
                )

    def resolved_stages(self) -> list[StageConfig]:
        return [StageConfig(at=0.0, layers={self.layer: 1.0})] if self.layer else self.stages

    def deepest_layer(self) -> str:
        return deepest(name for stage in self.resolved_stages() for name in stage.layers)


def _check_stage(stage: StageConfig, where: str) -> None:
    if not stage.layers:
        raise UserError(f"{where}.layers is empty: name at least one layer, e.g. {{conv4_2: 1.0}}")
    for name, weight in stage.layers.items():
        check_layer_name(name, f"{where}.layers")
        if weight < 0:
            raise UserError(f"{where}.layers.{name} has weight {weight}; weights must be 0 or more")
    if sum(stage.layers.values()) <= 0:
        raise UserError(f"{where}.layers: all weights are 0, so nothing would dream; give one a weight > 0")


class LayerSchedule:
    """Layer weights for any frame of a video of `frames` frames at `fps`."""

    def __init__(self, cfg: LayerScheduleConfig, fps: float, frames: int):
        self.cfg, self.stages = cfg, cfg.resolved_stages()
        self.per_frame = {"seconds": 1.0 / fps, "frames": 1.0, "fraction": 1.0 / frames}[cfg.unit]

    def weights_at(self, frame_index: int) -> dict[str, float]:
        """The active stage's weights, blended with the previous stage's while it fades in."""
        t = frame_index * self.per_frame
        current = max((i for i, stage in enumerate(self.stages) if stage.at <= t), default=0)
        weights = dict(self.stages[current].layers)
        fading_in = current > 0 and t < self.stages[current].at + self.cfg.crossfade
        if fading_in:
            u = (t - self.stages[current].at) / self.cfg.crossfade
            mix = u * u * (3.0 - 2.0 * u)  # smoothstep: no jolt at either end of the fade
            previous = self.stages[current - 1].layers
            weights = {
                name: (1.0 - mix) * previous.get(name, 0.0) + mix * weights.get(name, 0.0)
                for name in {**previous, **weights}
            }
        return {name: weight for name, weight in weights.items() if weight > 0}
