"""Colour spaces: RGB, BGR, Gray, HSV and LAB channel by channel, live HSV sliders, a pixel inspector."""

import numpy as np
import streamlit as st

from lib.cv.colour import (
    CHANNEL_NAMES,
    COLOUR_SPACES,
    colour_spaces_snippet,
    hsv_adjust_snippet,
    pixel_values,
)
from lib.cv.programs import image_program
from ui.cached import draw_crosshair
from ui.clickable import clickable_image, set_point
from ui.image_source import current_image
from ui.layout import code_panel, page_header, show_row
from ui.sections.colour_spaces import adjust_hsv, all_colour_spaces

page_header(
    "Colour spaces",
    """
A colour image is three numbers per pixel, but *which* three depends on the colour space.
**RGB / BGR** store red, green and blue (OpenCV reads files as **BGR**: the same numbers, channels reversed).
**Gray** keeps brightness only: `0.299 R + 0.587 G + 0.114 B`.
**HSV** separates *what colour* (Hue, an angle), *how vivid* (Saturation) and *how bright* (Value = max(R, G, B)) —
which is why colour thresholding and brightness checks use it. **LAB** has lightness L and two colour axes
(a: green→red, b: blue→yellow), designed so that equal distances look *roughly* equally different — only
approximately perceptually uniform (which is why colour-difference formulas such as CIEDE2000 exist).
HSV and LAB look strange when shown as if they were RGB: our eyes are not used to seeing the world that way.
""",
    notes_fix="OpenCV's 8-bit hue runs 0–179, not 0–255 or 0–360: degrees are halved so they fit in a byte "
    "(pure blue, 240°, is stored as 120).",
)

image = current_image()
views = all_colour_spaces(image)

st.subheader("One image, five colour spaces")
st.caption(
    "Each array shown as if it were RGB — exactly what you get by saving it with the wrong assumption."
)
show_row(
    *[
        (f"{space}" + (" shown as RGB" if space in ("BGR", "HSV", "LAB") else ""), views[space])
        for space in COLOUR_SPACES
    ]
)

st.subheader("Channel by channel")
space = st.segmented_control(
    "Colour space", COLOUR_SPACES, default="HSV", required=True, key="cs_space", bind="query-params"
)
view = views[space]
panels = [view] if view.ndim == 2 else [np.ascontiguousarray(view[:, :, index]) for index in range(3)]
show_row(*zip(CHANNEL_NAMES[space], panels, strict=True))
if space == "HSV":
    st.caption(
        "Hue is stored as 0–179, so even the largest hue is not white; red sits at both ends (0 and 179)."
    )
code_panel(
    image_program(
        colour_spaces_snippet(space=space),
        image,
        reproduces=f"Colour spaces: the image converted to {space}, split into its channels.",
        name="colour_spaces.py",
        result=view,
    )
)

st.subheader("Live HSV adjustment")
left, middle, right = st.columns(3)
hue_shift = left.slider(
    "Hue shift (OpenCV units, 1 = 2°)", 0, 179, 0, key="cs_hue_shift", bind="query-params"
)
saturation_scale = middle.slider(
    "Saturation ×", 0.0, 3.0, 1.0, 0.05, key="cs_saturation", bind="query-params"
)
value_scale = right.slider("Value ×", 0.0, 3.0, 1.0, 0.05, key="cs_value", bind="query-params")
adjusted = adjust_hsv(image, hue_shift, saturation_scale, value_scale)
show_row(("Original", image), (f"Hue +{hue_shift}, S ×{saturation_scale:g}, V ×{value_scale:g}", adjusted))
st.caption(
    "Hue wraps around: (h + shift) mod 180, so a shift of 90 swaps complementary colours. "
    "Saturation and value are clipped to 0–255 — they saturate, never wrap."
)
code_panel(
    image_program(
        hsv_adjust_snippet(hue_shift=hue_shift, saturation_scale=saturation_scale, value_scale=value_scale),
        image,
        reproduces=f"Live HSV adjustment: hue +{hue_shift}, saturation ×{saturation_scale:g}, "
        f"value ×{value_scale:g}.",
        name="hsv_adjust.py",
        result=adjusted,
    )
)

st.subheader("Pixel inspector")
height, width = image.shape[:2]
left, right = st.columns(2)
x = min(
    left.slider("x (column)", 0, max(1, width - 1), width // 2, key="cs_x", bind="query-params"), width - 1
)
y = min(
    right.slider("y (row)", 0, max(1, height - 1), height // 2, key="cs_y", bind="query-params"), height - 1
)
values = pixel_values(image, x=x, y=y)
marked, table = st.columns([3, 2])
with marked:
    clickable_image(
        draw_crosshair(image, x, y),
        key="cs_click",
        on_point=set_point("cs_x", "cs_y"),
        caption=f"Pixel ({x}, {y}) · click the picture to inspect another pixel",
        columns_in_row=2,
    )
with table:
    rows = "\n".join(
        f"| {space} | "
        + " · ".join(
            f"{name.split()[0]} **{v}**" for name, v in zip(CHANNEL_NAMES[space], values[space], strict=True)
        )
        + " |"
        for space in COLOUR_SPACES
    )
    st.markdown(f"| space | value |\n|---|---|\n{rows}")
    r, g, b = values["RGB"]
    st.markdown(
        f'<div style="height:48px;border-radius:6px;border:1px solid #888;background:rgb({r},{g},{b})"></div>',
        unsafe_allow_html=True,
    )
    st.caption(f"NumPy indexes rows first: `image[y, x]` = `image[{y}, {x}]`.")
