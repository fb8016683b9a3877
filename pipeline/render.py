"""Render a zooming DeepDream video: dream a frame, write it, move the camera, feed it back, repeat.

`python -m pipeline.render key=value ...` (Hydra); tests and other code call `render(cfg, out_dir)`.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from pipeline.cli.quoting import resume_command
from pipeline.config import CONF_DIR, RenderConfig, register_configs
from pipeline.output.manifest import Manifest, layer_caption
from pipeline.run.console import FRAMES_LOGGER
from pipeline.run.interrupts import exit_code_of
from pipeline.run.lock import run_lock
from pipeline.run.resume import resume_config
from pipeline.sweeps.gpu_health import check_gpu_usable
from pipeline.sweeps.jobs import record_interrupt, run_job, skip_after_stop

log = logging.getLogger(__name__)
frames_log = logging.getLogger(FRAMES_LOGGER)  # render.log only, unless log_frames=true (run/console.py)


class Interrupted(Exception):
    """The render was asked to stop; what was done is encoded and it can be resumed. `complete`: the
    request came while the last frames were being encoded, so the render finished all the same (a sweep
    still stops after it)."""

    def __init__(self, frames_done: int, exit_code: int, complete: bool = False):
        super().__init__(f"stopped after {frames_done} frames")
        self.frames_done, self.exit_code, self.complete = frames_done, exit_code, complete


def render(cfg: RenderConfig, out_dir: Path) -> Path:
    """Dream frames into out_dir/frames/ and out_dir/<video.filename> (continuing a saved state if
    `cfg.resume`); return the MP4's path. Raises Interrupted after encoding, if asked to stop, and a clip
    that ends early raises its UserError after the frames dreamed from it are encoded."""
    # torch, torchvision and OpenCV load here, where the work starts: --help, --cfg job and typos stay instant
    from pipeline.output.sink import FrameSink
    from pipeline.output.video import Mp4Writer
    from pipeline.run.interrupts import StopRequest
    from pipeline.run.plan import plan_run, write_plan
    from pipeline.run.renderer import Renderer

    with run_lock(out_dir, "render"):
        resolved = plan_run(cfg, out_dir)
        renderer = Renderer(cfg, resolved, out_dir)
        write_plan(out_dir, resolved)  # after the checks: a refused render leaves the directory as it was
        start, feed = renderer.feed()
        frames, fps = resolved.frame_count, resolved.fps
        # The request covers the encoding too: a Ctrl-C while ffmpeg finishes the MP4 waits for it to
        # be whole (a second Ctrl-C still stops at once; the frames are PNGs and a resume re-encodes).
        with StopRequest() as stop:
            with Mp4Writer(
                renderer.video_path, resolved.width, resolved.height, fps, cfg.video, resolved.audio_source
            ) as video:
                renderer.encode_done_frames(video, start)
                sink = FrameSink(
                    out_dir, video, Manifest(out_dir, start), cfg.preview_every, renderer.page.write
                )
                try:
                    ended = _dream_frames(frames, renderer, feed, sink, start, stop)
                except BaseException as error:
                    renderer.page.write(error=error)  # index.html says why it stopped
                    raise
                path = video.close()
            renderer.finish(video.frames_written)
    if ended is not None:
        raise ended
    if stop.requested is not None:
        raise Interrupted(video.frames_written, stop.exit_code, complete=video.frames_written >= frames)
    return path


def _dream_frames(frames: int, renderer, feed, sink, start: int, stop):
    """The loop. Returns None, or the ClipEnded error of a clip that ran out early (raised later, after
    encoding). A stop request abandons the frame in flight between two gradient steps."""
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    from pipeline.dreamer.ascent import DreamStopped
    from pipeline.sources.clip import ClipEnded

    ended = None
    try:
        with logging_redirect_tqdm():
            bar = tqdm(range(start, frames), initial=start, total=frames,
                       unit="frame", desc="dreaming", dynamic_ncols=True)  # fmt: skip
            renderer.should_stop = stop.should_stop  # asked between gradient steps
            for index in bar:
                try:
                    frame, record, carry = feed.frame_at(index, renderer)  # dreamed, or made between dreams
                except DreamStopped:
                    break
                except ClipEnded as error:
                    ended = error
                    break
                sink.submit(index, frame, carry, record)
                summary = _summary(record)
                bar.set_postfix_str(summary, refresh=False)
                frames_log.info("frame %d/%d  %s", index + 1, frames, summary)
                if stop.requested:
                    break
    except BaseException:
        with contextlib.suppress(Exception):  # the error (or second Ctrl-C) in flight is the one to report
            _close(feed, sink)
        raise
    _close(feed, sink)
    return ended


def _close(feed, sink) -> None:
    """Stop reading the source; wait for the frame being written (so the state on disk is consistent)."""
    try:
        feed.close()
    finally:
        sink.close()


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
    if skip_after_stop(out_dir):  # a sweep that was interrupted runs no further jobs
        return
    if cfg.resume is not None:
        out_dir = Path(cfg.resume)
    run_job(lambda: _render_or_stop(cfg, out_dir), out_dir, log)


def _render_or_stop(cfg: DictConfig, out_dir: Path) -> None:
    """Render; an interrupted render says how to continue it and exits 130 (Ctrl-C) or 128 + signal."""
    try:
        check_gpu_usable(cfg.device)  # after a sticky CUDA error in an earlier job of this sweep
        if cfg.resume is not None:
            cfg = resume_config(out_dir, cfg, list(HydraConfig.get().overrides.task))
        render(OmegaConf.to_object(cfg), out_dir)
    except (Interrupted, KeyboardInterrupt) as stop:
        complete = getattr(stop, "complete", False)  # asked while its last frames were being encoded
        if complete:
            message = f"stopped as asked, after this render had finished: {out_dir}"
        else:
            message = (
                f"interrupted: the frames so far are in {out_dir}; continue with: {resume_command(out_dir)}"
            )
        log.warning(message)
        print(message, file=sys.stderr)
        code = exit_code_of(stop)
        if not record_interrupt(out_dir, code, complete):  # a sweep job: the sweep stops after it
            sys.exit(code)


if __name__ == "__main__":  # the importable function: joblib and submitit pickle it by reference
    from pipeline.cli.compose import compose_command_line
    from pipeline.cli.help import quick_help
    from pipeline.errors import UserError, report
    from pipeline.render import main as importable_main

    try:
        composed = compose_command_line("render", sys.argv[1:])  # a mistake: one line, exit 2
    except UserError as mistake:
        report(mistake)
    if (help_text := quick_help(sys.argv[1:], composed)) is not None:
        print(help_text)
        sys.exit(0)
    importable_main()
