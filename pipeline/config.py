"""The root render config (a typed schema Hydra checks at compose time) and its ConfigStore entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hydra.core.config_store import ConfigStore

from pipeline.audio import check_audio_file
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
    frames: int = 120  # how many frames to render
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

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if value < 2 or value % 2:
                raise UserError(
                    f"{name} must be an even number of pixels >= 2 (H.264 4:2:0 needs even sides), "
                    f"got {value}: try {name}={max(2, value + value % 2)}"
                )
        if self.frames < 1:
            raise UserError(f"frames must be at least 1, got {self.frames}")
        if self.fps <= 0:
            raise UserError(f"fps must be positive (24, 30 or 60 are typical), got {self.fps}")
        check_device_name(self.device)
        check_precision_name(self.precision)
        if self.input is not None and not Path(self.input).expanduser().is_file():
            raise UserError(
                f"input: no file at {self.input}; pass an image path, or input=null to start from noise"
            )
        if self.audio is not None:
            check_audio_file(self.audio)


def register_configs() -> None:
    """Store the schema outside any group, so it never shows up as a preset to sweep over."""
    ConfigStore.instance().store(name="render_schema", node=RenderConfig)
