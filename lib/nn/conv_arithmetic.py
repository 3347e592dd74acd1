"""How one value of a convolution layer was computed: window x kernel, summed per input channel, + bias.

One unit (row, col) of output map c of a Conv2d sees a C_in x k x k window of the layer's input (zeros where the
window hangs over the border: the padding). Its value is sum over input channels i of sum(window_i * kernel_c,i),
plus the bias b_c: the pre-activation. A BatchNorm and the ReLU that follow act on that one number alone.
conv_unit_arithmetic returns every number of that sum (NumPy, float64); unit_computation finds the
convolution, its input and the layers after it in one forward pass and checks nothing itself: the page and the
tests compare its result with the layers' own outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from torch import nn

from lib.nn.features import LayerActivation

ELEMENTWISE_KINDS = ("BatchNorm2d", "ReLU")


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if np.isscalar(value) else (int(value[0]), int(value[1]))


def _output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@dataclass(frozen=True)
class ConvUnitArithmetic:
    """Every number of one convolution output value."""

    channel: int  # the output map
    row: int
    col: int
    input_channels: np.ndarray  # (G,) the input channels this map reads (all of them unless groups > 1)
    rows: np.ndarray  # (kh,) input rows under the kernel (outside 0..H-1: padding)
    cols: np.ndarray  # (kw,) input columns under the kernel
    inside: np.ndarray  # (kh, kw) bool: False where the window lies on the zero padding
    window: np.ndarray  # (G, kh, kw) float64 input values (0 on the padding)
    weights: np.ndarray  # (G, kh, kw) float64 the kernel of map `channel`
    products: np.ndarray  # (G, kh, kw) window * weights
    channel_sums: np.ndarray  # (G,) products summed per input channel
    bias: float
    value: float  # channel_sums.sum() + bias: the pre-activation

    @property
    def total(self) -> float:
        """The sum of every product, before the bias."""
        return float(self.channel_sums.sum())


def conv_unit_arithmetic(
    inputs: np.ndarray,
    weight: np.ndarray,
    bias: float,
    *,
    channel: int,
    row: int,
    col: int,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> ConvUnitArithmetic:
    """The arithmetic of output (channel, row, col) of a zero-padded 2-D convolution, as torch.nn.Conv2d does it.

    inputs: (C_in, H, W) the layer's input; weight: (C_out, C_in / groups, kh, kw). stride, padding, dilation:
    an int or a (rows, cols) pair, as Conv2d takes them.
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    if inputs.ndim != 3 or weight.ndim != 4:
        raise ValueError(
            f"expected inputs (C, H, W) and weights (O, I, kh, kw), got {inputs.shape}, {weight.shape}"
        )
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    out_channels, group_in, kh, kw = weight.shape
    if group_in * groups != inputs.shape[0] or out_channels % groups:
        raise ValueError(
            f"{inputs.shape[0]} input channels do not fit weights {weight.shape} in {groups} groups"
        )
    height, width = inputs.shape[1:]
    out_h, out_w = _output_size(height, kh, sh, ph, dh), _output_size(width, kw, sw, pw, dw)
    if not (0 <= channel < out_channels and 0 <= row < out_h and 0 <= col < out_w):
        raise ValueError(
            f"unit ({channel}, {row}, {col}) is outside the {out_channels}x{out_h}x{out_w} output"
        )
    group = channel // (out_channels // groups)
    input_channels = np.arange(group * group_in, (group + 1) * group_in)
    rows = row * sh - ph + dh * np.arange(kh)
    cols = col * sw - pw + dw * np.arange(kw)
    inside = ((rows >= 0) & (rows < height))[:, None] & ((cols >= 0) & (cols < width))[None, :]
    window = np.zeros((group_in, kh, kw))
    rr, cc = np.nonzero(inside)
    window[:, rr, cc] = inputs[input_channels][:, rows[rr], cols[cc]]
    weights = weight[channel]
    products = window * weights
    channel_sums = products.sum(axis=(1, 2))
    return ConvUnitArithmetic(
        channel, row, col, input_channels, rows, cols, inside, window, weights, products, channel_sums,
        float(bias), float(channel_sums.sum() + bias),
    )  # fmt: skip


@dataclass(frozen=True)
class ElementwiseStep:
    """A layer after the convolution that acts on each value alone (BatchNorm, ReLU): what it did to ours."""

    layer: str
    kind: str
    formula: str  # the step with its numbers, e.g. "max(0, -0.31) = 0"
    value: float  # what it gives for our value
    forward_value: float  # the layer's own output at that unit (one forward pass)


@dataclass(frozen=True)
class UnitComputation:
    conv_layer: str
    input_name: str  # the layer whose output the convolution read ("input" for the model's input)
    arithmetic: ConvUnitArithmetic
    forward_value: float  # the convolution layer's own output at that unit
    steps: tuple[ElementwiseStep, ...]  # BatchNorm / ReLU that follow, up to the first ReLU


def _conv_index(layers: Sequence[LayerActivation], name: str) -> int:
    """The index of the Conv2d that made layer `name` value by value (it, or the conv before a BN/ReLU run)."""
    names = [layer.name for layer in layers]
    if name not in names:
        raise ValueError(f"no layer named {name!r}")
    index = names.index(name)
    shape = layers[index].shape
    while index >= 0 and layers[index].shape == shape:
        if layers[index].kind == "Conv2d":
            return index
        if layers[index].kind not in ELEMENTWISE_KINDS:
            break
        index -= 1
    raise ValueError(
        f"{name} is not made by a convolution value by value (pick a Conv2d layer or the ReLU after it)"
    )


def _step(module: nn.Module, layer: LayerActivation, value: float, unit) -> ElementwiseStep:
    forward_value = float(layer.values[unit])
    channel = unit[0]
    if isinstance(module, nn.BatchNorm2d):
        mean = float(module.running_mean[channel].detach())
        var = float(module.running_var[channel].detach())
        gamma = float(module.weight[channel].detach()) if module.weight is not None else 1.0
        beta = float(module.bias[channel].detach()) if module.bias is not None else 0.0
        result = (value - mean) / np.sqrt(var + module.eps) * gamma + beta
        formula = f"({value:.4g} − {mean:.4g}) / √({var:.4g} + {module.eps:g}) × {gamma:.4g} + {beta:.4g} = {result:.4g}"
        return ElementwiseStep(layer.name, layer.kind, formula, float(result), forward_value)
    result = max(0.0, value)
    return ElementwiseStep(
        layer.name, layer.kind, f"max(0, {value:.4g}) = {result:.4g}", result, forward_value
    )


def unit_computation(
    model: nn.Module,
    layers: Sequence[LayerActivation],
    inputs: np.ndarray,
    name: str,
    channel: int,
    row: int,
    col: int,
) -> UnitComputation:
    """How unit (row, col) of map `channel` of layer `name` was computed in a chain network.

    layers: one forward pass (lib.nn.features.extract_activations); inputs: the model's input (C, H, W).
    The convolution reads the layer listed before it (the model's input for the first); a ValueError says
    when that cannot be its input (a branch, as ResNet's shortcut convolutions) or `name` is not a conv's.
    """
    index = _conv_index(layers, name)
    conv_layer = layers[index]
    conv = model.get_submodule(conv_layer.module_path)
    if not isinstance(conv, nn.Conv2d) or conv.padding_mode != "zeros" or isinstance(conv.padding, str):
        raise ValueError(f"{conv_layer.name} is not a zero-padded Conv2d")
    source, source_name = (layers[index - 1].values, layers[index - 1].name) if index else (inputs, "input")
    if source is None or np.ndim(source) != 3 or source.shape[0] != conv.in_channels:
        raise ValueError(f"{conv_layer.name} does not read the layer before it (a branching network)")
    arithmetic = conv_unit_arithmetic(
        source,
        conv.weight.detach().float().cpu().numpy(),
        float(conv.bias[channel].detach()) if conv.bias is not None else 0.0,
        channel=channel,
        row=row,
        col=col,
        stride=conv.stride,
        padding=conv.padding,
        dilation=conv.dilation,
        groups=conv.groups,
    )
    expected = tuple(
        _output_size(size, k, st, p, d)
        for size, k, st, p, d in zip(
            source.shape[1:], conv.kernel_size, conv.stride, conv.padding, conv.dilation, strict=True
        )
    )
    if expected != conv_layer.shape[1:]:
        raise ValueError(f"{conv_layer.name} does not read the layer before it (a branching network)")
    unit = (channel, row, col)
    steps = []
    value = arithmetic.value
    for layer in layers[index + 1 :]:
        if (
            layer.kind not in ELEMENTWISE_KINDS
            or layer.shape != conv_layer.shape
            or layer.module_path is None
        ):
            break
        step = _step(model.get_submodule(layer.module_path), layer, value, unit)
        steps.append(step)
        value = step.value
        if layer.kind == "ReLU":
            break
    return UnitComputation(
        conv_layer.name, source_name, arithmetic, float(conv_layer.values[unit]), tuple(steps)
    )
