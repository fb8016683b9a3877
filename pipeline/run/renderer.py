"""Everything a render builds once and checks before its first frame, and dreaming one frame with it.

The loop (pipeline/run/loop.py) asks a Renderer for its starting point and feed, and for each frame's dream
and colour; nothing here knows the order of frames.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.animation.cadence import CadenceFeed
from pipeline.animation.camera import Camera
from pipeline.animation.coherence import Coherence
from pipeline.animation.colour_match import ColourMatch
from pipeline.animation.curves import Curves
from pipeline.animation.feeds import ClipFeed, ZoomFeed
from pipeline.animation.schedule import LayerSchedule
from pipeline.config import RenderConfig
from pipeline.dreamer.dreamer import Dreamer
from pipeline.errors import UserError
from pipeline.output.checkpoint import check_resumable, load_checkpoint, load_state_array, save_state_array
from pipeline.output.frames import read_png
from pipeline.output.manifest import frame_record
from pipeline.output.pages.run_page import RunPage
from pipeline.output.previews import write_contact_sheet
from pipeline.output.video import Mp4Writer
from pipeline.run.frame_objectives import Steering, guide_similarity_of, read_guide
from pipeline.run.music_setup import music_for_render, music_record
from pipeline.run.plan import Plan
from pipeline.run.preflight import check_disk
from pipeline.run.setup import check_dreamer, load_network
from pipeline.run.untouched import check_not_a_run
from pipeline.sources.image import load_image, noise_image

log = logging.getLogger(__name__)
COLOUR_REFERENCE = "colour_reference"  # state/colour_reference.npy: the colours every frame is matched to


@dataclass
class DreamedFrame:
    image: np.ndarray  # float32 RGB HWC in [0, 1], before the colour match
    record: dict  # its line in frames.jsonl (pipeline/output/manifest.py)


class Renderer:
    """Everything built once per render, validated before the first frame: schedule, camera, output
    folders and the network."""

    def __init__(self, cfg: RenderConfig, plan: Plan, out_dir: Path, should_stop=lambda: False):
        """`should_stop`: asked between gradient steps (the render's stop request)."""
        self.cfg, self.plan, self.out_dir = cfg, plan, out_dir
        deepest = cfg.layer_schedule.deepest_layer()
        device = check_dreamer(cfg, plan.height, plan.width, deepest, cfg.dream.most_octaves)
        self.cadence = cfg.cadence_for(clip=plan.clip is not None)
        if plan.clip is not None and self.cadence > 1:
            raise UserError(
                f"cadence={cfg.cadence} is for zoom renders; a clip is dreamed every frame: "
                "cadence=1 (or auto)"
            )
        self.frames_dir = out_dir / "frames"
        if cfg.resume is None:  # the CLI checked before Hydra wrote there; render() called directly, here
            check_not_a_run(out_dir, cfg.video.filename)
        self.frames_dir.mkdir(parents=True, exist_ok=True)
        self.signals = music_for_render(cfg, plan, out_dir)  # the soundtrack, if a setting reads it
        self.curves = Curves.for_render(cfg, self.signals)  # every keyframed setting, read with the track
        self.curves.check_over(plan.fps, plan.frame_count)  # at every frame, before frame 0
        for note in cfg.dream.notes(self.curves):
            log.info("%s", note)
        self.schedule = LayerSchedule(cfg.layer_schedule, plan.fps, plan.frame_count, self.signals)
        self.steering = Steering(self.schedule, cfg.dream, (plan.width, plan.height), self._guide)
        self.camera = Camera(cfg.motion, plan.fps, plan.width, plan.height, self.curves)
        check_disk(out_dir, plan.frame_count, plan.width, plan.height)
        self.video_path = out_dir / cfg.video.filename
        self.page = RunPage(out_dir, cfg.video.filename, plan.frame_count, plan.fps)  # index.html
        self.colour_settings = cfg.colour.for_render(clip=plan.clip is not None)  # auto: first, or none
        self.colour_match = self._colour(resuming=cfg.resume is not None)
        self.network = load_network(cfg, device, deepest)
        self.dreamer = Dreamer(self.network, cfg.seed, cfg.dream.tile_pixels, should_stop)

    def feed(self) -> tuple[int, ZoomFeed | ClipFeed | CadenceFeed]:
        """(first frame to dream, where inputs come from): a clip, or the zoom loop from a photo or noise;
        resuming, from the saved state."""
        saved = load_checkpoint(self.out_dir) if self.cfg.resume else None
        if saved is not None:
            check_resumable(saved, self.plan, self.out_dir)
            log.info("resuming %s at frame %d", self.out_dir, saved.next_index)
        start = saved.next_index if saved else 0
        if self.plan.clip is not None:
            if self.camera.moved():
                log.warning("the camera moves through the clip (motion.*); motion=still keeps its framing")
            carry = saved.frame if saved else None
            coherence = Coherence(self.cfg.coherence)
            return start, ClipFeed(
                Path(self.cfg.input), self.camera, coherence, self.plan.frame_count, start, carry
            )
        if saved is not None:
            return start, self._zoom_feed(start, saved.frame)
        if self.cfg.input is None:
            return 0, self._zoom_feed(0, noise_image(self.plan.width, self.plan.height, self.cfg.seed))
        return 0, self._zoom_feed(0, load_image(self.cfg.input, self.plan.width, self.plan.height))

    def _zoom_feed(self, start: int, carried: np.ndarray) -> ZoomFeed | CadenceFeed:
        """With cadence, `carried` is the last dream (resuming) or the first input; else the next input."""
        if self.cadence == 1:
            return ZoomFeed(self.camera, self.plan.frame_count, start, carried)
        return CadenceFeed(self.camera, self.cadence, self.plan.frame_count, start, carried)

    def _colour(self, resuming: bool) -> ColourMatch:
        """Colour coherence with its reference: the run's saved one when resuming (so a resume matches to
        exactly the same colours), else the reference image, read and saved now (a missing file stops
        the render before its first frame), else the first dream, saved once it exists."""
        cfg, plan = self.colour_settings, self.plan
        reference = load_state_array(self.out_dir, COLOUR_REFERENCE) if resuming else None
        if reference is None and cfg.match == "image":
            reference = load_image(cfg.reference, plan.width, plan.height, setting="colour.reference")
            save_state_array(self.out_dir, COLOUR_REFERENCE, reference)
        keep = lambda frame: save_state_array(self.out_dir, COLOUR_REFERENCE, frame)  # noqa: E731
        return ColourMatch(cfg, plan.fps, reference, keep, self.curves)

    def _guide(self, path: str, size: tuple[int, int]) -> np.ndarray:
        """A guide image as this render first read it: saved in state/ now, read back from there on a
        resume, so a guide file changed between a kill and its resume does not change the rest of the video
        (as the colour reference). A run from before guides were saved reads the file."""
        name = "guide_" + hashlib.sha256(str(Path(path).absolute()).encode()).hexdigest()[:16]
        saved = load_state_array(self.out_dir, name) if self.cfg.resume is not None else None
        if saved is None or saved.shape[:2] != (size[1], size[0]):
            saved = read_guide(path, size)
            save_state_array(self.out_dir, name, saved)
        return saved

    def encode_done_frames(self, video: Mp4Writer, start: int) -> None:
        """A resumed render re-encodes the frames already on disk (exact: they are the 8-bit frames)."""
        for index in range(start):
            video.write(read_png(self.frames_dir / f"{index:06d}.png"))

    def dream(self, frame: np.ndarray, index: int) -> DreamedFrame:
        """Dream one frame with the schedule's layers and the settings at its time; its manifest record
        comes with it. Raises DreamStopped (ascent) if the stop check says yes between two steps."""
        started, t = time.perf_counter(), index / self.plan.fps
        weights = self.schedule.weights_at(index)
        goal = self.steering.objective_at(index, self.network.taps, self.network.space)
        params = self.cfg.dream.at(t, first_frame=index == 0, curves=self.curves)
        dreamed = self.dreamer.dream(frame, goal, params, index)
        facts = {"objective_start": dreamed.objective_start, "objective_end": dreamed.objective_end}
        similarity = guide_similarity_of(dreamed.image, goal, self.network.taps)
        if similarity is not None:
            facts["guide_similarity"] = round(similarity, 6)
        record = frame_record(index, t, weights, self.camera.values_at(t), params, facts, started)
        if self.colour_settings.match != "none":  # what the colour match pulls this frame by
            record["colour_strength"] = round(self.colour_match.strength_at(t), 6)
        record = {**record, **music_record(self.signals, self.cfg, t)}
        return DreamedFrame(self.network.space.decode(dreamed.image), record)

    def colour(self, frame: np.ndarray, index: int) -> np.ndarray:
        """The dream matched to the render's colour reference (colour coherence; as it is when off)."""
        return self.colour_match(frame, index)

    def describe(self, index: int) -> dict:
        """What the manifest says of a frame made between dreams (cadence): when, its layers, the camera,
        and the signals its settings read."""
        t = index / self.plan.fps
        return {
            "index": index,
            "time": round(t, 6),
            "layers": self.schedule.weights_at(index),
            "motion": self.camera.values_at(t),
            **music_record(self.signals, self.cfg, t),
        }

    def finish(self, frames: int) -> None:
        """After the MP4 is whole: the contact sheet (a picture to look at: a full disk here is a warning,
        not a failed render) and the page that says the render is done."""
        if frames and self.cfg.contact_sheet:
            try:
                log.info("contact sheet: %s", write_contact_sheet(self.out_dir, frames))
            except OSError as error:
                log.warning("no contact sheet: %s (%s); the video is whole", self.out_dir, error.strerror)
        plan = self.plan
        log.info(
            "wrote %s (%d frames, %dx%d @ %g fps)", self.video_path, frames, plan.width, plan.height, plan.fps
        )
        self.page.write(frames)
