"""Weights files: torchvision's ImageNet file (downloaded once into $TORCH_HOME/hub/checkpoints) or a local
one, read as tensors only and checked against a SHA-256 where one is configured."""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
import zipfile
from pathlib import Path
from urllib.error import URLError

import torch
from torchvision.models import WeightsEnum

from pipeline.errors import UserError, one_line

log = logging.getLogger(__name__)


def imagenet_file(weights: WeightsEnum, title: str) -> Path:
    """torchvision's ImageNet file for `weights`, downloaded once (with progress) into
    $TORCH_HOME/hub/checkpoints; offline, one line naming the URL and where to put the file."""
    url = weights.url
    path = Path(torch.hub.get_dir()) / "checkpoints" / Path(url).name
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    size = weights.meta.get("_file_size", 0)
    log.info("downloading %s ImageNet weights (%.0f MB, once) from %s to %s", title, size, url, path)
    # torchvision names its files <arch>-<first hex digits of the SHA-256>.pth; check that prefix.
    hash_prefix = re.search(r"-([a-f0-9]+)\.", path.name).group(1)
    try:
        torch.hub.download_url_to_file(url, str(path), hash_prefix=hash_prefix, progress=True)
    except (URLError, OSError, RuntimeError) as error:
        raise UserError(
            f"could not download the {title} ImageNet weights ({one_line(error)}). Offline? On a machine "
            f"with internet fetch {url}, then copy it to {path} or pass model.weights=/path/to/{path.name}"
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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
