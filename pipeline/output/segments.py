"""Raw frames into video-only MP4 segments (`segments/000000.mp4`, named by their first frame), joined later.

Each segment is one x264 run of whole closed GOPs, so segments join cleanly with ffmpeg's concat demuxer
and `-c copy`; they stay on disk until a join succeeded, so a failed join can be redone from them.
"""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import tempfile
from pathlib import Path

from pipeline.errors import UserError, one_line
from pipeline.ffmpeg import count_frames, executable, popen, run

# x264 sets a segment's B-frame delay from its first 3 frames: a shorter segment would start at another
# dts offset and leave a gap in the joined track, so no segment is shorter (unless it is the only one).
MIN_SEGMENT = 3


class SegmentWriter:
    """Rolls raw RGB frames into segments of `segment_frames` (rounded up to whole GOPs), then joins them."""

    def __init__(self, folder: Path, encode_args: list[str], segment_frames: int, gop: int):
        self.folder, self.encode_args, self.frames = folder, encode_args, 0
        executable()  # found now, before the first frame (and any Ctrl-C), not in the writer thread
        self.per_segment = math.ceil(max(segment_frames, MIN_SEGMENT) / gop) * gop
        try:
            folder.mkdir(exist_ok=True)
        except OSError as error:
            raise UserError(f"cannot create {folder} for the video ({error.strerror})") from None
        self.current: Segment | None = None
        self.finished: list[Path] = []
        self.held: list[bytes] = []  # frames after a full segment, until MIN_SEGMENT of them start the next

    def write(self, frame: bytes) -> None:
        self.held.append(frame)
        self.frames += 1
        if self.current is None or self.current.frames < self.per_segment:
            self._write_held()
        elif len(self.held) == MIN_SEGMENT:
            self.finished.append(self.current.close())
            self.current = None
            self._write_held()

    def finish(self) -> list[Path]:
        """Close the last segment (a tail shorter than MIN_SEGMENT lengthens it) and list them all."""
        if self.held:
            self._write_held()
        if self.current is not None:
            self.finished.append(self.current.close())
            self.current = None
        return self.finished

    def join(self, out: Path, inputs: list[str], outputs: list[str]) -> None:
        """Concatenate the finished segments losslessly (video copied) into `out`, moov atom first;
        `inputs`/`outputs` add more streams, such as the sound track, in the same step."""
        listing = self.folder / "list.txt"
        listing.write_text("".join(f"file '{segment.name}'\n" for segment in self.finished))
        concat = ["-f", "concat", "-safe", "0", "-i", str(listing)]  # the segments, one after the other
        video = ["-map", "0:v:0", "-c:v", "copy"]  # copied, not encoded again
        mp4 = ["-movflags", "+faststart", "-f", "mp4", str(out)]
        where = f"join {len(self.finished)} segment(s) into {out}; they stay in {self.folder}"
        run([*concat, *inputs, *video, *outputs, *mp4], where)

    def remove(self) -> None:
        """Delete what this writer made; the folder too, if nothing else is in it."""
        for file in [*self.finished, self.folder / "list.txt"]:
            file.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.folder.rmdir()

    def abort(self) -> None:
        """Drop the unfinished segment; finished ones stay on disk (a resume reuses them), and the folder
        goes if it is left empty (a failed encode leaves no empty segments/ behind)."""
        if self.current is not None:
            self.current.abort()
            self.current = None
        with contextlib.suppress(OSError):  # not empty: finished segments, or another writer's files
            self.folder.rmdir()

    def _write_held(self) -> None:
        if self.current is None:
            first = self.frames - len(self.held)
            self.current = Segment(self.folder / f"{first:06d}.mp4", self.encode_args)
        for frame in self.held:
            self.current.write(frame)
        self.held.clear()


class Segment:
    """One video-only MP4 written by one ffmpeg process fed raw frames on stdin.

    It is written as `NAME.partial.mp4` and renamed to `NAME.mp4` only once ffmpeg exited cleanly and the
    frame count read back matches, so a segment without `.partial` is always complete.
    """

    def __init__(self, path: Path, encode_args: list[str]):
        self.path, self.frames = path, 0
        self.partial = path.with_name(f"{path.stem}.partial.mp4")
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the segment; closed on finish)
        self.process = popen(
            [*encode_args, "-f", "mp4", str(self.partial)], stdin=subprocess.PIPE, stderr=self.stderr
        )

    def write(self, data: bytes) -> None:
        try:
            self.process.stdin.write(data)
        except BrokenPipeError:
            self.process.wait()
            raise self._failure() from None
        self.frames += 1

    def close(self) -> Path:
        """Finish the stream, check the exit status and frame count, then give the segment its name."""
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.close()
        try:
            if self.process.wait() != 0:
                raise self._failure()
        finally:
            self.stderr.close()
        if (frames := count_frames(self.partial)) != self.frames:
            raise UserError(f"ffmpeg wrote {frames} frames to {self.partial}, expected {self.frames}")
        os.replace(self.partial, self.path)
        return self.path

    def abort(self) -> None:
        """Stop ffmpeg and drop the unfinished segment; nothing else is touched."""
        self.process.kill()
        self.process.wait()
        self.stderr.close()
        with contextlib.suppress(OSError):  # cleanup must not hide the error that caused it
            self.partial.unlink(missing_ok=True)

    def _failure(self) -> UserError:
        self.stderr.seek(0)
        return UserError(
            f"ffmpeg could not write {self.partial} (exit {self.process.returncode}: "
            f"{one_line(self.stderr.read(), last=True)}); every frame rendered so far is kept as PNG"
        )
