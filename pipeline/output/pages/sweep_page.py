"""index.html in a sweep directory: one tile per job with its video playing (muted, looping), captioned with
the overrides that differ between jobs and its status, linking its frames, log, config and run page; a
button that restarts every video at once, so motion can be compared side by side; filter and sort by any
swept key. Built from what the jobs left on disk (pipeline.sweeps.jobs), whichever launcher ran them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from pipeline.output.pages.page import PAGE, document, esc, href, link, write_page

SCRIPT = Path(__file__).with_name("sweep.js")


class JobOnDisk(Protocol):  # pipeline.sweeps.jobs.Job, described here so output/ does not import sweeps/
    num: int
    dir: Path
    overrides: list[str]
    log: Path
    outputs: list[Path]
    picture: Path | None
    error: str | None
    stopped: str | None  # "interrupted", "not run", "killed", "timed out"; None: finished or failed
    reason: str | None  # a killed or timed-out job's one line
    resume: str | None  # the command that continues it


def status_of(job: JobOnDisk) -> str:
    return "failed" if job.error else job.stopped or "ok"


def write_sweep_page(sweep_dir: Path, jobs: Sequence[JobOnDisk], shared: list[str]) -> Path:
    """Write sweep_dir/index.html; `shared` are the overrides every job has (said once, at the top)."""
    values = [_values(job, shared) for job in jobs]
    keys = list(dict.fromkeys(key for job_values in values for key in job_values))
    failed = sum(1 for job in jobs if job.error)
    head = [f"<h1>Sweep: {len(jobs)} jobs, {failed} failed</h1>"]
    if shared:
        head.append("<p>Every job: " + " ".join(f"<code>{esc(item)}</code>" for item in shared) + "</p>")
    others = [sweep_dir / name for name in ("contact_sheet.jpg", "index.md") if (sweep_dir / name).is_file()]
    head.append('<p class="links">' + "".join(link(p, sweep_dir) for p in others) + "</p>")
    tiles = [_tile(job, v, sweep_dir) for job, v in zip(jobs, values)]
    body = "\n".join(
        [
            *head,
            _controls(keys, values, sorted({"ok", "failed", *map(status_of, jobs)})),
            '<main id="jobs">',
            *tiles,
            "</main>",
        ]
    )
    return write_page(sweep_dir, document(f"Sweep: {len(jobs)} jobs", body, SCRIPT.read_text()))


def _values(job: JobOnDisk, shared: list[str]) -> dict[str, str]:
    """The job's own overrides as {key: value}."""
    pairs = (item.partition("=") for item in job.overrides if item not in shared)
    return {key: value for key, _, value in pairs}


def _controls(keys: list[str], values: list[dict[str, str]], statuses: list[str]) -> str:
    sort = "".join(f'<option value="{esc(k)}">{esc(k)}</option>' for k in [*keys, "status"])
    filters = [_filter(key, sorted({v.get(key, "") for v in values})) for key in keys]
    return (
        '<nav class="controls"><button id="restart" title="every video from its first frame, together">'
        'Restart all</button><button id="playpause">Pause all</button>'
        f'<label>sort by <select id="sort"><option value="">job number</option>{sort}</select></label>'
        + "".join(filters)
        + _filter("status", statuses)
        + '<span id="shown" class="dim"></span></nav>'
    )


def _filter(key: str, choices: list[str]) -> str:
    options = "".join(f'<option value="{esc(c)}">{esc(c or "(default)")}</option>' for c in choices)
    return (
        f'<label>{esc(key)} <select class="filter" data-key="{esc(key)}">'
        f'<option value="*">any</option>{options}</select></label>'
    )


def _tile(job: JobOnDisk, values: dict[str, str], sweep_dir: Path) -> str:
    status = status_of(job)
    overrides = "".join(f"<li><code>{esc(k)}={esc(v)}</code></li>" for k, v in values.items())
    reason = f'<p class="reason">FAILED: {esc(job.error)}</p>' if job.error else ""
    if job.reason:
        reason = f'<p class="reason">{esc(status.upper())}: {esc(job.reason)}</p>'
    if job.resume:
        reason += f'<p class="resume">continue with <code>{esc(job.resume)}</code></p>'
    data, css = esc(json.dumps(values)), status.replace(" ", "-")
    return (
        f'<article class="job {css}" data-num="{job.num}" data-status="{esc(status)}" data-values="{data}">'
        f'<div class="media">{_media(job, sweep_dir)}</div>'
        f'<h3><span>#{job.num}</span><span class="{css}">{esc(status)}</span></h3>'
        f'<ul class="overrides">{overrides or "<li class=dim>defaults</li>"}</ul>{reason}'
        f'<p class="links">{_links(job, sweep_dir)}</p></article>'
    )


def _media(job: JobOnDisk, sweep_dir: Path) -> str:
    """The video; a stills job's grid; else the latest preview (or middle frame), saying it is not a video."""
    video = next((p for p in job.outputs if p.suffix == ".mp4"), None)
    if video is not None:
        return (
            f'<video src="{esc(href(video, sweep_dir))}" muted loop autoplay playsinline '
            'preload="auto"></video>'
        )
    grid = job.dir / "grid.jpg"
    if grid.is_file():
        return f'<img src="{esc(href(grid, sweep_dir))}" alt="stills grid">'
    preview = job.dir / "preview.jpg"
    still = preview if preview.is_file() else job.picture
    if still is None:
        return '<p class="missing">no video, no frames</p>'
    what = "latest preview" if still == preview else f"frame {still.stem}"
    return (
        f'<img src="{esc(href(still, sweep_dir))}" alt="{what}">'
        f'<p class="note missing-video">no video yet: showing its {what}</p>'
    )


def _links(job: JobOnDisk, sweep_dir: Path) -> str:
    paths = [
        *(p for p in job.outputs if p.suffix == ".mp4"),
        job.dir / "frames",
        job.log,
        job.dir / ".hydra/config.yaml",
        job.dir / PAGE,
    ]
    names = {job.dir / ".hydra/config.yaml": "config", job.dir / PAGE: "run page"}
    return "".join(link(p, sweep_dir, names.get(p)) for p in paths if p.exists())
