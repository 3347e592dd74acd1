"""Cached wrappers, plotly figures and page sections for the Colour spaces, Colour thresholding,
Histograms and Segmentation pages."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from lib.cv import colour, histograms, thresholding
from ui.cache import image_cache
from ui.clickable import clickable_image, set_rectangle
from ui.layout import plot_font_size, show_image

# Line colours for histogram traces, by channel name.
TRACE_COLOURS = {
    "Red": "#d62728",
    "Green": "#2ca02c",
    "Blue": "#1f77b4",
    "Hue": "#ff7f0e",  # the course: orange for hue, green for saturation, blue for value
    "Saturation": "#2ca02c",
    "Value": "#1f77b4",
    "Gray": "#555555",
    "Before": "#999999",
    "After": "#9467bd",
}


# --- colour spaces and thresholding -------------------------------------------------------------
@image_cache
def all_colour_spaces(image: np.ndarray) -> dict[str, np.ndarray]:
    return colour.all_colour_spaces(image)


@image_cache
def adjust_hsv(image: np.ndarray, hue_shift: int, saturation_scale: float, value_scale: float) -> np.ndarray:
    return colour.adjust_hsv(
        image, hue_shift=hue_shift, saturation_scale=saturation_scale, value_scale=value_scale
    )


@image_cache
def draw_crosshair(image: np.ndarray, x: int, y: int) -> np.ndarray:
    return colour.draw_crosshair(image, x=x, y=y)


@image_cache
def threshold_colour(
    image: np.ndarray, lower: tuple[int, int, int], upper: tuple[int, int, int], paint: tuple[int, int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mask, masked image, recoloured image) for an HSV range."""
    mask = colour.hsv_mask(image, lower=lower, upper=upper)
    return mask, colour.apply_mask(image, mask), colour.recolour(image, mask, colour=paint)


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


# --- histograms ---------------------------------------------------------------------------------
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


def histogram_figure(
    curves: dict[str, np.ndarray],
    *,
    title: str,
    height: int = 300,
    marker: int | None = None,
    font_size: int | None = None,
) -> go.Figure:
    """One line per histogram (x = bin, y = pixel count); an optional dashed vertical line at `marker`.

    font_size: the figure's base size (default: ui.layout.plot_font_size(), larger in presentation mode).

    Built from plain dicts in one go: go.Scatter objects plus add_vline cost ~10x more per rerun.
    """
    data = [
        {
            "type": "scatter",
            "x": np.arange(len(counts)),
            "y": counts,
            "name": name,
            "mode": "lines",
            "line": {"color": TRACE_COLOURS.get(name, "#333333"), "width": 1.5},
        }
        for name, counts in curves.items()
    ]
    layout = {
        "title": {"text": title},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "xaxis": {"title": {"text": "bin (pixel value)"}},
        "yaxis": {"title": {"text": "pixels"}},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1},
        "font": {"size": font_size or plot_font_size()},
    }
    if marker is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "x0": marker,
                "x1": marker,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"dash": "dash", "color": "#444444"},
            }
        ]
        layout["annotations"] = [
            {
                "x": marker,
                "y": 1,
                "yref": "paper",
                "text": str(marker),
                "showarrow": False,
                "yanchor": "bottom",
            }
        ]
    return go.Figure(data=data, layout=layout)


# --- segmentation -------------------------------------------------------------------------------
@image_cache
def simple_threshold(image: np.ndarray, threshold: int, method: str) -> thresholding.ThresholdResult:
    return thresholding.simple_threshold(image, threshold=threshold, method=method)


@image_cache
def adaptive_threshold(image: np.ndarray, method: str, block_size: int, c: float) -> np.ndarray:
    return thresholding.adaptive_threshold(image, method=method, block_size=block_size, c=c)


@image_cache(max_entries=16)
def kmeans_colours(image: np.ndarray, k: int, attempts: int, seed: int) -> thresholding.KMeansResult:
    return thresholding.kmeans_colours(image, k=k, attempts=attempts, seed=seed)
