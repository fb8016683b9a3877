"""A quiet console: each frame's log line goes to render.log only (the progress bar shows the frame),
unless `log_frames=true`, and a mistake's log line too (its `error:` line is printed alone). Hydra's job
logging puts the filter on its console handler (conf/render.yaml)."""

from __future__ import annotations

import logging

from pipeline.errors import CONSOLE_SHOWS_IT

FRAMES_LOGGER = "pipeline.frames"  # the logger of the per-frame lines


class PerFrameFilter(logging.Filter):
    def __init__(self, show: bool = False):
        super().__init__()
        self.show = show

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, CONSOLE_SHOWS_IT, True):
            return False
        return self.show or record.name != FRAMES_LOGGER
