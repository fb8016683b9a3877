"""Video-only segments of whole GOPs, joined losslessly; a segment without `.partial` is complete."""

import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.ffmpeg import count_frames
from pipeline.output.segments import MIN_SEGMENT, SegmentWriter

W, H = 32, 24
ARGS = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-r", "10", "-i", "-", "-an",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "2", "-bf", "2", "-flags", "+cgop"]  # fmt: skip


def _frame(value):
    return np.full((H, W, 3), value, np.uint8).tobytes()


def test_segment_length_is_rounded_up_to_whole_gops_and_never_below_the_minimum(tmp_path):
    assert SegmentWriter(tmp_path / "a", ARGS, 5, 2).per_segment == 6
    assert SegmentWriter(tmp_path / "b", ARGS, 4, 2).per_segment == 4
    assert SegmentWriter(tmp_path / "c", ARGS, 1, 1).per_segment == MIN_SEGMENT


def test_frames_roll_into_segments_named_by_their_first_frame_and_join(tmp_path):
    writer = SegmentWriter(tmp_path / "segments", ARGS, 4, 2)
    for index in range(9):  # 4 + 5: the 1-frame tail would be too short, so it lengthens the last one
        writer.write(_frame(20 * index))
    segments = writer.finish()
    assert [p.name for p in segments] == ["000000.mp4", "000004.mp4"]
    assert [count_frames(p) for p in segments] == [4, 5]
    assert writer.frames == 9
    assert not list((tmp_path / "segments").glob("*.partial.mp4"))
    out = tmp_path / "joined.mp4"
    writer.join(out, [], [])
    assert count_frames(out) == 9
    writer.remove()
    assert not (tmp_path / "segments").exists()


def test_abort_drops_only_the_unfinished_segment(tmp_path):
    writer = SegmentWriter(tmp_path / "segments", ARGS, 3, 1)
    for index in range(7):  # 3 + 3 finished once the third frame after them arrives; 1 still open
        writer.write(_frame(index))
    writer.abort()
    names = sorted(p.name for p in (tmp_path / "segments").iterdir())
    assert names == ["000000.mp4"] or names == ["000000.mp4", "000003.mp4"]
    assert not any("partial" in name for name in names)


def test_a_folder_that_cannot_be_made_is_a_user_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(UserError, match="cannot create"):
        SegmentWriter(tmp_path / "file" / "segments", ARGS, 4, 2)
