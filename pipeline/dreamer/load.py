"""The dreaming network, loaded: the chosen network's feature stack with torchvision's ImageNet weights, a
local file, seeded random weights or (Inception v3) the trained stand-in; cut after the deepest layer a
render uses, and kept in this process for the next job of a sweep."""

from __future__ import annotations

import copy
import logging
from pathlib import Path

import torch
from torch import nn

from pipeline.dreamer.inception import build_inception_v3_features
from pipeline.dreamer.inception_plan import INCEPTION_V3
from pipeline.dreamer.networks import STANDIN
from pipeline.dreamer.plan import NetworkPlan
from pipeline.dreamer.settings import ModelConfig
from pipeline.dreamer.vgg import FeatureTaps
from pipeline.dreamer.weights import imagenet_file, read_state_dict
from pipeline.dreamer.zoo import RECIPES, Recipe
from pipeline.errors import UserError, one_line

log = logging.getLogger(__name__)

RANDOM_WARNING = (
    "model.weights=random: the network is untrained, so the result is coloured noise and will NOT "
    "look like DeepDream. Use model.weights=imagenet (or a local .pth) for real renders."
)


def load_features(cfg: ModelConfig, seed: int) -> nn.Sequential:
    """The network's feature stack with the configured weights, in eval mode with no weight gradients."""
    plan, recipe = cfg.network, RECIPES[cfg.network.name]
    if cfg.weights == "random":
        features = random_features(seed, plan.name)
    elif cfg.weights == STANDIN:
        features = standin_features()
    else:
        imagenet = cfg.weights == "imagenet"
        path = imagenet_file(recipe.imagenet, plan.title) if imagenet else Path(cfg.weights).expanduser()
        features = recipe.build()
        load_into(features, read_state_dict(path, cfg.sha256), str(path), plan, recipe)
    return features.eval().requires_grad_(False)


def random_features(seed: int, network: str = "vgg19") -> nn.Sequential:
    """A seeded, untrained network with torchvision's init, for tests and smoke runs; in eval mode, so the
    batch norms of Inception v3 and GoogLeNet use their running statistics (in training mode they would
    normalise by each input's own, and a tile would not see what the whole image sees)."""
    log.warning(RANDOM_WARNING)
    recipe = RECIPES[network]
    features = recipe.build()
    recipe.randomise(features, torch.Generator().manual_seed(seed))
    return features.eval()


def standin_features() -> nn.Sequential:
    """The trained Keras InceptionV3 up to its last ImageNet layer, its average pools made Keras's. It was
    trained on [-1, 1] input, as torchvision's Inception weights were: the same TransformInput serves it."""
    from pipeline.dreamer.standin import STANDIN_DEEPEST, keras_average_pools, load_standin_state_dict

    features = build_inception_v3_features()[: INCEPTION_V3.index(STANDIN_DEEPEST) + 1]
    load_into(features, load_standin_state_dict(), "the stand-in", INCEPTION_V3, RECIPES["inception_v3"])
    keras_average_pools(features)
    return features


def load_into(features: nn.Sequential, state: dict, source: str, plan: NetworkPlan, recipe: Recipe) -> None:
    """Accept torchvision's full state dict (classifier and aux heads are dropped) or the stack's own;
    the keys of stages past a truncated stack are left out."""
    built, stages = dict(features.named_children()), {name for name, _ in plan.stages}
    kept = {}
    for key, value in state.items():
        if key.startswith(recipe.dropped):
            continue
        key = key.removeprefix(recipe.prefix)
        stage = key.partition(".")[0]
        if stage in stages and stage not in built:
            continue
        kept[key] = value
    try:
        features.load_state_dict(kept, strict=True)
    except RuntimeError as error:
        raise UserError(
            f"model.weights: {source} does not fit {plan.title}'s features ({one_line(error)[:300]}); "
            f"pass a torchvision {plan.title} state dict (model={plan.name})"
        ) from None


def load_taps(cfg: ModelConfig, seed: int, deepest_layer: str, device: torch.device) -> FeatureTaps:
    """The network, built once per render: weights loaded, cut after the deepest layer the render uses."""
    plan = cfg.network
    if cfg.weights == STANDIN:  # compose time refused deeper layers already; the stand-in's own word
        from pipeline.dreamer.standin import check_standin_layer

        check_standin_layer(plan.stages[plan.index(deepest_layer)][0])
    features = cached_features(cfg, seed)
    # A copy: .to() below converts parameters in place, and the cached network must stay as it was read.
    taps = FeatureTaps(copy.deepcopy(features[: plan.index(deepest_layer) + 1]), plan)
    return taps.to(device=device, memory_format=torch.channels_last)  # what oneDNN and cuDNN run fastest


# The last network read in this process, kept for the next job: the jobs of a sequential sweep (and the
# jobs a joblib worker runs one after another) read and check the weights file once, not once per job.
# One entry only, so a sweep over weights, seeds or networks holds one network's memory, not one per value.
_LAST_LOADED: dict[tuple, nn.Sequential] = {}


def cached_features(cfg: ModelConfig, seed: int) -> nn.Sequential:
    """load_features, remembered for the next call with the same network and weights; never modify it."""
    key = _cache_key(cfg, seed)
    if key in _LAST_LOADED:
        log.info(
            "reusing the %s network already loaded in this process (model.weights=%s)",
            cfg.network.title,
            cfg.weights,
        )
        if cfg.weights == "random":
            log.warning(RANDOM_WARNING)
        return _LAST_LOADED[key]
    features = load_features(cfg, seed)
    _LAST_LOADED.clear()
    _LAST_LOADED[key] = features
    return features


def _cache_key(cfg: ModelConfig, seed: int) -> tuple:
    """The seed matters to random weights only; a local file also counts its size and modification time,
    so a file replaced between two jobs is read (and checked) again."""
    if cfg.weights == "random":
        return (cfg.network.name, "random", seed)
    path = Path(cfg.weights).expanduser()
    stamp = None
    if cfg.weights not in ("imagenet", STANDIN) and path.is_file():
        stat = path.stat()
        stamp = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    return (cfg.network.name, cfg.weights, cfg.sha256, stamp)
