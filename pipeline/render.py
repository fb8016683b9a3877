"""Render a zooming DeepDream video: dream a frame, write it, move the camera, feed it back, repeat.

`python -m pipeline.render key=value ...` (Hydra); tests and other code call `render(cfg, out_dir)`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from pipeline.config import CONF_DIR, RenderConfig, register_configs
from pipeline.output.manifest import Manifest, layer_caption
from pipeline.run.console import FRAMES_LOGGER
from pipeline.run.resume import resume_config
from pipeline.sweeps.jobs import run_job

log = logging.getLogger(__name__)
frames_log = logging.getLogger(FRAMES_LOGGER)  # render.log only, unless log_frames=true (run/console.py)


class Interrupted(Exception):
    """The render stopped early on request; what was done is encoded and it can be resumed."""

    def __init__(self, frames_done: int, exit_code: int):
        super().__init__(f"stopped after {frames_done} frames")
        self.frames_done, self.exit_code = frames_done, exit_code


def render(cfg: RenderConfig, out_dir: Path) -> Path:
    """Dream frames into out_dir/frames/ and out_dir/<video.filename> (continuing a saved state if
    `cfg.resume`); return the MP4's path. Raises Interrupted after encoding, if asked to stop."""
    # torch, torchvision and OpenCV load here, where the work starts: --help, --cfg job and typos stay instant
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    from pipeline.output.sink import FrameSink
    from pipeline.output.video import Mp4Writer
    from pipeline.run.interrupts import StopRequest
    from pipeline.run.plan import plan_run, write_plan
    from pipeline.run.renderer import Renderer

    resolved = plan_run(cfg, out_dir)
    renderer = Renderer(cfg, resolved, out_dir)
    write_plan(out_dir, resolved)  # after the checks: a refused render leaves the directory as it was
    start, feed = renderer.feed()
    frames, fps = resolved.frame_count, resolved.fps
    with Mp4Writer(
        renderer.video_path, resolved.width, resolved.height, fps, cfg.video, resolved.audio_source
    ) as video:
        renderer.encode_done_frames(video, start)
        sink = FrameSink(out_dir, video, Manifest(out_dir, start), cfg.preview_every)
        with StopRequest() as stop, logging_redirect_tqdm():
            try:
                bar = tqdm(range(start, frames), initial=start, total=frames,
                           unit="frame", desc="dreaming", dynamic_ncols=True)  # fmt: skip
                for index in bar:
                    frame, record, carry = feed.frame_at(index, renderer)  # dreamed, or made between dreams
                    sink.submit(index, frame, carry, record)
                    bar.set_postfix_str(_summary(record), refresh=False)
                    frames_log.info("frame %d/%d  %s", index + 1, frames, _summary(record))
                    if stop.requested:
                        break
            finally:
                feed.close()
                sink.close()
        path = video.close()
    renderer.finish(video.frames_written)
    if video.frames_written < frames:
        raise Interrupted(video.frames_written, stop.exit_code)
    return path


def _summary(record: dict) -> str:
    if not record["dreamed"]:
        return "made between the dreams at frames {} and {}".format(*record["between"])
    caption = layer_caption(record["layers"])
    return f"layers {caption}  objective {record['objective_end']:.4g}  {record['dream_seconds']:.2f}s"


register_configs()


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="render")
def main(cfg: DictConfig) -> None:
    """Hydra entry point: convert and validate the config, render into Hydra's run directory."""
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    if cfg.resume is not None:
        out_dir = Path(cfg.resume)
    run_job(lambda: _render_or_stop(cfg, out_dir), out_dir, log)


def _render_or_stop(cfg: DictConfig, out_dir: Path) -> None:
    """Render; an interrupted render says how to continue it and exits 130 (Ctrl-C) or 128 + signal."""
    try:
        if cfg.resume is not None:
            cfg = resume_config(out_dir, cfg, list(HydraConfig.get().overrides.task))
        render(OmegaConf.to_object(cfg), out_dir)
    except (Interrupted, KeyboardInterrupt) as stop:
        message = (
            f"interrupted: the frames so far are in {out_dir}; "
            f"continue with: python -m pipeline.render resume={out_dir}"
        )
        log.warning(message)
        print(message, file=sys.stderr)
        sys.exit(stop.exit_code if isinstance(stop, Interrupted) else 130)


if __name__ == "__main__":  # the importable function: joblib and submitit pickle it by reference
    from pipeline.render import main as importable_main

    importable_main()
