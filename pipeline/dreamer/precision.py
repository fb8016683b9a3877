"""Which float type the network runs in: autocast to bf16/fp16 where the hardware does it natively."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from pipeline.dreamer.settings import PRECISION_NAMES, Features, check_precision_name
from pipeline.errors import UserError

PRECISIONS = dict(zip(PRECISION_NAMES, (torch.float32, torch.bfloat16, torch.float16)))


def cpu_has_native_bf16() -> bool:
    """AVX-512 BF16 or AMX: without them bf16 convolutions are emulated, far slower than fp32."""
    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


def resolve_precision(name: str, device: torch.device) -> torch.dtype:
    """`auto`: bf16 on CUDA GPUs that have it (else fp16) and on CPUs with native bf16; fp32 elsewhere."""
    check_precision_name(name)
    if name != "auto":
        if device.type == "cpu" and name == "fp16":
            raise UserError("precision=fp16 is for GPUs; on the CPU use precision=bf16 or fp32 (or auto)")
        return PRECISIONS[name]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "cpu" and cpu_has_native_bf16():
        return torch.bfloat16
    return torch.float32


class Autocast:
    """Wraps a feature extractor so its forward pass runs under autocast; the image, the gradient and
    every update stay float32, so lower precision only touches the convolutions."""

    def __init__(self, features: Features, device: torch.device, dtype: torch.dtype):
        self.features, self.device_type, self.dtype = features, device.type, dtype

    def __call__(self, image: torch.Tensor, layers: Iterable[str]) -> dict[str, torch.Tensor]:
        if self.dtype == torch.float32:
            return self.features(image, layers)
        with torch.autocast(device_type=self.device_type, dtype=self.dtype):
            return self.features(image, layers)
