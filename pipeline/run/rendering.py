"""One render's life: the plan, the Renderer, the frame loop, the MP4 and the exception that says why it
stopped early, around the loop in pipeline/run/loop.py. `python -m pipeline.render` (pipeline/render.py)
is the Hydra command around it; the Python API and the benchmarks call `render(cfg, out_dir)` here.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from pipeline.config import RenderConfig
from pipeline.output.manifest import Manifest
from pipeline.run.lock import run_lock
from pipeline.run.untouched import refused_leaves_no_trace


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
