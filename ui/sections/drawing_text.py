"""The Drawing & text page's own widget groups and cached wrappers (app_pages/drawing_text.py)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib.cv import drawing

CANVAS_MAX_X, CANVAS_MAX_Y = 1200, 1000  # Drawing & text's canvas limits; shapes past the edge are clipped


def canvas_point(label: str, default: tuple[int, int], key: str) -> tuple[int, int]:
    """Two sliders, x and y, side by side (Drawing & text: a point on the canvas)."""
    left, right = st.columns(2)
    return (
        left.slider(f"{label} x", 0, CANVAS_MAX_X, default[0], key=f"{key}_x", bind="query-params"),
        right.slider(f"{label} y", 0, CANVAS_MAX_Y, default[1], key=f"{key}_y", bind="query-params"),
    )


def shape_style(
    shape: drawing.Shape, key: str, antialiased: bool, *, max_thickness: int = 30
) -> tuple[dict, bool]:
    """Colour and thickness (the course's by default) as keyword arguments for a shape, and 'Draw it'."""
    left, middle, right = st.columns(3)
    color = drawing.hex_to_rgb(
        left.color_picker("Colour", drawing.rgb_to_hex(shape.color), key=f"{key}_color", bind="query-params")
    )
    default = max(1, min(shape.thickness, max_thickness))
    thickness = middle.slider(
        "Thickness", 1, max_thickness, default, key=f"{key}_thickness", bind="query-params"
    )
    draw_it = right.checkbox("Draw it", True, key=f"{key}_on", bind="query-params")
    return {"color": color, "thickness": thickness, "antialiased": antialiased}, draw_it


@st.cache_data(max_entries=64, show_spinner=False)
def draw_canvas(spec: drawing.CanvasSpec) -> np.ndarray:
    return drawing.draw_canvas(spec)


@st.cache_data(max_entries=32, show_spinner=False)
def font_gallery(scale: float, thickness: int, italic: bool, antialiased: bool) -> np.ndarray:
    return drawing.font_gallery(scale=scale, thickness=thickness, italic=italic, antialiased=antialiased)
