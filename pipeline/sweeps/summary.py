"""After a multirun: one contact sheet and one index for the whole sweep, and a summary of what failed.

A Hydra callback (registered in pipeline/conf/render.yaml and stills.yaml) that runs once, in the process
that started the sweep, after every job has finished: with any launcher it reads what the jobs left on
disk (pipeline.sweeps.jobs), so it sees jobs that ran in other processes or on other machines just the same.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from pipeline.sweeps.jobs import Job, find_jobs, stop_exit_code

SHEET, INDEX = "contact_sheet.jpg", "index.md"
FAILED_TILE = (0.35, 0.05, 0.05)  # a dark red tile stands for a job with no picture
TILE = 320  # tile width in pixels
MAX_CAPTION = 52  # characters of an override that fit on a 320-pixel tile
LOST = ("killed", "timed out")  # ended without finishing, not asked to stop: the sweep exits 1, as for failed


class SweepSummary(Callback):
    """Writes contact_sheet.jpg (a tile per job, captioned with the overrides that differ between jobs)
    and index.md (every job's overrides, outputs, log and status) into the sweep directory, and index.html
    (every job's video playing side by side: pipeline.output.pages.sweep_page), prints where they are, and
    ends the sweep with exit code 1 if any job failed, after listing them on stderr."""

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        from pipeline.output.pages.sweep_page import write_sweep_page  # OpenCV: only once a sweep ends

        sweep_dir = Path(str(config.hydra.sweep.dir))
        jobs = find_jobs(sweep_dir) if sweep_dir.is_dir() else []
        if not jobs:
            return
        shared = shared_overrides(jobs)
        sheet = sweep_sheet(jobs, shared, sweep_dir / SHEET)
        index = write_index(jobs, shared, sweep_dir)
        page = write_sweep_page(sweep_dir, jobs, shared)
        failed = [job for job in jobs if job.error or job.stopped in LOST]
        done = len([job for job in jobs if not job.error and not job.stopped])
        print(f"sweep: {done} of {len(jobs)} jobs finished; open {page} (also {index}, {sheet})")
        interrupted = [job for job in jobs if job.stopped == "interrupted"]
        not_run = [job for job in jobs if job.stopped == "not run"]
        if interrupted or not_run:  # none interrupted: the stop came while a job's last frames were encoded
            where = f"in job #{interrupted[0].num}" if interrupted else f"before job #{not_run[0].num}"
            print(f"sweep interrupted {where}; {len(not_run)} job(s) not run", file=sys.stderr)
            raise SystemExit(interrupted[0].exit_code if interrupted else stop_exit_code())
        if failed:
            print(f"error: {len(failed)} of {len(jobs)} jobs failed (details in {index}):", file=sys.stderr)
            for job in failed:
                why = job.error or f"{job.stopped}: {job.reason}"
                print(f"  #{job.num} {' '.join(varying(job, shared)) or '-'}: {why}", file=sys.stderr)
            raise SystemExit(1)  # not an Exception: Hydra lets it through, without a traceback


def shared_overrides(jobs: list[Job]) -> list[str]:
    """Overrides every job has: said once in the index instead of on every tile."""
    if len(jobs) < 2:
        return []
    return [item for item in jobs[0].overrides if all(item in job.overrides for job in jobs[1:])]


def varying(job: Job, shared: list[str]) -> list[str]:
    return [item for item in job.overrides if item not in shared]


def sweep_sheet(jobs: list[Job], shared: list[str], out: Path) -> Path:
    """One tile per job, in job order: its picture (or dark red if it has none), captioned with its
    number, FAILED if it failed, and the overrides that set it apart."""
    import numpy as np  # here, not at the top: Hydra loads this callback before --help and every typo

    from pipeline.output.frames import read_png
    from pipeline.output.previews import captioned_grid, shrink

    pictures = {job.num: shrink(read_png(job.picture), TILE) for job in jobs if job.picture}
    shape = next(iter(pictures.values())).shape if pictures else (TILE * 3 // 4, TILE, 3)
    tiles = []
    for job in jobs:
        picture = pictures.get(job.num, np.full(shape, FAILED_TILE, np.float32))
        title = f"#{job.num}" + (
            "  FAILED" if job.error else f"  {job.stopped.upper()}" if job.stopped else ""
        )
        lines = [_shorten(item) for item in varying(job, shared)]
        tiles.append((picture, [title, *lines]))
    return captioned_grid(tiles, out, width=TILE)


def write_index(jobs: list[Job], shared: list[str], sweep_dir: Path) -> Path:
    """index.md: a table of every job linking its outputs and log, then the failures with their reasons."""
    failed = [job for job in jobs if job.error]
    lost = [job for job in jobs if job.stopped in LOST]
    counts = [f"{len(failed)} failed"] + [
        f"{n} {state}" for state in LOST if (n := sum(job.stopped == state for job in lost))
    ]
    lines = [f"# Sweep: {len(jobs)} jobs, {', '.join(counts)}", ""]
    not_run = [job for job in jobs if job.stopped == "not run"]
    if not_run:
        lines += [
            f"Interrupted: {len(not_run)} job(s) not run: " + ", ".join(f"#{j.num}" for j in not_run),
            "",
        ]
    if shared:
        lines += ["Every job: " + " ".join(f"`{item}`" for item in shared), ""]
    lines += [f"![contact sheet]({SHEET})", "", "| job | overrides | status | outputs |", "|---|---|---|---|"]
    for job in jobs:
        overrides = " ".join(f"`{_cell(item)}`" for item in varying(job, shared)) or "-"
        status = f"**failed**: {_cell(job.error)}" if job.error else _stopped_status(job)
        links = ", ".join(_link(path, sweep_dir) for path in [*job.outputs, job.log] if path.is_file())
        lines.append(f"| {job.num} | {overrides} | {status} | {links or '-'} |")
    if failed:
        lines += ["", "## Failed jobs", ""]
        for job in failed:
            where = f" ({_link(job.log, sweep_dir)})" if job.log.is_file() else ""
            lines.append(f"- #{job.num} `{' '.join(job.overrides) or '-'}`: {job.error}{where}")
    unfinished = [job for job in jobs if job.resume]
    if unfinished:
        lines += ["", "## To continue", ""]
        lines += [f"- #{job.num} ({job.stopped}): `{job.resume}`" for job in unfinished]
    index = sweep_dir / INDEX
    index.write_text("\n".join(lines) + "\n")
    return index


def _stopped_status(job: Job) -> str:
    """ok, or how it stopped; an unfinished render's command to continue it (also under "To continue")."""
    requeued = f" (requeued {job.requeues}x at its time limit)" if job.requeues else ""
    if not job.stopped:
        return "ok" + requeued
    if job.stopped == "not run":
        return "**not run** (the sweep was interrupted)"
    why = f" (exit {job.exit_code})" if job.stopped == "interrupted" else f": {_cell(job.reason or '')}"
    resume = f"; continue with `{_cell(job.resume)}`" if job.resume else ""
    return f"**{job.stopped}**{why}{requeued}{resume}"


def _link(path: Path, sweep_dir: Path) -> str:
    """A relative link; job directories are named after their overrides (`=`, `,`, brackets), so quote."""
    return f"[{path.name}]({quote(path.relative_to(sweep_dir).as_posix())})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_CAPTION else text[: MAX_CAPTION - 3] + "..."
