"""The root render config (a typed schema Hydra checks at compose time) and its ConfigStore entry."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from pipeline.audio import audio_duration, check_audio_file
from pipeline.device import check_device_name
from pipeline.dream import DreamConfig
from pipeline.errors import UserError
from pipeline.motion import MotionConfig
from pipeline.precision import check_precision_name
from pipeline.schedule import LayerScheduleConfig
from pipeline.video import VideoConfig
from pipeline.weights import ModelConfig


@dataclass
class RenderConfig:
    input: str | None = None  # image to start from (any format OpenCV reads); null: seeded grey noise
    width: int = 640  # frame width in pixels (even: H.264's 4:2:0 needs it)
    height: int = 360  # frame height in pixels (even)
    frames: str = "120"  # how many frames to render, or "auto": as long as the audio track
    fps: float = 24.0  # frames per second of the video; motion and schedules are in seconds, so unaffected
    seed: int = 0  # seeds the noise, the random weights and every frame's jitter
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    precision: str = "auto"  # auto | fp32 | bf16 | fp16: the network's float type (auto: fastest safe one)
    model: ModelConfig = field(default_factory=ModelConfig)
    dream: DreamConfig = field(default_factory=DreamConfig)
    layer_schedule: LayerScheduleConfig = field(default_factory=LayerScheduleConfig)
    motion: MotionConfig = field(default_factory=MotionConfig)
    video: VideoConfig = field(default_factory=VideoConfig)
    audio: str | None = None  # sound track (WAV/MP3/M4A/FLAC) as AAC, cut/padded to the video; null: none
    preview_every: int = 10  # refresh preview.jpg every this many frames (0: never)
    contact_sheet: bool = True  # write contact_sheet.jpg (12 evenly spaced, captioned frames) at the end
    resume: str | None = None  # a run directory to continue from its last saved frame (its settings apply)

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if value < 2 or value % 2:
                raise UserError(
                    f"{name} must be an even number of pixels >= 2 (H.264 4:2:0 needs even sides), "
                    f"got {value}: try {name}={max(2, value + value % 2)}"
                )
        if self.fps <= 0:
            raise UserError(f"fps must be positive (24, 30 or 60 are typical), got {self.fps}")
        if self.audio is not None:
            check_audio_file(self.audio)
        self.frame_count = self._frame_count()
        if self.preview_every < 0:
            raise UserError(f"preview_every must be 0 (never) or more frames, got {self.preview_every}")
        check_device_name(self.device)
        check_precision_name(self.precision)
        if self.input is not None and not Path(self.input).expanduser().is_file():
            raise UserError(
                f"input: no file at {self.input}; pass an image path, or input=null to start from noise"
            )

    def _frame_count(self) -> int:
        """`frames` as a number; "auto" fits the video to the audio track, rounding up to a whole frame."""
        if str(self.frames).strip().lower() == "auto":
            if self.audio is None:
                raise UserError("frames=auto takes its length from the audio track: pass audio=path/to/track")
            return max(1, math.ceil(audio_duration(self.audio) * self.fps - 1e-6))
        try:
            count = int(str(self.frames))
        except ValueError:
            raise UserError(f'frames must be a whole number or "auto", got {self.frames!r}') from None
        if count < 1:
            raise UserError(f"frames must be at least 1, got {count}")
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
