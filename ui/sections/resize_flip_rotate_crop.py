"""The Resize, flip, rotate, crop page's own widget groups and cached wrappers (app_pages/resize_flip_rotate_crop.py)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib.cv import transforms
from lib.cv.programs import image_program
from ui.cache import image_cache
from ui.clickable import clickable_image, set_percent_point, set_rectangle
from ui.image_source import WORKING_SIDES
from ui.layout import code_panel, show_error, show_image, show_row


# Resized images can be large (200 % of a 2048 px image is 4096 px): keep fewer of them.
@image_cache(max_entries=8)
def resize_to(image: np.ndarray, width: int, height: int, interpolation: str) -> np.ndarray:
    return transforms.resize_to(image, width=width, height=height, interpolation=interpolation)


@image_cache(max_entries=8)
def resize_by_percent(image: np.ndarray, percent: float, interpolation: str) -> np.ndarray:
    return transforms.resize_by_percent(image, percent=percent, interpolation=interpolation)


@image_cache
def compare_interpolations(
    image: np.ndarray, region: tuple[int, int, int, int], zoom: int
) -> dict[str, np.ndarray]:
    return transforms.compare_interpolations(image, region=region, zoom=zoom)


@image_cache
def outline_rectangle(image: np.ndarray, rectangle: tuple[int, int, int, int]) -> np.ndarray:
    return transforms.outline_rectangle(image, rectangle)


@image_cache
def flip(image: np.ndarray, flip_code: int) -> np.ndarray:
    return transforms.flip(image, flip_code=flip_code)


@image_cache
def rotate_quarter(image: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    return transforms.rotate_quarter(image, degrees_clockwise=degrees_clockwise)


@image_cache
def rotate_by_angle(image: np.ndarray, angle: float, keep_whole: bool) -> np.ndarray:
    return transforms.rotate_by_angle(image, angle=angle, keep_whole=keep_whole)


@image_cache
def crop(image: np.ndarray, rectangle: tuple[int, int, int, int]) -> np.ndarray:
    return transforms.crop(image, rectangle=rectangle)


def interpolation_magnifier(image: np.ndarray) -> None:
    """The magnifier: centre, region and zoom sliders, the region on the image (a click moves it), each
    interpolation enlarged, and its code."""
    height, width = image.shape[:2]
    controls, where = st.columns([1, 2])
    center_x = controls.slider("Centre x (%)", 0, 100, 50, key="rf_mag_x", bind="query-params")
    center_y = controls.slider("Centre y (%)", 0, 100, 50, key="rf_mag_y", bind="query-params")
    side = controls.slider(
        "Region (px)", 8, 64, transforms.MAGNIFIER_SIDE, key="rf_mag_side", bind="query-params"
    )
    zoom = controls.slider("Zoom ×", 2, 16, transforms.MAGNIFIER_ZOOM, key="rf_mag_zoom", bind="query-params")
    region = transforms.magnifier_region(
        width, height, center_x_percent=center_x, center_y_percent=center_y, side=side
    )
    enlarged = compare_interpolations(image, region, zoom)
    with where:
        clickable_image(
            outline_rectangle(image, region),
            key="rf_mag_click",
            on_point=set_percent_point("rf_mag_x", "rf_mag_y", image.shape),
            caption=f"Region x {region[0]}–{region[2]}, y {region[1]}–{region[3]} · click to move it",
            columns_in_row=2,
        )
    show_row(*[(f"{name} ×{zoom}", picture) for name, picture in enlarged.items()])
    code_panel(
        image_program(
            transforms.magnifier_snippet(region=region, zoom=zoom, interpolation="lanczos4"),
            image,
            reproduces=f"The magnifier: region x {region[0]}–{region[2]}, y {region[1]}–{region[3]} enlarged "
            f"{zoom}× with each interpolation.",
            name="magnifier.py",
            results={"results": enlarged},
        )
    )


def crop_by_slicing(image: np.ndarray, start: tuple[int, int, int, int]) -> None:
    """The crop: x and y range sliders from `start`, the rectangle on the original (drag to redraw it),
    the slice it gives, and its code."""
    height, width = image.shape[:2]
    max_side = max(WORKING_SIDES)
    left, right = st.columns(2)
    x_range = left.slider(
        "x: columns from … to", 0, max_side, start[0::2], key="rf_crop_x", bind="query-params"
    )
    y_range = right.slider(
        "y: rows from … to", 0, max_side, start[1::2], key="rf_crop_y", bind="query-params"
    )
    rectangle = (x_range[0], y_range[0], x_range[1], y_range[1])
    try:
        x_start, y_start, x_end, y_end = inside = transforms.clamp_rectangle(rectangle, width, height)
        cropped = crop(image, rectangle)
        original, result = st.columns(2)
        with original:
            clickable_image(
                outline_rectangle(image, rectangle),
                key="rf_crop_drag",
                on_drag=set_rectangle("rf_crop_x", "rf_crop_y", image.shape),
                caption=f"Original · {width}×{height} · crop in yellow · drag a rectangle to crop there",
                columns_in_row=2,
            )
        with result:
            caption = f"image[{y_start}:{y_end}, {x_start}:{x_end}] · {x_end - x_start}×{y_end - y_start}"
            show_image(cropped, caption=caption, columns_in_row=2)
        if inside != rectangle:
            st.caption(f"The rectangle reaches past the {width}×{height} image, so it was clipped to it.")
    except ValueError as error:
        show_error(str(error))
        return
    code_panel(
        image_program(
            transforms.crop_snippet(rectangle=rectangle),
            image,
            reproduces=f"Crop by slicing: image[{y_start}:{y_end}, {x_start}:{x_end}].",
            name="crop.py",
            result=cropped,
        )
    )
