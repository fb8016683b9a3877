"""The quality benchmark's three measurements on trained features, each through the render's own loop.

Strength is the objective DeepDream maximises (mean square activation of the dreamed layer), measured on
every output frame by bench/video.py's sink: on trained features it rises with the eyes, swirls and
textures a dream grows, so the share kept says how much of the dream the cheaper settings leave.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from pipeline.bench.video import compose_config, run_video
from pipeline.dreamer.objective import guide_features, guide_similarity
from pipeline.output.previews import sheet_indices
from pipeline.output.quality import quality
from pipeline.sources.image import load_image


def zoom(base: list[str], frames: int, sheet: int = 12) -> dict:
    """The defaults (light frames, cadence, settle) against a full dream on every frame."""
    keep = set(sheet_indices(frames, sheet))
    runs = {}
    for name, extra in (("defaults", []), ("full", ["dream=full", "cadence=1"])):
        started = time.perf_counter()
        runs[name] = run_video(compose_config([*base, f"frames={frames}", *extra]), keep=keep)
        runs[name]["wall"] = time.perf_counter() - started
    ours, full = runs["defaults"], runs["full"]
    ratios = np.array(ours["strengths"]) / np.array(full["strengths"])
    return {
        "frames": frames,
        "dreamed": {name: run["dreamed"] for name, run in runs.items()},
        "kept": sum(ours["strengths"]) / sum(full["strengths"]),
        "worst": float(ratios.min()),
        "worst_frame": int(ratios.argmin()),
        "smoothness": {name: run["smoothness"] for name, run in runs.items()},
        "seconds": {name: run["seconds"] for name, run in runs.items()},
        "cost": ours["seconds"] / full["seconds"],
        "strength_frame0": ours["strengths"][0],
        "sheets": {name: _captioned(run) for name, run in runs.items()},
    }


def colour(base: list[str], frames: int, coherence: list[str]) -> dict:
    """The same render with colour coherence and without: drift from frame 0, and the strength kept."""
    runs = {}
    for name, extra in (("off", ["colour=none"]), ("on", coherence)):
        runs[name] = run_video(compose_config([*base, f"frames={frames}", *extra]), keep=set(range(frames)))
    result = {"frames": frames, "coherence": coherence, "kept": None}
    for name, run in runs.items():
        figures = [quality(run["kept"][i]) for i in range(frames)]
        result[name] = drift(figures)
    result["kept"] = sum(runs["on"]["strengths"]) / sum(runs["off"]["strengths"])
    result["sheets"] = {name: _captioned(run, sheet_indices(frames, 12)) for name, run in runs.items()}
    return result


def drift(figures: list[dict]) -> dict:
    """Largest departure from frame 0: luminance and saturation relative, clipped share in points."""
    pick = lambda name: np.array([f[name] for f in figures])  # noqa: E731
    lum, sat, clip = pick("luminance"), pick("saturation"), pick("clipped")
    return {
        "luminance": float(np.abs(lum / lum[0] - 1).max()),
        "saturation": float(np.abs(sat / sat[0] - 1).max()),
        "clipped": float(np.abs(clip - clip[0]).max()),
    }


def stills(
    base: list[str], photo: str, guide_path: str, layer: str, channel: int, size: tuple[int, int]
) -> dict:
    """Frame 0 alone (a still) dreamed plainly, towards a guide, and on one channel: the guide similarity
    of each at `layer`, and each channel's gain (mean square activation, dreamed over photo)."""
    runs = {
        name: run_video(compose_config([*base, "frames=1", *extra]), keep={0})
        for name, extra in (
            ("plain", []),
            ("guided", [f"dream.guide={guide_path}"]),
            ("channel", _one_channel(layer, channel)),
        )
    }
    network = runs["plain"]["renderer"].network
    features = lambda frame: _activation(network, frame, layer)  # noqa: E731
    start = features(load_image(photo, *size))
    target = guide_features(features(load_image(guide_path, *size)))
    out = {"layer": layer, "channel": channel, "similarity": {"photo": guide_similarity(start, target)}}
    for name, run in runs.items():
        dreamed = features(run["kept"][0])
        out["similarity"][name] = guide_similarity(dreamed, target)
        gains = dreamed.square().mean(dim=(0, 2, 3)) / start.square().mean(dim=(0, 2, 3)).clamp_min(1e-12)
        others = torch.cat([gains[:channel], gains[channel + 1 :]])
        out[f"gain_{name}"] = {"chosen": float(gains[channel]), "others_median": float(others.median())}
        out[f"picture_{name}"] = run["kept"][0]
    return out


def _one_channel(layer: str, channel: int) -> list[str]:
    """Overrides that dream one channel of the layer (the `layer` shortcut takes no channels)."""
    entry = f"{{{layer}:{{weight:1.0,channels:[{channel}]}}}}"
    return ["layer_schedule.layer=null", f"layer_schedule.stages=[{{at:0.0,layers:{entry}}}]"]


def _activation(network, frame: np.ndarray, layer: str) -> torch.Tensor:
    with torch.no_grad():
        return network.taps(network.space.encode(frame), [layer])[layer].float()


def _captioned(run: dict, indices=None) -> list[tuple[np.ndarray, list[str]]]:
    """(frame, caption lines) for a contact sheet: index, dreamed or made between, its strength."""
    kept = run["kept"]
    indices = sorted(kept) if indices is None else indices
    return [
        (
            kept[i],
            [
                f"#{i} {'dreamed' if run['dreamed_flags'][i] else 'between'}",
                f"strength {run['strengths'][i]:.3g}",
            ],
        )
        for i in indices
    ]
