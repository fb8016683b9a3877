"""The stand-in as a network: Keras's average pools in torchvision's Inception3, and the layers it may dream.

Keras's 3x3 'same' average pool in a block's `branch_pool` divides by the pixels inside the image; torchvision
divides by 9 at the borders too (`count_include_pad=True`), up to 5.6 off on border activations of these
weights. Only the layers through Keras `mixed5` (torchvision `Mixed_6c`) stayed frozen while nsfwjs
fine-tuned the rest for its classifier, so only those are ImageNet features.
"""

from __future__ import annotations

import re

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.inception import BasicConv2d, Inception3, InceptionA, InceptionC, InceptionE

from pipeline.errors import UserError

STANDIN_DEEPEST = "Mixed_6c"
# torchvision Inception3's layers in forward order, up to and including STANDIN_DEEPEST
STANDIN_LAYERS = (
    "Conv2d_1a_3x3",
    "Conv2d_2a_3x3",
    "Conv2d_2b_3x3",
    "maxpool1",
    "Conv2d_3b_1x1",
    "Conv2d_4a_3x3",
    "maxpool2",
    "Mixed_5b",
    "Mixed_5c",
    "Mixed_5d",
    "Mixed_6a",
    "Mixed_6b",
    "Mixed_6c",
)
FINE_TUNED = ("Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c", "avgpool", "dropout", "fc")
_KERAS_FINE_TUNED = re.compile(r"mixed([6-9]|10)(_\d+)?")  # mixed6 ... mixed10, mixed9_0, mixed9_1


def inception3() -> Inception3:
    """The torchvision network the stand-in fills: no auxiliary classifier, inputs used as given."""
    return Inception3(aux_logits=False, init_weights=False, transform_input=False)


def check_standin_layer(name: str) -> None:
    """Refuse a layer that nsfwjs fine-tuned: dreaming it shows its classifier's features, not ImageNet's."""
    block = name.split(".")[0]
    if block in FINE_TUNED or _KERAS_FINE_TUNED.fullmatch(block):
        raise UserError(
            f"layer {name!r}: model.weights=standin has ImageNet features only through {STANDIN_DEEPEST} "
            "(Keras mixed5); Mixed_6d and deeper (Keras mixed6 ... mixed10) were fine-tuned for nsfwjs's "
            f"classifier, not ImageNet features. Choose one of {', '.join(STANDIN_LAYERS)}"
        )


class KerasPoolConv(nn.Module):
    """A block's `branch_pool` BasicConv2d (same `conv` and `bn`, so the same state-dict keys) whose input,
    torchvision's padded average, is first rescaled to Keras's average over the pixels inside the image."""

    def __init__(self, basic: BasicConv2d) -> None:
        super().__init__()
        self.conv, self.bn = basic.conv, basic.bn
        self._rescale: dict[tuple, torch.Tensor] = {}  # (H, W, device, dtype) -> (1, 1, H, W); not state

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(pooled * self.rescale(pooled))), inplace=True)

    def rescale(self, pooled: torch.Tensor) -> torch.Tensor:
        """9 / (pixels inside the image under each 3x3 window): 1 inside, 9/6 on edges, 9/4 at corners."""
        height, width = pooled.shape[-2:]
        key = (height, width, pooled.device, pooled.dtype)
        if key not in self._rescale:  # an ordinary tensor even under inference_mode: backward may reuse it
            with torch.inference_mode(False), torch.no_grad():
                ones = torch.ones(1, 1, height, width, device=pooled.device, dtype=torch.float32)
                share = F.avg_pool2d(ones, 3, stride=1, padding=1, count_include_pad=True)
                self._rescale[key] = (1 / share).to(pooled.dtype)
        return self._rescale[key]


def keras_average_pools(model: nn.Module) -> None:
    """Make every avg-pooled `branch_pool` (InceptionA, C, E; B and D max-pool) average like Keras, in
    place; the state-dict keys stay as they are. Calling it twice changes nothing more."""
    blocks = [
        module for module in model.modules() if isinstance(module, (InceptionA, InceptionC, InceptionE))
    ]
    if not blocks:
        raise TypeError(f"keras_average_pools: {type(model).__name__} has no Inception A/C/E blocks")
    for block in blocks:
        if not isinstance(block.branch_pool, KerasPoolConv):
            block.branch_pool = KerasPoolConv(block.branch_pool)
