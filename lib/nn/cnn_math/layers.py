"""Layer specs named and parameterised like torch.nn's layers, the output-size formula, and `analyze`:
one row per layer that explains every number with its formula."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

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
