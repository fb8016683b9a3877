"""Which float type the network runs in: autocast to bf16/fp16 where the hardware does it natively."""

from __future__ import annotations

import platform
from collections.abc import Iterable

import torch

from pipeline.dreamer.device import torch_at_least
from pipeline.dreamer.settings import PRECISION_NAMES, Features, check_precision_name
from pipeline.errors import UserError

PRECISIONS = dict(zip(PRECISION_NAMES, (torch.float32, torch.bfloat16, torch.float16)))


def cpu_has_native_bf16() -> bool:
    """AVX-512 BF16 or AMX: without them bf16 convolutions are emulated, far slower than fp32."""
    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


def cuda_low_precision(device: torch.device) -> torch.dtype:
    """bf16 from compute capability 8.0 (Ampere), where cuDNN has bf16 convolutions; fp16 below (T4, V100,
    RTX 20xx), which `torch.cuda.is_bf16_supported()` would send to slow emulated bf16 kernels."""
    major, _ = torch.cuda.get_device_capability(device)
    return torch.bfloat16 if major >= 8 else torch.float16


def macos_version() -> tuple[int, ...]:
    release = platform.mac_ver()[0]  # "14.5"; "" off macOS
    return tuple(int(part) for part in release.split(".") if part.isdigit()) or (0,)


def check_mps_precision(name: str) -> None:
    """Autocast on MPS came in torch 2.5 (fp16 only); bf16 in 2.6, and only on macOS 14 or newer. Outside
    that torch raises, or warns and silently runs fp32: refuse up front instead."""
    if name == "fp16" and not torch_at_least(2, 5):
        raise UserError(
            f"precision=fp16 on mps needs torch 2.5 or newer (this is {torch.__version__}): "
            "use precision=fp32 (or auto), or upgrade torch"
        )
    if name == "bf16" and not (torch_at_least(2, 6) and macos_version() >= (14,)):
        raise UserError(
            f"precision=bf16 on mps needs torch 2.6+ and macOS 14+ (this is torch {torch.__version__}, "
            f"macOS {platform.mac_ver()[0] or 'unknown'}): use precision=fp16 or fp32 (or auto)"
        )


def resolve_precision(name: str, device: torch.device) -> torch.dtype:
    """`auto`: bf16/fp16 on CUDA by compute capability, bf16 on CPUs with native bf16, fp32 elsewhere
    (MPS included: nobody has measured a lower precision faster there yet)."""
    check_precision_name(name)
    if name != "auto":
        if device.type == "cpu" and name == "fp16":
            raise UserError("precision=fp16 is for GPUs; on the CPU use precision=bf16 or fp32 (or auto)")
        if device.type == "mps":
            check_mps_precision(name)
        return PRECISIONS[name]
    if device.type == "cuda":
        return cuda_low_precision(device)
    if device.type == "cpu" and cpu_has_native_bf16():
        return torch.bfloat16
    return torch.float32


class Autocast:
    """Wraps a feature extractor so its forward pass runs under autocast; the image, the gradient and
    every update stay float32, so lower precision only touches the convolutions."""

    def __init__(self, features: Features, device: torch.device, dtype: torch.dtype):
        self.features, self.device_type, self.dtype = features, device.type, dtype
        self.plan = getattr(features, "plan", None)  # the network's plan, for tiles (None: a toy network)

    def __call__(self, image: torch.Tensor, layers: Iterable[str]) -> dict[str, torch.Tensor]:
        if self.dtype == torch.float32:
            return self.features(image, layers)
        with torch.autocast(device_type=self.device_type, dtype=self.dtype):
            return self.features(image, layers)

    def full_precision(self) -> Features | None:
        """The same network in fp32, for redoing work that overflowed; None if this already is fp32."""
        return None if self.dtype == torch.float32 else self.features
