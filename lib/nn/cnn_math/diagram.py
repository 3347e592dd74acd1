"""Block diagram geometry: one block per layer, sized by its output (drawn with plotly in ui)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from lib.nn.cnn_math.layers import LayerRow, _check_input_shape

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
