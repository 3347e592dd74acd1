"""Layer shapes, sizes and the per-layer results table, as the CNN calculators and Architectures pages
write them (H×W×C, KB / MB / GB)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from lib.nn.cnn_math import LayerRow


def shape_text(shape: Sequence[int]) -> str:
    """(C, H, W) as the course writes it, H×W×C; a vector as its length."""
    return f"{shape[1]}×{shape[2]}×{shape[0]}" if len(shape) == 3 else f"{shape[0]:,}"


def size_text(count: int) -> str:
    """A byte count in KB / MB / GB."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


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
            "jump": [pair_text(row.jump) if row.is_spatial else "" for row in rows],
            "course RF": [pair_text(row.receptive_field_course) if row.is_spatial else "" for row in rows],
            "note": [row.note for row in rows],
        }
    )


def _field_text(row: LayerRow, input_shape: Sequence[int]) -> str:
    if row.is_spatial:
        return pair_text(row.receptive_field)
    return "whole image" if tuple(row.receptive_field) == tuple(input_shape[1:]) else "—"


def pair_text(pair: Sequence[int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"
