import json

import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.output.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from pipeline.output.frames import save_png
from pipeline.output.manifest import Manifest, read_manifest
from pipeline.output.previews import contact_sheet, sheet_indices


def test_checkpoint_round_trips_at_full_precision(tmp_path):
    frame = np.random.default_rng(0).random((6, 8, 3)).astype(np.float32)
    save_checkpoint(tmp_path, Checkpoint(5, frame))
    loaded = load_checkpoint(tmp_path)
    assert loaded.next_index == 5 and np.array_equal(loaded.frame, frame)  # not rounded to 8 bits


def test_a_newer_checkpoint_replaces_the_old_one(tmp_path):
    for index in (1, 2, 3):
        save_checkpoint(tmp_path, Checkpoint(index, np.full((2, 2, 3), index / 10, np.float32)))
    assert load_checkpoint(tmp_path).next_index == 3
    assert {p.name for p in (tmp_path / "state").iterdir()} == {"frame_000003.npy", "next.json"}


def test_no_state_means_start_from_the_beginning(tmp_path):
    assert load_checkpoint(tmp_path) is None


def test_a_corrupt_state_is_refused_in_one_line(tmp_path):
    (tmp_path / "state").mkdir()
    (tmp_path / "state/next.json").write_text(json.dumps({"next_index": 2, "frame": "frame_000002.npy"}))
    (tmp_path / "state/frame_000002.npy").write_bytes(b"garbage")
    with pytest.raises(UserError, match="unreadable"):
        load_checkpoint(tmp_path)


def test_manifest_drops_lines_a_resume_will_redo_and_skips_a_torn_line(tmp_path):
    manifest = Manifest(tmp_path)
    for index in range(4):
        manifest.append({"index": index})
    manifest.close()
    with (tmp_path / "frames.jsonl").open("a") as file:
        file.write('{"index": 4, "tim')  # a crash mid-line
    assert [r["index"] for r in read_manifest(tmp_path)] == [0, 1, 2, 3]
    Manifest(tmp_path, first_index=2).close()
    assert [r["index"] for r in read_manifest(tmp_path)] == [0, 1]


def test_sheet_indices_span_first_to_last():
    assert sheet_indices(100, 12)[0] == 0 and sheet_indices(100, 12)[-1] == 99
    assert len(sheet_indices(100, 12)) == 12
    assert sheet_indices(5, 12) == [0, 1, 2, 3, 4]


def test_contact_sheet_has_one_captioned_tile_per_chosen_frame(tmp_path):
    (tmp_path / "frames").mkdir()
    records = []
    for index in range(6):
        save_png(tmp_path / f"frames/{index:06d}.png", np.full((48, 64, 3), index / 6, np.float32))
        records.append({"index": index, "time": index / 24, "layers": {"conv4_2": 1.0}})
    sheet = contact_sheet(tmp_path / "frames", records, tmp_path / "sheet.jpg", count=6, columns=4)
    import cv2

    image = cv2.imread(str(sheet))
    tile_height = round(48 * 320 / 64) + 18 * 2 + 6
    assert image.shape[:2] == (2 * tile_height, 4 * 320)  # 6 tiles in 2 rows of 4
    assert image[:tile_height, 320:640].mean() < image[:tile_height, 960:1280].mean()  # frame 1 darker than 3
