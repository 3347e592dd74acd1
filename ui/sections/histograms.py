"""The Histograms page's own widget groups and cached wrappers (app_pages/histograms.py)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib.cv import histograms
from ui.cache import image_cache
from ui.clickable import clickable_image, set_rectangle
from ui.layout import show_image


@image_cache
def channel_histograms(image: np.ndarray, space: str, mask: np.ndarray | None) -> dict[str, np.ndarray]:
    if space == "RGB":
        return histograms.rgb_histograms(image, mask=mask)
    if space == "HSV":
        return histograms.hsv_histograms(image, mask=mask)
    return {"Gray": histograms.gray_histogram(image, mask=mask)}


@image_cache
def brightness_verdict(image: np.ndarray, threshold: int) -> histograms.BrightnessVerdict:
    return histograms.brightness_verdict(image, threshold=threshold)


@image_cache
def equalized(
    image: np.ndarray, method: str, channel: str, clip_limit: float, tile_grid_size: tuple[int, int]
) -> np.ndarray:
    if method == "equalize":
        return histograms.equalize(image, channel=channel)
    return histograms.clahe(image, clip_limit=clip_limit, tile_grid_size=tile_grid_size, channel=channel)


@image_cache
def brightness_histogram(image: np.ndarray, channel: str) -> np.ndarray:
    return histograms.brightness_histogram(image, channel=channel)


def counted_region(image: np.ndarray) -> tuple[tuple[int, int, int, int] | None, np.ndarray | None]:
    """The counted region: a toggle and x / y range sliders (percent), the image with the region boxed (drag
    a rectangle to choose another) or the plain image. Returns (box, mask), both None for the whole image."""
    height, width = image.shape[:2]
    region = st.toggle("Only a region (mask)", False, key="hist_region", bind="query-params")
    box, mask = None, None
    if region:
        x_range = st.slider(
            "Region x (% of width)", 0, 100, (25, 75), key="hist_region_x", bind="query-params"
        )
        y_range = st.slider(
            "Region y (% of height)", 0, 100, (25, 75), key="hist_region_y", bind="query-params"
        )
        x0, y0 = min(width - 1, width * x_range[0] // 100), min(height - 1, height * y_range[0] // 100)
        box = (x0, y0, max(x0 + 1, width * x_range[1] // 100), max(y0 + 1, height * y_range[1] // 100))
        mask = histograms.box_mask(height, width, box=box)
    if box:
        clickable_image(
            histograms.draw_box(image, box=box),
            key="hist_region_drag",
            on_drag=set_rectangle("hist_region_x", "hist_region_y", image.shape, percent=True),
            caption="Counted pixels · drag a rectangle to choose others",
            columns_in_row=3,
        )
    else:
        show_image(image, caption="Image", columns_in_row=3)
    return box, mask
