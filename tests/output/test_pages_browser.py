"""The run and sweep pages opened in a real headless Chromium, from disk (file://), after real renders
through the CLI: videos load with the right length and size, the failed job shows as failed with its
reason, captions show what differs, "Restart all" rewinds every video, filters and sorting work, nothing
is requested from outside the page's folder and the console stays clean. Screenshots go to tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from tests.output.browser import console_errors, linked_urls, open_page, outside, start_chromium, videos
from tests.test_cli import TINY, rendered_run, run_cli

pytestmark = pytest.mark.slow

# 2x2 jobs of 2-3 tiny frames. Zoom falls from 1 to 0 over the first second, so the job at 4 fps that runs
# 3 frames would reach zoom 0 at t=0.5 s on its last frame: the whole-video keyframe check refuses it before
# its first frame (nothing dreamed, no video, no preview); the others end before t=0.5 s.
SWEEP = [*TINY, "layer_schedule=single", "layer_schedule.layer=conv1_1", "preview_every=1",
         'motion.zoom="0:(1), 1:(-1)"', "fps=4,8", "frames=2,3"]  # fmt: skip
FAILING = {"fps": "4", "frames": "3"}
RUN = [
    *TINY,
    "frames=4",
    "fps=8",
    "layer_schedule=shallow",
    'motion.angle="10*t"',
    "preview_every=2",
    "cadence=1",
]


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    sweep_dir = tmp_path_factory.mktemp("sweep")
    result = run_cli("-m", *SWEEP, f"hydra.sweep.dir={sweep_dir}")
    assert result.returncode == 1, result.stderr  # one job failed, as planned
    return sweep_dir


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    return rendered_run(tmp_path_factory, "run", *RUN)


def _swept(job_dir: Path) -> dict[str, str]:
    """The job's fps and frames overrides, as the sweep recorded them."""
    pairs = (str(item).split("=", 1) for item in OmegaConf.load(job_dir / ".hydra/overrides.yaml"))
    return {key: value for key, value in pairs if key in ("fps", "frames")}


def _jobs(sweep: Path) -> dict[int, dict[str, str]]:
    dirs = [record.parent.parent for record in sweep.glob("*/.hydra/overrides.yaml")]
    return {int(d.name.split("_")[0]): _swept(d) for d in dirs}


def _tiles(browser) -> list[dict]:
    return browser.execute_script(
        "return [...document.querySelectorAll('.job')].map(t => ({num: Number(t.dataset.num),"
        " status: t.dataset.status, failed: t.classList.contains('failed'), hidden: t.hidden,"
        " caption: [...t.querySelectorAll('.overrides code')].map(c => c.textContent),"
        " reason: (t.querySelector('.reason') || {}).textContent || '', text: t.innerText,"
        " image: (t.querySelector('.media img') || {}).naturalWidth || 0}))"
    )


def test_sweep_page_in_a_browser(browser, sweep, tmp_path):
    requests = open_page(browser, sweep / "index.html")
    browser.save_screenshot(str(tmp_path / "sweep.png"))
    jobs = _jobs(sweep)
    assert len(jobs) == 4
    # every finished job's video loads, as long and as large as it was rendered
    loaded = {video["job"]: video for video in videos(browser)}
    finished = {num: swept for num, swept in jobs.items() if swept != FAILING}
    assert sorted(loaded) == sorted(finished)
    for num, swept in finished.items():
        video, fps = loaded[num], float(swept["fps"])
        assert video["ready"] >= 2 and video["error"] is None, video
        assert abs(video["duration"] - int(swept["frames"]) / fps) < 0.5 / fps, video  # within half a frame
        assert (video["width"], video["height"]) == (64, 48)
    # captions: exactly the overrides that differ; the failed job is marked, with its reason
    tiles = {tile["num"]: tile for tile in _tiles(browser)}
    for num, swept in jobs.items():
        assert sorted(tiles[num]["caption"]) == sorted(f"{k}={v}" for k, v in swept.items())
        failing = swept == FAILING
        assert (tiles[num]["status"] == "failed") == failing and tiles[num]["failed"] == failing
    (failed,) = [tiles[num] for num, swept in jobs.items() if swept == FAILING]
    assert "motion.zoom must stay above 0" in failed["reason"] and "t=0.5s" in failed["reason"]
    assert "no video, no frames" in failed["text"] and failed["image"] == 0  # refused before frame 0
    assert all("FAILED" not in tile["text"] for tile in tiles.values() if tile is not failed)
    # nothing leaves the sweep's folder: the requests made, and every link on the page
    assert sum(url.endswith("/dream.mp4") for url in requests) == 3  # the log does see the videos
    assert outside(requests, sweep) == [] and outside(linked_urls(browser), sweep) == []
    assert console_errors(browser) == []


def test_restart_all_rewinds_every_video(browser, sweep):
    open_page(browser, sweep / "index.html")
    browser.execute_script(
        # inside the first frame: Chrome's play() rewinds a video paused on its last frame by itself
        "document.querySelectorAll('video').forEach(v => { v.pause(); v.currentTime = v.duration * 0.3; })"
    )
    _wait(browser, "[...document.querySelectorAll('video')].every(v => !v.seeking && v.currentTime > 0)")
    times = browser.execute_script(
        "document.getElementById('restart').click();"
        "return [...document.querySelectorAll('video')].map(v => v.currentTime)"
    )
    assert times == [0, 0, 0]
    _wait(browser, "[...document.querySelectorAll('video')].every(v => !v.paused)")  # and they play again
    assert console_errors(browser) == []


def test_filter_and_sort_by_a_swept_key(browser, sweep):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_page(browser, sweep / "index.html")
    jobs = _jobs(sweep)
    Select(browser.find_element(By.CSS_SELECTOR, 'select.filter[data-key="fps"]')).select_by_value("8")
    shown = [tile["num"] for tile in _tiles(browser) if not tile["hidden"]]
    assert sorted(shown) == sorted(num for num, swept in jobs.items() if swept["fps"] == "8")
    assert browser.find_element(By.ID, "shown").text == "2 of 4 shown"
    Select(browser.find_element(By.CSS_SELECTOR, 'select.filter[data-key="fps"]')).select_by_value("*")
    Select(browser.find_element(By.ID, "sort")).select_by_value("frames")
    order = [tile["num"] for tile in _tiles(browser)]
    assert order == sorted(jobs, key=lambda num: (int(jobs[num]["frames"]), num))
    Select(browser.find_element(By.CSS_SELECTOR, 'select.filter[data-key="status"]')).select_by_value(
        "failed"
    )
    assert [tile["num"] for tile in _tiles(browser) if not tile["hidden"]] == [
        num for num, swept in jobs.items() if swept == FAILING
    ]
    assert console_errors(browser) == []


def test_a_job_refused_before_its_first_frame_leaves_its_reason_and_no_frames(sweep):
    """Refused up front: its FAILED file says why, and nothing was dreamed or paged in its folder."""
    (job,) = [d for d in sweep.iterdir() if d.is_dir() and _swept(d) == FAILING]
    assert "motion.zoom must stay above 0" in (job / "FAILED").read_text()
    assert not list(job.glob("frames/*.png")) and not (job / "index.html").exists()


def _points(browser, chart: str, series: str) -> list[tuple[float, float]]:
    points = browser.execute_script(
        "const svg = [...document.querySelectorAll('svg.chart')].find(s =>"
        " s.getAttribute('aria-label').startsWith(arguments[0]));"
        "const line = svg.querySelector(`polyline[data-series='${arguments[1]}']`);"
        "return [...line.points].map(p => [p.x, p.y])",
        chart,
        series,
    )
    return [tuple(p) for p in points]


def test_run_page_in_a_browser(browser, run, tmp_path):
    from pipeline.output.manifest import read_manifest

    requests = open_page(browser, run / "index.html")
    browser.save_screenshot(str(tmp_path / "run.png"))
    (video,) = videos(browser)
    assert video["ready"] >= 2 and abs(video["duration"] - 4 / 8) < 0.5 / 8, video
    assert (video["width"], video["height"]) == (64, 48)
    page = browser.execute_script(
        "return {status: document.querySelector('.status').textContent,"
        " overrides: [...document.querySelectorAll('.overrides code')].map(c => c.textContent),"
        " folded: !document.querySelector('details').open,"
        " config: document.querySelector('details pre').textContent,"
        " sheet: document.querySelector('img.sheet').naturalWidth}"
    )
    assert page["status"].startswith("finished: 4 frames")
    assert page["overrides"] == RUN  # as given on the command line, in order
    assert page["folded"] and "layer_schedule:" in page["config"]
    assert page["sheet"] == 4 * 320  # the contact sheet of four frames, loaded
    # the objective is plotted frame by frame, higher values drawn higher
    records = read_manifest(run)
    points = _points(browser, "Objective", "objective_end")
    assert len(points) == len(records) == 4
    by_value = sorted(range(4), key=lambda i: records[i]["objective_end"])
    assert sorted(range(4), key=lambda i: -points[i][1]) == by_value
    layers = {name for record in records for name in record["layers"]}
    assert all(len(_points(browser, "Layer weights", name)) == 4 for name in layers) and len(layers) > 1
    assert len(_points(browser, "motion.angle", "motion.angle")) == 4
    assert any(url.endswith("/dream.mp4") for url in requests)
    assert outside(requests, run) == [] and outside(linked_urls(browser), run) == []
    assert console_errors(browser) == []


def _wait(browser, condition: str, timeout: float = 20) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout).until(lambda d: d.execute_script(f"return {condition}"))
