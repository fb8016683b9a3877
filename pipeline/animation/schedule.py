"""Which layers dream, how strongly, at each frame: stages of layer weights joined by crossfades."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline.cli.choices import Choice
from pipeline.dreamer.channels import channels_text, check_channels, parse_channels
from pipeline.dreamer.layers import VGG19
from pipeline.dreamer.networks import presets_hint
from pipeline.dreamer.plan import NetworkPlan
from pipeline.dreamer.settings import ModelConfig
from pipeline.errors import UserError

if TYPE_CHECKING:  # the schema stays free of numpy; the render hands the analysed track in
    from pipeline.animation.signals import MusicSignals


class Unit(Choice):
    """What a schedule's `at` and `crossfade` count."""

    seconds = "seconds"
    frames = "frames"
    fraction = "fraction"  # of the whole video
    beats = "beats"  # of the soundtrack, from its first detected beat
    bars = "bars"  # music.beats_per_bar beats to a bar


@dataclass
class StageConfig:
    at: float = 0.0  # when this stage starts, in the schedule's unit; it fades in over `crossfade`
    # layer -> weight (>= 0), or -> {weight: 1.0, channels: [12, 97]} to dream only those channels (also
    # written "conv4_2:12,97": 1.0). Empty by default: a non-empty default would be merged into every stage.
    layers: dict[str, Any] = field(default_factory=dict)
    guide: str | None = None  # image this stage dreams towards (its features); null: dream.guide's, if any

    @property
    def entries(self) -> list[LayerEntry]:
        """`layers` read (checked with the stage's number by LayerScheduleConfig first; the names against
        the network by LayerScheduleConfig.check_layers)."""
        return read_entries(self.layers, "layer_schedule.stages.layers")


@dataclass(frozen=True)
class LayerEntry:
    """One layer entry of a stage, read: `label` names it in the manifest, the log and the contact sheet:
    the key as written, or "conv3_1:1-3" for a channel subset given as {weight, channels}."""

    label: str
    layer: str
    weight: float  # >= 0
    channels: tuple[int, ...] | None = None  # None: every channel of the layer


def read_entries(layers: dict[str, Any], where: str) -> list[LayerEntry]:
    """Each `name: weight`, `name: {weight, channels}` or `"name:12,97": weight`, its form checked (whether
    the network has the layer and its channels is LayerScheduleConfig.check_layers's to say)."""
    entries = []
    for key, value in layers.items():
        name, colon, listed = str(key).partition(":")
        if colon and not listed.strip():  # "conv3_1:" is a list left empty, not the whole layer
            raise UserError(
                f'{where}.{key}: the channel list after ":" holds no channels; name them, '
                f'as in "{name}:12,97", or write {name} for the whole layer'
            )
        channels = parse_channels(listed, f"{where}.{key}") if listed else None
        weight = value
        if isinstance(value, dict):
            unknown = set(value) - {"weight", "channels"}
            if unknown or (channels and "channels" in value):
                raise UserError(
                    f"{where}.{key}: expected {{weight: 1.0, channels: [12, 97]}} (channels named once), "
                    f"got {value}"
                )
            weight = value.get("weight", 1.0)
            if value.get("channels") is not None:
                channels = parse_channels(value["channels"], f"{where}.{key}.channels")
                key = f"{name}:{channels_text(channels)}"  # labelled as a subset, not as the whole layer
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise UserError(f"{where}.{key}: the weight must be a number >= 0, got {weight!r}")
        entries.append(LayerEntry(str(key), name, float(weight), channels))
    return entries


@dataclass
class LayerScheduleConfig:
    # unit of `at` and `crossfade`: seconds | frames | fraction (of the whole video) | beats | bars (of the
    # soundtrack, counted from its first detected beat; music.beats_per_bar beats to a bar)
    unit: Unit = Unit.seconds
    crossfade: float = 0.0  # how long each stage takes to fade in over the previous one, in `unit`
    layer: str | None = None  # shortcut: dream this one layer for the whole video (stages are ignored)
    stages: list[StageConfig] = field(default_factory=lambda: [StageConfig(at=0.0, layers={"conv4_2": 1.0})])

    def __post_init__(self) -> None:
        """The schedule's form; its layer names are checked against the model by `check_layers`."""
        self.plan: NetworkPlan = VGG19  # the default model's, until a root config checks it against its own
        if self.crossfade < 0:
            raise UserError(f"layer_schedule.crossfade must be 0 or more, got {self.crossfade}")
        if self.layer is not None:
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

    def check_layers(self, model: ModelConfig) -> None:
        """Every layer and channel named must be the model's network's (the root config calls this: it
        knows both); the schedule then orders its layers by that network."""
        hint = presets_hint(model.network)
        stages = [] if self.layer is not None else self.stages
        if self.layer is not None:
            model.check_layer(self.layer, "layer_schedule.layer", hint)
        for number, stage in enumerate(stages):
            where = f"layer_schedule.stages[{number}].layers"
            for entry in read_entries(stage.layers, where):
                model.check_layer(entry.layer, where, hint)
                if entry.channels is not None:
                    check_channels(model.network, entry.layer, entry.channels, f"{where}.{entry.label}")
        self.plan = model.network

    def resolved_stages(self) -> list[StageConfig]:
        return [StageConfig(at=0.0, layers={self.layer: 1.0})] if self.layer else self.stages

    def deepest_layer(self) -> str:
        return self.plan.deepest(entry.layer for stage in self.resolved_stages() for entry in stage.entries)


def _check_stage(stage: StageConfig, where: str) -> None:
    if not stage.layers:
        raise UserError(f"{where}.layers is empty: name at least one layer, e.g. {{conv4_2: 1.0}}")
    for entry in read_entries(stage.layers, f"{where}.layers"):
        if entry.weight < 0:
            raise UserError(
                f"{where}.layers.{entry.label} has weight {entry.weight}; weights must be 0 or more"
            )
    if sum(entry.weight for entry in stage.entries) <= 0:
        raise UserError(f"{where}.layers: all weights are 0, so nothing would dream; give one a weight > 0")


class LayerSchedule:
    """Layer weights for any frame of a video of `frames` frames at `fps`; `beats` and `bars` count the
    analysed soundtrack's beats (`music`), carried on at its tempo beyond the last one detected."""

    def __init__(self, cfg: LayerScheduleConfig, fps: float, frames: int, music: MusicSignals | None = None):
        self.cfg, self.stages, self.fps, self.music = cfg, cfg.resolved_stages(), fps, music
        self.starts = [stage.at for stage in self.stages]  # increasing (checked): found by bisection
        self.entries = [stage.entries for stage in self.stages]  # read once, not every frame
        if cfg.unit in ("beats", "bars") and music is None:
            raise ValueError("a beats/bars schedule needs the analysed soundtrack")  # config checks first
        self.per_frame = {"seconds": 1.0 / fps, "frames": 1.0, "fraction": 1.0 / frames}.get(cfg.unit, 0.0)

    def position(self, frame_index: int) -> float:
        """Where a frame sits on the schedule's time line, in its unit."""
        if self.music is None or self.cfg.unit not in ("beats", "bars"):
            return frame_index * self.per_frame
        # The beats heard by the end of this frame's time on screen: a stage at beat N starts on the
        # frame shown while beat N sounds, the frame beat(t) peaks on.
        beats = self.music.beat_position((frame_index + 1 - 1e-6) / self.fps)
        return beats / self.music.beats_per_bar if self.cfg.unit == "bars" else beats

    def blend_at(self, frame_index: int) -> list[tuple[int, float]]:
        """(stage number, share) of the stages dreaming at this frame: the active stage, and the previous
        one while the active one fades in (shares add up to 1)."""
        t = self.position(frame_index)
        # the last stage that has started; a binary search, so a long video over 10,000 stages stays
        # linear overall (a scan of every stage per frame was frames x stages)
        current = max(bisect.bisect_right(self.starts, t) - 1, 0)
        fading_in = current > 0 and t < self.stages[current].at + self.cfg.crossfade
        if not fading_in:
            return [(current, 1.0)]
        u = (t - self.stages[current].at) / self.cfg.crossfade
        mix = u * u * (3.0 - 2.0 * u)  # smoothstep: no jolt at either end of the fade
        return [(current - 1, 1.0 - mix), (current, mix)]

    def weights_at(self, frame_index: int) -> dict[str, float]:
        """Each layer entry's weight (by its label), the fading stages' weights blended."""
        weights: dict[str, float] = {}
        for number, share in self.blend_at(frame_index):
            for entry in self.entries[number]:
                weights[entry.label] = weights.get(entry.label, 0.0) + share * entry.weight
        return {name: weight for name, weight in weights.items() if weight > 0}
