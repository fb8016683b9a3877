"""A trained InceptionV3 that installs offline: ImageNet features from the npm package nsfwjs 4.4.0.

No machine here can download ImageNet weights, but npm's registry is reachable, and nsfwjs (MIT) bundles
Keras's InceptionV3 with the layers through `mixed5` (torchvision `Mixed_6c`) frozen at their ImageNet
values. `make_standin` fetches the package once with `npm pack`, converts it (standin_convert), checks it
against the TensorFlow.js reference (standin_verify) and caches a torchvision state dict; the dreamer reads it
with `load_standin_state_dict` and fixes the average pools with `keras_average_pools` (standin_net).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

import torch

from pipeline.dreamer.standin_convert import HEAD, check_shapes, nsfwjs_head
from pipeline.dreamer.standin_fetch import MAKE, PACKAGE, convert_package, fetch_package
from pipeline.dreamer.standin_net import STANDIN_DEEPEST, check_standin_layer, inception3, keras_average_pools
from pipeline.dreamer.standin_verify import standin_model, verify
from pipeline.dreamer.weights import load_tensors
from pipeline.errors import UserError

__all__ = [
    "STANDIN_DEEPEST",
    "check_standin_layer",
    "keras_average_pools",
    "load_standin_state_dict",
    "make_standin",
    "standin_path",
]
log = logging.getLogger(__name__)


def standin_path() -> Path:
    """Where the stand-in is cached: $TORCH_HOME/hub/checkpoints, beside torchvision's own weights."""
    return Path(torch.hub.get_dir()) / "checkpoints" / "inception_v3_standin_nsfwjs-4.4.0.pth"


def make_standin(force: bool = False) -> Path:
    """The cached stand-in's path, made first (fetch, convert, verify, write) unless it is there and fits."""
    path = standin_path()
    if not force and _fits(path):
        return path
    started = time.perf_counter()
    log.info("making the stand-in: npm pack %s (25 MB), convert, check against the reference", PACKAGE)
    with tempfile.TemporaryDirectory(prefix="standin-") as folder:
        state = convert_package(fetch_package(Path(folder)))
    difference = verify(standin_model(state))
    _save(state, path)
    log.info(
        "made the stand-in in %.1f s (largest difference from the reference %.2g): %s",
        time.perf_counter() - started,
        difference,
        path,
    )
    return path


def load_standin_state_dict() -> dict[str, torch.Tensor]:
    """The cached features for torchvision's Inception3(aux_logits=False): every key but fc.*."""
    return {key: value for key, value in _read(standin_path()).items() if not key.startswith(f"{HEAD}.")}


def read_standin_file(path: Path | None = None) -> dict[str, torch.Tensor]:
    """Everything the cached file holds: the features and nsfwjs's head (for standin_verify)."""
    return _read(path or standin_path())


def _read(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise UserError(f"model.weights=standin: the stand-in is not made yet: run {MAKE}")
    return load_tensors(
        path, "model.weights=standin", f"the cache is unreadable: make it again with {MAKE} --force"
    )


def _fits(path: Path) -> bool:
    """A cached file that loads and has every key and shape: a quick check, not the reference check."""
    if not path.is_file():
        return False
    expected = {key: value for key, value in inception3().state_dict().items() if not key.startswith("fc.")}
    expected.update({f"{HEAD}.{key}": value for key, value in nsfwjs_head().state_dict().items()})
    try:
        check_shapes(_read(path), expected, "the cached file")
    except UserError as error:
        log.warning("remaking the stand-in: %s", error)
        return False
    return True


def _save(state: dict[str, torch.Tensor], path: Path) -> None:
    """Written beside its final name, then renamed: a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            torch.save(state, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
