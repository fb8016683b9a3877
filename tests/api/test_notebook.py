"""examples/quickstart.ipynb runs headless (nbclient, a real IPython kernel) in its smoke settings, shows its
pictures and its video, and a broken cell fails it."""

import os

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests.api.conftest import ROOT

pytestmark = pytest.mark.slow
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"


def execute(notebook: nbformat.NotebookNode, cwd, monkeypatch) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel started in `cwd`, with random weights and tiny sizes (the smoke
    switch CI sets) and this checkout's pipeline; raises CellExecutionError at the first failing cell."""
    monkeypatch.setenv("PIPELINE_NOTEBOOK_SMOKE", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    return client.execute()


def outputs(notebook: nbformat.NotebookNode, kind: str) -> list:
    """The rich outputs (results and displays) holding `kind` data, e.g. image/png."""
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs
            if out.output_type in ("execute_result", "display_data") and kind in out.data]  # fmt: skip


def test_the_quickstart_runs_and_shows_its_dreams_and_video(tmp_path, monkeypatch):
    ran = execute(nbformat.read(NOTEBOOK, as_version=4), tmp_path, monkeypatch)
    errors = [out for cell in ran.cells for out in cell.get("outputs", []) if out.output_type == "error"]
    assert errors == []
    assert len(outputs(ran, "image/png")) == 2  # the first layer's dream, and the grid of both
    (video,) = outputs(ran, "text/html")
    assert "<video" in video.data["text/html"] and "base64" in video.data["text/html"]
    assert len(list(tmp_path.glob("outputs/*/*/dream.mp4"))) == 1 and (tmp_path / "dream.png").is_file()


def test_a_broken_cell_fails_the_run(tmp_path, monkeypatch):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.insert(2, nbformat.v4.new_code_cell("pipeline_typo.Dreamer()"))
    with pytest.raises(CellExecutionError, match="NameError"):
        execute(notebook, tmp_path, monkeypatch)
