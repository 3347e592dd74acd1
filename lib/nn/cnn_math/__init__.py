"""CNN arithmetic without PyTorch: output sizes, parameters, multiply-adds, receptive fields.

Layer specs are small frozen dataclasses named and parameterised like torch.nn's layers; shapes are
(C, H, W) for feature maps and (N,) for vectors, one image (no batch axis). `analyze` walks a list of
specs and explains every number with its formula. lib/nn/cnn_torch.py checks all of it against PyTorch.

The package, one module per idea (every public name is importable from the package itself):

  layers         layer specs, the output-size formula, analyze (one row per layer)
  summary        totals, receptive-field boxes, the course's shortcut compared
  dense          ANN vs CNN: the dense network a CNN is compared with
  presets        the course's networks and the classics as layer specs
  tables         layer specs <-> st.data_editor rows
  snippets       the Code panel: an nn.Sequential program
  diagram        block diagram geometry
  classics       history and ideas of LeNet-5, AlexNet, VGG (prose)
"""

from lib.nn.cnn_math.classics import (
    ARCHITECTURES,
    ArchitectureInfo,
)
from lib.nn.cnn_math.dense import (
    dense_network,
)
from lib.nn.cnn_math.diagram import (
    DiagramBlock,
    diagram_blocks,
)
from lib.nn.cnn_math.layers import (
    BYTES_PER_FLOAT32,
    LAYER_KINDS,
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Flatten,
    Layer,
    LayerRow,
    Linear,
    LocalResponseNorm,
    MaxPool2d,
    OutputSize,
    Pair,
    ReLU,
    Shape,
    Sigmoid,
    Tanh,
    analyze,
    layer_names,
    output_size,
)
from lib.nn.cnn_math.presets import (
    PRESET_TITLES,
    PRESETS,
    VGG_CONFIGS,
)
from lib.nn.cnn_math.snippets import (
    layer_table,
    sequential_snippet,
    torch_expression,
)
from lib.nn.cnn_math.summary import (
    FieldBox,
    NetworkSummary,
    course_shortcut_differences,
    draw_field,
    receptive_field_box,
    summarize,
)
from lib.nn.cnn_math.tables import (
    TABLE_COLUMNS,
    layers_from_table,
    layers_to_table,
    parse_padding,
)

__all__ = [
    "ARCHITECTURES",
    "AdaptiveAvgPool2d",
    "ArchitectureInfo",
    "AvgPool2d",
    "BYTES_PER_FLOAT32",
    "BatchNorm2d",
    "Conv2d",
    "DiagramBlock",
    "Dropout",
    "FieldBox",
    "Flatten",
    "LAYER_KINDS",
    "Layer",
    "LayerRow",
    "Linear",
    "LocalResponseNorm",
    "MaxPool2d",
    "NetworkSummary",
    "OutputSize",
    "PRESETS",
    "PRESET_TITLES",
    "Pair",
    "ReLU",
    "Shape",
    "Sigmoid",
    "TABLE_COLUMNS",
    "Tanh",
    "VGG_CONFIGS",
    "analyze",
    "course_shortcut_differences",
    "dense_network",
    "diagram_blocks",
    "draw_field",
    "layer_names",
    "layer_table",
    "layers_from_table",
    "layers_to_table",
    "output_size",
    "parse_padding",
    "receptive_field_box",
    "sequential_snippet",
    "summarize",
    "torch_expression",
]
