"""index.html in a run directory: the video (or, while rendering, the latest preview), the contact sheet,
the settings that made it (the overrides first, the whole config folded) and plots of frames.jsonl.

Written from what is on disk, at the end of a render, when it is interrupted, and every `preview_every`
frames while it runs (the page then reloads itself), so a long or partial render can be looked at."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from omegaconf import OmegaConf

from pipeline.cli.quoting import resume_command
from pipeline.output.manifest import MANIFEST, read_manifest
from pipeline.output.pages.manifest_plots import manifest_plots
from pipeline.output.pages.page import document, esc, href, link, write_page

log = logging.getLogger(__name__)

PREVIEW, SHEET = "preview.jpg", "contact_sheet.jpg"
RELOAD_SECONDS = 30  # while rendering, the browser reloads the page this often
REWRITE_SECONDS = 10  # while rendering, rewrite it at most this often (10000 frames take ~1 s to draw)


@dataclass
class RunPage:
    """What the page needs to know that the disk does not say: the video's name, the planned length."""

    run_dir: Path
    video_name: str  # video.filename
    total_frames: int  # the planned length, in frames
    fps: float  # frames per second

    ended: bool = False  # set by the last write: a refresh from the writer thread must not undo it
    written_at: float = -float("inf")  # time.monotonic() of the last write, in seconds

    def write(self, done: int | None = None, error: BaseException | None = None) -> Path | None:
        """Write index.html: while the render runs (no arguments), or once it ended: `done` frames (all of
        them, or fewer if interrupted), or stopped by `error`. A page that cannot be written is a warning,
        never the end of a render."""
        final = done is not None or error is not None
        if self.ended or not final and time.monotonic() - self.written_at < REWRITE_SECONDS:
            return None
        self.ended, self.written_at = final, time.monotonic()
        try:
            return write_page(self.run_dir, self.html(done, error))
        except Exception as failure:  # the frames matter; the page is only a view of them
            log.warning("could not write %s/index.html: %s", self.run_dir, failure)
            return None

    def html(self, done: int | None = None, error: BaseException | None = None) -> str:
        records = read_manifest(self.run_dir)
        state, status = self._status(done, error, len(records))
        resume = resume_command(self.run_dir)  # quoted: sweep job folders hold `=` and `,`
        how = f"<p>continue with <code>{esc(resume)}</code></p>" if state == "interrupted" else ""
        body = [
            f'<h1>{esc(self.run_dir.name)}</h1><p class="status {state}">{esc(status)}</p>{how}',
            f'<div class="hero">{self._picture(state, records)}<div>{_settings(self.run_dir)}</div></div>',
            '<h2>Frame by frame <span class="dim">(frames.jsonl)</span></h2>',
            manifest_plots(records) or '<p class="note">no frames yet</p>',
            _contact_sheet(self.run_dir),
            self._files(),
        ]
        reload = RELOAD_SECONDS if state == "rendering" else 0
        return document(f"{self.run_dir.name}: {status}", "\n".join(body), refresh_seconds=reload)

    def _status(self, done: int | None, error: BaseException | None, frames: int) -> tuple[str, str]:
        """(state, one line): rendering, finished, interrupted or failed."""
        total = f"{self.total_frames} frames ({self.total_frames / self.fps:.2f} s at {self.fps:g} fps)"
        if isinstance(error, KeyboardInterrupt):
            return "interrupted", f"stopped at once (a second Ctrl-C) after {frames} of {total}"
        if error is not None:
            reason = " ".join(str(error).split()) or type(error).__name__
            return "failed", f"failed after {frames} of {total}: {reason}"
        if done is None:
            return "rendering", f"rendering: {frames} of {total} done; this page reloads itself"
        if done >= self.total_frames:
            return "finished", f"finished: {total}"
        return "interrupted", f"interrupted after {done} of {total}"

    def _picture(self, state: str, records: list[dict]) -> str:
        """The video when there is one and the render is not still running; else the latest preview,
        saying so."""
        video, preview = self.run_dir / self.video_name, self.run_dir / PREVIEW
        if state in ("finished", "interrupted") and video.is_file():
            return (
                f'<video src="{esc(href(video, self.run_dir))}" controls muted loop autoplay '
                'playsinline preload="auto"></video>'
            )
        if preview.is_file():
            last = f" (frame {records[-1]['index']})" if records and state != "finished" else ""
            return (
                f'<div><img class="preview" src="{PREVIEW}" alt="latest preview">'
                f'<p class="note">no video yet: this is the latest preview{last}</p></div>'
            )
        return '<p class="note">no video and no preview yet</p>'

    def _files(self) -> str:
        names = [
            self.video_name,
            "frames",
            MANIFEST,
            *sorted(p.name for p in self.run_dir.glob("*.log")),
            SHEET,
            PREVIEW,
            ".hydra/config.yaml",
            "plan.json",
        ]
        links = [link(self.run_dir / name, self.run_dir) for name in names if (self.run_dir / name).exists()]
        return f'<h2>Files</h2><p class="links">{"".join(links)}</p>'


def _contact_sheet(run_dir: Path) -> str:
    if not (run_dir / SHEET).is_file():
        return ""
    return f'<h2>Contact sheet</h2><img class="sheet" src="{SHEET}" alt="contact sheet">'


def _settings(run_dir: Path) -> str:
    """The overrides that made this run, then the whole composed config, folded."""
    record = run_dir / ".hydra"
    if not (record / "config.yaml").is_file():
        return '<h2>Settings</h2><p class="note">no .hydra record in this folder</p>'
    if (record / "overrides.yaml").is_file():
        overrides = [str(item) for item in OmegaConf.load(record / "overrides.yaml")]
        items = "".join(f"<li><code>{esc(item)}</code></li>" for item in overrides)
        listed = f'<ul class="overrides">{items}</ul>' if items else '<p class="dim">none: every default</p>'
    else:  # deleted or never copied: the page still shows the run (the whole config is below)
        listed = '<p class="note">not recorded here (.hydra/overrides.yaml is missing)</p>'
    config = esc((record / "config.yaml").read_text())
    return (
        f"<h2>Settings</h2><p>Overrides:</p>{listed}"
        f"<details><summary>the whole config (.hydra/config.yaml)</summary><pre>{config}</pre></details>"
    )
