"""Histograms: RGB, HSV and gray histograms, the course's brightness verdict, equalisation and CLAHE."""

import streamlit as st

from lib.cv.histograms import (
    BRIGHTNESS_THRESHOLD,
    brightness_verdict_snippet,
    equalization_snippet,
    histogram_snippet,
)
from lib.cv.programs import image_program
from ui.charts import histogram_figure
from ui.image_source import current_gray, current_image
from ui.layout import code_panel, page_header, show_row
from ui.sections.histograms import (
    brightness_histogram,
    brightness_verdict,
    channel_histograms,
    counted_region,
    equalized,
)

page_header(
    "Histograms",
    """
A histogram counts how many pixels take each value: bin *i* holds the number of pixels equal to *i*.
`cv2.calcHist([channel], [0], mask, [bins], [0, bins])` — 256 bins for R, G, B, gray, S and V, but
**180 bins for hue**, because OpenCV stores hue as 0–179. A mask counts only the pixels where it is non-zero.
The **V** (value) channel of HSV is the brightness, max(R, G, B). The course's rule of thumb: if most pixels
have V above 150 the image is bright, if most are below 150 it is dark.
**Equalisation** remaps values through the cumulative histogram, `new = round(255 · CDF(old))` (rescaled
from the darkest value), so the values spread over 0–255. **CLAHE** does it per tile (8×8 tiles by
default) and clips each tile's histogram at *clip limit* × the mean count first, so noise is not amplified.
For colour images, equalise one brightness channel (Y of YCrCb or V of HSV): equalising R, G and B
separately shifts the colours.
""",
    notes_fix="The notes read the hue histogram as spanning '0 to 225'; OpenCV hue runs 0–179 (degrees / 2).",
)


# Each section is a fragment: moving one of its controls reruns that section alone, not the sidebar, the
# lesson and the other two sections; a new image in the sidebar reruns the whole page (each reads it itself).
@st.fragment
def histogram_section() -> None:
    image = current_image()
    st.subheader("Histogram")
    left, right = st.columns([1, 2])
    with left:
        space = st.segmented_control(
            "Channels",
            ["RGB", "HSV", "Gray"],
            default="RGB",
            required=True,
            key="hist_space",
            bind="query-params",
        )
        box, mask = counted_region(image)
    with right:
        curves = channel_histograms(image, space, mask)
        title = f"{space} histogram" + (f" of region {box}" if box else "")
        st.plotly_chart(histogram_figure(curves, title=title), key="hist_chart")
    code_panel(
        image_program(
            histogram_snippet(space=space, box=box),
            image,
            reproduces=f"The {space} histograms (cv2.calcHist)" + (f" of region {box}." if box else "."),
            name="histogram.py",
            result=curves,
        )
    )


@st.fragment
def verdict_section() -> None:
    image = current_image()
    st.subheader("Is the image bright or dark?")
    threshold = st.slider(
        "Verdict threshold on V", 0, 255, BRIGHTNESS_THRESHOLD, key="hist_threshold", bind="query-params"
    )
    verdict = brightness_verdict(image, threshold)
    left, right = st.columns([1, 2])
    left.metric(
        "Verdict", verdict.verdict.capitalize(), f"median V = {verdict.median_value:.0f}", delta_color="off"
    )
    left.markdown(verdict.explanation)
    right.plotly_chart(
        histogram_figure(
            {"Value": channel_histograms(image, "HSV", None)["Value"]}, title="V histogram", marker=threshold
        ),
        key="hist_value_chart",
    )
    code_panel(
        image_program(
            brightness_verdict_snippet(threshold=threshold),
            image,
            reproduces=f"The brightness verdict on the whole image at threshold {threshold}.",
            name="verdict.py",
            results={
                "verdict": verdict.verdict,
                "share_bright": verdict.share_above,
                "share_dark": verdict.share_below,
            },
        )
    )


@st.fragment
def equalisation_section() -> None:
    image = current_image()
    st.subheader("Equalisation and CLAHE")
    columns = st.columns(4)
    method_label = columns[0].segmented_control(
        "Method",
        ["Equalize", "CLAHE"],
        default="CLAHE",
        required=True,
        key="hist_method",
        bind="query-params",
    )
    target = columns[1].radio(
        "Work on", ["Y (YCrCb)", "V (HSV)", "Gray image"], key="hist_channel", bind="query-params"
    )
    is_clahe = method_label == "CLAHE"
    clip_limit = columns[2].slider(
        "Clip limit", 0.5, 10.0, 2.0, 0.5, key="hist_clip", bind="query-params", disabled=not is_clahe
    )
    tiles = columns[3].slider(
        "Tile grid (n × n)", 1, 16, 8, key="hist_tiles", bind="query-params", disabled=not is_clahe
    )
    channel = "V" if target.startswith("V") else "Y"
    as_gray = target == "Gray image"
    source = current_gray() if as_gray else image
    method = "clahe" if is_clahe else "equalize"
    result = equalized(source, method, channel, clip_limit, (tiles, tiles))
    after_caption = f"CLAHE (clip {clip_limit:g}, {tiles}×{tiles} tiles)" if is_clahe else "Equalized"
    show_row(("Before", source), (f"{after_caption} on {target}", result))
    before_after = {
        "Before": brightness_histogram(source, channel),
        "After": brightness_histogram(result, channel),
    }
    st.plotly_chart(
        histogram_figure(
            before_after, title=f"Histogram of {'gray' if as_gray else channel}, before and after"
        ),
        key="hist_equalized_chart",
    )
    code_panel(
        image_program(
            equalization_snippet(
                method=method,
                gray=as_gray,
                channel=channel,
                clip_limit=clip_limit,
                tile_grid_size=(tiles, tiles),
            ),
            image,
            reproduces=f"{after_caption} on {target}.",
            name="equalize.py",
            result=result,
        )
    )


histogram_section()
verdict_section()
equalisation_section()
