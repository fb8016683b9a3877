"""frames.jsonl: one line per frame; a resume drops the lines of frames it will dream again."""

import json

from pipeline.output.manifest import MANIFEST, Manifest, read_manifest


def test_records_are_appended_one_json_line_each(tmp_path):
    manifest = Manifest(tmp_path)
    manifest.append({"index": 0, "layers": {"conv3_1": 1.0}})
    manifest.append({"index": 1, "layers": {"conv4_2": 0.5}})
    # flushed as it goes: readable before close, as a crash would leave it
    assert [r["index"] for r in read_manifest(tmp_path)] == [0, 1]
    manifest.close()
    lines = (tmp_path / MANIFEST).read_text().splitlines()
    assert [json.loads(line)["layers"] for line in lines] == [{"conv3_1": 1.0}, {"conv4_2": 0.5}]


def test_a_resume_keeps_only_the_frames_before_it(tmp_path):
    first = Manifest(tmp_path)
    for index in range(5):
        first.append({"index": index})
    first.close()
    resumed = Manifest(tmp_path, first_index=3)
    resumed.append({"index": 3, "again": True})
    resumed.close()
    assert read_manifest(tmp_path) == [{"index": 0}, {"index": 1}, {"index": 2}, {"index": 3, "again": True}]


def test_a_line_cut_short_by_a_crash_is_skipped(tmp_path):
    (tmp_path / MANIFEST).write_text('{"index": 0}\n{"index": 1}\n{"index": 2, "lay')
    assert read_manifest(tmp_path) == [{"index": 0}, {"index": 1}]
    assert read_manifest(tmp_path / "nowhere") == []


def test_a_line_that_parses_but_is_no_frame_record_is_left_out_with_a_warning(tmp_path, caplog):
    """`[1, 2]` or `{"index": "x"}` in frames.jsonl (edited by hand) made a resume fail with TypeError."""
    lines = ['{"index": 0, "time": 0.0}', "[1, 2]", '{"index": "x"}', '{"index": 1, "time": 0.1}']
    (tmp_path / MANIFEST).write_text("\n".join(lines) + "\n")
    assert [record["index"] for record in read_manifest(tmp_path)] == [0, 1]
    assert "line(s) 2, 3 are not frame records" in caplog.text
    Manifest(tmp_path, first_index=1)  # a resume at frame 1 keeps frame 0's line, and no bad ones
    assert [json.loads(line)["index"] for line in (tmp_path / MANIFEST).read_text().splitlines()] == [0]
