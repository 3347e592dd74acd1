"""The Code panel: layer specs as an nn.Sequential program that prints what the calculator shows."""

from __future__ import annotations

from collections.abc import Sequence

from lib.cv.programs import snippet
from lib.nn.cnn_math.layers import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Layer,
    LayerRow,
    Linear,
    LocalResponseNorm,
    MaxPool2d,
    _shape_text,
    analyze,
)

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
    lines = ["model = nn.Sequential("]
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
    return snippet("\n".join(lines) + "\n")


def layer_table(rows: Sequence[LayerRow]) -> dict[str, list[list[int]] | list[int] | int]:
    """Every layer's output shape and parameter count, and the total: what sequential_snippet's result holds."""
    return {
        "output_shapes": [list(row.output_shape) for row in rows],
        "params": [row.params for row in rows],
        "total_params": sum(row.params for row in rows),
    }
