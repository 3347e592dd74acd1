"""Resize, flip, rotate, crop: sizes and interpolation, the flip codes, quarter and free rotations, slicing."""

import streamlit as st

from lib.cv import transforms as tf
from lib.cv.programs import image_program
from ui.image_source import WORKING_SIDES, current_image
from ui.layout import code_panel, page_header, show_row
from ui.sections.resize_flip_rotate_crop import (
    crop_by_slicing,
    flip,
    interpolation_magnifier,
    resize_by_percent,
    resize_to,
    rotate_by_angle,
    rotate_quarter,
)

page_header(
    "Resize, flip, rotate, crop",
    """
**Resize**: `cv2.resize(image, (width, height))` — width first, the reverse of `image.shape`. Each output pixel
is read from the input at ((x + 0.5) · W / W′ − 0.5, (y + 0.5) · H / H′ − 0.5), which rarely falls on a pixel,
so an **interpolation** fills it in: *nearest* copies one pixel, at ⌊x · W / W′⌋ (blocks), *linear* blends 2×2
neighbours, *cubic* 4×4, *Lanczos4* 8×8, and *area* averages the input pixels an output pixel covers —
the right choice for **shrinking** (the course scales to 50 % with `INTER_AREA`).
**Flip** mirrors (`cv2.flip` code 1: left-right, 0: upside down, −1: both); **rotate** turns by quarter turns
exactly (`cv2.rotate`) or by any angle with a 2×3 matrix (`cv2.getRotationMatrix2D` + `cv2.warpAffine`).
**Crop** is NumPy slicing: `image[y_start:y_end, x_start:x_end]` — rows (y) first, (0, 0) is the top-left.
""",
    notes_fix="The notes call Lanczos4 blurry. Enlarged, linear is the softest; cubic and Lanczos4 keep edges "
    "steeper, with a slight overshoot (ringing). Area enlarges like nearest: blocks.",
)

image = current_image()
height, width = image.shape[:2]
MAX_SIDE = max(WORKING_SIDES)
NAMES = list(tf.INTERPOLATIONS)


def choice(label: str, options: list, default, key: str, **kwargs):
    """A URL-bound segmented control that always has a value."""
    return st.segmented_control(
        label, options, default=default, required=True, key=key, bind="query-params", **kwargs
    )


st.subheader("Resize by size or by percent")
mode = choice("Resize by", ["Size", "Percent"], "Size", "rf_mode")
left, middle, right = st.columns(3)
default_interpolation = "linear" if mode == "Size" else tf.COURSE_SCALE_INTERPOLATION
interpolation = right.selectbox(
    "Interpolation",
    NAMES,
    NAMES.index(default_interpolation),
    key=f"rf_{mode.lower()}_interp",
    bind="query-params",
)
if mode == "Size":
    size = tf.COURSE_RESIZE_WIDTH, tf.COURSE_RESIZE_HEIGHT
    new_width = left.slider("Width (px)", 1, MAX_SIDE, size[0], key="rf_width", bind="query-params")
    new_height = middle.slider("Height (px)", 1, MAX_SIDE, size[1], key="rf_height", bind="query-params")
    resized = resize_to(image, new_width, new_height, interpolation)
    snippet = tf.resize_snippet(width=new_width, height=new_height, interpolation=interpolation)
else:
    percent = left.slider("Scale (%)", 1, 200, tf.COURSE_SCALE_PERCENT, key="rf_percent", bind="query-params")
    resized = resize_by_percent(image, percent, interpolation)
    snippet = tf.scale_snippet(percent=percent, interpolation=interpolation)
show_row(
    (f"Original · {width}×{height}", image),
    (f"Resized · {resized.shape[1]}×{resized.shape[0]} · {interpolation}", resized),
)
st.caption("Both are drawn the same width: read the sizes in the captions. A changed aspect ratio squeezes.")
code_panel(
    image_program(
        snippet,
        image,
        reproduces=f"Resize to {resized.shape[1]}×{resized.shape[0]} with {interpolation} interpolation.",
        name="resize.py",
        result=resized,
    )
)

st.subheader("The five interpolations, up close")
st.caption("At full view they look alike; enlarge a small region and they do not.")
interpolation_magnifier(image)

st.subheader("Flip")
flip_code = choice(
    "Flip code", list(tf.FLIP_CODES), 1, "rf_flip", format_func=lambda c: f"{c}: {tf.FLIP_CODES[c]}"
)
flipped = flip(image, flip_code)
show_row(("Original", image), (f"cv2.flip(image, {flip_code})", flipped))
code_panel(
    image_program(
        tf.flip_snippet(flip_code=flip_code),
        image,
        reproduces=f"Flip with cv2.flip code {flip_code} ({tf.FLIP_CODES[flip_code]}).",
        name="flip.py",
        result=flipped,
    )
)

st.subheader("Rotate")
if choice("Rotate by", ["Quarter turns", "Any angle"], "Quarter turns", "rf_rotate_mode") == "Quarter turns":
    degrees = choice("Clockwise", list(tf.QUARTER_TURNS), 90, "rf_quarter", format_func=lambda d: f"{d}°")
    rotated = rotate_quarter(image, degrees)
    caption = f"cv2.rotate: {degrees}° clockwise"
    snippet = tf.rotate_quarter_snippet(degrees_clockwise=degrees)
else:
    left, right = st.columns(2)
    angle = left.slider("Angle (° counter-clockwise)", -180, 180, 45, key="rf_angle", bind="query-params")
    keep_whole = right.toggle(
        "Keep the whole image (enlarge the canvas)", True, key="rf_keep_whole", bind="query-params"
    )
    rotated = rotate_by_angle(image, float(angle), keep_whole)
    caption = f"{angle}° counter-clockwise" + ("" if keep_whole else ", corners cut off")
    snippet = tf.rotate_snippet(angle=float(angle), keep_whole=keep_whole)
show_row(("Original", image), (f"{caption} · {rotated.shape[1]}×{rotated.shape[0]}", rotated))
code_panel(image_program(snippet, image, reproduces=f"Rotate: {caption}.", name="rotate.py", result=rotated))

st.subheader("Crop")
start = tf.default_crop(width, height)
if start != tf.COURSE_CROP:
    st.caption("The course's rectangle (x 400–800, y 300–900) misses this image: starting from its middle.")
crop_by_slicing(image, start)
