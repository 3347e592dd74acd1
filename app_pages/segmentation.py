"""Segmentation: simple and Otsu thresholds, adaptive thresholds, and k-means colour clustering."""

import streamlit as st

from lib.cv.programs import image_program
from lib.cv.thresholding import (
    THRESHOLD_METHODS,
    THRESHOLD_RULES,
    adaptive_threshold_snippet,
    kmeans_snippet,
    palette_strip,
    threshold_snippet,
)
from ui.image_source import current_gray, current_image
from ui.layout import code_panel, page_header, show_error, show_image, show_row
from ui.sections.segmentation import adaptive_threshold, kmeans_colours, simple_threshold

page_header(
    "Segmentation",
    """
Segmentation splits an image into regions. The simplest way is a **threshold** on the gray image:
`cv2.threshold(gray, 150, 255, cv2.THRESH_BINARY)` makes every pixel above 150 white (255) and every
pixel at or below 150 black (0). **Otsu** picks the threshold itself: the value that best separates the
histogram into two groups. One threshold for the whole image fails when the lighting changes across it;
**adaptive** thresholding compares each pixel with the mean (or Gaussian-weighted mean) of its
*block size* × *block size* neighbourhood, minus a constant *C* — the course uses block 11, C 9.
**k-means** groups pixels by colour instead: each pixel is a point (R, G, B); k centres are placed, every
pixel joins its nearest centre, centres move to the mean of their pixels, repeat (course: k = 3,
10 attempts, stop after 100 iterations or when centres move less than 0.2).
""",
    notes_fix="The notes say that with THRESH_BINARY the darker pixels 'remain unchanged'; in fact every "
    "pixel at or below the threshold becomes 0.",
)

image = current_image()
gray = current_gray()

st.subheader("Simple threshold")
left, right = st.columns(2)
method = left.selectbox(
    "Type",
    list(THRESHOLD_METHODS),
    format_func=lambda name: f"THRESH_{name.upper()}",  # the URL holds this label
    key="seg_method",
    bind="query-params",
)
threshold = right.slider(
    "Threshold", 0, 255, 150, key="seg_threshold", bind="query-params", disabled=method == "otsu"
)
thresholded = simple_threshold(gray, threshold, method)
used = f"Otsu chose {thresholded.threshold:.0f}" if method == "otsu" else f"threshold {threshold}"
show_row(("Gray", gray), (f"{THRESHOLD_METHODS[method][0]}, {used}", thresholded.image))
st.caption(f"Rule for each pixel value p (t = threshold, 255 = max): {THRESHOLD_RULES[method]}.")
code_panel(
    image_program(
        threshold_snippet(threshold=threshold, method=method),
        image,
        reproduces=f"Simple threshold: {THRESHOLD_METHODS[method][0]} on the gray image, {used}.",
        name="threshold.py",
        results={"used_threshold": thresholded.threshold, "result": thresholded.image},
    )
)

st.subheader("Adaptive threshold")
columns = st.columns(3)
adaptive_method = columns[0].radio(
    "Neighbourhood mean",
    ["gaussian", "mean"],
    format_func=str.capitalize,
    key="seg_adaptive",
    bind="query-params",
)
block_size = columns[1].slider("Block size (odd)", 3, 51, 11, 2, key="seg_block", bind="query-params")
c = columns[2].slider("C (subtracted from the mean)", -20, 40, 9, key="seg_c", bind="query-params")
adaptive = adaptive_threshold(gray, adaptive_method, block_size, c)
show_row(
    (f"Global: binary, threshold {threshold}", simple_threshold(gray, threshold, "binary").image),
    (f"Adaptive {adaptive_method}, block {block_size}, C {c}", adaptive),
)
st.caption(
    "Try the scanned page sample: one global threshold loses the shaded side, the adaptive one does not."
)
code_panel(
    image_program(
        adaptive_threshold_snippet(method=adaptive_method, block_size=block_size, c=c),
        image,
        reproduces=f"Adaptive threshold ({adaptive_method} mean), block {block_size}, C {c}.",
        name="adaptive.py",
        result=adaptive,
    )
)

st.subheader("k-means colour clustering")
left, right = st.columns(2)
smallest_k = 2
k = left.slider("k (clusters)", smallest_k, 8, 3, key="seg_k", bind="query-params")
attempts = right.slider("Attempts (best of)", 1, 10, 10, key="seg_attempts", bind="query-params")
try:
    clusters = kmeans_colours(image, k, attempts, 0)
except ValueError as error:
    problem = str(error)
    if image.shape[0] * image.shape[1] < smallest_k:  # lowering k cannot help: only a larger image can
        problem = (
            f"The image has 1 pixel, and k-means needs at least one pixel per cluster (k = {k}; the "
            f"smallest k here is {smallest_k}). Choose a larger image in the sidebar."
        )
    show_error(f"k-means cannot run on this image. {problem}")
    clusters = None
if clusters is not None:
    show_row(("Image", image), (f"k = {k}: every pixel painted with its cluster's centre", clusters.image))
    show_image(
        palette_strip(clusters.palette, clusters.shares),
        caption="Cluster colours, as wide as their pixel share",
    )
    st.markdown(
        "| cluster | colour (R, G, B) | share of pixels |\n|---|---|---|\n"
        + "\n".join(
            f"| {index + 1} | {tuple(int(v) for v in colour)} | {share:.1%} |"
            for index, (colour, share) in enumerate(zip(clusters.palette, clusters.shares, strict=True))
        )
    )
    preview_h, preview_w = clusters.preview_shape
    if (preview_h, preview_w) != image.shape[:2]:
        st.caption(
            f"For speed, k-means ran on a {preview_w}×{preview_h} preview; every full-size pixel then took its "
            "nearest centre. The random starting centres are seeded, so the result is the same every time."
        )
    code_panel(
        image_program(
            kmeans_snippet(k=k, attempts=attempts),
            image,
            reproduces=f"k-means colour clustering: k = {k}, best of {attempts} attempts, every pixel painted "
            "with its cluster's centre.",
            name="kmeans.py",
            result=clusters.image,
        )
    )
