"""Images you can click or drag on: the point under the pointer sets the page's own number controls.

The sliders and number inputs stay (exact values, keyboard, URL); a click only writes their session state,
so a click and a slider move give the same page. Built on `streamlit-image-coordinates`, which reports the
pointer in displayed pixels together with the displayed size.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping

import numpy as np
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from ui.layout import DISPLAY_SIDE, display_bytes

Point = tuple[int, int]  # (x, y) = (column, row) in image pixels


def to_image_point(
    x: float, y: float, shown: tuple[float, float], image_shape: tuple[int, ...]
) -> Point | None:
    """A point in displayed pixels -> (column, row) in the image, clamped inside it; None if unusable.

    shown: the displayed (width, height); image_shape: the image's (H, W[, C]).
    """
    height, width = image_shape[:2]
    shown_width, shown_height = shown
    values = (x, y, shown_width, shown_height)
    if not all(isinstance(v, int | float) and np.isfinite(v) for v in values):
        return None
    if shown_width <= 0 or shown_height <= 0:
        return None
    column = int(np.clip(np.floor(x * width / shown_width), 0, width - 1))
    row = int(np.clip(np.floor(y * height / shown_height), 0, height - 1))
    return column, row


def click_point(value: Mapping | None, image_shape: tuple[int, ...]) -> Point | None:
    """A click event {x, y, width, height} -> image point (None for no click or a malformed event)."""
    if not isinstance(value, Mapping) or not {"x", "y", "width", "height"} <= value.keys():
        return None
    return to_image_point(value["x"], value["y"], (value["width"], value["height"]), image_shape)


def drag_points(value: Mapping | None, image_shape: tuple[int, ...]) -> tuple[Point, Point] | None:
    """A click-and-drag event {x1, y1, x2, y2, width, height} -> (start, end) image points, or None."""
    if not isinstance(value, Mapping) or not {"x1", "y1", "x2", "y2", "width", "height"} <= value.keys():
        return None
    shown = (value["width"], value["height"])
    start = to_image_point(value["x1"], value["y1"], shown, image_shape)
    end = to_image_point(value["x2"], value["y2"], shown, image_shape)
    return (start, end) if start is not None and end is not None else None


class _Encoded:
    """Hands the component our cached display bytes instead of letting it encode the image again."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def save(self, buffer: io.BytesIO, **_: object) -> None:
        buffer.write(self.data)


def clickable_image(
    image: np.ndarray,
    *,
    key: str,
    on_point: Callable[[Point], None] | None = None,
    on_drag: Callable[[Point, Point], None] | None = None,
    caption: str | None = None,
    columns_in_row: int = 1,
) -> None:
    """Show `image`, filling its column; a click calls on_point((x, y)), a drag on_drag(start, end).

    Give on_drag to listen for drags (press, move, release) instead of clicks; a press and release on the
    same spot is then a drag of length zero. The callbacks run before the page's next run, so they can set
    the session state of the page's sliders.
    """
    data = display_bytes(image, DISPLAY_SIDE.get(columns_in_row, 400))
    shape = image.shape

    def handle() -> None:
        value = st.session_state.get(key)
        if on_drag is not None:
            points = drag_points(value, shape)
            if points is not None:
                on_drag(*points)
        elif on_point is not None:
            point = click_point(value, shape)
            if point is not None:
                on_point(point)

    streamlit_image_coordinates(
        _Encoded(data),
        key=key,
        width="stretch",
        click_and_drag=on_drag is not None,
        image_format="PNG" if data.startswith(b"\x89PNG") else "JPEG",
        on_click=handle,
        cursor="crosshair",
    )
    if caption:
        st.caption(caption, text_alignment="center")  # as st.image centres its captions


def set_point(x_key: str, y_key: str) -> Callable[[Point], None]:
    """A click callback that writes the point into two number controls' session state."""

    def write(point: Point) -> None:
        st.session_state[x_key], st.session_state[y_key] = point

    return write


def set_percent_point(x_key: str, y_key: str, shape: tuple[int, ...]) -> Callable[[Point], None]:
    """A click callback for two sliders that give a point in percent of the image's width and height."""
    height, width = shape[:2]

    def write(point: Point) -> None:
        st.session_state[x_key] = round(100 * point[0] / width)
        st.session_state[y_key] = round(100 * point[1] / height)

    return write


def set_rectangle(
    x_key: str, y_key: str, shape: tuple[int, ...], *, percent: bool = False
) -> Callable[[Point, Point], None]:
    """A drag callback for two range sliders (x from..to, y from..to): they take the dragged rectangle.

    In pixels with the end excluded, as in image[y0:y1, x0:x1], or in percent of the width and height.
    A click (no rectangle) changes nothing.
    """
    height, width = shape[:2]

    def scaled(value: int, size: int) -> int:
        return round(100 * value / size) if percent else value

    def write(start: Point, end: Point) -> None:
        (x0, x1), (y0, y1) = sorted((start[0], end[0])), sorted((start[1], end[1]))
        if x0 == x1 or y0 == y1:
            return
        st.session_state[x_key] = (scaled(x0, width), scaled(x1 + 1, width))
        st.session_state[y_key] = (scaled(y0, height), scaled(y1 + 1, height))

    return write
