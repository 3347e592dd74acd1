"""CNN arithmetic without PyTorch: output sizes, parameters, multiply-adds, receptive fields.

Layer specs are small frozen dataclasses named and parameterised like torch.nn's layers; shapes are
(C, H, W) for feature maps and (N,) for vectors, one image (no batch axis). `analyze` walks a list of
specs and explains every number with its formula. lib/nn/cnn_torch.py checks all of it against PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

Pair = tuple[int, int]
Shape = tuple[int, ...]
BYTES_PER_FLOAT32 = 4


# --------------------------------------------------------------------------------------------------
# Layer specs
# --------------------------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _pair(value: int | Sequence[int], what: str, *, minimum: int) -> Pair:
    """(h, w) from an int or a 2-sequence of ints, each >= minimum."""
    values = (value, value) if _is_int(value) else tuple(value)  # type: ignore[arg-type]
    if len(values) != 2 or not all(_is_int(v) for v in values):
        raise ValueError(f"{what} must be an integer or a pair of integers, got {value!r}")
    if any(v < minimum for v in values):
        raise ValueError(f"{what} must be at least {minimum}, got {value!r}")
    return int(values[0]), int(values[1])


def _square_text(pair: Pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"


@dataclass(frozen=True)
class Conv2d:
    """nn.Conv2d: padding is an int, a pair, "valid" (= 0) or "same" (stride 1 only, as in PyTorch)."""

    in_channels: int
    out_channels: int
    kernel_size: int | Pair
    stride: int | Pair = 1
    padding: int | Pair | str = 0
    dilation: int | Pair = 1
    groups: int = 1
    bias: bool = True
    name: str = field(default="", kw_only=True, compare=False)

    def __post_init__(self) -> None:
        for what, value in (("in_channels", self.in_channels), ("out_channels", self.out_channels)):
            if not _is_int(value) or value < 1:
                raise ValueError(f"Conv2d {what} must be a positive integer, got {value!r}")
        _pair(self.kernel_size, "Conv2d kernel_size", minimum=1)
        _pair(self.stride, "Conv2d stride", minimum=1)
        _pair(self.dilation, "Conv2d dilation", minimum=1)
        if isinstance(self.padding, str):
            if self.padding not in ("valid", "same"):
                raise ValueError(f'Conv2d padding must be a number, "valid" or "same", got {self.padding!r}')
            if self.padding == "same" and _pair(self.stride, "stride", minimum=1) != (1, 1):
                raise ValueError(
                    'padding="same" works only with stride 1 (as in PyTorch); give the padding as a number '
                    "for a strided convolution, e.g. padding=1 for a 3×3 kernel"
                )
        else:
            _pair(self.padding, "Conv2d padding", minimum=0)
        if not _is_int(self.groups) or self.groups < 1:
            raise ValueError(f"Conv2d groups must be a positive integer, got {self.groups!r}")
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"Conv2d groups={self.groups} must divide both in_channels={self.in_channels} and "
                f"out_channels={self.out_channels} (each group sees in/groups channels). "
                "Depthwise convolution: groups = in_channels, out_channels a multiple of it."
            )


@dataclass(frozen=True)
class MaxPool2d:
    """nn.MaxPool2d: stride defaults to kernel_size; padding at most half the kernel."""

    kernel_size: int | Pair
    stride: int | Pair | None = None
    padding: int | Pair = 0
    name: str = field(default="", kw_only=True, compare=False)

    def __post_init__(self) -> None:
        _check_pool(self)


@dataclass(frozen=True)
class AvgPool2d:
    """nn.AvgPool2d: stride defaults to kernel_size; padding at most half the kernel."""

    kernel_size: int | Pair
    stride: int | Pair | None = None
    padding: int | Pair = 0
    name: str = field(default="", kw_only=True, compare=False)

    def __post_init__(self) -> None:
        _check_pool(self)


def _check_pool(pool: MaxPool2d | AvgPool2d) -> None:
    kind = type(pool).__name__
    kernel = _pair(pool.kernel_size, f"{kind} kernel_size", minimum=1)
    if pool.stride is not None:
        _pair(pool.stride, f"{kind} stride", minimum=1)
    padding = _pair(pool.padding, f"{kind} padding", minimum=0)
    if any(p > k // 2 for p, k in zip(padding, kernel, strict=True)):
        raise ValueError(
            f"{kind} padding {pool.padding} is more than half the kernel {pool.kernel_size}; "
            "PyTorch refuses this (a window could hold padding only). Use a smaller padding."
        )


@dataclass(frozen=True)
class AdaptiveAvgPool2d:
    """nn.AdaptiveAvgPool2d: averages into a fixed output_size grid whatever the input size."""

    output_size: int | Pair
    name: str = field(default="", kw_only=True, compare=False)

    def __post_init__(self) -> None:
        _pair(self.output_size, "AdaptiveAvgPool2d output_size", minimum=1)


@dataclass(frozen=True)
class Linear:
    """nn.Linear: a dense (fully connected) layer on a flat input."""

    in_features: int
    out_features: int
    bias: bool = True
    name: str = field(default="", kw_only=True, compare=False)

    def __post_init__(self) -> None:
        for what, value in (("in_features", self.in_features), ("out_features", self.out_features)):
            if not _is_int(value) or value < 1:
                raise ValueError(f"Linear {what} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class BatchNorm2d:
    """nn.BatchNorm2d: a learned scale and shift per channel (plus running mean/variance buffers)."""

    num_features: int
    name: str = field(default="", kw_only=True, compare=False)

    def __post_init__(self) -> None:
        if not _is_int(self.num_features) or self.num_features < 1:
            raise ValueError(
                f"BatchNorm2d num_features must be a positive integer, got {self.num_features!r}"
            )


@dataclass(frozen=True)
class LocalResponseNorm:
    """nn.LocalResponseNorm: AlexNet's normalisation across `size` neighbouring channels (no parameters)."""

    size: int = 5
    name: str = field(default="", kw_only=True, compare=False)

    def __post_init__(self) -> None:
        if not _is_int(self.size) or self.size < 1:
            raise ValueError(f"LocalResponseNorm size must be a positive integer, got {self.size!r}")


@dataclass(frozen=True)
class ReLU:
    """nn.ReLU: max(0, x), element-wise."""

    name: str = field(default="", kw_only=True, compare=False)


@dataclass(frozen=True)
class Tanh:
    """nn.Tanh, element-wise (LeNet-5's activation)."""

    name: str = field(default="", kw_only=True, compare=False)


@dataclass(frozen=True)
class Sigmoid:
    """nn.Sigmoid, element-wise."""

    name: str = field(default="", kw_only=True, compare=False)


@dataclass(frozen=True)
class Dropout:
    """nn.Dropout: zeroes a fraction p of activations while training; identity at inference."""

    p: float = 0.5
    name: str = field(default="", kw_only=True, compare=False)

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.p) <= 1.0:
            raise ValueError(f"Dropout p must be between 0 and 1, got {self.p!r}")


@dataclass(frozen=True)
class Flatten:
    """nn.Flatten: (C, H, W) -> (C·H·W,)."""

    name: str = field(default="", kw_only=True, compare=False)


Layer = (
    Conv2d
    | MaxPool2d
    | AvgPool2d
    | AdaptiveAvgPool2d
    | Linear
    | BatchNorm2d
    | LocalResponseNorm
    | ReLU
    | Tanh
    | Sigmoid
    | Dropout
    | Flatten
)
LAYER_KINDS: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Conv2d,
        MaxPool2d,
        AvgPool2d,
        AdaptiveAvgPool2d,
        Linear,
        BatchNorm2d,
        LocalResponseNorm,
        ReLU,
        Tanh,
        Sigmoid,
        Dropout,
        Flatten,
    )
}
_NAME_PREFIX = {
    "Conv2d": "conv",
    "MaxPool2d": "pool",
    "AvgPool2d": "pool",
    "AdaptiveAvgPool2d": "avgpool",
    "Linear": "fc",
    "BatchNorm2d": "bn",
    "LocalResponseNorm": "lrn",
    "ReLU": "relu",
    "Tanh": "tanh",
    "Sigmoid": "sigmoid",
    "Dropout": "dropout",
    "Flatten": "flatten",
}


# --------------------------------------------------------------------------------------------------
# One sliding window: the output-size formula
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputSize:
    """The output length of one sliding-window layer along one axis, with its working."""

    size: int  # floor((I + 2P − D·(K−1) − 1) / S) + 1, what PyTorch computes
    formula: str  # the course's formula with the numbers filled in
    tiles: bool  # True when the windows end exactly on the last (padded) input pixel
    leftover: int  # padded input pixels at the end that no window covers
    note: str  # why it does not tile, or "" when it does


def output_size(
    input_size: int, kernel_size: int, *, stride: int = 1, padding: int | str = 0, dilation: int = 1
) -> OutputSize:
    """Output length of a convolution or pooling window along one axis: ⌊(I − K + 2P) / S⌋ + 1.

    padding: pixels added on each side, or "valid" (0) / "same" (stride 1; output = input).
    Raises ValueError when the (dilated) kernel does not fit in the padded input (output <= 0).
    """
    for what, value, minimum in (
        ("input size", input_size, 1),
        ("kernel size", kernel_size, 1),
        ("stride", stride, 1),
        ("dilation", dilation, 1),
    ):
        if not _is_int(value) or value < minimum:
            raise ValueError(f"The {what} must be an integer of at least {minimum}, got {value!r}")
    effective = dilation * (kernel_size - 1) + 1
    if padding == "same":
        if stride != 1:
            raise ValueError('padding "same" keeps the size only with stride 1; give padding as a number')
        total_padding = effective - 1
        padding_text = f"{total_padding // 2}+{total_padding - total_padding // 2}"
    elif padding == "valid":
        total_padding = 0
        padding_text = "0"
    elif _is_int(padding) and padding >= 0:
        total_padding = 2 * int(padding)
        padding_text = f"2·{padding}"
    else:
        raise ValueError(f'padding must be a non-negative integer, "valid" or "same", got {padding!r}')

    span = input_size + total_padding - effective
    if span < 0:
        raise ValueError(
            f"The kernel ({effective} wide{' after dilation' if dilation > 1 else ''}) is larger than the "
            f"padded input ({input_size} + {total_padding} = {input_size + total_padding}): there is no "
            "position for it, so the output would be empty. Use a smaller kernel or more padding."
        )
    size = span // stride + 1
    leftover = span % stride
    kernel_text = str(kernel_size) if dilation == 1 else f"({dilation}·({kernel_size}−1)+1)"
    exact = f"{span}/{stride}" if stride != 1 else str(span)
    floor = f"⌊{exact}⌋" if leftover else exact
    formula = (
        f"O = ⌊(I − K + 2P) / S⌋ + 1 = ⌊({input_size} − {kernel_text} + {padding_text}) / {stride}⌋ + 1 "
        f"= {floor} + 1 = {size}"
    )
    note = ""
    if leftover:
        note = (
            f"Does not tile: (I − K + 2P) = {span} is not a multiple of the stride {stride}, so the last "
            f"{leftover} padded input pixel(s) are never covered. PyTorch rounds down and drops them; "
            "CNN Explainer refuses such settings."
        )
    return OutputSize(size=size, formula=formula, tiles=not leftover, leftover=leftover, note=note)


# --------------------------------------------------------------------------------------------------
# analyze: one row per layer
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerRow:
    """What one layer does to the shape, what it costs, and what it sees."""

    index: int
    name: str  # "conv1", "pool2", "fc3", or the spec's own name
    kind: str  # the spec's class name, e.g. "Conv2d"
    layer: Layer
    input_shape: Shape
    output_shape: Shape  # (C, H, W) or (N,)
    params: int  # trainable: weights + biases (what sum(p.numel()) counts)
    weights: int
    biases: int
    buffers: int  # non-trainable state (BatchNorm running mean and variance)
    macs: int  # multiply-adds for one image (convolutions and linear layers)
    activations: int  # numbers in the output for one image
    activation_bytes: int  # float32
    receptive_field: Pair  # (rows, cols) of input pixels one output unit sees
    jump: Pair  # distance in input pixels between neighbouring outputs (product of strides so far)
    start: tuple[float, float]  # input-pixel centre of the first output unit's field (may be < 0: padding)
    receptive_field_course: Pair  # the notes' simplified R = R_prev + (K − 1)·S_prev, for comparison
    formulas: tuple[tuple[str, str], ...]  # (what, formula with the numbers) to show beside the row
    tiles: bool = True
    note: str = ""

    @property
    def is_spatial(self) -> bool:
        return len(self.output_shape) == 3


@dataclass
class _Walk:
    """Running state of the receptive-field recurrence, one value per axis (rows, cols)."""

    field: list[int]
    jump: list[int]
    start: list[float]
    course_field: list[int]
    course_prev_stride: list[int]
    image_hw: Pair | None


def _shape_text(shape: Shape) -> str:
    return "(" + ", ".join(str(v) for v in shape) + ")"


def analyze(layers: Sequence[Layer], input_shape: Sequence[int]) -> list[LayerRow]:
    """Walk the layers from an input of shape (C, H, W) (or (N,) for a dense network); one row per layer.

    Raises ValueError naming the layer when a configuration is impossible: channels that do not
    match, a kernel larger than its padded input, Linear on an unflattened map, Conv2d on a vector.
    """
    shape = _check_input_shape(input_shape)
    spatial = len(shape) == 3
    walk = _Walk(
        field=[1, 1],
        jump=[1, 1],
        start=[0.0, 0.0],
        course_field=[1, 1],
        course_prev_stride=[1, 1],
        image_hw=(shape[1], shape[2]) if spatial else None,
    )
    rows: list[LayerRow] = []
    for index, (layer, name) in enumerate(zip(layers, layer_names(layers), strict=True)):
        kind = type(layer).__name__
        try:
            row = _analyze_one(index, name, layer, shape, walk)
        except ValueError as error:
            raise ValueError(f"Layer {index + 1} ({name}, {kind}): {error}") from None
        rows.append(row)
        shape = row.output_shape
    return rows


def layer_names(layers: Sequence[Layer]) -> list[str]:
    """Names for the layers: the spec's own name, else kind prefix + running count ("conv1", "pool2", "fc3")."""
    counts: dict[str, int] = {}
    names = []
    for index, layer in enumerate(layers):
        kind = type(layer).__name__
        if kind not in LAYER_KINDS:
            raise ValueError(f"Layer {index + 1} is a {kind}; the calculator knows {', '.join(LAYER_KINDS)}")
        prefix = _NAME_PREFIX[kind]
        counts[prefix] = counts.get(prefix, 0) + 1
        names.append(layer.name or f"{prefix}{counts[prefix]}")
    return names


def _check_input_shape(input_shape: Sequence[int]) -> Shape:
    shape = tuple(input_shape)
    if len(shape) not in (1, 3) or not all(_is_int(v) and v >= 1 for v in shape):
        raise ValueError(
            f"The input shape must be (channels, height, width) or (features,) with positive integers, "
            f"got {input_shape!r}"
        )
    return tuple(int(v) for v in shape)


def _analyze_one(index: int, name: str, layer: Layer, shape: Shape, walk: _Walk) -> LayerRow:
    kind = type(layer).__name__
    formulas: list[tuple[str, str]] = []
    weights = biases = buffers = macs = 0
    notes: list[str] = []
    tiles = True

    needs_map = Conv2d | MaxPool2d | AvgPool2d | AdaptiveAvgPool2d | BatchNorm2d | LocalResponseNorm
    if isinstance(layer, needs_map) and len(shape) != 3:
        raise ValueError(
            f"{kind} needs a feature map (C, H, W) but gets the vector {_shape_text(shape)}; "
            "move it before Flatten."
        )
    channels = shape[0]

    if isinstance(layer, Conv2d):
        if layer.in_channels != channels:
            raise ValueError(
                f"in_channels={layer.in_channels} but the input has {channels} channels "
                f"{_shape_text(shape)}; set in_channels={channels}."
            )
        kernel = _pair(layer.kernel_size, "kernel_size", minimum=1)
        stride = _pair(layer.stride, "stride", minimum=1)
        dilation = _pair(layer.dilation, "dilation", minimum=1)
        if layer.padding in ("same", "valid"):
            paddings: list[int | str] = [layer.padding, layer.padding]  # type: ignore[list-item]
        else:
            paddings = list(_pair(layer.padding, "padding", minimum=0))  # type: ignore[arg-type]
        sizes = [
            output_size(
                shape[axis + 1],
                kernel[axis],
                stride=stride[axis],
                padding=paddings[axis],
                dilation=dilation[axis],
            )
            for axis in (0, 1)
        ]
        out_shape: Shape = (layer.out_channels, sizes[0].size, sizes[1].size)
        per_filter = (layer.in_channels // layer.groups) * kernel[0] * kernel[1]
        weights = layer.out_channels * per_filter
        biases = layer.out_channels if layer.bias else 0
        macs = out_shape[1] * out_shape[2] * weights
        kernel_text = f"{kernel[0]}·{kernel[1]}"
        group_text = f"({layer.in_channels}/{layer.groups})" if layer.groups > 1 else f"{layer.in_channels}"
        if layer.bias:
            formulas.append(
                (
                    "Parameters",
                    f"(K·K·C_in{'/groups' if layer.groups > 1 else ''} + 1)·C_out = "
                    f"({kernel_text}·{group_text} + 1)·{layer.out_channels} = {weights + biases:,}",
                )
            )
        else:
            formulas.append(
                (
                    "Parameters",
                    f"K·K·C_in{'/groups' if layer.groups > 1 else ''}·C_out (no bias) = "
                    f"{kernel_text}·{group_text}·{layer.out_channels} = {weights:,}",
                )
            )
        formulas.append(
            (
                "Multiply-adds",
                f"H_out·W_out·(weights) = {out_shape[1]}·{out_shape[2]}·{weights:,} = {macs:,}",
            )
        )
        if layer.groups > 1:
            notes.append(
                f"Grouped convolution: each filter sees {layer.in_channels // layer.groups} of the "
                f"{layer.in_channels} input channels"
                + (" (depthwise)." if layer.groups == layer.in_channels else ".")
            )
        left_pads = []
        for axis in (0, 1):
            effective = dilation[axis] * (kernel[axis] - 1) + 1
            pad = paddings[axis]
            left_pads.append((effective - 1) // 2 if pad == "same" else 0 if pad == "valid" else int(pad))
            if pad == "same" and (effective - 1) % 2:
                notes.append(
                    "Even kernel with 'same' padding: PyTorch pads one pixel more at the bottom/right."
                )
        _slide(walk, kernel, stride, dilation, left_pads, sizes, formulas)
    elif isinstance(layer, MaxPool2d | AvgPool2d):
        kernel = _pair(layer.kernel_size, "kernel_size", minimum=1)
        stride = _pair(layer.stride if layer.stride is not None else layer.kernel_size, "stride", minimum=1)
        padding = _pair(layer.padding, "padding", minimum=0)
        sizes = [
            output_size(shape[axis + 1], kernel[axis], stride=stride[axis], padding=padding[axis])
            for axis in (0, 1)
        ]
        out_shape = (channels, sizes[0].size, sizes[1].size)
        formulas.append(("Parameters", "pooling learns nothing: 0"))
        _slide(walk, kernel, stride, (1, 1), list(padding), sizes, formulas)
    elif isinstance(layer, AdaptiveAvgPool2d):
        target = _pair(layer.output_size, "output_size", minimum=1)
        out_shape = (channels, target[0], target[1])
        kernel_list, stride_list = [], []
        for axis in (0, 1):
            size_in, size_out = shape[axis + 1], target[axis]
            if size_in % size_out == 0:
                kernel_list.append(size_in // size_out)
                stride_list.append(size_in // size_out)
            else:
                # bin i covers [floor(i·I/O), ceil((i+1)·I/O)): bins differ in size and in spacing
                widest = max(
                    math.ceil((i + 1) * size_in / size_out) - (i * size_in) // size_out
                    for i in range(size_out)
                )
                kernel_list.append(widest)
                stride_list.append(math.ceil(size_in / size_out))
                notes.append(
                    f"Adaptive pooling from {size_in} to {size_out}: the bins have unequal sizes, so the field "
                    "shown is the widest bin's and the jump an upper bound."
                )
        formulas.append(
            (
                "Output size",
                f"fixed by output_size: {_square_text(target)}; from {shape[1]}×{shape[2]} that is windows of "
                f"{_square_text((kernel_list[0], kernel_list[1]))}",
            )
        )
        formulas.append(("Parameters", "pooling learns nothing: 0"))
        _slide(walk, tuple(kernel_list), tuple(stride_list), (1, 1), [0, 0], None, formulas)
    elif isinstance(layer, BatchNorm2d):
        if layer.num_features != channels:
            raise ValueError(
                f"num_features={layer.num_features} but the input has {channels} channels; set it to {channels}."
            )
        out_shape = shape
        weights, biases, buffers = channels, channels, 2 * channels
        formulas.append(
            (
                "Parameters",
                f"γ and β per channel: 2·{channels} = {2 * channels:,} (+ {2 * channels:,} running statistics, not trained)",
            )
        )
    elif isinstance(layer, Flatten):
        out_shape = (math.prod(shape),)
        if len(shape) == 3:
            formulas.append(("Output size", f"C·H·W = {shape[0]}·{shape[1]}·{shape[2]} = {out_shape[0]:,}"))
        formulas.append(("Parameters", "reshaping learns nothing: 0"))
    elif isinstance(layer, Linear):
        if len(shape) != 1:
            raise ValueError(
                f"Linear needs a flat input but gets the feature map {_shape_text(shape)}; add Flatten before it "
                f"(it would give {math.prod(shape):,} features)."
            )
        if layer.in_features != shape[0]:
            raise ValueError(
                f"in_features={layer.in_features:,} but the input has {shape[0]:,} features; "
                f"set in_features={shape[0]}."
            )
        out_shape = (layer.out_features,)
        weights = layer.in_features * layer.out_features
        biases = layer.out_features if layer.bias else 0
        macs = weights
        formulas.append(
            (
                "Parameters",
                f"(N_in + 1)·N_out = ({layer.in_features:,} + 1)·{layer.out_features:,} = {weights + biases:,}"
                if layer.bias
                else f"N_in·N_out (no bias) = {layer.in_features:,}·{layer.out_features:,} = {weights:,}",
            )
        )
        formulas.append(("Multiply-adds", f"N_in·N_out = {macs:,}"))
        if walk.image_hw is not None:
            walk.field = list(walk.image_hw)
            walk.course_field = list(walk.image_hw)
            notes.append("Dense: every output depends on every input pixel (the whole image).")
    else:  # shape-keeping, no weights: ReLU, Tanh, Sigmoid, Dropout (element-wise), LocalResponseNorm
        out_shape = shape
        if not isinstance(layer, LocalResponseNorm):
            formulas.append(("Parameters", "element-wise, learns nothing: 0"))
        else:
            formulas.append(("Parameters", "across neighbouring channels, learns nothing: 0"))
            notes.append(f"Normalises each value by its {layer.size} neighbouring channels; shape unchanged.")

    if len(out_shape) == 3 and isinstance(layer, Conv2d | MaxPool2d | AvgPool2d):
        for axis_name, size in zip(("Height", "Width"), sizes, strict=True):
            if not size.tiles:
                tiles = False
                notes.append(f"{axis_name}: {size.note}")
    activations = math.prod(out_shape)
    formulas.append(("Output shape", f"{_shape_text(shape)} → {_shape_text(out_shape)}"))
    formulas.append(
        (
            "Activation memory",
            f"{' · '.join(str(v) for v in out_shape)} = {activations:,} floats × 4 bytes = {_bytes_text(activations * 4)}",
        )
    )
    return LayerRow(
        index=index,
        name=name,
        kind=kind,
        layer=layer,
        input_shape=shape,
        output_shape=out_shape,
        params=weights + biases,
        weights=weights,
        biases=biases,
        buffers=buffers,
        macs=macs,
        activations=activations,
        activation_bytes=activations * BYTES_PER_FLOAT32,
        receptive_field=(walk.field[0], walk.field[1]),
        jump=(walk.jump[0], walk.jump[1]),
        start=(walk.start[0], walk.start[1]),
        receptive_field_course=(walk.course_field[0], walk.course_field[1]),
        formulas=tuple(formulas),
        tiles=tiles,
        note=" ".join(dict.fromkeys(notes)),
    )


def _slide(
    walk: _Walk,
    kernel: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    left_padding: Sequence[int],
    sizes: Sequence[OutputSize] | None,
    formulas: list[tuple[str, str]],
) -> None:
    """Advance the receptive-field recurrence through one sliding window, and write its formulas."""
    if sizes is not None:
        if sizes[0].formula == sizes[1].formula:
            formulas.append(("Height and width", sizes[0].formula))
        else:
            formulas += [("Height", sizes[0].formula), ("Width", sizes[1].formula)]
    field_parts, course_parts = [], []
    for axis in (0, 1):
        effective = dilation[axis] * (kernel[axis] - 1) + 1
        before_field, before_jump = walk.field[axis], walk.jump[axis]
        walk.field[axis] = before_field + (effective - 1) * before_jump
        walk.start[axis] = walk.start[axis] + ((effective - 1) / 2 - left_padding[axis]) * before_jump
        walk.jump[axis] = before_jump * stride[axis]
        before_course = walk.course_field[axis]
        walk.course_field[axis] = before_course + (effective - 1) * walk.course_prev_stride[axis]
        field_parts.append(
            f"r = r_prev + (K − 1)·j_prev = {before_field} + ({effective} − 1)·{before_jump} = {walk.field[axis]};  "
            f"j = j_prev·S = {before_jump}·{stride[axis]} = {walk.jump[axis]}"
        )
        course_parts.append(
            f"R = R_prev + (K − 1)·S_prev = {before_course} + ({effective} − 1)·{walk.course_prev_stride[axis]} "
            f"= {walk.course_field[axis]}"
        )
        walk.course_prev_stride[axis] = stride[axis]
    same = field_parts[0] == field_parts[1]
    formulas.append(("Receptive field" if same else "Receptive field (rows)", field_parts[0]))
    if not same:
        formulas.append(("Receptive field (cols)", field_parts[1]))
    formulas.append(("Course's shortcut (previous stride only)", course_parts[0]))


def _bytes_text(count: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


# --------------------------------------------------------------------------------------------------
# Totals, receptive-field boxes, comparison with the course's shortcut
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkSummary:
    """Totals over all rows of an analysis."""

    params: int
    weights: int
    biases: int
    macs: int
    activation_bytes: int  # sum over layers (a forward pass keeping every output, one image, float32)
    weight_layers: int  # layers with weights (the number in "VGG16")
    output_shape: Shape
    receptive_field: Pair  # of the last spatial layer
    conv_params: int
    dense_params: int


def summarize(rows: Sequence[LayerRow]) -> NetworkSummary:
    """Totals of an analysis: parameters, multiply-adds, activation memory, depth."""
    spatial = [row for row in rows if row.is_spatial]
    return NetworkSummary(
        params=sum(row.params for row in rows),
        weights=sum(row.weights for row in rows),
        biases=sum(row.biases for row in rows),
        macs=sum(row.macs for row in rows),
        activation_bytes=sum(row.activation_bytes for row in rows),
        weight_layers=sum(1 for row in rows if row.kind in ("Conv2d", "Linear")),
        output_shape=rows[-1].output_shape if rows else (),
        receptive_field=spatial[-1].receptive_field if spatial else (1, 1),
        conv_params=sum(row.params for row in rows if row.kind == "Conv2d"),
        dense_params=sum(row.params for row in rows if row.kind == "Linear"),
    )


def course_shortcut_differences(rows: Sequence[LayerRow]) -> list[str]:
    """Where the notes' R = R_prev + (K − 1)·S_prev (previous stride only) disagrees with the correct field.

    The correct recurrence multiplies (K − 1) by the jump, the product of ALL earlier strides;
    the shortcut agrees only while at most one earlier layer had a stride above 1.
    """
    messages = []
    jump_before: Pair = (1, 1)
    for row in rows:
        slides = row.kind in ("Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d")
        if slides and row.receptive_field != row.receptive_field_course:
            messages.append(
                f"{row.name}: correct {_square_text(row.receptive_field)}, shortcut "
                f"{_square_text(row.receptive_field_course)} — before this layer neighbouring units are "
                f"{_square_text(jump_before)} input pixels apart (all earlier strides multiplied), "
                "not just the previous layer's stride"
            )
        jump_before = row.jump
    return messages


@dataclass(frozen=True)
class FieldBox:
    """Input-pixel rows and columns (inclusive) one output unit sees, inside the image."""

    top: int
    left: int
    bottom: int
    right: int
    unclipped: tuple[int, int, int, int]  # start ± (r − 1)/2 from the recurrence; < 0 or ≥ size: padding
    centre: tuple[float, float]  # (row, col) = start + index·jump

    @property
    def height(self) -> int:
        return max(self.bottom - self.top + 1, 0)

    @property
    def width(self) -> int:
        return max(self.right - self.left + 1, 0)

    @property
    def empty(self) -> bool:
        """True when the unit sees padding only."""
        return self.height == 0 or self.width == 0


def receptive_field_box(rows: Sequence[LayerRow], layer: int | str, position: tuple[int, int]) -> FieldBox:
    """The input pixels that output unit `position` = (row, col) of a layer sees.

    rows: an analysis; layer: its index or name. The box follows the unit's window back through every
    layer, keeping only real pixels (not padding, not rows a non-tiling layer dropped); `unclipped` is
    the recurrence's start + index·jump ± (r − 1)/2.
    """
    if isinstance(layer, str):
        matches = [row.index for row in rows if row.name == layer]
        if not matches:
            raise ValueError(f"No layer named {layer!r}; choose one of {', '.join(row.name for row in rows)}")
        layer = matches[0]
    if not 0 <= layer < len(rows):
        raise ValueError(f"Layer index {layer} is outside 0..{len(rows) - 1}")
    target = rows[layer]
    if not target.is_spatial:
        raise ValueError(
            f"{target.name} outputs a vector {_shape_text(target.output_shape)}: choose a layer with a feature map"
        )
    out_h, out_w = target.output_shape[1], target.output_shape[2]
    if not (0 <= position[0] < out_h and 0 <= position[1] < out_w):
        raise ValueError(
            f"Position {tuple(position)} is outside {target.name}'s {out_h}×{out_w} output; "
            f"rows 0..{out_h - 1}, cols 0..{out_w - 1}"
        )
    spans = [[position[0], position[0]], [position[1], position[1]]]
    for row in reversed(rows[: layer + 1]):
        for axis in (0, 1):
            first, last = spans[axis]
            if first > last:  # padding only at a later layer: nothing earlier can bring pixels back
                continue
            size_in = row.input_shape[axis + 1]
            window = _window(row, axis)
            if window is not None:
                effective, stride, left_pad = window
                first, last = first * stride - left_pad, last * stride - left_pad + effective - 1
            elif isinstance(row.layer, AdaptiveAvgPool2d):
                size_out = row.output_shape[axis + 1]
                first, last = (first * size_in) // size_out, math.ceil((last + 1) * size_in / size_out) - 1
            spans[axis] = [max(first, 0), min(last, size_in - 1)]
    centre, unclipped = [], []
    for axis in (0, 1):
        middle = target.start[axis] + position[axis] * target.jump[axis]
        half = (target.receptive_field[axis] - 1) / 2
        centre.append(middle)
        unclipped.append((round(middle - half), round(middle + half)))
    return FieldBox(
        top=spans[0][0],
        left=spans[1][0],
        bottom=spans[0][1],
        right=spans[1][1],
        unclipped=(unclipped[0][0], unclipped[1][0], unclipped[0][1], unclipped[1][1]),
        centre=(centre[0], centre[1]),
    )


def _window(row: LayerRow, axis: int) -> tuple[int, int, int] | None:
    """(effective kernel, stride, padding before) of a sliding-window layer along one axis, else None."""
    layer = row.layer
    if isinstance(layer, Conv2d):
        kernel = _pair(layer.kernel_size, "kernel_size", minimum=1)[axis]
        effective = _pair(layer.dilation, "dilation", minimum=1)[axis] * (kernel - 1) + 1
        if layer.padding == "same":
            left_pad = (effective - 1) // 2
        elif layer.padding == "valid":
            left_pad = 0
        else:
            left_pad = _pair(layer.padding, "padding", minimum=0)[axis]  # type: ignore[arg-type]
        return effective, _pair(layer.stride, "stride", minimum=1)[axis], left_pad
    if isinstance(layer, MaxPool2d | AvgPool2d):
        kernel = _pair(layer.kernel_size, "kernel_size", minimum=1)[axis]
        stride = _pair(layer.stride if layer.stride is not None else layer.kernel_size, "stride", minimum=1)[
            axis
        ]
        return kernel, stride, _pair(layer.padding, "padding", minimum=0)[axis]
    return None


def draw_field(
    image: np.ndarray, box: FieldBox, *, network_hw: tuple[int, int], dim: float = 0.45
) -> np.ndarray:
    """Show a receptive field on an image: outside the box darkened, the box outlined in yellow.

    image: (H, W, 3) or (H, W) uint8 at any size; the box is in network-input pixels (network_hw)
    and is scaled to the image. Returns (H, W, 3) uint8.
    """
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"Expected an RGB or gray uint8 image, got {image.dtype} {image.shape}")
    height, width = image.shape[:2]
    if box.empty:
        return (image.astype(np.float32) * dim).astype(np.uint8)
    scale_y, scale_x = height / network_hw[0], width / network_hw[1]
    top, bottom = int(box.top * scale_y), max(int((box.bottom + 1) * scale_y), int(box.top * scale_y) + 1)
    left, right = int(box.left * scale_x), max(int((box.right + 1) * scale_x), int(box.left * scale_x) + 1)
    shown = (image.astype(np.float32) * dim).astype(np.uint8)
    shown[top:bottom, left:right] = image[top:bottom, left:right]
    thickness = max(1, round(min(height, width) / 150))
    yellow = np.array([255, 220, 0], dtype=np.uint8)
    shown[top : top + thickness, left:right] = yellow
    shown[max(bottom - thickness, top) : bottom, left:right] = yellow
    shown[top:bottom, left : left + thickness] = yellow
    shown[top:bottom, max(right - thickness, left) : right] = yellow
    return shown


# --------------------------------------------------------------------------------------------------
# ANN vs CNN (III.A)
# --------------------------------------------------------------------------------------------------


def dense_network(
    input_shape: Sequence[int], *, hidden_sizes: Sequence[int] = (300, 100), num_classes: int = 10
) -> list[Layer]:
    """A fully connected network on the same image: Flatten, then Linear + ReLU per hidden layer.

    Defaults follow Adam Harley's 2D fully connected demo from the course (784–300–100–10 on MNIST).
    """
    shape = _check_input_shape(input_shape)
    sizes = [math.prod(shape), *hidden_sizes, num_classes]
    if not all(_is_int(v) and v >= 1 for v in sizes):
        raise ValueError(
            f"Layer sizes must be positive integers, got hidden={hidden_sizes!r}, classes={num_classes!r}"
        )
    layers: list[Layer] = [Flatten()]
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Linear(n_in, n_out))
        if index < len(sizes) - 2:
            layers.append(ReLU())
    return layers


# --------------------------------------------------------------------------------------------------
# Presets: the course's networks and the classics
# --------------------------------------------------------------------------------------------------

# torchvision's cfgs "D" and "E": numbers are 3×3 convolutions (output channels), "M" a 2×2 max pool
VGG_CONFIGS: dict[str, list[int | str]] = {
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [
        64,
        64,
        "M",
        128,
        128,
        "M",
        256,
        256,
        256,
        256,
        "M",
        512,
        512,
        512,
        512,
        "M",
        512,
        512,
        512,
        512,
        "M",
    ],
}


def _vgg(config: Sequence[int | str], *, num_classes: int = 1000) -> list[Layer]:
    """VGG as in the paper: 3×3 convolutions (padding 1) in blocks, each closed by a 2×2 max pool, stride 2."""
    layers: list[Layer] = []
    channels, block, conv_in_block = 3, 1, 0
    for item in config:
        if item == "M":
            layers.append(MaxPool2d(2, 2, name=f"pool{block}"))
            block, conv_in_block = block + 1, 0
        else:
            conv_in_block += 1
            layers.append(Conv2d(channels, int(item), 3, padding=1, name=f"conv{block}_{conv_in_block}"))
            layers.append(ReLU(name=f"relu{block}_{conv_in_block}"))
            channels = int(item)
    layers += [
        Flatten(),
        Linear(512 * 7 * 7, 4096, name="fc6"),
        ReLU(name="relu6"),
        Dropout(0.5, name="dropout6"),
        Linear(4096, 4096, name="fc7"),
        ReLU(name="relu7"),
        Dropout(0.5, name="dropout7"),
        Linear(4096, num_classes, name="fc8"),
    ]
    return layers


def _alexnet(*, channels: Sequence[int], groups: int, input_padding: int, adaptive: bool) -> list[Layer]:
    c1, c2, c3, c4, c5 = channels
    layers: list[Layer] = [
        Conv2d(3, c1, 11, stride=4, padding=input_padding),
        ReLU(),
    ]
    if not adaptive:
        layers.append(LocalResponseNorm(5))
    layers += [MaxPool2d(3, stride=2), Conv2d(c1, c2, 5, padding=2, groups=groups), ReLU()]
    if not adaptive:
        layers.append(LocalResponseNorm(5))
    layers += [
        MaxPool2d(3, stride=2),
        Conv2d(c2, c3, 3, padding=1),
        ReLU(),
        Conv2d(c3, c4, 3, padding=1, groups=groups),
        ReLU(),
        Conv2d(c4, c5, 3, padding=1, groups=groups),
        ReLU(),
        MaxPool2d(3, stride=2),
    ]
    if adaptive:
        layers.append(AdaptiveAvgPool2d(6))
    layers += [
        Flatten(),
        Dropout(0.5),
        Linear(c5 * 6 * 6, 4096),
        ReLU(),
        Dropout(0.5),
        Linear(4096, 4096),
        ReLU(),
        Linear(4096, 1000),
    ]
    return layers


PRESETS: dict[str, tuple[list[Layer], Shape]] = {
    # III.F: 32×32×3 → 30×30×8 → 30×30×16 → 15×15×16 → 7×7×32 → flatten 1568
    "example_f": (
        [
            Conv2d(3, 8, 3, padding="valid"),
            ReLU(),
            Conv2d(8, 16, 3, padding="same"),
            ReLU(),
            MaxPool2d(2, 2),
            Conv2d(16, 32, 3, stride=2, padding="valid"),
            ReLU(),
            Flatten(),
        ],
        (3, 32, 32),
    ),
    # III.G: 224 + 1,168 + 401,536 + 1,290 = 404,218 parameters
    "example_g": (
        [
            Conv2d(3, 8, 3),
            ReLU(),
            Conv2d(8, 16, 3),
            ReLU(),
            MaxPool2d(2, 2),
            Flatten(),
            Linear(14 * 14 * 16, 128),
            ReLU(),
            Linear(128, 10),
        ],
        (3, 32, 32),
    ),
    # IV.B: LeNet-5 as usually taught (full C3 connections, tanh, average pooling): 61,706 parameters
    "lenet5": (
        [
            Conv2d(1, 6, 5),
            Tanh(),
            AvgPool2d(2, 2),
            Conv2d(6, 16, 5),
            Tanh(),
            AvgPool2d(2, 2),
            Conv2d(16, 120, 5),
            Tanh(),
            Flatten(),
            Linear(120, 84),
            Tanh(),
            Linear(84, 10),
        ],
        (1, 32, 32),
    ),
    # IV.C: the course's Keras LeNet on 28×28 MNIST (ReLU, max pooling, conv3 "same"): 212,906
    "lenet_keras": (
        [
            Conv2d(1, 6, 5),
            ReLU(),
            MaxPool2d(2, 2),
            Conv2d(6, 16, 5),
            ReLU(),
            MaxPool2d(2, 2),
            Conv2d(16, 120, 5, padding="same"),
            ReLU(),
            Flatten(),
            Linear(4 * 4 * 120, 84),
            ReLU(),
            Linear(84, 10),
        ],
        (1, 28, 28),
    ),
    # IV.D: the course's PyTorch LeNet (28×28, conv1 padding 2, fc 400-120-84-10): 61,706 again
    "lenet_pytorch": (
        [
            Conv2d(1, 6, 5, padding=2),
            ReLU(),
            AvgPool2d(2, 2),
            Conv2d(6, 16, 5),
            ReLU(),
            AvgPool2d(2, 2),
            Flatten(),
            Linear(16 * 5 * 5, 120),
            ReLU(),
            Linear(120, 84),
            ReLU(),
            Linear(84, 10),
        ],
        (1, 28, 28),
    ),
    # IV.E: AlexNet as taught (227×227, one tower, LRN after conv1 and conv2): 62,378,344
    "alexnet": (
        _alexnet(channels=(96, 256, 384, 384, 256), groups=1, input_padding=0, adaptive=False),
        (3, 227, 227),
    ),
    # the 2012 paper split conv2, conv4, conv5 over two GPUs (groups=2): 60,965,224 — "60 million"
    "alexnet_two_gpu": (
        _alexnet(channels=(96, 256, 384, 384, 256), groups=2, input_padding=0, adaptive=False),
        (3, 227, 227),
    ),
    # IV.F: the course's AlexNet in Keras on 150×150 flowers, BatchNorm for LRN, 2 classes (softmax omitted):
    # 150 → 35 → 17 → 17 → 8 → 8 → 3, flatten 3·3·256 = 2304 (the notes say 16384): 29,978,690 parameters
    "alexnet_keras_150": (
        [
            Conv2d(3, 96, 11, stride=4),
            ReLU(),
            BatchNorm2d(96),
            MaxPool2d(3, stride=2),
            Conv2d(96, 256, 5, padding="same"),
            ReLU(),
            BatchNorm2d(256),
            MaxPool2d(3, stride=2),
            Conv2d(256, 384, 3, padding="same"),
            ReLU(),
            Conv2d(384, 384, 3, padding="same"),
            ReLU(),
            Conv2d(384, 256, 3, padding="same"),
            ReLU(),
            MaxPool2d(3, stride=2),
            Flatten(),
            Linear(3 * 3 * 256, 4096),
            ReLU(),
            Dropout(0.5),
            Linear(4096, 4096),
            ReLU(),
            Dropout(0.5),
            Linear(4096, 2),
        ],
        (3, 150, 150),
    ),
    # torchvision.models.alexnet: 224×224, channels 64-192-384-256-256, padding 2: 61,100,840
    "alexnet_torchvision": (
        _alexnet(channels=(64, 192, 384, 256, 256), groups=1, input_padding=2, adaptive=True),
        (3, 224, 224),
    ),
    "vgg16": (_vgg(VGG_CONFIGS["vgg16"]), (3, 224, 224)),  # 138,357,544
    "vgg19": (_vgg(VGG_CONFIGS["vgg19"]), (3, 224, 224)),  # 143,667,240
    # CNN Explainer's Tiny VGG: 64×64×3 → 62 → 60 → 30 → 28 → 26 → 13, 13·13·10 = 1690 → 10 classes
    "tiny_vgg": (
        [
            Conv2d(3, 10, 3, name="conv_1_1"),
            ReLU(name="relu_1_1"),
            Conv2d(10, 10, 3, name="conv_1_2"),
            ReLU(name="relu_1_2"),
            MaxPool2d(2, 2, name="max_pool_1"),
            Conv2d(10, 10, 3, name="conv_2_1"),
            ReLU(name="relu_2_1"),
            Conv2d(10, 10, 3, name="conv_2_2"),
            ReLU(name="relu_2_2"),
            MaxPool2d(2, 2, name="max_pool_2"),
            Flatten(),
            Linear(13 * 13 * 10, 10, name="output"),
        ],
        (3, 64, 64),
    ),
    # III.H: five 3×3 stride-1 convolutions: receptive fields 3, 5, 7, 9, 11
    "rf_stack": (
        [
            Conv2d(3, 16, 3, padding=1),
            Conv2d(16, 16, 3, padding=1),
            Conv2d(16, 16, 3, padding=1),
            Conv2d(16, 16, 3, padding=1),
            Conv2d(16, 16, 3, padding=1),
        ],
        (3, 32, 32),
    ),
    # a MobileNet-style block: depthwise 3×3 (groups = channels) then pointwise 1×1
    "depthwise_separable": (
        [
            Conv2d(32, 32, 3, padding=1, groups=32, bias=False, name="depthwise"),
            BatchNorm2d(32),
            ReLU(),
            Conv2d(32, 64, 1, bias=False, name="pointwise"),
            BatchNorm2d(64),
            ReLU(),
        ],
        (32, 56, 56),
    ),
}

PRESET_TITLES: dict[str, str] = {
    "example_f": "Course example F: feature-map sizes (flatten 1568)",
    "example_g": "Course example G: parameters (404,218)",
    "lenet5": "LeNet-5 (1998), 32×32 gray",
    "lenet_keras": "Course LeNet in Keras, 28×28 MNIST",
    "lenet_pytorch": "Course LeNet in PyTorch, 28×28 MNIST",
    "alexnet": "AlexNet (2012) as taught, 227×227",
    "alexnet_two_gpu": "AlexNet as in the paper, split over two GPUs",
    "alexnet_keras_150": "Course AlexNet in Keras, 150×150, 2 classes",
    "alexnet_torchvision": "AlexNet as torchvision builds it, 224×224",
    "vgg16": "VGG16 (2014), 224×224",
    "vgg19": "VGG19 (2014), 224×224",
    "tiny_vgg": "CNN Explainer's Tiny VGG, 64×64",
    "rf_stack": "Course receptive-field stack: five 3×3 convolutions",
    "depthwise_separable": "Depthwise-separable block (groups)",
}


# --------------------------------------------------------------------------------------------------
# Layer tables for st.data_editor
# --------------------------------------------------------------------------------------------------

TABLE_COLUMNS = ("name", "kind", "out", "kernel", "stride", "padding", "dilation", "groups", "bias")


def layers_to_table(layers: Sequence[Layer]) -> list[dict[str, object]]:
    """One dict per layer with TABLE_COLUMNS: out = out channels / features / adaptive output size.

    name is the spec's own name ("" = automatic: conv1, pool1, ...).

    Channel and feature inputs are not columns: they follow from the previous layer.
    Raises ValueError for non-square kernels, strides or paddings (the table holds one number each).
    """
    table = []
    for layer in layers:
        kind = type(layer).__name__
        row: dict[str, object] = dict.fromkeys(TABLE_COLUMNS)
        row["kind"] = kind
        row["name"] = layer.name
        if isinstance(layer, Conv2d):
            row.update(
                out=layer.out_channels,
                kernel=_square_only(layer.kernel_size, "kernel"),
                stride=_square_only(layer.stride, "stride"),
                padding=layer.padding
                if isinstance(layer.padding, str)
                else str(_square_only(layer.padding, "padding")),
                dilation=_square_only(layer.dilation, "dilation"),
                groups=layer.groups,
                bias=layer.bias,
            )
        elif isinstance(layer, MaxPool2d | AvgPool2d):
            row.update(
                kernel=_square_only(layer.kernel_size, "kernel"),
                stride=_square_only(
                    layer.stride if layer.stride is not None else layer.kernel_size, "stride"
                ),
                padding=str(_square_only(layer.padding, "padding")),
            )
        elif isinstance(layer, AdaptiveAvgPool2d):
            row["out"] = _square_only(layer.output_size, "output_size")
        elif isinstance(layer, Linear):
            row.update(out=layer.out_features, bias=layer.bias)
        table.append(row)
    return table


def _square_only(value: int | Sequence[int], what: str) -> int:
    pair = _pair(value, what, minimum=0)
    if pair[0] != pair[1]:
        raise ValueError(
            f"The layer table holds one {what} per layer; {value!r} differs between height and width"
        )
    return pair[0]


def _cell_int(value: object, column: str, *, minimum: int, default: int | None) -> int:
    """An integer from a table cell: None, NaN or "" give the default (or an error when required)."""
    missing = (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and not value.strip())
    )
    if missing:
        if default is None:
            raise ValueError(f"'{column}' is empty; enter a whole number")
        return default
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"'{column}' must be a whole number, got {value!r}") from None
    if not number.is_integer() or number < minimum:
        raise ValueError(f"'{column}' must be a whole number of at least {minimum}, got {value!r}")
    return int(number)


def parse_padding(value: object) -> int | str:
    """Padding from a table cell or text box: "same", "valid" or a whole number >= 0 (empty gives 0)."""
    if isinstance(value, str) and value.strip().lower() in ("same", "valid"):
        return value.strip().lower()
    return _cell_int(value, "padding", minimum=0, default=0)


def _cell_bool(value: object) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "")
    return bool(value)


def layers_from_table(
    rows: Sequence[Mapping[str, object]], input_shape: Sequence[int]
) -> tuple[list[Layer], list[str]]:
    """Turn edited table rows back into layer specs, taking input channels/features from the previous layer.

    Returns (layers, errors): the layers up to the first bad row, and messages naming the row and
    what to change. Blank kinds (empty rows) are skipped.
    """
    shape = _check_input_shape(input_shape)
    layers: list[Layer] = []
    for number, cells in enumerate(rows, start=1):
        kind_value = cells.get("kind")
        kind = (
            str(kind_value).strip()
            if kind_value is not None and not (isinstance(kind_value, float) and math.isnan(kind_value))
            else ""
        )
        if not kind:
            continue
        if kind not in LAYER_KINDS:
            return layers, [f"Row {number}: unknown kind {kind!r}; choose one of {', '.join(LAYER_KINDS)}"]
        try:
            layer = _layer_from_cells(kind, cells, shape)
            name = cells.get("name")
            if isinstance(name, str) and name.strip():
                layer = replace(layer, name=name.strip())
            shape = analyze([layer], shape)[0].output_shape
        except ValueError as error:
            message = str(error)
            if message.startswith("Layer 1 ("):  # analyze's own "Layer 1 (conv1, Conv2d): " prefix
                message = message.split("): ", 1)[1]
            return layers, [f"Row {number} ({kind}): {message}"]
        layers.append(layer)
    return layers, []


def _layer_from_cells(kind: str, cells: Mapping[str, object], shape: Shape) -> Layer:
    channels = shape[0]
    if kind == "Conv2d":
        if len(shape) != 3:
            raise ValueError("Conv2d needs a feature map; it comes after Flatten here. Move it up.")
        return Conv2d(
            channels,
            _cell_int(cells.get("out"), "out", minimum=1, default=None),
            _cell_int(cells.get("kernel"), "kernel", minimum=1, default=None),
            stride=_cell_int(cells.get("stride"), "stride", minimum=1, default=1),
            padding=parse_padding(cells.get("padding")),
            dilation=_cell_int(cells.get("dilation"), "dilation", minimum=1, default=1),
            groups=_cell_int(cells.get("groups"), "groups", minimum=1, default=1),
            bias=_cell_bool(cells.get("bias")),
        )
    if kind in ("MaxPool2d", "AvgPool2d"):
        kernel = _cell_int(cells.get("kernel"), "kernel", minimum=1, default=None)
        padding = parse_padding(cells.get("padding"))
        if isinstance(padding, str):
            if padding == "same":
                raise ValueError("pooling takes a number for padding, not 'same'")
            padding = 0
        return LAYER_KINDS[kind](
            kernel,
            stride=_cell_int(cells.get("stride"), "stride", minimum=1, default=kernel),
            padding=padding,
        )
    if kind == "AdaptiveAvgPool2d":
        return AdaptiveAvgPool2d(_cell_int(cells.get("out"), "out", minimum=1, default=1))
    if kind == "Linear":
        features = math.prod(shape) if len(shape) == 1 else 0
        if len(shape) != 1:
            raise ValueError(
                f"Linear needs a flat input; add a Flatten row before it (the input is {_shape_text(shape)})"
            )
        return Linear(
            features,
            _cell_int(cells.get("out"), "out", minimum=1, default=None),
            bias=_cell_bool(cells.get("bias")),
        )
    if kind == "BatchNorm2d":
        return BatchNorm2d(channels)
    return LAYER_KINDS[kind]()


# --------------------------------------------------------------------------------------------------
# Code panel
# --------------------------------------------------------------------------------------------------


def torch_expression(layer: Layer) -> str:
    """The nn.* constructor call that builds this layer, as source text, e.g. "nn.Conv2d(3, 8, kernel_size=3)"."""
    if isinstance(layer, Conv2d):
        options = [f"kernel_size={layer.kernel_size!r}"]
        for option, value, default in (
            ("stride", layer.stride, 1),
            ("padding", layer.padding, 0),
            ("dilation", layer.dilation, 1),
            ("groups", layer.groups, 1),
            ("bias", layer.bias, True),
        ):
            if value != default:
                options.append(f"{option}={value!r}")
        return f"nn.Conv2d({layer.in_channels}, {layer.out_channels}, {', '.join(options)})"
    if isinstance(layer, MaxPool2d | AvgPool2d):
        options = [f"kernel_size={layer.kernel_size!r}"]
        if layer.stride is not None:
            options.append(f"stride={layer.stride!r}")
        if layer.padding != 0:
            options.append(f"padding={layer.padding!r}")
        return f"nn.{type(layer).__name__}({', '.join(options)})"
    if isinstance(layer, AdaptiveAvgPool2d):
        return f"nn.AdaptiveAvgPool2d({layer.output_size!r})"
    if isinstance(layer, Linear):
        return f"nn.Linear({layer.in_features}, {layer.out_features}{'' if layer.bias else ', bias=False'})"
    if isinstance(layer, BatchNorm2d):
        return f"nn.BatchNorm2d({layer.num_features})"
    if isinstance(layer, LocalResponseNorm):
        return f"nn.LocalResponseNorm({layer.size})"
    if isinstance(layer, Dropout):
        return f"nn.Dropout({layer.p!r})"
    return f"nn.{type(layer).__name__}()"


def sequential_snippet(layers: Sequence[Layer], input_shape: Sequence[int]) -> str:
    """Runnable PyTorch code: build the network as nn.Sequential, push a dummy input, count parameters.

    The snippet ends with `result` = layer_table(analyze(layers, input_shape)): every layer's output shape
    (without the batch axis) and parameter count, and the total, as a dummy forward pass measures them.
    """
    rows = analyze(layers, input_shape)
    lines = ["import torch", "from torch import nn", "", "model = nn.Sequential("]
    for row in rows:
        lines.append(
            f"    {torch_expression(row.layer)},  # {row.name}: {_shape_text(row.output_shape)}, {row.params:,} params"
        )
    lines.append(")")
    batch_shape = ", ".join(str(v) for v in (1, *tuple(input_shape)))
    lines += [
        "model.eval()",
        f"x = torch.zeros({batch_shape})  # one dummy input (N, {'C, H, W' if len(tuple(input_shape)) == 3 else 'features'})",
        "shapes, params = [], []",
        "with torch.no_grad():",
        "    for layer in model:",
        "        x = layer(x)",
        "        shapes.append(list(x.shape[1:]))  # without the batch axis",
        "        params.append(sum(p.numel() for p in layer.parameters()))",
        '        print(f"{layer.__class__.__name__:>18} {tuple(x.shape[1:])} {params[-1]:,} params")',
        'print("parameters:", sum(p.numel() for p in model.parameters()))',
        'result = {"output_shapes": shapes, "params": params, "total_params": sum(params)}',
    ]
    return "\n".join(lines) + "\n"


def layer_table(rows: Sequence[LayerRow]) -> dict[str, list[list[int]] | list[int] | int]:
    """Every layer's output shape and parameter count, and the total: what sequential_snippet's result holds."""
    return {
        "output_shapes": [list(row.output_shape) for row in rows],
        "params": [row.params for row in rows],
        "total_params": sum(row.params for row in rows),
    }


# --------------------------------------------------------------------------------------------------
# Block diagram geometry (drawn with plotly in ui)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiagramBlock:
    """One block of an architecture diagram: a feature map or vector, sized by its shape."""

    name: str  # the layer, or "conv1_1 ×2" for a run of same-shape convolutions drawn as one block
    kind: str
    label: str  # e.g. "55×55×96"
    x: float  # left edge
    width: float  # grows with channels (log scale) or features
    height: float  # grows with the spatial size (square root scale) or features
    depth: float  # the receding side of a feature map drawn in perspective (0 for vectors)
    count: int = 1  # layers drawn as this block


def diagram_blocks(
    rows: Sequence[LayerRow], input_shape: Sequence[int], *, gap: float = 0.6
) -> list[DiagramBlock]:
    """Blocks for a left-to-right diagram: the input, then every layer that changes the shape or has weights.

    Consecutive convolutions with the same output shape (VGG's stacks) become one block.
    Height ∝ sqrt(spatial size) for feature maps, ∝ log(features) for vectors; width ∝ log2(channels).
    """
    shape = _check_input_shape(input_shape)
    entries: list[list] = [["input", "Input", shape, 1]]  # name, kind, shape, count
    for row in rows:
        if row.kind in ("ReLU", "Tanh", "Sigmoid", "Dropout", "LocalResponseNorm", "BatchNorm2d", "Flatten"):
            continue
        previous = entries[-1]
        if row.kind == "Conv2d" and previous[1] == "Conv2d" and previous[2] == row.output_shape:
            previous[3] += 1
            continue
        entries.append([row.name, row.kind, row.output_shape, 1])
    largest_side = max((s[1] for _, _, s, _ in entries if len(s) == 3), default=1)
    largest_vector = max((s[0] for _, _, s, _ in entries if len(s) == 1), default=1)
    blocks, x = [], 0.0
    for name, kind, block_shape, count in entries:
        if len(block_shape) == 3:
            channels, height_px, width_px = block_shape
            width = 0.3 + 0.25 * math.log2(channels + 1)
            height = 0.6 + 5.0 * math.sqrt(height_px / largest_side)
            depth = 0.3 * height * math.sqrt(width_px / height_px)
            label = f"{height_px}×{width_px}×{channels}"
        else:
            width, depth = 0.35, 0.0
            height = 0.6 + 5.0 * math.log1p(block_shape[0]) / math.log1p(max(largest_vector, 1))
            label = f"{block_shape[0]:,}"
        blocks.append(
            DiagramBlock(
                name=f"{name} ×{count}" if count > 1 else name,
                kind=kind,
                label=label,
                x=x,
                width=width,
                height=height,
                depth=depth,
                count=count,
            )
        )
        x += width + depth + gap
    return blocks


# --------------------------------------------------------------------------------------------------
# The classics: history and ideas (Architectures page)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchitectureInfo:
    """What the Architectures page tells about one classic network."""

    title: str
    year: int
    authors: str
    preset: str  # key in PRESETS, as taught
    torchvision_preset: str | None  # key in PRESETS of torchvision's version, when it differs or exists
    story: str  # markdown: history and ideas


ARCHITECTURES: dict[str, ArchitectureInfo] = {
    "lenet5": ArchitectureInfo(
        title="LeNet-5",
        year=1998,
        authors="Yann LeCun, Léon Bottou, Yoshua Bengio, Patrick Haffner",
        preset="lenet5",
        torchvision_preset=None,
        story="""
Built to read handwritten digits — bank cheques and US ZIP codes — and one of the first CNNs used in production.
Seven layers: three convolutions (C1, C3, C5), two subsampling layers (S2, S4) and two dense layers (F6 and the
output) — five of them with weights. The "5" is not a layer count: it is the fifth of LeCun's LeNet designs
(LeNet-1 to LeNet-5, from 1989 on).

- **Convolution + subsampling, alternating**: each 5×5 convolution finds local patterns, each 2×2 average
  pool halves the map; by C5 a 32×32 digit has become 120 numbers (1×1×120).
- **Shared weights**: one 5×5 kernel per map, slid everywhere — a few thousand weights instead of millions.
- **tanh** activations and **average pooling**: ReLU had not been adopted yet.
- The paper's S2/S4 also had a trainable scale and bias per map, C3 was connected to only some S2 maps and
  the output was a layer of RBF units; the version taught (and here) uses full connections: **61,706** parameters.
- 32×32 input: MNIST's 28×28 digits padded by 2 pixels so strokes reach the centre of the top detectors.
""",
    ),
    "alexnet": ArchitectureInfo(
        title="AlexNet",
        year=2012,
        authors="Alex Krizhevsky, Ilya Sutskever, Geoffrey Hinton",
        preset="alexnet",
        torchvision_preset="alexnet_torchvision",
        story="""
Won ImageNet (ILSVRC) 2012 with a top-5 error of 16.4 % (15.3 % with extra pre-training) when the runner-up
had 26.2 % — the moment deep learning took over computer vision. Eight weight layers: five convolutions,
three dense layers; 1000 ImageNet classes.

- **ReLU** instead of tanh: no saturation, training several times faster.
- **Dropout** (p = 0.5) on the outputs of the first two dense layers (fc6, fc7), against overfitting
  60 million parameters (torchvision, and the table here, put the two Dropouts just before fc6 and fc7 instead).
- **Local Response Normalisation** after conv1 and conv2: each value is divided by a sum of squares over its
  5 neighbouring channels at the same pixel — across channels, not element by element (now replaced by BatchNorm).
- **Overlapping max pooling**: 3×3 windows with stride 2.
- **Two GPUs** (GTX 580, 3 GB each): conv2, conv4 and conv5 saw only their own GPU's half of the channels —
  `groups=2` in PyTorch, 60,965,224 parameters; the one-tower version taught has 62,378,344.
- **Data augmentation**: random crops, horizontal flips, PCA colour noise.
- **227, not 224**: the paper says 224×224, but (224 − 11)/4 + 1 is not a whole number; 227 tiles exactly.
  torchvision follows Krizhevsky's 2014 "one weird trick" variant: 64-192-384-256-256 channels, padding 2
  on a 224 input, and an adaptive average pool so other sizes work.
- **The course's Keras AlexNet** (150×150 flowers, BatchNorm for LRN, 2 classes): the maps go
  150 → 35 → 17 → 17 → 8 → 8 → 3, so Flatten gives 3×3×256 = **2,304** values, not the notes' 16,384
  (8×8×256 skips the last pool), and the model has **29,978,690** trainable parameters. Compare it below.
""",
    ),
    "vgg16": ArchitectureInfo(
        title="VGG16",
        year=2014,
        authors="Karen Simonyan, Andrew Zisserman (Visual Geometry Group, Oxford)",
        preset="vgg16",
        torchvision_preset="vgg16",
        story="""
Second in ImageNet classification 2014 (first in localisation) with about 7.3 % top-5 error — and the most
copied design for years because it is so regular. 13 convolutions + 3 dense layers = 16 weight layers.

- **Only 3×3 convolutions**, stride 1, padding 1: the size is kept inside a block.
- **Blocks closed by 2×2 max pooling, stride 2**: five pools take 224 down to 7; the channels double
  (64 → 128 → 256 → 512) as the maps halve.
- **Why stacks of 3×3**: two 3×3 layers see 5×5 pixels, three see 7×7 — the same field as one big kernel —
  with fewer weights (2·9 = 18 vs 25 per channel pair; 27 vs 49) and an extra ReLU in between.
- **138,357,544 parameters**, 102,764,544 of them in fc6 (25,088 × 4,096 + 4,096); 15.5 G multiply-adds
  per image.
- Configurations A–E in the paper have 11 to 19 weight layers (C uses 1×1 convolutions); D is VGG16.
""",
    ),
    "vgg19": ArchitectureInfo(
        title="VGG19",
        year=2014,
        authors="Karen Simonyan, Andrew Zisserman (Visual Geometry Group, Oxford)",
        preset="vgg19",
        torchvision_preset="vgg19",
        story="""
Configuration E of the VGG paper: VGG16 with one more 3×3 convolution in each of blocks 3, 4 and 5 —
16 convolutions + 3 dense layers = 19 weight layers, **143,667,240** parameters. The extra depth bought
little accuracy over VGG16 for 27 % more computation; going deeper needed a new idea (ResNet's shortcuts,
2015). The ResNet paper's reason is *degradation*: a deeper plain network trains to a higher training error
than a shallower one — not overfitting, and not vanishing gradients, which careful initialisation and
BatchNorm had largely solved.

- Same recipe: 3×3 convolutions, padding 1; 2×2 max pooling, stride 2; 4096-4096-1000 dense head.
- Its receptive field at pool5 is 268 pixels — wider than the 224 input.
""",
    ),
}
