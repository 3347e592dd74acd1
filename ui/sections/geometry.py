"""The Affine & perspective page's own widget groups and cached wrappers (app_pages/geometry.py)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib.cv import geometry
from lib.cv.images import DEFAULT_WORKING_SIDE, fit_to_working_size
from samples import DOCUMENT_CORNERS, load_sample
from ui.cache import image_cache
from ui.clickable import clickable_image, set_point
from ui.layout import show_image

# Point coordinates may leave the image (a warp can send corners outside), within these bounds.
COORDINATE_RANGE = (-4096, 8192)
TRANSLATION_RANGE = (-2048, 2048)  # tx, ty sliders, pixels
SOURCE_COLOUR = (230, 40, 40)  # red: points on the input
TARGET_COLOUR = (30, 110, 255)  # blue: where they go
GRID_COLOUR = (255, 220, 0)


def point_editor(
    prefix: str, defaults: np.ndarray, *, title: str, help_text: str | None = None
) -> np.ndarray:
    """Number inputs (x, y) for each point, bound to the URL; returns float32 (N, 2).

    prefix makes the widget keys unique, e.g. "geo_aff_src" -> geo_aff_src1_x, geo_aff_src1_y, ...
    """
    st.markdown(f"**{title}**", help=help_text)
    points = []
    for index, (default_x, default_y) in enumerate(np.round(defaults).astype(int), start=1):
        left, right = st.columns(2)
        x = left.number_input(
            f"x{index}",
            *COORDINATE_RANGE,
            int(default_x),
            step=1,
            key=f"{prefix}{index}_x",
            bind="query-params",
        )
        y = right.number_input(
            f"y{index}",
            *COORDINATE_RANGE,
            int(default_y),
            step=1,
            key=f"{prefix}{index}_y",
            bind="query-params",
        )
        points.append((x, y))
    return np.float32(points)


def drag_to_move(prefix: str, points: np.ndarray):
    """A drag callback for ui.clickable: the point nearest the press goes where the mouse is released.

    prefix: the point editor's (its number inputs follow, so the URL and the matrices do too).
    """

    def move(start: tuple[int, int], end: tuple[int, int]) -> None:
        number = geometry.nearest_point(points, start) + 1
        st.session_state[f"{prefix}{number}_x"], st.session_state[f"{prefix}{number}_y"] = end

    return move


def point_pairs(
    prefix: str, default_source: np.ndarray, default_target: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two point editors side by side: where points are (red) and where they go (blue). Returns (source, target)."""
    with st.expander(
        "Points (the course's example to start; corners in order round the shape)", expanded=True
    ):
        left, right = st.columns(2)
        with left:
            source = point_editor(f"{prefix}_src", default_source, title="Input points (red)")
        with right:
            target = point_editor(f"{prefix}_dst", default_target, title="Output points (blue)")
    return source, target


def rotation_transform(width: int, height: int) -> tuple[np.ndarray, str]:
    """Rotation: centre, angle and scale controls (URL-bound) for a width x height image. Returns (matrix, code)."""
    left, middle, right, far = st.columns(4)
    centre = (
        left.number_input("Centre x", *COORDINATE_RANGE, width // 2, key="geo_rot_cx", bind="query-params"),
        middle.number_input(
            "Centre y", *COORDINATE_RANGE, height // 2, key="geo_rot_cy", bind="query-params"
        ),
    )
    angle = right.slider(
        "Angle (°, counter-clockwise)", -180, 180, 45, key="geo_rot_angle", bind="query-params"
    )
    scale = far.slider("Scale", 0.1, 3.0, 1.0, 0.05, key="geo_rot_scale", bind="query-params")
    matrix = geometry.rotation_matrix(centre, angle=angle, scale=scale)
    return matrix, geometry.rotation_snippet(centre, angle=angle, scale=scale)


def shear_transform(width: int, height: int) -> tuple[np.ndarray, tuple[int, int], str]:
    """Shear: shear_x and shear_y sliders (URL-bound), the canvas widened to fit and a caption saying so.
    Returns (matrix, output size, code)."""
    left, right = st.columns(2)
    shear_x = left.slider(
        "shear_x (x += shear_x · y)", -1.0, 1.0, 0.5, 0.05, key="geo_shear_x", bind="query-params"
    )
    shear_y = right.slider(
        "shear_y (y += shear_y · x)", -1.0, 1.0, 0.0, 0.05, key="geo_shear_y", bind="query-params"
    )
    matrix, output_size = geometry.fit_canvas(
        geometry.shear_matrix(shear_x=shear_x, shear_y=shear_y), width, height
    )
    st.caption(
        f"Canvas widened from {width}×{height} to {output_size[0]}×{output_size[1]} so nothing is cut off."
    )
    return matrix, output_size, geometry.shear_snippet(shear_x=shear_x, shear_y=shear_y)


def matrix_latex(matrix: np.ndarray) -> str:
    """A matrix as a LaTeX bmatrix with 4 significant digits."""
    rows = [" & ".join(f"{value:.4g}" for value in row) for row in np.asarray(matrix, dtype=np.float64)]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def show_matrices(matrix: np.ndarray) -> None:
    """The transform matrix and its inverse, side by side (the inverse is what warp* uses per output pixel)."""
    left, right = st.columns(2)
    shape = r"2 \times 3" if np.asarray(matrix).shape == (2, 3) else r"3 \times 3"
    left.latex(rf"M_{{{shape}}} = {matrix_latex(matrix)}")
    try:
        right.latex(rf"M^{{-1}} = {matrix_latex(geometry.invert_matrix(matrix))}")
    except ValueError as error:
        right.caption(str(error))


@image_cache
def marked_input(image: np.ndarray, points: np.ndarray | None, show_grid: bool) -> np.ndarray:
    """The input with its grid (optional) and the numbered source points (if any) joined as a polygon."""
    canvas = geometry.draw_grid(image, color=GRID_COLOUR) if show_grid else image
    return (
        canvas if points is None else geometry.draw_points(canvas, points, color=SOURCE_COLOUR, closed=True)
    )


def input_view(
    image: np.ndarray, source: np.ndarray | None, source_keys: str | None, mode: str, show_grid: bool
) -> None:
    """The input with its red points: drag one to move it (click: the nearest jumps there); Rotation: click
    sets the centre; Translation: drag the picture to move it by as much."""
    height, width = image.shape[:2]
    marked = marked_input(image, source, show_grid)
    caption = f"Input {width}×{height}"
    if source_keys is not None and source is not None:
        hint, callbacks = "drag a red point to move it", {"on_drag": drag_to_move(source_keys, source)}
    elif mode == "Rotation":
        hint, callbacks = "click to put the centre there", {"on_point": set_point("geo_rot_cx", "geo_rot_cy")}
    elif mode == "Translation":
        hint, callbacks = "drag to move the picture by as much", {"on_drag": _translate_by_drag}
    else:
        show_image(marked, caption=caption, columns_in_row=2)
        return
    clickable_image(
        marked, key=f"geo_input_{mode}", caption=f"{caption} · {hint}", columns_in_row=2, **callbacks
    )


def output_view(output: np.ndarray, target: np.ndarray | None, target_keys: str | None, mode: str) -> None:
    """The warped output; with blue target points, dragging one moves it (the output has the input's size)."""
    caption = f"Output {output.shape[1]}×{output.shape[0]} ({mode})"
    if target_keys is None or target is None:
        show_image(output, caption=caption, columns_in_row=2)
        return
    clickable_image(
        output,
        key=f"geo_output_{mode}",
        on_drag=drag_to_move(target_keys, target),
        caption=f"{caption} · drag a blue point to move it",
        columns_in_row=2,
    )


def _translate_by_drag(start: tuple[int, int], end: tuple[int, int]) -> None:
    for key, shift in (("geo_tx", end[0] - start[0]), ("geo_ty", end[1] - start[1])):
        st.session_state[key] = int(np.clip(st.session_state[key] + shift, *TRANSLATION_RANGE))


@image_cache
def warped_output(
    image: np.ndarray,
    matrix: np.ndarray,
    output_size: tuple[int, int] | None,
    show_grid: bool,
    target_points: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """(the warp, the warp with the input's grid mapped through the same matrix and the numbered target
    points drawn on it: what the page shows)."""
    warped = shown = geometry.warp_image(image, matrix, output_size=output_size)
    height, width = image.shape[:2]
    if show_grid:
        shown = geometry.draw_grid(shown, matrix=matrix, source_size=(width, height), color=GRID_COLOUR)
    if target_points is not None:
        shown = geometry.draw_points(shown, target_points, color=TARGET_COLOUR, closed=True)
    return warped, shown


@st.cache_data(max_entries=2, show_spinner=False)
def document_sample() -> tuple[np.ndarray, np.ndarray]:
    """The angled-page sample at the default working size, and its 4 corners (TL, TR, BR, BL) scaled to match."""
    photo = load_sample("document")
    working = fit_to_working_size(photo, longest_side=DEFAULT_WORKING_SIDE)
    scale = working.shape[1] / photo.shape[1]
    return working, np.float32(DOCUMENT_CORNERS) * scale
