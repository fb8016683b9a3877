"""The `video.*` settings: how the MP4 is encoded (presets: pipeline/conf/video/), checked without ffmpeg."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.cli.choices import Choice
from pipeline.errors import UserError

X264_PRESET_NAMES = [
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
]
# x264's speed/size trade-off, fastest first (ultrafast writes Main profile)
X264Preset = Choice("X264Preset", [(name, name) for name in X264_PRESET_NAMES])


@dataclass
class VideoConfig:
    """How to encode; presets in pipeline/conf/video/. A preset never sets the frame size: width/height
    stay the render's keys (the size is what dreaming costs), and each preset's YAML names the size it is
    tuned for."""

    filename: str = "dream.mp4"  # written inside the run directory
    crf: int = 18  # x264 constant rate factor: 0 lossless .. 51 worst; ~18 looks transparent
    preset: X264Preset = (
        X264Preset.medium
    )  # x264 speed/size trade-off: ultrafast .. veryslow (ultrafast gives Main profile)
    maxrate: int | None = None  # bitrate cap, kbit/s over a 2 s buffer; x1.5 above 30 fps; null: CRF only
    segment_frames: int = 240  # frames per video-only segment, rounded up to whole GOPs (half a second)
    keep_segments: bool = False  # keep segments/ after a successful join (they are deleted by default)

    def __post_init__(self) -> None:
        if not 0 <= self.crf <= 51:
            raise UserError(f"video.crf must be 0..51 (lower is better, 18 is typical), got {self.crf}")
        if not self.filename.endswith(".mp4") or "/" in self.filename:
            raise UserError(f"video.filename must be a plain name ending in .mp4, got {self.filename!r}")
        if self.maxrate is not None and self.maxrate < 100:
            raise UserError(
                f"video.maxrate must be null or >= 100 kbit/s (8000 = 8 Mbps), got {self.maxrate}"
            )
        if self.segment_frames < 1:
            raise UserError(f"video.segment_frames must be >= 1 (240 is typical), got {self.segment_frames}")
