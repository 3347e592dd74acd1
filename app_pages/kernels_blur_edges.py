"""Kernels, blur & edges: a small grid of weights slides over the image; blurs and edge detectors are kernels too."""

import streamlit as st

from lib.cv import filters
from lib.cv.programs import image_program
from ui.image_source import current_gray, current_image
from ui.layout import code_panel, page_header, presentation_mode, show_error, show_row
from ui.live_camera import live_camera
from ui.sections.kernels_blur_edges import (
    BLUR_METHODS,
    blur_controls,
    blur_row,
    blur_snippet,
    blurred,
    edge_snippet,
    edge_views,
    filtered_views,
    kernel_editor,
    kernel_settings,
    live_blur,
    live_edges,
    live_kernel,
    one_pixel_by_hand,
    saturation_note,
    signed_caption,
    zoomed,
)

page_header(
    "Kernels, blur & edges",
    r"""
A **kernel** is a small grid of weights (3×3, 5×5: odd, so it has a centre). Slide it over the image; each output
pixel is the sum of its neighbours times the weights: $out(x, y) = \sum_{i,j} k(i, j)\, in(x + j, y + i)$
(`cv2.filter2D`, a correlation; at the border the image is mirrored, `BORDER_REFLECT_101`).
Weights that sum to 1 keep the brightness (blur, sharpen); weights that sum to 0 answer *"how much does the
image change here?"* — an edge detector, whose output is negative as often as positive, so it is shown in
**signed colours**: blue below 0, white at 0, red above. The course's detectors put **x** along the middle
row, column or diagonal: their weights sum to 3x, so flat areas are scaled by 3x too (x = 0 gives a pure
edge detector). **Blur** replaces each pixel by the mean of its window, a Gaussian-weighted mean, or the **median** (no average:
the middle value of the sorted window, so a lone speck is dropped);
**edges** come from derivatives: Sobel (first), Laplacian (second), Canny (Gaussian smoothing, then Sobel,
thinning and two thresholds — but `cv2.Canny` starts at Sobel, so blur first on a noisy image).
""",
    notes_fix="The notes say OpenCV kernels need a grayscale image; in fact filter2D, blur, GaussianBlur and "
    "medianBlur filter each channel of a colour image separately (switch off 'Grayscale' under Blur).",
)

kernel_tab, blur_tab, edges_tab = st.tabs(
    ["Kernel builder", "Blur", "Edges"], key="kb_tab", bind="query-params"
)


# Each tab is a fragment: moving one of its controls reruns that tab alone, not the sidebar and the lesson.
# A new image in the sidebar reruns the whole page, and with it the open tab (each reads the image itself).
@st.fragment
def kernel_builder() -> None:
    preset, size, intensity = kernel_settings()
    grid_column, notes_column = st.columns([1, 1] if presentation_mode() else [2, 3])
    with grid_column:
        edited, normalize = kernel_editor(preset, size, intensity)
    try:
        kernel = filters.check_kernel(edited)
        kernel, note = filters.normalize_kernel(kernel) if normalize else (kernel, None)
    except ValueError as error:
        show_error(f"{error} Fix the grid, or pick a preset to start over.")
        return
    total = float(kernel.sum())
    notes_column.markdown(
        f"The weights sum to **{total:.4g}**: a flat area of value v becomes {total:.4g}·v."
    )
    if abs(total) > 1.5:
        notes_column.warning(saturation_note(total), icon=":material/brightness_high:")
    if note:
        notes_column.info(note)
    gray = current_gray()
    output, signed, absolute, limit = filtered_views(gray, kernel)
    show_row(
        ("Input (gray)", gray),
        (signed_caption("Output, signed", limit), signed),
        ("|output|, saturated to 0–255", absolute),
    )
    live_camera(
        "kb_live_kernel",
        live_kernel,
        {"kernel": kernel},
        what="each camera frame in gray, correlated with this kernel, in signed colours.",
    )
    st.markdown("#### One output pixel, by hand")
    one_pixel_by_hand(gray, kernel, output)
    code_panel(
        image_program(
            filters.kernel_snippet(kernel),
            current_image(),
            reproduces="Kernel builder: the gray image correlated with the kernel (cv2.filter2D), "
            "raw signed values.",
            name="kernel.py",
            result=output,
        )
    )


@st.fragment
def blur_section() -> None:
    gray_only = st.toggle("Grayscale, as in the course", True, key="kb_blur_gray", bind="query-params")
    image = current_gray() if gray_only else current_image()
    sizes, sigma = blur_controls()
    try:
        # sigma only matters to the Gaussian: leave it out of the other cache keys
        results = {m: blurred(image, m, sizes[m], sigma if m == "Gaussian" else 0.0) for m in BLUR_METHODS}
    except ValueError as error:
        show_error(str(error))
        return
    left, right = st.columns(2)
    zoom_x = left.slider("Zoom centre x (%)", 0, 100, 50, key="kb_zoom_x", bind="query-params") / 100
    zoom_y = right.slider("Zoom centre y (%)", 0, 100, 50, key="kb_zoom_y", bind="query-params") / 100
    blur_row(image, results, sizes, zoom_x, zoom_y)
    crops = [
        (f"{name}, zoomed 4×", zoomed(view, zoom_x, zoom_y))
        for name, view in [("Original", image), *results.items()]
    ]
    show_row(*crops)
    st.caption(
        "Average smears evenly; Gaussian weighs the centre most; median keeps edges and removes specks."
    )
    which = st.segmented_control(
        "Code for", BLUR_METHODS, default="Median", required=True, key="kb_blur_code"
    )
    live_camera(
        "kb_live_blur",
        live_blur,
        {"method": which, "ksize": sizes[which], "sigma": sigma, "gray": gray_only},
        what=f"each camera frame through the {which} blur, size {sizes[which]} (pick another under Code for).",
    )
    code_panel(
        image_program(
            blur_snippet(which, sizes[which], sigma, gray_only),
            current_image(),
            reproduces=f"{which} blur, size {sizes[which]}"
            + (f", sigma {sigma:g}" if which == "Gaussian" else "")
            + (" on the gray image." if gray_only else " on each colour channel."),
            name="blur.py",
            result=results[which],
        )
    )


@st.fragment
def edges_section() -> None:
    gray = current_gray()
    left, middle, right = st.columns(3)
    sobel_size = left.select_slider("Sobel size", [1, 3, 5, 7], 3, key="kb_sobel_k", bind="query-params")
    laplacian_size = middle.select_slider(
        "Laplacian size", [1, 3, 5, 7], 3, key="kb_lap_k", bind="query-params"
    )
    thresholds = right.slider(
        "Canny thresholds (low, high)", 0, 600, (180, 200), key="kb_canny", bind="query-params"
    )
    shown, edges = edge_views(gray, sobel_size, laplacian_size, tuple(thresholds))
    views = list(shown.items())
    show_row(("Input (gray)", gray), *views[:3])
    show_row(*views[3:])
    st.caption(
        "Canny keeps gradients above the high threshold, and those above the low one connected to them "
        "(OpenCV swaps the two if given high first). Raw Sobel and Laplacian values are signed: shown in "
        f"colour up to the {filters.SIGNED_VIEW_PERCENTILE:g}th percentile of |values| (the strongest "
        f"{100 - filters.SIGNED_VIEW_PERCENTILE:g} % take the full colours), not the flat gray of a plot "
        "that maps min..max to black..white."
    )
    edge_kinds = ["Sobel", "Laplacian", "Canny"]
    which = st.segmented_control("Code for", edge_kinds, default="Canny", required=True, key="kb_edge_code")
    live_camera(
        "kb_live_edges",
        live_edges,
        {
            "which": which,
            "sobel_ksize": sobel_size,
            "laplacian_ksize": laplacian_size,
            "thresholds": tuple(thresholds),
        },
        what=f"each camera frame's {which} edges (pick another under Code for).",
    )
    code_panel(
        image_program(
            edge_snippet(which, sobel_size, laplacian_size, tuple(thresholds)),
            current_image(),
            reproduces=f"{which} edges of the gray image (Sobel size {sobel_size}, Laplacian size "
            f"{laplacian_size}, Canny thresholds {thresholds[0]}, {thresholds[1]}).",
            name="edges.py",
            result=edges[which],
        )
    )


if kernel_tab.open:
    with kernel_tab:
        kernel_builder()
if blur_tab.open:
    with blur_tab:
        blur_section()
if edges_tab.open:
    with edges_tab:
        edges_section()
