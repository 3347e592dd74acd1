"""The Colour thresholding page's own widget groups and cached wrappers (app_pages/colour_thresholding.py)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from lib.cv import colour
from ui.cache import image_cache
from ui.cached import draw_crosshair
from ui.clickable import clickable_image


@image_cache
def threshold_colour(
    image: np.ndarray, lower: tuple[int, int, int], upper: tuple[int, int, int], paint: tuple[int, int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mask, masked image, recoloured image) for an HSV range."""
    return tuple(colour.threshold_views(image, lower=lower, upper=upper, colour=paint))


def live_threshold(
    frame: np.ndarray,
    *,
    lower: tuple[int, int, int],
    upper: tuple[int, int, int],
    paint: tuple[int, int, int],
) -> np.ndarray:
    """One camera frame through the still image's call (lib.cv.colour.threshold_views): the recoloured view."""
    return colour.threshold_views(frame, lower=lower, upper=upper, colour=paint).recoloured


@image_cache
def main_colour_range(image: np.ndarray) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The HSV range of the image's most common colour (lib.cv.colour.dominant_hue_range)."""
    return colour.dominant_hue_range(image)


def pick_a_colour(
    image: np.ndarray, set_range: Callable[[tuple[int, int, int], tuple[int, int, int]], None]
) -> None:
    """Pick a colour: x, y and hue-tolerance sliders, the pixel marked on the image (a click picks one and
    sets the range at once), the HSV range around it and a button that hands it to `set_range`."""
    height, width = image.shape[:2]

    def pick_colour(point: tuple[int, int]) -> None:
        """A click: that pixel becomes the inspected one, and the sliders a range around its colour."""
        st.session_state["ct_x"], st.session_state["ct_y"] = point
        tolerance = st.session_state.get("ct_tolerance", 10)
        set_range(*colour.range_around_pixel(image, x=point[0], y=point[1], hue_tolerance=tolerance))

    left, middle, right = st.columns(3)
    x = min(
        left.slider("x (column)", 0, max(1, width - 1), width // 2, key="ct_x", bind="query-params"),
        width - 1,
    )
    y = min(
        middle.slider("y (row)", 0, max(1, height - 1), height // 2, key="ct_y", bind="query-params"),
        height - 1,
    )
    tolerance = right.slider("Hue tolerance ±", 0, 90, 10, key="ct_tolerance", bind="query-params")
    picked_lower, picked_upper = colour.range_around_pixel(image, x=x, y=y, hue_tolerance=tolerance)
    picture, action = st.columns([3, 2])
    with picture:
        clickable_image(
            draw_crosshair(image, x, y),
            key="ct_click",
            on_point=pick_colour,
            caption=f"Pixel ({x}, {y}) · click to pick a colour",
            columns_in_row=2,
        )
    with action:
        st.markdown(f"Range around this pixel:  \nlower **{picked_lower}**  \nupper **{picked_upper}**")
        st.button(
            "Use this range",
            on_click=set_range,
            args=(picked_lower, picked_upper),
            key="ct_pick",
            type="primary",
        )
