"""Re-encode a render's PNG frames into its MP4, e.g. after a failed encode or to try another preset.

    python -m pipeline.encode run_dir=outputs/2024-05-01/12-00-00 [video=youtube_720p] [audio=song.mp3]

The exact fps and sound the render used (RUN_DIR/plan.json: a clip's own rate and sound track) and the
`video` settings recorded in RUN_DIR/.hydra/config.yaml are used unless given here: `video=PRESET`
(pipeline/conf/video/) replaces the recorded encoder settings, `video.KEY=VALUE` changes one, `audio=PATH` or
`audio=null` replaces the track. Frames stream one at a time, in numeric order.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException
from tqdm import tqdm

from pipeline.config import CONF_DIR
from pipeline.errors import UserError, report
from pipeline.output.frames import read_png
from pipeline.output.video import Mp4Writer
from pipeline.output.video_config import VideoConfig
from pipeline.run.plan import read_plan
from pipeline.run.record import RECORD, read_record

PRESETS_DIR = CONF_DIR / "video"
USAGE = "run_dir=PATH (required), video=PRESET, video.KEY=VALUE, audio=PATH|null"


def encode(run_dir: str | Path, overrides: dict[str, str] | None = None) -> Path:
    """Encode run_dir/frames/*.png into run_dir/<video.filename>; return the MP4's path."""
    run_dir = Path(run_dir).expanduser()
    if not run_dir.is_dir():
        raise UserError(
            f"run_dir: no directory at {run_dir}; pass a render's run directory (outputs/DATE/TIME)"
        )
    frames = numbered_frames(run_dir / "frames")
    fps, video, audio = recorded_settings(run_dir, overrides or {})
    height, width = read_png(frames[0]).shape[:2]
    with Mp4Writer(run_dir / video.filename, width, height, fps, video, audio) as writer:
        for path in tqdm(frames, unit="frame", desc="encoding", dynamic_ncols=True, disable=None):
            frame = read_png(path)
            if frame.shape[:2] != (height, width):
                raise UserError(
                    f"{path} is {frame.shape[1]}x{frame.shape[0]}, the first frame {width}x{height}"
                )
            writer.write(frame)
        return writer.close()


def numbered_frames(frames_dir: Path) -> list[Path]:
    """000000.png, 000001.png, ... sorted as numbers (never as strings), refusing gaps."""
    frames = sorted((p for p in frames_dir.glob("*.png") if p.stem.isdigit()), key=lambda p: int(p.stem))
    if not frames:
        raise UserError(f"run_dir: no frames in {frames_dir} (expected 000000.png, 000001.png, ...)")
    for index, path in enumerate(frames):
        if int(path.stem) != index:
            raise UserError(
                f"run_dir: frame {index:06d}.png is missing from {frames_dir}; frames must not skip"
            )
    return frames


def recorded_settings(run_dir: Path, overrides: dict[str, str]) -> tuple[float, VideoConfig, str | None]:
    """fps, video and audio as the render recorded them, with this command line's overrides on top."""
    recorded = read_record(run_dir, "run_dir")
    base = preset(overrides["video"]) if "video" in overrides else recorded.get("video", {})
    dotted = [
        f"{key[len('video.') :]}={value}" for key, value in overrides.items() if key.startswith("video.")
    ]
    try:
        merged = OmegaConf.merge(OmegaConf.structured(VideoConfig), base, OmegaConf.from_dotlist(dotted))
        video: VideoConfig = OmegaConf.to_object(merged)
    except OmegaConfBaseException as error:
        raise UserError(f"video: {str(error).splitlines()[0]}") from None
    resolved = read_plan(run_dir)  # a run made before plans were recorded has only its settings
    fps = resolved.fps if resolved else recorded.get("fps")
    audio = overrides.get("audio", resolved.audio_source if resolved else recorded.get("audio"))
    if not fps:
        raise UserError(f"run_dir: {run_dir / RECORD} records no fps; is it a render's run directory?")
    return float(fps), video, None if audio in (None, "", "null", "None", "~") else str(audio)


def preset(name: str):
    path = PRESETS_DIR / f"{name}.yaml"
    if not path.is_file():
        choices = ", ".join(sorted(p.stem for p in PRESETS_DIR.glob("*.yaml")))
        raise UserError(f"video: no preset {name!r}; choose one of {choices}")
    return OmegaConf.load(path)


def parse_overrides(args: list[str]) -> dict[str, str]:
    """key=value pairs as on the render's command line; anything else is refused with the keys allowed."""
    overrides = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep or not (key in ("run_dir", "video", "audio") or key.startswith("video.")):
            raise UserError(f"unknown argument {arg!r}; use {USAGE}")
        overrides[key] = value
    if "run_dir" not in overrides:
        raise UserError(f"run_dir is missing; use {USAGE}")
    return overrides


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.encode",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("overrides", nargs="*", metavar="key=value", help=USAGE)
    args = parser.parse_args(argv)
    try:
        overrides = parse_overrides(args.overrides)
        path = encode(overrides.pop("run_dir"), overrides)
    except UserError as error:
        report(error)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
