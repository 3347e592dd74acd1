"""Layer tables for st.data_editor: layer specs to rows of cells and back, with messages per cell."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from lib.nn.cnn_math.layers import (
    LAYER_KINDS,
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    Layer,
    Linear,
    MaxPool2d,
    Shape,
    _check_input_shape,
    _pair,
    _shape_text,
    analyze,
)

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
