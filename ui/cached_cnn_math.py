"""Tables, figures and cached PyTorch checks for the CNN calculators and Architectures pages.

torch is imported only inside the functions that need it (lib.nn.cnn_torch), so opening a page is quick.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.nn import cnn_math
from lib.nn.cnn_math import Layer, LayerRow
from ui.cache import image_cache
from ui.layout import plot_font_size, show_image

KIND_COLOURS = {
    "Input": "#9e9e9e",
    "Conv2d": "#4c78a8",
    "MaxPool2d": "#e45756",
    "AvgPool2d": "#f58518",
    "AdaptiveAvgPool2d": "#b279a2",
    "Linear": "#54a24b",
}


def shape_text(shape: Sequence[int]) -> str:
    """(C, H, W) as the course writes it, H×W×C; a vector as its length."""
    return f"{shape[1]}×{shape[2]}×{shape[0]}" if len(shape) == 3 else f"{shape[0]:,}"


def size_text(count: int) -> str:
    """A byte count in KB / MB / GB."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


def single_layer_controls() -> tuple[int, int, str, int, int]:
    """The one-layer calculator's inputs (URL-bound): I, K, P (text: a number, "same", "valid"), S, D.

    Defaults are the notes' stride example: a 7×7 input, a 3×3 kernel, no padding, stride 1.
    """
    cells = st.columns(5)
    size_in = cells[0].number_input("Input I", 1, 4096, 7, key="cnn_i", bind="query-params")
    kernel = cells[1].number_input("Kernel K", 1, 64, 3, key="cnn_k", bind="query-params")
    padding = cells[2].text_input(
        "Padding P", "0", key="cnn_p", bind="query-params", help='A number, "same" or "valid"'
    )
    stride = cells[3].number_input("Stride S", 1, 64, 1, key="cnn_s", bind="query-params")
    dilation = cells[4].number_input("Dilation D", 1, 16, 1, key="cnn_d", bind="query-params")
    return int(size_in), int(kernel), padding, int(stride), int(dilation)


def input_shape_controls(default: Sequence[int], *, key: str) -> tuple[int, int, int]:
    """Channels, height and width of the network's input, starting from a preset's (key: per preset)."""
    cells = st.columns(3)
    labels = ("Channels", "Height", "Width")
    return tuple(  # type: ignore[return-value]
        int(cell.number_input(label, 1, 1024, int(value), key=f"{key}_{label}"))
        for cell, label, value in zip(cells, labels, default, strict=True)
    )


def field_caption(
    row: LayerRow, box: cnn_math.FieldBox, position: tuple[int, int], network_hw: tuple[int, int]
) -> str:
    """What the receptive-field picture shows, in numbers."""
    clipped = ""
    if (box.height, box.width) != tuple(row.receptive_field):
        clipped = f" of its {_pair_text(row.receptive_field)} field; the rest is padding"
    return (
        f"The network sees the image resized to {network_hw[0]}×{network_hw[1]}. Unit {position} of {row.name} "
        f"sees input rows {box.top}–{box.bottom}, columns {box.left}–{box.right} ({box.height}×{box.width} pixels"
        f"{clipped})."
    )


def ann_vs_cnn_markdown(input_shape: Sequence[int], hidden: Sequence[int]) -> str:
    """Why a dense network on an image needs so many weights (III.A)."""
    pixels = int(np.prod(input_shape))
    return (
        f"A dense network flattens the {shape_text(input_shape)} image into {pixels:,} numbers: **each** of the "
        f"{hidden[0]:,} first-layer neurons has a weight per pixel ({pixels:,} + 1 bias), and the 2-D layout is "
        "lost. A convolution's few K·K·C weights are shared by every position, so it finds an edge wherever it "
        "is, with a fraction of the parameters: shift the image and its feature map shifts with it (translation "
        "*equivariance*). *Invariance* — the same answer wherever the object is — comes later, from pooling and "
        "the final global steps (global pooling, dense layers)."
    )


def layer_editor(layers: Sequence[Layer], *, key: str) -> list[dict]:
    """An editable layer table (st.data_editor): one row per layer, rows can be added and deleted.

    Give a new key when the starting layers change (another preset), so the table starts over.
    """
    frame = pd.DataFrame(cnn_math.layers_to_table(layers), columns=list(cnn_math.TABLE_COLUMNS))
    frame["padding"] = frame["padding"].astype("string")
    frame["name"] = frame["name"].astype("string")
    column_config = {
        "name": st.column_config.TextColumn("name", help="Optional; empty gives conv1, pool1, fc1, …"),
        "kind": st.column_config.SelectboxColumn("kind", options=list(cnn_math.LAYER_KINDS), required=True),
        "out": st.column_config.NumberColumn(
            "out", help="Output channels / features / adaptive size", min_value=1
        ),
        "kernel": st.column_config.NumberColumn("kernel", min_value=1),
        "stride": st.column_config.NumberColumn("stride", min_value=1),
        "padding": st.column_config.TextColumn("padding", help='A number, "same" or "valid"'),
        "dilation": st.column_config.NumberColumn("dilation", min_value=1),
        "groups": st.column_config.NumberColumn("groups", min_value=1),
        "bias": st.column_config.CheckboxColumn("bias"),
    }
    edited = st.data_editor(frame, key=key, num_rows="dynamic", column_config=column_config, hide_index=True)
    return edited.astype(object).where(edited.notna(), None).to_dict("records")  # pd.NA / NaN -> None


def keep_valid_choice(key: str, options: Sequence[str]) -> None:
    """Forget a selectbox's remembered value when it is no longer among its options (the table changed)."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def results_frame(rows: Sequence[LayerRow]) -> pd.DataFrame:
    """The network calculator's results: one row per layer."""
    return pd.DataFrame(
        {
            "layer": [row.name for row in rows],
            "kind": [row.kind for row in rows],
            "output (H×W×C)": [shape_text(row.output_shape) for row in rows],
            "params": [f"{row.params:,}" for row in rows],
            "MACs": [f"{row.macs:,}" for row in rows],
            "memory": [size_text(row.activation_bytes) for row in rows],
            "RF": [_field_text(row, rows[0].input_shape) for row in rows],
            "jump": [_pair_text(row.jump) if row.is_spatial else "" for row in rows],
            "course RF": [_pair_text(row.receptive_field_course) if row.is_spatial else "" for row in rows],
            "note": [row.note for row in rows],
        }
    )


def _field_text(row: LayerRow, input_shape: Sequence[int]) -> str:
    if row.is_spatial:
        return _pair_text(row.receptive_field)
    return "whole image" if tuple(row.receptive_field) == tuple(input_shape[1:]) else "—"


def _pair_text(pair: Sequence[int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"


def formulas_markdown(row: LayerRow) -> str:
    """A row's formulas with the numbers filled in, as a markdown list."""
    return "\n".join(f"- **{what}**: `{formula}`" for what, formula in row.formulas)


@st.cache_data(max_entries=16, show_spinner="Building the network in PyTorch…")
def verify_with_torch(layers: tuple[Layer, ...], input_shape: tuple[int, ...]) -> pd.DataFrame:
    """Every layer checked against PyTorch: shapes from a dummy forward pass, counts from p.numel()."""
    from lib.nn.cnn_torch import verify_with_torch

    checks = verify_with_torch(layers, input_shape)
    return pd.DataFrame(
        {
            "layer": [check.name for check in checks],
            "PyTorch module": [check.module for check in checks],
            "torch output": [str(check.output_shape) for check in checks],
            "torch params": [check.params for check in checks],
            "calculated": [f"{check.expected_shape}, {check.expected_params:,}" for check in checks],
            "agree": ["✓" if check.agrees else "✗" for check in checks],
        }
    )


@image_cache
def field_on_image(image: np.ndarray, box: cnn_math.FieldBox, network_hw: tuple[int, int]) -> np.ndarray:
    return cnn_math.draw_field(image, box, network_hw=network_hw)


def receptive_field_on_image(image: np.ndarray, rows: Sequence[LayerRow], input_shape: Sequence[int]) -> None:
    """The receptive field on the image: pick a spatial layer and a unit (percent across and down); the
    input pixels it sees are outlined, with a caption in numbers. Nothing when no layer is spatial."""
    spatial = [row.name for row in rows if row.is_spatial]
    if not spatial:
        return
    names = [row.name for row in rows]
    keep_valid_choice("cnn_rf_layer", spatial)
    layer_name = st.selectbox("Layer", spatial, index=len(spatial) - 1, key="cnn_rf_layer")
    row = rows[names.index(layer_name)]
    cells = st.columns(2)
    across = cells[0].slider("Unit column (% across)", 0, 100, 50, key="cnn_rf_x", bind="query-params")
    down = cells[1].slider("Unit row (% down)", 0, 100, 50, key="cnn_rf_y", bind="query-params")
    position = (
        round(down / 100 * (row.output_shape[1] - 1)),
        round(across / 100 * (row.output_shape[2] - 1)),
    )
    box = cnn_math.receptive_field_box(rows, layer_name, position)
    network_hw = (input_shape[1], input_shape[2])
    show_image(field_on_image(image, box, network_hw), caption=f"{layer_name}, unit {position}")
    st.caption(field_caption(row, box, position, network_hw))


def block_diagram(
    rows: Sequence[LayerRow], input_shape: Sequence[int], *, height: int = 380, font_size: int | None = None
) -> go.Figure:
    """Layers as blocks in perspective: height ∝ map size, thickness ∝ log(channels); hover for details.

    font_size: the figure's base size (default: ui.layout.plot_font_size(), larger in presentation mode);
    block labels are 2 px smaller.
    """
    font_size = font_size or plot_font_size()
    figure = go.Figure()
    blocks = cnn_math.diagram_blocks(rows, input_shape)
    tallest = max(block.height / 2 + block.depth for block in blocks)
    for index, block in enumerate(blocks):
        colour = KIND_COLOURS.get(block.kind, "#777777")
        x0, x1, half, depth = block.x, block.x + block.width, block.height / 2, block.depth
        faces = [
            ([x0, x1, x1, x0, x0], [-half, -half, half, half, -half], 1.0),  # front
            (
                [x0, x1, x1 + depth, x0 + depth, x0],
                [half, half, half + depth, half + depth, half],
                0.7,
            ),  # top
            (
                [x1, x1 + depth, x1 + depth, x1, x1],
                [-half, -half + depth, half + depth, half, -half],
                0.5,
            ),  # side
        ]
        for xs, ys, opacity in faces:
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    fill="toself",
                    mode="lines",
                    line={"color": "#333333", "width": 0.8},
                    fillcolor=colour,
                    opacity=opacity,
                    hoverinfo="text",
                    text=f"{block.name} ({block.kind})<br>{block.label}",
                    showlegend=False,
                )
            )
        below = index % 2 == 0 or len(blocks) <= 10  # alternate labels when the blocks are crowded
        figure.add_annotation(
            x=x0 + (block.width + depth) / 2,
            y=-tallest - 0.2 if below else tallest + 0.2,
            text=f"{block.name}<br>{block.label}",
            showarrow=False,
            yanchor="top" if below else "bottom",
            font={"size": font_size - 2},
        )
    for kind in dict.fromkeys(block.kind for block in blocks):
        figure.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"color": KIND_COLOURS.get(kind, "#777777"), "size": 10, "symbol": "square"},
                name=kind,
            )
        )
    figure.update_layout(
        height=height + 8 * (font_size - 12),  # room for the larger labels above and below
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font_size=font_size,
        xaxis={"visible": False},
        yaxis={"visible": False, "range": [-tallest - 1.6, tallest + (1.6 if len(blocks) > 10 else 0.4)]},
        legend={"orientation": "h", "y": 1.1},
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return figure


def comparison_frame(keys: Sequence[str]) -> pd.DataFrame:
    """Side-by-side totals of presets: parameters (conv / dense), multiply-adds, memory, depth, field."""
    columns = {}
    for key in keys:
        layers, input_shape = cnn_math.PRESETS[key]
        summary = cnn_math.summarize(cnn_math.analyze(layers, input_shape))
        columns[cnn_math.PRESET_TITLES[key]] = {
            "input (H×W×C)": shape_text(input_shape),
            "weight layers": f"{summary.weight_layers}",
            "parameters": f"{summary.params:,}",
            "in convolutions": f"{summary.conv_params:,} ({summary.conv_params / max(summary.params, 1):.0%})",
            "in dense layers": f"{summary.dense_params:,} ({summary.dense_params / max(summary.params, 1):.0%})",
            "multiply-adds per image": f"{summary.macs:,}",
            "activations per image (float32)": size_text(summary.activation_bytes),
            "weights (float32)": size_text(4 * summary.params),
            "receptive field of the last map": _pair_text(summary.receptive_field),
        }
    return pd.DataFrame(columns)


def comparison_figure(keys: Sequence[str], *, font_size: int | None = None) -> go.Figure:
    """Parameters per weight layer of each preset, in order (log scale); font_size: as block_diagram's."""
    figure = go.Figure()
    for key in keys:
        rows = [row for row in cnn_math.analyze(*cnn_math.PRESETS[key]) if row.kind in ("Conv2d", "Linear")]
        figure.add_trace(
            go.Bar(
                x=list(range(1, len(rows) + 1)),
                y=[row.params for row in rows],
                name=cnn_math.PRESET_TITLES[key],
                hovertext=[f"{row.name}: {row.params:,}" for row in rows],
            )
        )
    figure.update_layout(
        barmode="group",
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="weight layer",
        yaxis={"title": "parameters", "type": "log"},
        legend={"orientation": "h", "y": -0.3},
        font_size=font_size or plot_font_size(),
    )
    return figure


@st.cache_data(max_entries=8, show_spinner=False)
def definitions(name: str) -> tuple[str, pd.DataFrame, str | None, pd.DataFrame | None]:
    """(our source, our per-layer counts, torchvision's source, torchvision's counts); built on meta."""
    from lib.nn import cnn_torch

    def table(model) -> pd.DataFrame:
        counts = cnn_torch.parameter_table(model)
        return pd.DataFrame(
            {
                "module": [c.name for c in counts],
                "layer": [c.module for c in counts],
                "params": [c.params for c in counts],
            }
        )

    own = table(cnn_torch.own_model(name))
    if name not in cnn_torch.TORCHVISION_MODELS:
        return cnn_torch.own_source(name), own, None, None
    return (
        cnn_torch.own_source(name),
        own,
        cnn_torch.torchvision_source(name),
        table(cnn_torch.torchvision_model(name)),
    )
