"""Temporal coherence for dreaming a clip: what the previous dream lends to the next frame's input.

`flow` carries the previous dream's *detail* (dream minus source) along DIS optical flow, so dreamed
texture sticks to moving things; occluded or newly revealed pixels get none and are dreamed fresh.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.animation.coherence_config import CoherenceConfig, FlowPreset
from pipeline.sources.image import to_uint8

# DIS preset and finest pyramid level (0: full resolution). Per flow (two a frame) at 640x360 on 2 busy
# cores, and the worst error on a square moving 4 px: fast 9 ms, 1.3 px; medium 40 ms, 0.1 px; fine 140 ms.
# In FlowPreset's order: ultrafast, fast, medium, fine.
FAST, MEDIUM = cv2.DISOPTICAL_FLOW_PRESET_FAST, cv2.DISOPTICAL_FLOW_PRESET_MEDIUM
PRESETS = dict(
    zip(FlowPreset, [(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, 2), (FAST, 2), (MEDIUM, 1), (MEDIUM, 0)])
)


def make_dis(preset: str) -> cv2.DISOpticalFlow:
    """The flow estimator, built once per render: it keeps its buffers from frame to frame."""
    kind, finest = PRESETS[preset]
    dis = cv2.DISOpticalFlow_create(kind)
    dis.setFinestScale(finest)
    return dis


def flow_between(flow: cv2.DISOpticalFlow, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each pixel x of frame a, the offset to where it is in frame b: a(x) ~ b(x + flow(x)). HxWx2."""
    return flow.calc(_gray(a), _gray(b), None)


def warp_with_flow(image: np.ndarray, flow: np.ndarray, interpolation: int = cv2.INTER_CUBIC) -> np.ndarray:
    """Sample image at x + flow(x): pulls the other frame's content onto this frame's pixel grid."""
    return _remap(image, _positions(flow), interpolation)


def _positions(flow: np.ndarray) -> np.ndarray:
    """x + flow(x) for every pixel: HxWx2 float32, the map cv2.remap takes."""
    rows, cols = flow.shape[:2]
    grid = np.stack(np.meshgrid(np.arange(cols, dtype=np.float32), np.arange(rows, dtype=np.float32)), -1)
    return grid + flow


def _remap(image: np.ndarray, positions: np.ndarray, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    return cv2.remap(image, positions, None, interpolation, borderMode=cv2.BORDER_REFLECT_101)


def _gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(to_uint8(frame), cv2.COLOR_RGB2GRAY)


class Coherence:
    """Decides each frame's input from the clip and the last dream."""

    def __init__(self, cfg: CoherenceConfig):
        self.cfg = cfg
        self.dis = make_dis(cfg.preset) if cfg.mode == "flow" else None

    def next_input(
        self, source: np.ndarray, previous_source: np.ndarray | None, previous_dream: np.ndarray | None
    ) -> tuple[np.ndarray, dict]:
        """The frame to dream (float32 RGB HWC in [0, 1]) and stats for the manifest: `masked` (share
        of pixels given no carried detail), `carried` (mean |input - source|), `motion` (mean flow, px)
        and `cut` (the flow failed on most of the frame, so nothing was carried)."""
        stats = {"masked": 1.0, "carried": 0.0, "motion": 0.0, "cut": False}
        if previous_dream is None or self.cfg.mode == "none":
            return source, stats
        if self.cfg.mode == "blend":
            mixed = ((1.0 - self.cfg.blend) * source + self.cfg.blend * previous_dream).astype(np.float32)
            return mixed, {**stats, "masked": 0.0, "carried": float(np.abs(mixed - source).mean())}
        if previous_source is None:
            raise ValueError("coherence.mode=flow needs the previous source frame with the previous dream")
        carried, stats = self.carried_detail(source, previous_source, previous_dream)
        carried_mean = cv2.norm(carried, cv2.NORM_L1) / carried.size
        return np.clip(source + carried, 0.0, 1.0), {**stats, "carried": carried_mean}

    def carried_detail(
        self, source: np.ndarray, previous_source: np.ndarray, previous_dream: np.ndarray
    ) -> tuple[np.ndarray, dict]:
        """The previous detail moved onto this frame, masked where the flow is not trusted, bounded and
        with zero mean per channel, so feedback over a long clip never builds up brightness or colour."""
        cfg = self.cfg
        now, before = _gray(source), _gray(previous_source)
        back = self.dis.calc(now, before, None)  # HxWx2: where each pixel was one frame ago
        forward = self.dis.calc(before, now, None)  # HxWx2: where each old pixel went
        trusted = self.trusted(source, previous_source, back, forward)
        masked = 1.0 - float(trusted.mean())
        cut = masked > cfg.cut
        weight = (np.zeros_like(trusted) if cut else self.feathered(trusted)) * np.float32(cfg.detail)
        detail = warp_with_flow(previous_dream - previous_source, back)  # cubic: keeps the fine detail
        detail = cfg.max_detail * np.tanh(detail / cfg.max_detail)  # smooth clamp: ~identity when small
        total = float(weight.sum())
        mean = np.einsum("ij,ijk->k", weight, detail) / total if total > 0 else 0.0  # weighted, per channel
        carried = (weight[..., None] * (detail - mean)).astype(np.float32)
        motion = float(cv2.magnitude(back[..., 0], back[..., 1]).mean())
        return carried, {"masked": 1.0 if cut else masked, "motion": motion, "cut": bool(cut)}

    def trusted(
        self, source: np.ndarray, previous: np.ndarray, back: np.ndarray, forward: np.ndarray
    ) -> np.ndarray:
        """1 where the flow can be believed, 0 where the pixel was occluded, revealed or entered the frame.

        Three checks: the round trip (back, then forward) lands within `consistency` px; the previous
        source, warped, matches this one (DIS smooths flow across a moving edge, and a smooth flow can
        pass the round trip while it drags the mover's texture over what it uncovered); the pixel came
        from inside the previous frame."""
        rows, cols = back.shape[:2]
        positions = _positions(back)
        round_trip = back + _remap(forward, positions)
        miss = cv2.magnitude(round_trip[..., 0], round_trip[..., 1])
        error = cv2.transform(cv2.absdiff(_remap(previous, positions), source), np.full((1, 3), 1 / 3))
        error = cv2.GaussianBlur(error, (0, 0), 1.0)  # one noisy pixel is not an occlusion
        x, y = positions[..., 0], positions[..., 1]
        inside = (x > -0.5) & (x < cols - 0.5) & (y > -0.5) & (y < rows - 0.5)
        return ((miss <= self.cfg.consistency) & (error <= self.cfg.photometric) & inside).astype(np.float32)

    def feathered(self, trusted: np.ndarray) -> np.ndarray:
        """Shrink the trusted area by two sigmas, then blur: soft edges that still give ~0 on every
        untrusted pixel (a blur alone would leak half the detail onto the pixels just outside)."""
        if self.cfg.feather <= 0:
            return trusted
        radius = int(np.ceil(2 * self.cfg.feather))
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        return cv2.GaussianBlur(cv2.erode(trusted, kernel), (0, 0), self.cfg.feather)
