"""The steps a network is made of, as data without torch (convolutions, pools, parallel branches), and the
arithmetic the checks need from them: output sizes, receptive field, channels, memory, FLOPs.

Config schemas check layers, sizes and channels before torch is imported, and the tiled gradient needs
each layer's receptive field and stride; both read them from here. Sizes follow PyTorch's own rule for a
sliding window (`floor((n + 2p - k) / s) + 1`, or `ceil` with ceil_mode). tests/dreamer/test_plans.py
checks every plan against torchvision's modules and real forward passes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Conv:
    out: int  # output channels
    kernel: tuple[int, int]  # (rows, columns) of the kernel, pixels
    stride: int = 1  # pixels, both axes
    padding: tuple[int, int] = (0, 0)  # zero rows, zero columns added on each side
    norm: bool = True  # a BatchNorm (its own output tensor) then ReLU, as in BasicConv2d; False: bias only


@dataclass(frozen=True)
class Pool:
    kind: str  # "max" | "avg"
    kernel: int  # pixels, square
    stride: int  # pixels
    padding: int = 0  # pixels on each side
    ceil: bool = False  # ceil_mode: a last window that runs past the input still counts (GoogLeNet)


@dataclass(frozen=True)
class Pointwise:
    """A per-pixel step: a ReLU in place (allocates nothing) or the input rescaling (a new tensor)."""

    inplace: bool = True


@dataclass(frozen=True)
class Branches:
    """Paths over the same input whose outputs are concatenated along channels (an Inception block)."""

    paths: tuple[tuple[Op, ...], ...]  # each path: its ops in order


Op = Conv | Pool | Pointwise | Branches


def conv(
    out: int, kernel: int | tuple[int, int], stride: int = 1, padding: int | tuple[int, int] = 0
) -> Conv:
    """A BasicConv2d (conv, BatchNorm, ReLU) written as torchvision writes it: square sizes as one number."""
    pair = lambda value: value if isinstance(value, tuple) else (value, value)  # noqa: E731
    return Conv(out, pair(kernel), stride, pair(padding))


Reach = tuple[int, int, int]  # (offset of output 0's window in input pixels, window size, stride)


def window_count(n: int, kernel: int, stride: int, padding: int, ceil: bool = False) -> int:
    """Outputs of a sliding window over n inputs along one axis, by PyTorch's rule (pooling_output_shape);
    0 or less: the input is too small. With `ceil` a last window may run past the input (not start in
    the padding), so a max-pool of 2 still gives one output for a 1 px input."""
    if n < 1:
        return 0
    count = (n + 2 * padding - kernel + (stride - 1 if ceil else 0)) // stride + 1
    if ceil and (count - 1) * stride >= n + padding:
        count -= 1
    return max(count, 0)


def out_size(op: Op, n: int, axis: int) -> int:
    """Output length along `axis` (0 rows, 1 columns) for an input of n; 0 when it cannot run."""
    if isinstance(op, Conv):
        return window_count(n, op.kernel[axis], op.stride, op.padding[axis])
    if isinstance(op, Pool):
        return window_count(n, op.kernel, op.stride, op.padding, op.ceil)
    if isinstance(op, Branches):
        return min(path_size(path, n, axis) for path in op.paths)
    return n if n >= 1 else 0


def path_size(path: tuple[Op, ...], n: int, axis: int) -> int:
    for op in path:
        n = out_size(op, n, axis)
    return n


def channels(op: Op, incoming: int) -> int:
    """Channels out of `op` given `incoming` channels in (a pool-only branch passes its input through)."""
    if isinstance(op, Conv):
        return op.out
    if isinstance(op, Branches):
        return sum(path_channels(path, incoming) for path in op.paths)
    return incoming


def path_channels(path: tuple[Op, ...], incoming: int) -> int:
    for op in path:
        incoming = channels(op, incoming)
    return incoming


def reach(op: Op, axis: int) -> Reach:
    """Which input pixels output 0 sees (offset, size) and how far output 1 moves (stride)."""
    if isinstance(op, Conv):
        return -op.padding[axis], op.kernel[axis], op.stride
    if isinstance(op, Pool):
        return -op.padding, op.kernel, op.stride
    if isinstance(op, Branches):  # the union of the paths' windows; they move in step (one output grid)
        reaches = [path_reach(path, axis) for path in op.paths]
        start = min(r[0] for r in reaches)
        end = max(r[0] + r[1] for r in reaches)
        return start, end - start, reaches[0][2]
    return 0, 1, 1


def then(first: Reach, second: Reach) -> Reach:
    """The reach of `second` applied to the output of `first`, in `first`'s input pixels."""
    (o1, f1, s1), (o2, f2, s2) = first, second
    return o1 + o2 * s1, f1 + (f2 - 1) * s1, s1 * s2


def path_reach(path: tuple[Op, ...], axis: int) -> Reach:
    total: Reach = (0, 1, 1)
    for op in path:
        total = then(total, reach(op, axis))
    return total


def allocated(op: Op, c: int, h: int, w: int) -> tuple[int, int, int, int]:
    """(values the forward pass allocates in `op`, and its output c, h, w): a conv's output (and its
    BatchNorm's), a pool's, a concatenation's; in-place ReLUs allocate nothing."""
    h2, w2, c2 = out_size(op, h, 0), out_size(op, w, 1), channels(op, c)
    if isinstance(op, Conv):
        return c2 * h2 * w2 * (2 if op.norm else 1), c2, h2, w2
    if isinstance(op, Pointwise):
        return (0 if op.inplace else c * h * w), c, h, w
    if isinstance(op, Branches):
        return sum(_walk(path, c, h, w, allocated) for path in op.paths) + c2 * h2 * w2, c2, h2, w2
    return c2 * h2 * w2, c2, h2, w2


def conv_flops(op: Op, c: int, h: int, w: int) -> tuple[int, int, int, int]:
    """(multiply-adds x 2 of the convolutions in `op`, and its output c, h, w)."""
    h2, w2, c2 = out_size(op, h, 0), out_size(op, w, 1), channels(op, c)
    if isinstance(op, Conv):
        return 2 * c * op.out * op.kernel[0] * op.kernel[1] * h2 * w2, c2, h2, w2
    if isinstance(op, Branches):
        return sum(_walk(path, c, h, w, conv_flops) for path in op.paths), c2, h2, w2
    return 0, c2, h2, w2


def _walk(path: tuple[Op, ...], c: int, h: int, w: int, count) -> int:
    total = 0
    for op in path:
        amount, c, h, w = count(op, c, h, w)
        total += amount
    return total


def convs(op: Op) -> list[Conv]:
    """The convolutions inside `op`, in the order a block defines them (branch by branch)."""
    if isinstance(op, Conv):
        return [op]
    if isinstance(op, Branches):
        return [conv for path in op.paths for step in path for conv in convs(step)]
    return []
