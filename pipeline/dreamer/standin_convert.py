"""nsfwjs's tfjs InceptionV3 (Keras layers model, uint8-quantized) as a torchvision Inception3 state dict.

Keras numbers `conv2d_N` in creation order, which is the definition order of torchvision's 94 BasicConv2d;
each `batch_normalization_N` (no scale: gamma = 1) follows the conv it reads from in the topology. The dense
head (`dense_1..3`) is kept under `nsfwjs_head.*` for the reference check only: it is nsfwjs's fine-tuned
5-class classifier, not ImageNet's. Every shape is checked; nothing is guessed.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable

import numpy as np
import torch
from torchvision.models.inception import BasicConv2d

from pipeline.dreamer.standin_js import module_exports
from pipeline.dreamer.standin_net import inception3
from pipeline.errors import UserError

HEAD = "nsfwjs_head"  # nn.Sequential(Linear, ReLU, Linear, ReLU, Linear, Softmax): Linear at 0, 2, 4
HEAD_LAYERS = {"dense_1": 0, "dense_2": 2, "dense_3": 4}
FROZEN_CONVS = 50  # Conv2d_1a_3x3 ... Mixed_6c (Keras conv2d_1 ... conv2d_50, up to mixed5)
_QUANTIZED = {"uint8": np.uint8, "uint16": np.dtype("<u2"), None: np.dtype("<f4")}


def convert(read: Callable[[str], str]) -> dict[str, torch.Tensor]:
    """`read(name)` gives the text of a file in the package's models/inception_v3/ folder."""
    bundle = module_exports(read("model.min.js"), "model.min.js")
    if not isinstance(bundle, dict) or not {"modelTopology", "weightsManifest"} <= bundle.keys():
        raise UserError("model.min.js: no modelTopology/weightsManifest; is it nsfwjs's tfjs model?")
    layers = {layer["name"]: layer for layer in bundle["modelTopology"]["model_config"]["config"]["layers"]}
    arrays: dict[str, np.ndarray] = {}
    for group in bundle["weightsManifest"]:
        shards = [decode_shard(read(f"{path}.min.js"), path) for path in group["paths"]]
        arrays.update(dequantize(group["weights"], b"".join(shards)))
    return {**features_state(layers, arrays), **head_state(arrays)}


def decode_shard(source: str, name: str) -> bytes:
    text = module_exports(source, name)
    try:
        return base64.b64decode(text, validate=True)
    except (TypeError, binascii.Error) as error:
        raise UserError(f"{name}: the weights are not base64 ({error})") from None


def dequantize(entries: list[dict], data: bytes) -> dict[str, np.ndarray]:
    """Each weight's values, stored back to back in manifest order: `q * scale + min`, as tfjs does."""
    arrays, offset = {}, 0
    for entry in entries:
        quantization = entry.get("quantization") or {}
        dtype = _QUANTIZED.get(quantization.get("dtype"))
        if dtype is None or entry.get("dtype", "float32") != "float32":
            raise UserError(f"{entry['name']}: unsupported weight type {entry.get('dtype')}/{quantization}")
        count = math.prod(entry["shape"])
        end = offset + count * np.dtype(dtype).itemsize
        if end > len(data):
            raise UserError(f"{entry['name']}: the weight shards end early ({len(data)} bytes)")
        values = np.frombuffer(data, dtype=dtype, count=count, offset=offset).astype(np.float64)
        if quantization:
            values = values * quantization["scale"] + quantization["min"]
        arrays[entry["name"]] = values.astype(np.float32).reshape(entry["shape"])
        offset = end
    if offset != len(data):
        raise UserError(f"the weight shards hold {len(data) - offset} bytes more than the manifest lists")
    return arrays


def features_state(layers: dict[str, dict], arrays: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Inception3's state dict without fc: conv kernels HWIO -> OIHW, batch norm with gamma = 1."""
    model = inception3()
    convs = [name for name, module in model.named_modules() if isinstance(module, BasicConv2d)]
    keras = sorted((name for name, layer in layers.items() if layer["class_name"] == "Conv2D"), key=_number)
    if len(keras) != len(convs):
        raise UserError(f"the package has {len(keras)} Conv2D layers, torchvision's Inception3 {len(convs)}")
    norms = {
        _inbound(layer): name for name, layer in layers.items() if layer["class_name"] == "BatchNormalization"
    }
    state = {}
    for index, (torch_name, conv) in enumerate(zip(convs, keras)):
        norm = norms.get(conv)
        if norm is None or layers[norm]["config"].get("scale") or layers[norm]["config"]["epsilon"] != 1e-3:
            raise UserError(f"{conv}: not followed by a batch normalization without scale, epsilon 1e-3")
        if index < FROZEN_CONVS and (
            layers[conv]["config"]["trainable"] or layers[norm]["config"]["trainable"]
        ):
            raise UserError(
                f"{conv} ({torch_name}) was fine-tuned: the stand-in's ImageNet layers are not frozen"
            )
        beta = _get(arrays, f"{norm}/beta")
        state[f"{torch_name}.conv.weight"] = torch.from_numpy(
            _get(arrays, f"{conv}/kernel").transpose(3, 2, 0, 1)
        )
        state[f"{torch_name}.bn.weight"] = torch.ones_like(torch.from_numpy(beta))
        state[f"{torch_name}.bn.bias"] = torch.from_numpy(beta)
        state[f"{torch_name}.bn.running_mean"] = torch.from_numpy(_get(arrays, f"{norm}/moving_mean"))
        state[f"{torch_name}.bn.running_var"] = torch.from_numpy(_get(arrays, f"{norm}/moving_variance"))
        state[f"{torch_name}.bn.num_batches_tracked"] = torch.tensor(0)
    expected = {key: value for key, value in model.state_dict().items() if not key.startswith("fc.")}
    check_shapes(state, expected, "torchvision's Inception3")
    return {key: value.contiguous() for key, value in state.items()}


def head_state(arrays: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """dense_1..3 as torch Linear layers (kernel (in, out) -> weight (out, in))."""
    state = {}
    for name, index in HEAD_LAYERS.items():
        state[f"{HEAD}.{index}.weight"] = torch.from_numpy(_get(arrays, f"{name}/kernel").T.copy())
        state[f"{HEAD}.{index}.bias"] = torch.from_numpy(_get(arrays, f"{name}/bias"))
    expected = {f"{HEAD}.{key}": value for key, value in nsfwjs_head().state_dict().items()}
    check_shapes(state, expected, "nsfwjs's head")
    return state


def nsfwjs_head() -> torch.nn.Sequential:
    """nsfwjs's classifier after the global pool: 2048 -> 256 -> 128 -> 5 (dropout is off in eval)."""
    nn = torch.nn
    return nn.Sequential(
        nn.Linear(2048, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 5), nn.Softmax(dim=1)
    )


def check_shapes(state: dict[str, torch.Tensor], expected: dict[str, torch.Tensor], what: str) -> None:
    """Same keys, same shapes: any difference is the package's mistake (or a different version's)."""
    missing, extra = sorted(expected.keys() - state.keys()), sorted(state.keys() - expected.keys())
    if missing or extra:
        raise UserError(f"the stand-in does not fit {what}: missing {missing[:3]}, unexpected {extra[:3]}")
    for key, value in expected.items():
        if state[key].shape != value.shape:
            raise UserError(
                f"the stand-in does not fit {what}: {key} is {tuple(state[key].shape)}, "
                f"expected {tuple(value.shape)}"
            )


def _get(arrays: dict[str, np.ndarray], name: str) -> np.ndarray:
    if name not in arrays:
        raise UserError(f"the weights manifest has no {name}")
    return arrays[name]


def _number(name: str) -> int:
    """conv2d_12 -> 12: Keras's creation order (sorting the names as strings would put 10 before 2)."""
    return int(name.rpartition("_")[2])


def _inbound(layer: dict) -> str | None:
    nodes = layer.get("inbound_nodes") or [[[None]]]
    return nodes[0][0][0]
