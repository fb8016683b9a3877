"""The root configs (typed schemas Hydra checks at compose time) and their ConfigStore entries.

Composing a config validates values only: no file is read, no clip probed, no torch, torchvision or OpenCV
imported (so `--help`, `--cfg job` and a typo answer at once). What depends on the input (a clip's size,
rate and length, the sound track) is resolved once, when the work starts, by pipeline.run.plan.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from pipeline.animation.coherence_config import CoherenceConfig
from pipeline.animation.colour import ColourConfig
from pipeline.animation.dream_config import DreamConfig
from pipeline.animation.motion_config import MotionConfig
from pipeline.animation.music_config import MusicConfig, check_music_source, music_keys
from pipeline.animation.schedule import LayerScheduleConfig
from pipeline.dreamer.channels import check_channels, parse_channels
from pipeline.dreamer.settings import ModelConfig, check_device_name, check_precision_name
from pipeline.errors import UserError
from pipeline.ffmpeg import fps_fraction
from pipeline.output.video_config import VideoConfig

# cadence=auto on a zoom render (docs/speed-and-cost.md, "A whole video at a fraction of the cost": measured)
AUTO_CADENCE = 6
MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed and numpy's SeedSequence both take it
# Where the Hydra configs (render.yaml, stills.yaml, the preset groups) are: package data, so an installed
# wheel finds them as a checkout does. Absolute: launchers run the commands' main() by module name.
CONF_DIR = Path(__file__).resolve().parent / "conf"


@dataclass
class DreamerConfig:
    """What the video and the stills share: the input, the frame size, and how the network dreams."""

    input: str | None = None  # image (any format OpenCV reads) or, for a video, a clip; null: grey noise
    width: int = 0  # width in pixels; 0: the input's own (a video without a clip: 640)
    height: int = 0  # height in pixels; 0: the input's own (a video without a clip: 360)
    seed: int = 0  # seeds the noise, the random weights and the jitter
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    precision: str = "auto"  # auto | fp32 | bf16 | fp16: the network's float type (auto: fastest safe one)
    deterministic: bool = False  # CUDA: no cuDNN benchmark, no TF32, deterministic kernels (bool)
    threads: int = 0  # CPU threads for torch and OpenCV; 0: all cores, shared among parallel sweep jobs
    model: ModelConfig = field(default_factory=ModelConfig)  # the network and its weights (model=vgg19, ...)
    dream: DreamConfig = field(default_factory=DreamConfig)  # octaves, steps, lr... (keyframes: video only)

    def __post_init__(self) -> None:
        if self.threads < 0:
            raise UserError(
                "threads must be 0 (automatic: this machine's cores shared among the jobs running at "
                f"once) or a number of CPU threads per job, got {self.threads}"
            )
        for name in ("width", "height"):
            if (value := getattr(self, name)) < 0:
                raise UserError(f"{name} must be a number of pixels, or 0 for the input's own, got {value}")
        if not 0 <= self.seed <= MAX_SEED:
            raise UserError(f"seed must be a whole number from 0 to 2**63-1 ({MAX_SEED}), got {self.seed}")
        check_device_name(self.device)
        check_precision_name(self.precision)


@dataclass
class RenderConfig(DreamerConfig):
    frames: str = "auto"  # how many frames; "auto": a clip's length, else the audio track's, else 120
    fps: float = 24.0  # frames per second (a clip keeps its own); motion and schedules are in seconds
    layer_schedule: LayerScheduleConfig = field(default_factory=LayerScheduleConfig)
    motion: MotionConfig = field(default_factory=MotionConfig)
    coherence: CoherenceConfig = field(default_factory=CoherenceConfig)  # clips only: frame-to-frame carry
    colour: ColourConfig = field(default_factory=ColourConfig)  # colour coherence: frames keep a reference's
    video: VideoConfig = field(default_factory=VideoConfig)
    audio: str | None = None  # sound track (WAV/MP3/M4A/FLAC) as AAC; null: a clip's own; "none": silent
    music: MusicConfig = field(
        default_factory=MusicConfig
    )  # how beat(t), bar(t) and unit=bars read the track
    preview_every: int = 10  # refresh preview.jpg every this many frames (0: never)
    contact_sheet: bool = True  # write contact_sheet.jpg (12 evenly spaced, captioned frames) at the end
    resume: str | None = None  # a run directory to continue from its last saved frame (its settings apply)
    log_frames: bool = False  # also print each frame's line on the console (render.log always has them)
    # zoom renders: dream every Nth frame and make the frames between from the camera's exact motion (1: every
    # frame); "auto" (dream=default): AUTO_CADENCE for a zoom render, 1 for a clip (a clip's motion is not the
    # camera's). A number the record lacks (runs made before cadence existed) is 1: what they were made with.
    cadence: str = "1"

    def __post_init__(self) -> None:
        """Validate values only; `auto`/0 are resolved against the input by pipeline.run.plan."""
        super().__post_init__()
        for name in ("width", "height"):
            value = getattr(self, name)
            if value and (value < 2 or value % 2):
                raise UserError(
                    f"{name} must be an even number of pixels >= 2 (H.264 4:2:0 needs even sides), "
                    f"got {value}: try {name}={max(2, value + value % 2)}"
                )
        if self.fps <= 0 or fps_fraction(self.fps) <= 0:  # the encoder's rate is a fraction n/d, d <= 1000
            raise UserError(f"fps must be at least 0.01 (24, 30 or 60 are typical), got {self.fps}")
        self.frame_limit()
        self.layer_schedule.check_layers(self.model)  # the schedule's layers are the chosen network's
        self.music_keys = music_keys(self)  # settings that read the soundtrack: key -> functions called
        check_music_source(self.music_keys, self.layer_schedule.unit, self.may_have_sound())
        if self.preview_every < 0:
            raise UserError(f"preview_every must be 0 (never) or more frames, got {self.preview_every}")
        self.cadence_for(clip=False)  # read once here, so a bad value stops the config

    def cadence_for(self, clip: bool) -> int:
        """Frames per dream: `auto` is AUTO_CADENCE for a zoom render and 1 for a clip."""
        text = str(self.cadence).strip().lower()
        if text == "auto":
            return 1 if clip else AUTO_CADENCE
        if not (text.isdigit() and int(text) >= 1):
            raise UserError(
                "cadence must be auto or a whole number of frames >= 1 (1: dream every frame), "
                f"got {self.cadence}"
            )
        return int(text)

    def may_have_sound(self) -> bool:
        """Whether a sound track can come. No file is read: whether the input is a clip with sound is
        the plan's to find out (and the render set-up refuses music settings then, in the same words)."""
        if self.audio is not None:
            return self.audio.strip().lower() != "none"
        return self.input is not None

    def frame_limit(self) -> int | None:
        """`frames` as a number, or None for "auto"."""
        if str(self.frames).strip().lower() == "auto":
            return None
        try:
            count = int(str(self.frames))
        except ValueError:
            raise UserError(f'frames must be a whole number or "auto", got {self.frames!r}') from None
        if count < 1:
            raise UserError(f"frames must be at least 1, got {count}")
        return count


@dataclass
class StillsConfig(DreamerConfig):
    # layer names (a list or one), "all" (every layer of the network, shallow to deep) or "default" (three
    # depths of it: VGG19 conv3_2, conv4_2, conv5_1; Inception v3 Mixed_5d, Mixed_6a, Mixed_6c; GoogLeNet
    # inception3b, inception4c, inception4e)
    layers: Any = "default"
    # one still per channel of the one layer named: [12,97], 0-15 or "range(0,16)"; null: whole layers
    channels: Any = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.layer_names = resolve_layers(self.layers, self.model)
        self.channel_list = None if self.channels is None else parse_channels(self.channels, "channels")
        if self.channel_list is not None:
            if len(self.layer_names) != 1:
                raise UserError(
                    f"channels needs exactly one layer (e.g. layers={self.model.network.default_layer}), "
                    f"got {len(self.layer_names)}"
                )
            check_channels(self.model.network, self.layer_names[0], self.channel_list, "channels")

    def deepest_layer(self) -> str:
        return self.model.network.deepest(self.layer_names)


def resolve_layers(value: Any, model: ModelConfig | None = None) -> list[str]:
    """`layers` as a list of names checked against the model's network, in the order given: "all" is every
    layer it has (that its weights dream), "default" its three usual ones; one name is a list of one (so
    `-m layers=conv3_1,conv4_2` sweeps one layer per job)."""
    model = model or ModelConfig()
    plan = model.network
    word = value.strip().lower() if isinstance(value, str) else None
    if word in ("all", "default"):
        names = list(model.dreamable_layers() if word == "all" else plan.stills)
    elif isinstance(value, str):
        names = [value]
    elif isinstance(value, list | tuple):
        names = [str(name) for name in value]
    else:
        raise UserError(
            f"layers must be a list like [{','.join(plan.stills[:2])}], one layer name, all or default; "
            f"got {value!r}"
        )
    if not names:
        raise UserError(f"layers is empty: name at least one, e.g. layers=[{plan.default_layer}], or all")
    for name in names:
        model.check_layer(name, "layers")
    return list(dict.fromkeys(names))


NAME_BYTES = 200  # longest folder name a sweep job gets (file systems allow 255 bytes)


def job_dir_name(number: int, overrides: str) -> str:
    """hydra.sweep.subdir: the job's number and overrides, as Hydra names it, unless a part of it (a long
    path or value) would be longer than a file name may be: then that part is cut and a hash of the whole
    name added, so the folder can be made and stays unique (Hydra failed with a traceback, and the sweep
    with it)."""
    name = f"{number}_{overrides}"
    if all(len(part.encode()) <= NAME_BYTES for part in name.split("/")):
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    short = lambda part: part.encode()[: NAME_BYTES - 13].decode(errors="ignore") + "~" + digest  # noqa: E731
    return "/".join(part if len(part.encode()) <= NAME_BYTES else short(part) for part in name.split("/"))


def register_configs() -> None:
    """Store the schemas outside any group, so they never show up as presets to sweep over; and the
    resolvers pipeline/conf/render.yaml uses to render a resume into the run directory it continues."""
    ConfigStore.instance().store(name="render_schema", node=RenderConfig)
    ConfigStore.instance().store(name="stills_schema", node=StillsConfig)
    resolvers = {
        "run_dir": lambda resume, fresh: resume or fresh,  # a resume logs into the run it continues
        "record_dir": lambda resume: None if resume else ".hydra",  # and keeps that run's record intact
        "job_dir": job_dir_name,  # a sweep job's folder, short enough to be made
    }
    for name, resolver in resolvers.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)
