"""The Architectures page's own widget groups and cached wrappers (app_pages/architectures.py)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from lib.nn import cnn_math
from ui.layer_tables import pair_text, shape_text, size_text


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
            "receptive field of the last map": pair_text(summary.receptive_field),
        }
    return pd.DataFrame(columns)


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
