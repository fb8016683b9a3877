"""Load VGG19 `features` weights: torchvision's ImageNet file, a local file, or a seeded random init."""

from __future__ import annotations

import copy
import hashlib
import logging
import math
import pickle
import re
import zipfile
from pathlib import Path
from urllib.error import URLError

import torch
from torch import nn
from torchvision.models import VGG19_Weights

from pipeline.dreamer.layers import vgg19_taps
from pipeline.dreamer.settings import ModelConfig
from pipeline.dreamer.vgg import FeatureTaps, build_vgg19_features
from pipeline.errors import UserError, one_line

log = logging.getLogger(__name__)

IMAGENET = VGG19_Weights.IMAGENET1K_V1
RANDOM_WARNING = (
    "model.weights=random: the network is untrained, so the result is coloured noise and will NOT "
    "look like DeepDream. Use model.weights=imagenet (or a local .pth) for real renders."
)


def load_features(cfg: ModelConfig, seed: int) -> nn.Sequential:
    """VGG19 `features` with the configured weights, in eval mode with gradients off for every weight."""
    if cfg.weights == "random":
        features = random_features(seed)
    else:
        path = imagenet_file() if cfg.weights == "imagenet" else Path(cfg.weights).expanduser()
        features = build_vgg19_features()
        _load_into(features, read_state_dict(path, cfg.sha256), path)
    return features.eval().requires_grad_(False)


def random_features(seed: int) -> nn.Sequential:
    """Seeded random VGG19 with torchvision's init (Kaiming normal, fan-out), for tests and smoke runs."""
    log.warning(RANDOM_WARNING)
    generator = torch.Generator().manual_seed(seed)
    features = build_vgg19_features()
    with torch.no_grad():
        for module in features:
            if isinstance(module, nn.Conv2d):
                fan_out = module.out_channels * module.kernel_size[0] * module.kernel_size[1]
                module.weight.normal_(0.0, math.sqrt(2.0 / fan_out), generator=generator)
                module.bias.zero_()
    return features


def imagenet_file() -> Path:
    """torchvision's ImageNet file, downloaded once (with progress) into $TORCH_HOME/hub/checkpoints."""
    url = IMAGENET.url
    path = Path(torch.hub.get_dir()) / "checkpoints" / Path(url).name
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    log.info("downloading VGG19 ImageNet weights (548 MB, once) from %s to %s", url, path)
    # torchvision names its files <arch>-<first hex digits of the SHA-256>.pth; check that prefix.
    hash_prefix = re.search(r"-([a-f0-9]+)\.", path.name).group(1)
    try:
        torch.hub.download_url_to_file(url, str(path), hash_prefix=hash_prefix, progress=True)
    except (URLError, OSError, RuntimeError) as error:
        raise UserError(
            f"could not download the VGG19 ImageNet weights ({one_line(error)}). Offline? On a machine with "
            f"internet fetch {url}, then copy it to {path} or pass model.weights=/path/to/{path.name}"
        ) from None
    return path


def read_state_dict(path: Path, sha256: str | None = None) -> dict[str, torch.Tensor]:
    """Tensors only: `weights_only=True` refuses pickled code, so a planted file cannot run anything."""
    if not path.is_file():
        raise UserError(
            f"model.weights: no file at {path}; pass an existing .pth, model.weights=imagenet or =random"
        )
    if sha256 is not None:
        digest = _sha256(path)
        if digest.lower() != sha256.lower():
            raise UserError(f"model.weights: {path} has SHA-256 {digest}, expected {sha256} (model.sha256)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, ValueError) as error:
        raise UserError(
            f"model.weights: {path} is not a readable PyTorch weights file ({one_line(error)}); "
            "it may be truncated or not a state dict"
        ) from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise UserError(f"model.weights: {path} holds a {type(state).__name__}, not a state dict of tensors")
    return state


def _load_into(features: nn.Sequential, state: dict[str, torch.Tensor], path: Path) -> None:
    """Accept a full VGG19 state dict ("features.0.weight", "classifier...") or a features-only one."""
    features_only = {
        key.removeprefix("features."): value
        for key, value in state.items()
        if not key.startswith("classifier.")
    }
    try:
        features.load_state_dict(features_only, strict=True)
    except RuntimeError as error:
        raise UserError(
            f"model.weights: {path} does not fit VGG19's features ({one_line(error)[:300]}); "
            "pass a torchvision VGG19 state dict"
        ) from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_taps(cfg: ModelConfig, seed: int, deepest_layer: str, device: torch.device) -> FeatureTaps:
    """The network, built once per render: weights loaded, cut after the deepest layer the render uses."""
    features = cached_features(cfg, seed)
    # A copy: .to() below converts parameters in place, and the cached network must stay as it was read.
    taps = FeatureTaps(copy.deepcopy(features[: vgg19_taps()[deepest_layer] + 1]))
    return taps.to(device=device, memory_format=torch.channels_last)  # what oneDNN and cuDNN run fastest


# The last network read in this process, kept for the next job: the jobs of a sequential sweep (and the
# jobs a joblib worker runs one after another) read and check the 548 MB file once, not once per job.
# One entry only, so a sweep over weights or seeds holds one network's memory, not one per value.
_LAST_LOADED: dict[tuple, nn.Sequential] = {}


def cached_features(cfg: ModelConfig, seed: int) -> nn.Sequential:
    """load_features, remembered for the next call with the same weights; never modify the result."""
    key = _cache_key(cfg, seed)
    if key in _LAST_LOADED:
        log.info("reusing the VGG19 network already loaded in this process (model.weights=%s)", cfg.weights)
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
        return ("random", seed)
    path = Path(cfg.weights).expanduser()
    stamp = None
    if cfg.weights != "imagenet" and path.is_file():
        stat = path.stat()
        stamp = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    return (cfg.weights, cfg.sha256, stamp)
