"""Cached wrappers and sections for the Resize, flip, rotate, crop and Drawing & text pages."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib.cv import drawing, transforms
from lib.cv.programs import image_program
from ui.cache import image_cache
from ui.clickable import clickable_image, set_percent_point, set_rectangle
from ui.image_source import WORKING_SIDES
from ui.layout import code_panel, show_error, show_image, show_row

CANVAS_MAX_X, CANVAS_MAX_Y = 1200, 1000  # Drawing & text's canvas limits; shapes past the edge are clipped

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
