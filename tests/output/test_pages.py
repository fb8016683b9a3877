"""The pages as files, without a browser: what a run page says in each state of a render, that a late
refresh cannot overwrite the final page, and that every link of a sweep page reaches its file, whatever
characters the job directories are named with. (tests/output/test_pages_browser.py opens real ones.)"""

import json
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

from pipeline.errors import UserError
from pipeline.output.pages.run_page import RunPage
from pipeline.output.pages.sweep_page import write_sweep_page


def _run_dir(tmp_path: Path, frames: int, video: bool) -> Path:
    run = tmp_path / "run"
    (run / ".hydra").mkdir(parents=True)
    (run / ".hydra/overrides.yaml").write_text("- width=64\n- motion=spiral\n")
    (run / ".hydra/config.yaml").write_text("width: 64\nheight: 48\nmotion:\n  zoom: 1.3\n")
    records = [{"index": i, "time": i / 8, "layers": {"conv3_1": 1.0}, "objective_end": 0.1 * i}
               for i in range(frames)]  # fmt: skip
    (run / "frames.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (run / "preview.jpg").write_bytes(b"jpeg")
    if video:
        (run / "dream.mp4").write_bytes(b"mp4")
    return run


def test_while_rendering_the_page_shows_the_preview_and_reloads(tmp_path):
    run = _run_dir(tmp_path, 3, video=False)
    RunPage(run, "dream.mp4", 8, 8.0).write()
    html = (run / "index.html").read_text()
    assert "rendering: 3 of 8 frames" in html and 'http-equiv="refresh"' in html
    assert '<img class="preview" src="preview.jpg"' in html and "latest preview (frame 2)" in html
    assert "<video" not in html


def test_the_finished_page_plays_the_video_and_stays_put(tmp_path):
    run = _run_dir(tmp_path, 8, video=True)
    page = RunPage(run, "dream.mp4", 8, 8.0)
    page.write(8)
    final = (run / "index.html").read_text()
    assert '<video src="dream.mp4"' in final and "finished: 8 frames (1.00 s at 8 fps)" in final
    assert "refresh" not in final
    overrides = final.index("<code>width=64</code>"), final.index("<code>motion=spiral</code>")
    assert overrides[0] < overrides[1] < final.index("<details>")  # the overrides first, the config folded
    assert "zoom: 1.3" in final.split("<details>")[1]
    page.write()  # a refresh from the writer thread arriving late must not bring back "rendering"
    assert (run / "index.html").read_text() == final


def test_a_run_whose_overrides_record_was_deleted_still_gets_its_page(tmp_path):
    """Before, a missing .hydra/overrides.yaml raised inside the page writer: the run had no page."""
    run = _run_dir(tmp_path, 8, video=True)
    (run / ".hydra/overrides.yaml").unlink()
    RunPage(run, "dream.mp4", 8, 8.0).write(8)
    html = (run / "index.html").read_text()
    assert "finished: 8 frames" in html and "overrides.yaml is missing" in html and "zoom: 1.3" in html


def test_an_interrupted_or_failed_render_says_so(tmp_path):
    run = _run_dir(tmp_path, 3, video=True)
    RunPage(run, "dream.mp4", 8, 8.0).write(3)
    html = (run / "index.html").read_text()
    assert "interrupted after 3 of 8 frames" in html and f"resume={run}" in html and "<video" in html
    RunPage(run, "dream.mp4", 8, 8.0).write(error=UserError("motion.zoom must stay above 0 <here>"))
    html = (run / "index.html").read_text()
    assert "failed after 3 of 8 frames" in html and "motion.zoom must stay above 0 &lt;here&gt;" in html
    assert "resume=" not in html  # a settings error would only fail again


def _job(sweep: Path, num: int, overrides: list[str], files: list[str], error=None):
    job_dir = sweep / f"{num}_{','.join(overrides)}"
    for name in [".hydra/config.yaml", "render.log", *files]:
        (job_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (job_dir / name).write_bytes(b"x")
    outputs = [job_dir / f for f in files if f.endswith(".mp4")]
    return SimpleNamespace(num=num, dir=job_dir, overrides=overrides, log=job_dir / "render.log",
                           outputs=outputs, picture=None, error=error, stopped=None, reason=None,
                           resume=None)  # fmt: skip


def test_every_link_of_a_sweep_page_reaches_its_file(tmp_path):
    shared = ["model.weights=random"]
    odd = 'motion.zoom="0:(1), 1:(#2)"'  # quotes, a comma, brackets and a '#' in the directory name
    jobs = [
        _job(tmp_path, 0, [*shared, odd], ["dream.mp4", "frames/000000.png", "index.html"]),
        _job(tmp_path, 1, [*shared, "motion=zoom"], ["preview.jpg"], error="motion.zoom must stay <0"),
    ]
    html = write_sweep_page(tmp_path, jobs, shared).read_text()
    targets = re.findall(r'(?:src|href)="([^"]+)"', html)
    local = [t for t in targets if not t.startswith("data:")]
    assert len(local) >= 8
    assert all((tmp_path / unquote(t)).exists() for t in local), local
    assert not any(t.startswith(("/", "http", "file:")) or ".." in t for t in local)
    tile0, tile1 = html.split('<article class="job ')[1:]
    caption = re.search(r'<ul class="overrides">(.*?)</ul>', tile0).group(1)
    assert caption == "<li><code>motion.zoom=&quot;0:(1), 1:(#2)&quot;</code></li>"  # not the shared one
    assert tile1.startswith("failed") and "FAILED: motion.zoom must stay &lt;0" in tile1
    assert "no video yet: showing its latest preview" in tile1 and "<video" not in tile1


def test_refreshes_while_rendering_are_spaced_out(tmp_path, monkeypatch):
    """A long manifest takes a while to draw: while rendering, the page is rewritten at most every
    REWRITE_SECONDS; the final page is always written."""
    from pipeline.output.pages import run_page

    clock = [1000.0]
    monkeypatch.setattr(run_page.time, "monotonic", lambda: clock[0])
    run = _run_dir(tmp_path, 3, video=True)
    page = RunPage(run, "dream.mp4", 8, 8.0)
    assert page.write() is not None
    clock[0] += run_page.REWRITE_SECONDS / 2
    assert page.write() is None  # too soon
    clock[0] += run_page.REWRITE_SECONDS / 2
    assert page.write() is not None
    assert page.write(8) is not None  # the last one, however soon
    assert "finished" in (run / "index.html").read_text()


def test_a_stills_job_shows_its_grid(tmp_path):
    job = _job(tmp_path, 0, ["layers=conv3_1"], ["grid.jpg", "conv3_1.png"])
    other = _job(tmp_path, 1, ["layers=conv4_2"], ["grid.jpg", "conv4_2.png"])
    html = write_sweep_page(tmp_path, [job, other], []).read_text()
    tile = html.split('<article class="job ')[1]
    assert '<img src="0_layers%3Dconv3_1/grid.jpg"' in tile and "no video" not in tile
