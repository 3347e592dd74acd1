"""Affine & perspective: 3 or 4 point pairs give a matrix; the matrix moves every pixel (and the grid)."""

import numpy as np
import streamlit as st

from lib.cv import geometry
from lib.cv.programs import image_program
from ui.image_source import current_image
from ui.layout import code_panel, page_header, show_error
from ui.sections.geometry import (
    TRANSLATION_RANGE,
    document_sample,
    input_view,
    output_view,
    point_editor,
    point_pairs,
    rotation_transform,
    shear_transform,
    show_matrices,
    warped_output,
)

page_header(
    "Affine & perspective",
    r"""
A transform sends each point $(x, y)$ somewhere else. **Affine** maps are 2×3 matrices,
$x' = ax + by + c,\; y' = dx + ey + f$: rotation, scaling, shear and translation. Three point pairs fix
the six numbers (`cv2.getAffineTransform`); parallel lines stay parallel.
**Perspective** maps are 3×3 matrices with a bottom row $(g, h, 1)$ that divides by $w = gx + hy + 1$:
four pairs fix the eight numbers (`cv2.getPerspectiveTransform`); straight lines stay straight, but parallel
lines may meet — a page photographed at an angle. `cv2.warpAffine` / `cv2.warpPerspective` fill each *output*
pixel by sending it back through the **inverse** matrix, which is why both matrices are shown.
Three points on one line, two points in one place, or corners listed out of order have no sensible answer.
""",
    notes_fix="The notes size the sheared canvas as cols × 2; the width actually needed is cols + shear_x × rows "
    "(and a negative shear needs a shift too), so this page sizes the canvas from where the corners land.",
)

MODES = (
    "Perspective (4 points)",
    "Affine (3 points)",
    "Rotation",
    "Shear",
    "Translation",
    "Straighten a document",
)
mode = st.segmented_control(
    "Transform", MODES, default=MODES[0], required=True, key="geo_mode", bind="query-params"
)
show_grid = st.toggle("Show the grid mapped through the transform", True, key="geo_grid", bind="query-params")
image = current_image()
height, width = image.shape[:2]
source = target = None
output_size = None
source_keys = target_keys = None  # the point editors a drag on the input / output moves

try:
    if mode in ("Perspective (4 points)", "Affine (3 points)"):
        if mode.startswith("Perspective"):
            default_source, default_target = geometry.course_perspective_points(width, height)
            prefix, build, snippet = "geo_per", geometry.perspective_matrix, geometry.perspective_snippet
        else:
            default_source = np.float32(geometry.COURSE_AFFINE_SOURCE)
            default_target = np.float32(geometry.COURSE_AFFINE_TARGET)
            prefix, build, snippet = "geo_aff", geometry.affine_matrix, geometry.affine_snippet
        source, target = point_pairs(prefix, default_source, default_target)
        source_keys, target_keys = f"{prefix}_src", f"{prefix}_dst"
        matrix = build(source, target)
        code = snippet(source, target)
    elif mode == "Rotation":
        matrix, code = rotation_transform(width, height)
    elif mode == "Shear":
        matrix, output_size, code = shear_transform(width, height)
    elif mode == "Translation":
        left, right = st.columns(2)
        tx = left.slider("tx (pixels right)", *TRANSLATION_RANGE, 200, key="geo_tx", bind="query-params")
        ty = right.slider("ty (pixels down)", *TRANSLATION_RANGE, 300, key="geo_ty", bind="query-params")
        matrix = geometry.translation_matrix(tx=tx, ty=ty)
        code = geometry.translation_snippet(tx=tx, ty=ty)
    else:
        use_sample = st.toggle("Use the angled-page sample", True, key="geo_doc_sample", bind="query-params")
        if use_sample:
            image, default_corners = document_sample()
            height, width = image.shape[:2]
        else:
            default_corners = geometry.inset_corners(width, height)
        source_keys = "geo_doc_" if use_sample else "geo_own_"
        with st.expander("Page corners: top-left, top-right, bottom-right, bottom-left", expanded=True):
            source = point_editor(source_keys, default_corners, title="Corners (red)")
        corner_target, output_size = geometry.document_target(source)
        matrix = geometry.perspective_matrix(source, corner_target)
        code = geometry.document_snippet(source)
        st.caption(
            f"Output {output_size[0]}×{output_size[1]}: the width is the longer of the top and bottom edges, "
            "the height the longer of the left and right edges."
        )
except ValueError as error:
    show_error(str(error))
    st.stop()

show_matrices(matrix)
try:
    warped, output = warped_output(image, matrix, output_size, show_grid, target)
except ValueError as error:
    show_error(str(error))
    st.stop()
left, right = st.columns(2)
with left:
    input_view(image, source, source_keys, mode, show_grid)
with right:
    output_view(output, target, target_keys, mode)
code_panel(
    image_program(
        code,
        image,
        reproduces=f"{mode}: the warped image, {warped.shape[1]}×{warped.shape[0]} (the page draws the grid "
        "and the points on top of it).",
        name="transform.py",
        result=warped,
    )
)
