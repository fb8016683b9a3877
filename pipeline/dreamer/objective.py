"""What the dreamer maximises, as data: per-layer terms, each optionally narrowed to some channels and
steered towards a guide image's features. The dreamer never sees files: guide features arrive as tensors.

Guided dreaming follows the idea in Mordvintsev et al.'s DeepDream notebook (github.com/google/deepdream,
"Controlling dreams"): at every position of the frame's feature map, find the guide's feature vector that
matches it best (largest dot product) and maximise that dot product, so the frame grows what the guide holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import torch

GUIDE_CHUNK = 4096  # frame positions compared with all guide vectors at once (bounds memory: chunk x M)


@dataclass(frozen=True, eq=False)
class Term:
    layer: str  # tap name, e.g. conv4_2
    weight: float  # this term's share of the objective, >= 0
    channels: tuple[int, ...] | None = None  # only these channels of the layer; None: all of them
    guide: torch.Tensor | None = None  # (C, M): M guide feature vectors of this layer (all C channels)
    guide_weight: float = 1.0  # with a guide: 0 plain DeepDream .. 1 only the match to the guide


@dataclass(frozen=True, eq=False)
class Objective:
    terms: tuple[Term, ...]

    def layers(self) -> list[str]:
        """The layers to tap, each once, in order."""
        return list(dict.fromkeys(term.layer for term in self.terms))


def as_objective(goal: Objective | Mapping[str, float]) -> Objective:
    """A plain {layer: weight} mapping is the classic objective: every channel, no guide."""
    if isinstance(goal, Objective):
        return goal
    return Objective(tuple(Term(name, float(weight)) for name, weight in goal.items()))


def score_map(activation: torch.Tensor, term: Term) -> torch.Tensor:
    """(N, h, w) scores whose mean over positions is the term's value before weighting: the mean of the
    squared activations over the chosen channels, mixed with the match to the guide."""
    activation = activation.float()
    guide = term.guide
    if term.channels is not None:
        activation = activation.index_select(1, channel_index(tuple(term.channels), activation.device))
        guide = (
            None
            if guide is None
            else guide.index_select(0, channel_index(tuple(term.channels), guide.device))
        )
    plain = activation.pow(2).mean(dim=1)
    if guide is None or term.guide_weight == 0.0:
        return plain
    return (1.0 - term.guide_weight) * plain + term.guide_weight * guide_match(activation, guide)


@lru_cache(maxsize=256)
def channel_index(channels: tuple[int, ...], device: torch.device) -> torch.Tensor:
    """The chosen channels as an index tensor on `device`, made once: indexing with the Python list at
    every step built a tensor from it and copied it to the device each time (on a GPU, a host sync)."""
    return torch.tensor(channels, dtype=torch.long, device=device)


def best_match(flat: torch.Tensor, guide: torch.Tensor) -> torch.Tensor:
    """(N, P) index of the guide vector with the largest dot product at each of P positions of
    `flat` (N, C, P); chunked so memory stays chunk x M, and without gradient (an argmax has none)."""
    with torch.no_grad():
        guide_t = guide.t().to(flat.dtype)  # (M, C)
        chunks = [
            (guide_t @ flat[..., start : start + GUIDE_CHUNK]).argmax(dim=1)
            for start in range(0, flat.shape[-1], GUIDE_CHUNK)
        ]
    return torch.cat(chunks, dim=-1)


def guide_match(activation: torch.Tensor, guide: torch.Tensor) -> torch.Tensor:
    """(N, h, w): at each position, the dot product with the best-matching guide vector, divided by the
    channel count so it is on the scale of the plain objective (a mean over channels)."""
    n, c, h, w = activation.shape
    flat = activation.reshape(n, c, h * w)
    guide = guide.to(flat.device, torch.float32)
    matched = guide[:, best_match(flat, guide)].permute(1, 0, 2)  # (N, C, P)
    return ((flat * matched).sum(dim=1) / c).reshape(n, h, w)


def guide_similarity(activation: torch.Tensor, guide: torch.Tensor) -> float:
    """How much the frame looks like the guide to the network, -1..1: the mean over positions of the
    cosine similarity with the most similar guide vector (a measure; the objective uses dot products)."""
    with torch.no_grad():
        n, c = activation.shape[:2]
        flat = torch.nn.functional.normalize(activation.float().reshape(n, c, -1), dim=1)
        unit = torch.nn.functional.normalize(guide.to(flat.device, torch.float32), dim=0)
        matched = unit[:, best_match(flat, unit)].permute(1, 0, 2)
        return float((flat * matched).sum(dim=1).mean())


def guide_features(activation: torch.Tensor, most: int = 4096) -> torch.Tensor:
    """(C, M) guide vectors from a guide image's activation (1, C, h, w): every position, or `most`
    evenly spaced ones (a larger guide adds little and costs memory at every step)."""
    flat = activation.detach().float()[0].reshape(activation.shape[1], -1)
    if flat.shape[1] > most:
        flat = flat[:, torch.linspace(0, flat.shape[1] - 1, most).round().long()]
    return flat.contiguous()
