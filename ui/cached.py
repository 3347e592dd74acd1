"""Cached wrappers around lib shared by several pages (cache wrappers only: a page's own live in
ui/sections/<page>.py)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib.cv import colour
from ui.cache import image_cache


@image_cache
def draw_crosshair(image: np.ndarray, x: int, y: int) -> np.ndarray:
    return colour.draw_crosshair(image, x=x, y=y)


@st.cache_data(max_entries=8, show_spinner=False)
def decoded(data: bytes) -> np.ndarray:
    """A snapshot or upload decoded and scaled to the working size (raises ImageError)."""
    from lib.cv.images import decode_image, fit_to_working_size

    return fit_to_working_size(decode_image(data))
