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
from pipeline.output.manifest import Manifest
from pipeline.run.interrupts import exit_code_of
from pipeline.run.lock import run_lock
from pipeline.run.resume import resume_config
from pipeline.run.untouched import refused_leaves_no_trace
from pipeline.sweeps.gpu_health import check_gpu_usable
from pipeline.sweeps.jobs import record_interrupt, run_job, skip_after_stop

log = logging.getLogger(__name__)


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
    from pipeline.run.loop import dream_frames, progress_bar
    from pipeline.run.plan import plan_run, write_plan
    from pipeline.run.renderer import Renderer

    stop = StopRequest()  # armed (signals caught) from the first frame to the end of the encoding
    with run_lock(out_dir, "render" if cfg.resume is None else "resume"):
        with refused_leaves_no_trace(out_dir):  # a refused render leaves the directory as it was
            resolved = plan_run(cfg, out_dir)
            renderer = Renderer(
                cfg, resolved, out_dir, stop.should_stop
            )  # built once, checked before frame 0
        write_plan(out_dir, resolved)  # the render is accepted
        start, feed = renderer.feed()
        frames, fps = resolved.frame_count, resolved.fps
        # The request covers the encoding too: a Ctrl-C while ffmpeg finishes the MP4 waits for it to
        # be whole (a second Ctrl-C still stops at once; the frames are PNGs and a resume re-encodes).
        with stop:
            with Mp4Writer(
                renderer.video_path, resolved.width, resolved.height, fps, cfg.video, resolved.audio_source
            ) as video:
                renderer.encode_done_frames(video, start)
                sink = FrameSink(
                    out_dir, video, Manifest(out_dir, start), cfg.preview_every, renderer.page.write
                )
                try:
                    with _closing(feed, sink), progress_bar(start, frames) as progress:
                        end = dream_frames(renderer, feed, sink, stop.stop_after_frame, progress)
                except BaseException as error:
                    renderer.page.write(error=error)  # index.html says why it stopped
                    raise
                path = video.close()
            renderer.finish(video.frames_written)
    return _returned(end, stop, path, video.frames_written, frames)


def _returned(end, stop, path: Path, done: int, frames: int) -> Path:
    """The one place the loop's end becomes the render's: the MP4, or the exception that says why not
    (the CLI turns it into an exit code: pipeline.run.interrupts.exit_code_of, or 2 for a UserError)."""
    from pipeline.run.loop import Outcome

    if end.outcome is Outcome.CLIP_ENDED:
        raise end.reason
    if stop.requested is not None:  # also when asked while the last frames were being encoded
        raise Interrupted(done, stop.exit_code, complete=done >= frames)
    return path


@contextlib.contextmanager
def _closing(feed, sink):
    """Stop reading the source and wait for the frame being written, so the state on disk is consistent;
    when an error (or a second Ctrl-C) is in flight, that is the one to report."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            _close(feed, sink)
        raise
    _close(feed, sink)


def _close(feed, sink) -> None:
    try:
        feed.close()
    finally:
        sink.close()


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
