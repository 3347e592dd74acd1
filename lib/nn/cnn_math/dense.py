"""ANN vs CNN (III.A): the dense network a CNN is compared with."""

from __future__ import annotations

import math
from collections.abc import Sequence

from lib.nn.cnn_math.layers import Flatten, Layer, Linear, ReLU, _check_input_shape, _is_int

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
