"""Watershed coins: every step that separates touching coins, then a circularity filter and the count."""

import streamlit as st

from lib.cv.images import ImageError
from lib.cv.programs import image_program
from lib.cv.segmentation import count_coins_snippet
from ui.image_source import page_picture
from ui.layout import code_panel, page_header, show_error
from ui.sections.watershed_coins import coin_views, extra_step_controls, show_stages

page_header(
    "Watershed: count touching coins",
    r"""
Thresholding alone merges coins that touch. The **watershed** splits them: treat the image as a landscape
and flood it from *markers* — one seed per coin, plus the background — until the floods meet; where they
meet is a boundary (−1 in OpenCV's output). The course's recipe, shown step by step below:

1. **threshold** so coins are white (inverse when they are darker than the background);
2. **opening** (erode, then dilate) removes specks; **dilating** it gives the *sure background*;
3. the **distance transform** (distance to the nearest background pixel) peaks at coin centres; above a
   fraction of the peak is *sure foreground*; **unknown** = sure background − sure foreground;
4. **markers** = `connectedComponents(sure_fg) + 1`, unknown set to 0, then `cv2.watershed`;
5. keep round, big regions: **circularity** $4\pi A / P^2$ is 1 for a circle, $\pi/4 \approx 0.785$
   for a square, near 0 for a thin line. The course keeps 0.7–1.2 and area > 1000 px. The notes do not
   say how big their photo was; this page assumes 1024×768 and scales the 1000 px by pixel count.

The coins sample has uneven lighting and engraved coins, so the page adds steps the notes lack (flatten
the lighting with top-hat + CLAHE, blur, fill holes, flood the cleaned mask), each with its own switch.
""",
    notes_fix="The notes take the sure foreground at 0.7 × the largest distance in the whole image: a coin "
    "whose radius is under 0.7 × the largest coin's gets no seed and is lost. Here the fraction applies to "
    "each blob's own peak (switch it off below to compare).",
)

picture = st.segmented_control(
    "Picture",
    ["Coins sample", "Current image"],
    default="Coins sample",
    required=True,
    key="ws_picture",
    bind="query-params",
)
image, label = page_picture(picture, {"Coins sample": "coins"})

left, middle, right = st.columns(3)
mode = left.segmented_control(
    "Threshold",
    ["Otsu", "Fixed"],
    default="Otsu",
    required=True,
    key="ws_threshold_mode",
    bind="query-params",
)
level = left.slider(
    "Fixed threshold (course: 130)",
    0,
    255,
    130,
    key="ws_threshold",
    bind="query-params",
    disabled=mode == "Otsu",
)
polarity = left.segmented_control(
    "Coins are (darker: THRESH_BINARY_INV)",
    ["Auto", "Lighter", "Darker"],
    default="Auto",
    required=True,
    key="ws_polarity",
    bind="query-params",
)
opening = middle.slider("Opening iterations (course: 4)", 0, 10, 4, key="ws_opening", bind="query-params")
fraction = middle.slider(
    "Sure foreground: fraction of peak distance (course: 0.7)",
    0.05,
    0.95,
    0.7,
    0.05,
    key="ws_fraction",
    bind="query-params",
)
circularity = right.slider(
    "Circularity kept (course: 0.7–1.2)",
    0.0,
    1.5,
    (0.7, 1.2),
    0.05,
    key="ws_circularity",
    bind="query-params",
)
min_area = right.slider(
    "Min area, px at an assumed 1024×768 (course: 1000)",
    0,
    5000,
    1000,
    50,
    key="ws_min_area",
    bind="query-params",
)
extras = extra_step_controls()  # flatten lighting, blur, fill holes, seeds per blob, flood the mask

params = {
    "threshold": None if mode == "Otsu" else level,
    "invert": {"Auto": None, "Lighter": False, "Darker": True}[polarity],
    "opening_iterations": opening,
    "foreground_fraction": fraction,
    "min_circularity": circularity[0],
    "max_circularity": circularity[1],
    "min_area": float(min_area),
    **extras,
}
try:
    views = coin_views(image, tuple(sorted(params.items())))
except (ImageError, ValueError) as error:
    show_error(f"Cannot count coins in this picture: {error}")
    st.stop()

st.metric("Coins counted", views.count)
st.caption(
    f"{label} · {image.shape[1]}×{image.shape[0]} · threshold {views.threshold_value:.0f} "
    f"({'Otsu' if mode == 'Otsu' else 'fixed'}), coins {'darker' if views.inverted else 'lighter'} than the "
    f"background · min area here {views.min_area:.0f} px"
)
show_stages(views, opening=opening, fraction=fraction)

st.subheader("Every watershed region and the filter's verdict")
st.dataframe(
    views.table(),
    hide_index=True,
    width="stretch",
    # the verdict ("circularity 0.60 outside 0.7-1.2") was cut off at the even share of the width
    column_config={
        "region": st.column_config.NumberColumn(width=70),
        "area (px)": st.column_config.NumberColumn(width=90),
        "perimeter (px)": st.column_config.NumberColumn(width=125),
        "circularity": st.column_config.NumberColumn(width=100),
        "verdict": st.column_config.TextColumn(width="large"),
    },
)
code_panel(
    image_program(
        count_coins_snippet(**params),
        image,
        reproduces=f"Watershed coin count on the {label} picture with the page's settings: prints the count "
        "and the coins' boxes, saves the mask of the counted coins.",
        name="watershed_coins.py",
        results={"count": views.count, "boxes": views.boxes, "mask": views.mask},
    )
)
