"""Totals of a network, receptive-field boxes on the input, and where the course's shortcut differs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lib.cv.images import to_rgb
from lib.nn.cnn_math.layers import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    Conv2d,
    LayerRow,
    MaxPool2d,
    Pair,
    Shape,
    _pair,
    _shape_text,
    _square_text,
)

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
    image = to_rgb(image)
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
