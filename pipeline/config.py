"""The root render config (a typed schema Hydra checks at compose time) and its ConfigStore entry."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from pipeline.animation.camera import MotionConfig
from pipeline.animation.coherence import CoherenceConfig
from pipeline.animation.schedule import LayerScheduleConfig
from pipeline.dreamer.ascent import DreamConfig
from pipeline.dreamer.device import check_device_name
from pipeline.dreamer.precision import check_precision_name
from pipeline.dreamer.weights import ModelConfig
from pipeline.errors import UserError
from pipeline.output.video import VideoConfig
from pipeline.sources.audio import audio_duration, check_audio_file
from pipeline.sources.clip import ClipInfo, even_size, is_video, probe_clip


@dataclass
class RenderConfig:
    input: str | None = (
        None  # photo (any format OpenCV reads) or video clip to dream; null: seeded grey noise
    )
    width: int = 0  # frame width in pixels, even (H.264 4:2:0); 0: a clip's own width, else 640
    height: int = 0  # frame height in pixels, even; 0: a clip's own height, else 360
    frames: str = "auto"  # how many frames; "auto": a clip's length, else the audio track's, else 120
    fps: float = 24.0  # frames per second (a clip keeps its own); motion and schedules are in seconds
    seed: int = 0  # seeds the noise, the random weights and every frame's jitter
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    precision: str = "auto"  # auto | fp32 | bf16 | fp16: the network's float type (auto: fastest safe one)
    model: ModelConfig = field(default_factory=ModelConfig)
    dream: DreamConfig = field(default_factory=DreamConfig)
    layer_schedule: LayerScheduleConfig = field(default_factory=LayerScheduleConfig)
    motion: MotionConfig = field(default_factory=MotionConfig)
    coherence: CoherenceConfig = field(default_factory=CoherenceConfig)  # clips only: frame-to-frame carry
    video: VideoConfig = field(default_factory=VideoConfig)
    audio: str | None = None  # sound track (WAV/MP3/M4A/FLAC) as AAC; null: a clip's own; "none": silent
    preview_every: int = 10  # refresh preview.jpg every this many frames (0: never)
    contact_sheet: bool = True  # write contact_sheet.jpg (12 evenly spaced, captioned frames) at the end
    resume: str | None = None  # a run directory to continue from its last saved frame (its settings apply)
    threads: int = 0  # CPU threads for torch and OpenCV; 0: all cores, shared among parallel sweep jobs
    log_frames: bool = False  # also print each frame's line on the console (render.log always has them)
    cadence: int = 1  # zoom renders: dream every Nth frame, warp the camera's motion between (1: every)

    def __post_init__(self) -> None:
        """Validate, and resolve the `auto`/0 settings against the input (clip size, rate, length, sound)."""
        if self.threads < 0:
            raise UserError(f"threads must be 0 (automatic) or a number of CPU threads, got {self.threads}")
        if self.input is not None and not Path(self.input).expanduser().is_file():
            raise UserError(
                f"input: no file at {self.input}; pass an image or clip path, or input=null for noise"
            )
        self.clip: ClipInfo | None = probe_clip(self.input) if self.input and is_video(self.input) else None
        self._resolve_size()
        if self.clip is not None:
            self.fps = float(self.clip.fps)  # exact: fps_fraction maps it back to e.g. 30000/1001
        if self.fps <= 0:
            raise UserError(f"fps must be positive (24, 30 or 60 are typical), got {self.fps}")
        self.audio_source = self._audio_source()
        self.frame_count = self._frame_count()
        if self.preview_every < 0:
            raise UserError(f"preview_every must be 0 (never) or more frames, got {self.preview_every}")
        if self.cadence < 1:
            raise UserError(f"cadence must be 1 (dream every frame) or more frames, got {self.cadence}")
        if self.clip is not None and self.cadence > 1:
            raise UserError(
                f"cadence={self.cadence} is for zoom renders; a clip is dreamed every frame: cadence=1"
            )
        check_device_name(self.device)
        check_precision_name(self.precision)

    def _resolve_size(self) -> None:
        default = even_size(self.clip.width, self.clip.height) if self.clip else (640, 360)
        for name, fallback in zip(("width", "height"), default):
            value = getattr(self, name) or fallback
            if value < 2 or value % 2:
                raise UserError(
                    f"{name} must be an even number of pixels >= 2 (H.264 4:2:0 needs even sides), "
                    f"got {value}: try {name}={max(2, value + value % 2)}"
                )
            setattr(self, name, value)

    def _audio_source(self) -> Path | None:
        """The sound to mux: the given track, else a clip's own, unless audio=none."""
        if self.audio is not None and self.audio.strip().lower() == "none":
            return None
        if self.audio is not None:
            return check_audio_file(self.audio)
        return Path(self.input).expanduser() if self.clip and self.clip.has_audio else None

    def _frame_count(self) -> int:
        """`frames` as a number; "auto": as long as the clip, else the sound track (rounded up to a whole
        frame), else 120."""
        if str(self.frames).strip().lower() == "auto":
            if self.clip is not None:
                return self.clip.frames
            if self.audio_source is not None:
                return max(1, math.ceil(audio_duration(self.audio_source) * self.fps - 1e-6))
            return 120
        try:
            count = int(str(self.frames))
        except ValueError:
            raise UserError(f'frames must be a whole number or "auto", got {self.frames!r}') from None
        if count < 1:
            raise UserError(f"frames must be at least 1, got {count}")
        if self.clip is not None and count > self.clip.frames:
            raise UserError(
                f"frames={count}, but the clip {self.input} has {self.clip.frames}: use frames=auto"
            )
        return count


def register_configs() -> None:
    """Store the schema outside any group, so it never shows up as a preset to sweep over; and the
    resolvers conf/render.yaml uses to render a resume into the run directory it continues."""
    ConfigStore.instance().store(name="render_schema", node=RenderConfig)
    resolvers = {
        "run_dir": lambda resume, fresh: resume or fresh,  # a resume logs into the run it continues
        "record_dir": lambda resume: None if resume else ".hydra",  # and keeps that run's record intact
    }
    for name, resolver in resolvers.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)
