"""The torch-free plans of Inception v3 and GoogLeNet against torchvision's own networks: module for module,
and against real forward passes (sizes, the smallest input, receptive fields, FLOPs, memory)."""

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from torchvision.models import googlenet, inception_v3

from pipeline.dreamer import ops
from pipeline.dreamer.googlenet_plan import GOOGLENET
from pipeline.dreamer.inception_plan import INCEPTION_V3
from pipeline.dreamer.load import random_features
from pipeline.dreamer.vgg import FeatureTaps
from pipeline.dreamer.zoo import RECIPES
from pipeline.run.preflight import activation_bytes

PLANS = [INCEPTION_V3, GOOGLENET]
ids = [plan.name for plan in PLANS]


def torchvision_model(plan, aux: bool = False) -> nn.Module:
    build = {"inception_v3": inception_v3, "googlenet": googlenet}[plan.name]
    return build(weights=None, aux_logits=aux, init_weights=False).eval()


def planned_convs(op, incoming: int) -> tuple[list[tuple], int]:
    """(in, out, kernel, stride, padding) of every conv in `op` in definition order, and its out channels."""
    if isinstance(op, ops.Conv):
        return [(incoming, op.out, op.kernel, (op.stride,) * 2, op.padding)], op.out
    if isinstance(op, ops.Branches):
        found, total = [], 0
        for path in op.paths:
            channels = incoming
            for step in path:
                convs, channels = planned_convs(step, channels)
                found += convs
            total += channels
        return found, total
    return [], incoming


def module_convs(module: nn.Module) -> list[tuple]:
    return [(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding)
            for m in module.modules() if isinstance(m, nn.Conv2d)]  # fmt: skip


@pytest.mark.parametrize("plan", PLANS, ids=ids)
def test_the_plan_is_torchvisions_network_module_for_module(plan):
    children = dict(torchvision_model(plan).named_children())
    stages = [name for name, _ in plan.stages if name != "transform_input"]
    # the stack is torchvision's children in order, up to its last block (pooling, dropout, fc dropped)
    assert stages == [name for name in children if name not in ("avgpool", "dropout", "fc")]
    channels = 3
    for name in stages:
        op = dict(plan.stages)[name]
        convs, channels = planned_convs(op, channels)
        assert convs == module_convs(children[name]), name
        # every conv a BasicConv2d: no bias, its own batch norm (eps 1e-3), as the plan's norm=True says
        norms = [m for m in children[name].modules() if isinstance(m, nn.BatchNorm2d)]
        assert [m.eps for m in norms] == [1e-3] * len(convs) and all(c.norm for c in ops.convs(op))
        assert all(m.bias is None for m in children[name].modules() if isinstance(m, nn.Conv2d))
        pools = [m for m in children[name].modules() if isinstance(m, nn.MaxPool2d)]
        if pools or isinstance(op, ops.Pool):  # pools written as modules (Inception's blocks call F.*)
            planned = [p for p in _pools(op) if p.kind == "max"]
            assert [(p.kernel, p.stride, p.padding, p.ceil) for p in planned] == [
                (m.kernel_size, m.stride, m.padding, m.ceil_mode) for m in pools
            ], name
        assert channels == plan.width(name) if plan.knows(name) else True


def _pools(op) -> list:
    if isinstance(op, ops.Pool):
        return [op]
    if isinstance(op, ops.Branches):
        return [pool for path in op.paths for step in path for pool in _pools(step)]
    return []


@pytest.mark.parametrize("plan", PLANS, ids=ids)
def test_the_state_dict_is_torchvisions_less_what_deepdream_drops(plan):
    """The ImageNet file holds the aux heads and the classifier too: dropping RECIPES' prefixes leaves
    exactly our stack's keys and shapes, so the file loads strictly."""
    full = torchvision_model(plan, aux=True).state_dict()
    dropped = RECIPES[plan.name].dropped
    theirs = {key: value.shape for key, value in full.items() if not key.startswith(dropped)}
    ours = {key: value.shape for key, value in RECIPES[plan.name].build().state_dict().items()}
    assert ours == theirs


@pytest.mark.parametrize("plan", PLANS, ids=ids)
@pytest.mark.parametrize("size", [(75, 100), (97, 80), (131, 150)])
def test_every_layers_shape_is_what_the_plan_computes(plan, size):
    taps = FeatureTaps(random_features(0, plan.name).eval(), plan)
    with torch.no_grad():
        activations = taps(torch.randn(1, 3, *size), plan.layers)
    for name in plan.layers:
        expected = (1, plan.width(name), plan.out_size(name, size[0], 0), plan.out_size(name, size[1], 1))
        assert tuple(activations[name].shape) == expected, name


@pytest.mark.parametrize("plan", PLANS, ids=ids)
def test_the_smallest_side_runs_and_one_pixel_less_does_not(plan):
    """The pyramid's minimum is exactly where the network breaks (Inception v3's Mixed_7c: 75 px)."""
    features = RECIPES[plan.name].build().eval()
    for name in plan.layers:
        taps, side = FeatureTaps(features[: plan.index(name) + 1], plan), plan.min_side(name)
        with torch.no_grad():
            assert taps(torch.zeros(1, 3, side, side + 5), [name])[name].shape[-2] == 1, name
            with pytest.raises(RuntimeError):
                taps(torch.zeros(1, 3, side - 1, side + 5), [name])
    assert INCEPTION_V3.min_side("Mixed_7c") == 75 and GOOGLENET.min_side("inception5b") == 15


@pytest.mark.parametrize(
    "plan, layer", [(INCEPTION_V3, "Conv2d_4a_3x3"), (INCEPTION_V3, "Mixed_5c"), (GOOGLENET, "inception3b")]
)
def test_the_gradient_of_one_position_stays_inside_the_planned_receptive_field(plan, layer):
    """What tiles rely on: no input pixel outside the plan's window reaches an activation (float64, so
    nothing underflows to zero and hides a pixel that does)."""
    features = random_features(1, plan.name)[: plan.index(layer) + 1].double().eval()
    image = torch.randn(1, 3, 120, 120, dtype=torch.float64, requires_grad=True)
    activation = FeatureTaps(features, plan)(image, [layer])[layer]
    row, column = activation.shape[-2] // 2, activation.shape[-1] // 2
    (grad,) = torch.autograd.grad(activation[0, :, row, column].sum(), image)
    touched = grad[0].abs().sum(dim=0).nonzero()
    for axis, index in ((0, row), (1, column)):
        offset, field, stride = ops.path_reach(plan.ops_to(layer), axis)
        start = index * stride + offset
        assert start <= touched[:, axis].min() and touched[:, axis].max() <= start + field - 1
        assert touched[:, axis].max() - touched[:, axis].min() + 1 > field // 2  # and it is no overestimate


@pytest.mark.parametrize("plan", PLANS, ids=ids)
def test_flops_and_memory_estimates_match_the_real_forward_pass(plan):
    """The bench's GFLOP/s and the memory preflight count from the plan: torch's own FLOP counter agrees
    exactly, and the estimate covers every tensor autograd keeps for the backward pass."""
    layer = plan.layers[-1]
    taps = FeatureTaps(random_features(0, plan.name).eval().requires_grad_(False), plan)
    image = torch.randn(1, 3, 96, 128, requires_grad=True)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        taps(image, [layer])
    assert counter.get_total_flops() == plan.forward_flops(layer, 96, 128)
    saved = {}

    def keep(tensor):
        saved[tensor.untyped_storage().data_ptr()] = tensor.untyped_storage().nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(keep, lambda tensor: tensor):
        taps(image, [layer])
    weights = {t.untyped_storage().data_ptr() for t in [*taps.parameters(), *taps.buffers()]}
    kept = sum(size for pointer, size in saved.items() if pointer not in weights)
    assert kept < activation_bytes(96, 128, layer, plan) < 4 * kept
