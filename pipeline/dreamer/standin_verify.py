"""Check a converted stand-in against what the real TensorFlow.js runtime computes for four photos.

data/inception_v3_reference.npz holds, for scikit-image's astronaut, coffee, chelsea and rocket (resized to
299x299 with cv2's INTER_AREA, /255: input in [0, 1], as nsfwjs feeds them), nsfwjs's softmax and, for four
blocks, each channel's spatial mean and the activation at the centre position (H//2, W//2). A converter that
matches all of them to 1e-3 has the weights, the name mapping and the average pools right. The softmax needs
nsfwjs's fine-tuned head, which the stand-in file keeps under `nsfwjs_head.*` for this check only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from pipeline.dreamer.standin_convert import HEAD, nsfwjs_head
from pipeline.dreamer.standin_net import inception3, keras_average_pools
from pipeline.errors import UserError

REFERENCE = Path(__file__).parent / "data" / "inception_v3_reference.npz"
TOLERANCE = 1e-3  # largest absolute difference accepted; the uint8 weights alone leave about 1.5e-4
BLOCKS = ("Mixed_5b", "Mixed_5d", "Mixed_6a", "Mixed_6c")
SIZE = 299


def standin_model(state: dict[str, torch.Tensor], keras_pools: bool = True) -> torch.nn.Module:
    """The whole converted network, head included (as `fc`), loaded strictly; eval mode, no gradients.
    `keras_pools=False` leaves torchvision's padded average pools, which the check must refuse."""
    model = inception3()
    model.fc = nsfwjs_head()
    model.load_state_dict({key.replace(f"{HEAD}.", "fc.", 1): value for key, value in state.items()})
    if keras_pools:
        keras_average_pools(model)
    return model.eval().requires_grad_(False)


def reference_images(names: list[str]) -> torch.Tensor:
    """(N, 3, 299, 299) float32 in [0, 1], made exactly as the reference's were."""
    import cv2
    import skimage.data

    pictures = [
        cv2.resize(getattr(skimage.data, name)(), (SIZE, SIZE), interpolation=cv2.INTER_AREA)
        for name in names
    ]
    return torch.from_numpy(np.stack(pictures).astype(np.float32) / 255).permute(0, 3, 1, 2).contiguous()


def reference_differences(model: torch.nn.Module) -> dict[str, float]:
    """The largest absolute difference from the reference for each of its arrays (inf: a wrong shape)."""
    reference = np.load(REFERENCE)
    outputs: dict[str, torch.Tensor] = {}
    hooks = [getattr(model, block).register_forward_hook(_keep(outputs, block)) for block in BLOCKS]
    try:
        with torch.no_grad():
            outputs["softmax"] = model(reference_images([str(name) for name in reference["images"]]))
    finally:
        for hook in hooks:
            hook.remove()
    ours = {"softmax": outputs["softmax"]}
    for block in BLOCKS:
        out = outputs[block]
        if tuple(out.shape) != tuple(reference[f"{block}_shape"]):
            return {f"{block}_shape": float("inf")}
        ours[f"{block}_channel_mean"] = out.mean(dim=(2, 3))
        ours[f"{block}_centre_pixel"] = out[:, :, out.shape[2] // 2, out.shape[3] // 2]
    return {key: float(np.abs(value.float().numpy() - reference[key]).max()) for key, value in ours.items()}


def verify(model: torch.nn.Module) -> float:
    """The largest difference from the reference; a UserError naming it when over TOLERANCE."""
    differences = reference_differences(model)
    worst = max(differences, key=differences.get)
    if not differences[worst] <= TOLERANCE:
        raise UserError(
            f"the converted stand-in does not match the TensorFlow.js reference: {worst} differs by "
            f"{differences[worst]:.3g} (tolerance {TOLERANCE:g}); nothing was written to the cache"
        )
    return differences[worst]


def _keep(outputs: dict[str, torch.Tensor], name: str):
    def hook(module, inputs, output):
        outputs[name] = output

    return hook
