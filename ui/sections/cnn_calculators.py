"""The CNN calculators page's own widget groups and cached wrappers (app_pages/cnn_calculators.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from lib.nn import cnn_math
from lib.nn.cnn_math import Layer, LayerRow
from ui.cache import image_cache
from ui.layer_tables import pair_text, shape_text
from ui.layout import show_image


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
        clipped = f" of its {pair_text(row.receptive_field)} field; the rest is padding"
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
        # short headers: with all nine at full length the table scrolled sideways in presentation mode at 1280x720
        "padding": st.column_config.TextColumn("pad", help='Padding P: a number, "same" or "valid"'),
        "dilation": st.column_config.NumberColumn("dil", help="Dilation D", min_value=1),
        "groups": st.column_config.NumberColumn("groups", min_value=1),
        "bias": st.column_config.CheckboxColumn("bias"),
    }
    edited = st.data_editor(frame, key=key, num_rows="dynamic", column_config=column_config, hide_index=True)
    return edited.astype(object).where(edited.notna(), None).to_dict("records")  # pd.NA / NaN -> None


def keep_valid_choice(key: str, options: Sequence[str]) -> None:
    """Forget a selectbox's remembered value when it is no longer among its options (the table changed)."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


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
