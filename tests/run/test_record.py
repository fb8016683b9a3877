"""A run's record (.hydra/config.yaml), read in one place; a folder that is no run is one line."""

import pytest

from pipeline.errors import UserError
from pipeline.run.record import read_record


def test_reads_the_settings_a_run_was_made_with(tmp_path):
    (tmp_path / ".hydra").mkdir()
    (tmp_path / ".hydra/config.yaml").write_text("fps: 30\nmotion:\n  zoom: '1.2'\n")
    record = read_record(tmp_path, "resume")
    assert record.fps == 30 and record.motion.zoom == "1.2"


def test_a_folder_without_a_record_names_the_setting_and_the_file(tmp_path):
    with pytest.raises(UserError) as caught:
        read_record(tmp_path, "run_dir")
    message = str(caught.value)
    assert message.startswith("run_dir: ") and ".hydra/config.yaml" in message and "\n" not in message
