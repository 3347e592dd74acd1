"""The Kernels, blur & edges page's own widget groups and cached wrappers (app_pages/kernels_blur_edges.py)."""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import streamlit as st

from lib.cv import filters
from lib.cv.display import with_border
from lib.cv.images import to_gray
from ui.cache import image_cache
from ui.cached import draw_crosshair
from ui.clickable import clickable_image, set_percent_point, set_point
from ui.layout import presentation_mode, show_error, show_image
from ui.url_state import check_text

BLUR_METHODS = ("Average", "Gaussian", "Median")
SOBEL_MAGNITUDE = "Sobel magnitude √(x² + y²), stretched"


DEFAULT_PRESET = "sobel right"  # opens on an edge detector: red where the image gets brighter to the right
COURSE_PRESET = "horizontal (course)"
KERNEL_TEXT = "kb_kernel"  # the kernel as text (filters.kernel_to_text), bound to the URL; "" = the preset
# The kernel builder's own settings, kept in the session when its widgets are not drawn (another page or
# tab: Streamlit forgets a widget's value then) and put back when they are drawn again.
KEPT_KEYS = ("kb_preset", "kb_size", "kb_intensity", KERNEL_TEXT, "kb_normalize")
_KEPT = "kb_kept"


def restore_kernel_settings() -> None:
    """Put back the kernel builder's settings from the last time they were drawn in this session."""
    kept = st.session_state.get(_KEPT, {})
    for key, value in kept.items():
        if key not in st.session_state:
            st.session_state[key] = value


def keep_kernel_settings() -> None:
    """Remember the kernel builder's settings (call after its widgets are drawn)."""
    st.session_state[_KEPT] = {key: st.session_state[key] for key in KEPT_KEYS if key in st.session_state}


def _start_over() -> None:
    """A new preset, size or x: the grid starts from it (the hand-edited kernel is dropped)."""
    st.session_state[KERNEL_TEXT] = ""


def use_course_kernel() -> None:
    st.session_state["kb_preset"] = COURSE_PRESET
    st.session_state["kb_intensity"] = filters.COURSE_INTENSITY
    st.session_state["kb_size"] = 3
    _start_over()


def kernel_settings() -> tuple[str, int, int]:
    """Preset, size and intensity x, bound to the URL, in one row that wraps. Returns (preset, size, x)."""
    restore_kernel_settings()
    # One row that wraps: each control keeps a width it reads at (larger type, a narrow window).
    row = st.container(horizontal=True, gap="medium")
    preset = row.selectbox(
        "Start from",
        filters.PRESET_NAMES,
        # no default once the session holds a value (a button, or kept from another page): Streamlit warns
        index=filters.PRESET_NAMES.index(DEFAULT_PRESET) if "kb_preset" not in st.session_state else None,
        key="kb_preset",
        bind="query-params",
        required=True,  # no clear button (index None would offer one)
        on_change=_start_over,
        width=300 if presentation_mode() else 220,
    )
    size = row.segmented_control(
        "Size",
        [3, 5],
        default=3 if "kb_size" not in st.session_state else None,
        format_func=lambda s: f"{s}×{s}",
        required=True,
        key="kb_size",
        bind="query-params",
        on_change=_start_over,
        width="content",
    )
    intensity = row.slider(
        "Intensity x (course: 10)",
        -20,
        20,
        filters.COURSE_INTENSITY if "kb_intensity" not in st.session_state else None,
        key="kb_intensity",
        bind="query-params",
        on_change=_start_over,
        disabled=preset not in filters.INTENSITY_PRESETS,
        width=320 if presentation_mode() else 240,
    )
    row.button(
        "Course kernel (horizontal, x = 10)",
        on_click=use_course_kernel,
        key="kb_course",
        help="The course's detector [[-1, -1, -1], [x, x, x], [1, 1, 1]] with x = 10.",
    )
    return preset or DEFAULT_PRESET, size or 3, filters.COURSE_INTENSITY if intensity is None else intensity


def _readable_kernel(text: str) -> bool:
    if not text:
        return True
    try:
        filters.kernel_from_text(text)
    except ValueError:
        return False
    return True


def kernel_editor(preset: str, size: int, intensity: int) -> tuple[np.ndarray, bool]:
    """The editable grid and the normalise toggle. Returns (grid values, normalise).

    The grid starts from the kernel written as text (KERNEL_TEXT: kept in the session and the URL) or, when
    that is empty, from the preset. An edit in the grid is written back as text, so it survives a visit to
    another page and travels in a copied link; a new preset, size or x starts over from the preset.
    """
    grid_slot = st.container()
    check_text(KERNEL_TEXT, _readable_kernel)
    text = st.text_input(
        "The kernel as text (rows split by ;) — it is in the link too",
        key=KERNEL_TEXT,
        bind="query-params",
        max_chars=filters.MAX_KERNEL_TEXT,
        placeholder=filters.kernel_to_text(filters.preset_kernel(preset, size=size, intensity=intensity)),
        help="Edit the grid, or paste a kernel such as 1,0,-1;2,0,-2;1,0,-1. Empty: the preset as it is.",
    )
    start = filters.preset_kernel(preset, size=size, intensity=intensity)
    if text:
        try:
            start = filters.kernel_from_text(text)
        except ValueError as error:
            show_error(f"{error} The grid shows the preset instead.")
    key = f"kb_grid_{filters.kernel_to_text(start)}"
    with grid_slot:
        edited = kernel_grid(start, key=key, on_change=_grid_edited, args=(key, start))
    normalize = st.toggle("Normalise (divide by the sum)", False, key="kb_normalize", bind="query-params")
    keep_kernel_settings()
    return edited, normalize


def _grid_edited(key: str, start: np.ndarray) -> None:
    """An edit in the grid: the edited kernel becomes the text (a cleared cell stays in the grid to explain)."""
    kernel = start.astype(np.float64)
    for row, cells in st.session_state[key].get("edited_rows", {}).items():
        for column, value in cells.items():
            kernel[int(row), int(str(column).removeprefix("c"))] = np.nan if value is None else value
    with contextlib.suppress(ValueError):  # a cleared cell (NaN): the grid keeps it and the page explains
        st.session_state[KERNEL_TEXT] = filters.kernel_to_text(kernel)


def blur_controls() -> tuple[dict[str, int], float]:
    """Kernel sizes of the three blurs (course: 10, 31, 11; Gaussian and median odd only) and the Gaussian sigma."""
    columns = st.columns(4)
    average = columns[0].slider(
        "Average size", 1, 51, filters.COURSE_AVERAGE_KSIZE, key="kb_avg_k", bind="query-params"
    )
    gaussian = columns[1].slider(
        "Gaussian size (odd)", 1, 51, filters.COURSE_GAUSSIAN_KSIZE, 2, key="kb_gauss_k", bind="query-params"
    )
    sigma = columns[2].slider(
        "Gaussian sigma (0: from size)", 0.0, 20.0, 0.0, 0.5, key="kb_sigma", bind="query-params"
    )
    median = columns[3].slider(
        "Median size (odd)", 1, 51, filters.COURSE_MEDIAN_KSIZE, 2, key="kb_median_k", bind="query-params"
    )
    return dict(zip(BLUR_METHODS, (average, gaussian, median), strict=True)), sigma


def pixel_picker(width: int, height: int) -> tuple[int, int]:
    """x and y sliders (URL-bound) for one pixel of a width x height image; values kept inside the image."""
    left, right = st.columns(2)
    x = left.slider("x (column)", 0, max(1, width - 1), width // 2, key="kb_x", bind="query-params")
    y = right.slider("y (row)", 0, max(1, height - 1), height // 2, key="kb_y", bind="query-params")
    return min(x, width - 1), min(y, height - 1)


def kernel_grid(kernel: np.ndarray, *, key: str, on_change=None, args: tuple = ()) -> np.ndarray:
    """An editable k x k grid of numbers (st.data_editor) starting from `kernel`; returns float64 (k, k).

    Give a new `key` when the starting kernel changes (e.g. a new preset), so the grid starts over.
    Cleared cells come back as NaN (apply_kernel then explains that every value must be a number).
    """
    size = kernel.shape[0]
    frame = pd.DataFrame(kernel.astype(np.float64), columns=[f"c{i}" for i in range(size)])
    column_config = {name: st.column_config.NumberColumn(name, format="%g", width="small") for name in frame}
    edited = st.data_editor(
        frame,
        key=key,
        hide_index=True,
        column_config=column_config,
        width="content",
        on_change=on_change,
        args=args,
    )
    return edited.to_numpy(dtype=np.float64, na_value=np.nan)


def arithmetic_markdown(arithmetic: filters.NeighbourhoodArithmetic, kernel: np.ndarray) -> str:
    """A markdown table: each cell 'pixel × weight = product', the centre in bold."""
    size = kernel.shape[0]
    rows = []
    for row in range(size):
        cells = []
        for col in range(size):
            text = f"{arithmetic.neighbours[row, col]:g} × {kernel[row, col]:.4g} = {arithmetic.products[row, col]:.4g}"
            cells.append(f"**{text}**" if row == col == size // 2 else text)
        rows.append("| " + " | ".join(cells) + " |")
    header = "| " + " | ".join(f"column {col - size // 2:+d}" for col in range(size)) + " |"
    return "\n".join([header, "|" + "---|" * size, *rows])


def signed_view(values: np.ndarray) -> tuple[np.ndarray, float]:
    """(signed colours up to the SIGNED_VIEW_PERCENTILE of |values|, framed; that limit)."""
    limit = filters.signed_limit(values, percentile=filters.SIGNED_VIEW_PERCENTILE)
    return with_border(filters.signed_to_rgb(values, limit=limit)), limit


def saturation_note(total: float) -> str:
    """Why a kernel whose weights sum far from 1 (or 0) washes the picture out: the course's sums to 3x = 30."""
    return (
        f"The weights sum to {total:.4g}, so a flat area of value v becomes {total:.4g}·v: every pixel with "
        f"|v| above 255 / {abs(total):.4g} ≈ {255 / abs(total):.3g} saturates |output| to white, and the "
        "signed view takes the colour of the sum's sign almost everywhere. The course's detectors sum to 3x "
        "(30 at x = 10: the −1s and 1s cancel, the three x remain). Tick Normalise, or set x = 0 to keep "
        "only the edges."
    )


def signed_caption(what: str, limit: float) -> str:
    percentile = f"{filters.SIGNED_VIEW_PERCENTILE:g}th percentile of |values|"
    return f"{what}: blue ≤ −{limit:.4g} · white 0 · red ≥ +{limit:.4g} ({percentile})"


@image_cache
def filtered_views(image: np.ndarray, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(raw float32 output, signed RGB view, |output| uint8 view (framed), the colour limit of the signed view)."""
    output = filters.apply_kernel(image, kernel)
    signed, limit = signed_view(output)
    return output, signed, with_border(filters.absolute_uint8(output)), limit


@image_cache
def blurred(image: np.ndarray, method: str, ksize: int, sigma: float) -> np.ndarray:
    """One of the three blurs (median with a large kernel is the slow one: cached)."""
    return blur(image, method, ksize, sigma)


def blur(image: np.ndarray, method: str, ksize: int, sigma: float) -> np.ndarray:
    """One of the three blurs by name (lib.cv.filters)."""
    if method == "Average":
        return filters.average_blur(image, ksize=ksize)
    if method == "Gaussian":
        return filters.gaussian_blur(image, ksize=ksize, sigma=sigma)
    return filters.median_blur(image, ksize=ksize)


def blur_snippet(method: str, ksize: int, sigma: float, gray: bool) -> str:
    if method == "Average":
        return filters.average_blur_snippet(ksize=ksize, gray=gray)
    if method == "Gaussian":
        return filters.gaussian_blur_snippet(ksize=ksize, sigma=sigma, gray=gray)
    return filters.median_blur_snippet(ksize=ksize, gray=gray)


ZOOM_SIDE = 96  # pixels of the image around the zoom centre, shown 4x


def _zoom_centre(shape: tuple[int, ...], centre_x: float, centre_y: float) -> tuple[int, int]:
    height, width = shape[:2]
    return round(centre_x * (width - 1)), round(centre_y * (height - 1))


@image_cache
def zoomed(image: np.ndarray, centre_x: float, centre_y: float) -> np.ndarray:
    """A 96 x 96 region around (centre_x, centre_y) given as fractions of the width and height, enlarged 4x."""
    centre = _zoom_centre(image.shape, centre_x, centre_y)
    return filters.zoom_region(image, center=centre, size=ZOOM_SIDE, scale=4)


@image_cache
def with_zoom_box(image: np.ndarray, centre_x: float, centre_y: float) -> np.ndarray:
    """The image (as RGB) with the zoomed region outlined."""
    centre = _zoom_centre(image.shape, centre_x, centre_y)
    return filters.outline_zoom_box(image, center=centre, size=ZOOM_SIDE)


def edge_views(
    gray: np.ndarray, sobel_ksize: int, laplacian_ksize: int, thresholds: tuple[int, int]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(display-ready edge images by caption, each detector's own output by name: "Sobel" the magnitude,
    "Laplacian" the signed values, "Canny" the edges); each detector cached on its own, so one slider
    redoes one."""
    sobel_views, magnitude = _sobel_views(gray, sobel_ksize)
    laplacian_views, laplacian = _laplacian_views(gray, laplacian_ksize)
    canny = _canny_view(gray, thresholds)
    views = {**sobel_views, **laplacian_views, f"Canny {thresholds[0]}, {thresholds[1]}": canny}
    return views, {"Sobel": magnitude, "Laplacian": laplacian, "Canny": canny}


@image_cache
def _sobel_views(gray: np.ndarray, ksize: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    sobel = filters.sobel_edges(gray, ksize=ksize)
    (x_view, x_limit), (y_view, y_limit) = signed_view(sobel.x), signed_view(sobel.y)
    views = {
        signed_caption("Sobel x (signed)", x_limit): x_view,
        signed_caption("Sobel y (signed)", y_limit): y_view,
        SOBEL_MAGNITUDE: filters.stretch_to_uint8(sobel.magnitude),
    }
    return views, sobel.magnitude


@image_cache
def _laplacian_views(gray: np.ndarray, ksize: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    laplacian = filters.laplacian(gray, ksize=ksize)
    view, limit = signed_view(laplacian)
    views = {
        signed_caption("Laplacian raw (signed)", limit): view,
        "Laplacian absolute (convertScaleAbs)": filters.absolute_uint8(laplacian),
    }
    return views, laplacian


def sobel_magnitude_view(gray: np.ndarray, ksize: int) -> np.ndarray:
    """The Sobel magnitude as the page shows it: stretched to 0..255."""
    return filters.stretch_to_uint8(filters.sobel_edges(gray, ksize=ksize).magnitude)


@image_cache
def _canny_view(gray: np.ndarray, thresholds: tuple[int, int]) -> np.ndarray:
    return filters.canny(gray, threshold1=thresholds[0], threshold2=thresholds[1])


def edge_snippet(which: str, sobel_ksize: int, laplacian_ksize: int, thresholds: tuple[int, int]) -> str:
    if which == "Sobel":
        return filters.sobel_snippet(ksize=sobel_ksize)
    if which == "Laplacian":
        return filters.laplacian_snippet(ksize=laplacian_ksize)
    return filters.canny_snippet(threshold1=thresholds[0], threshold2=thresholds[1])


def one_pixel_by_hand(gray: np.ndarray, kernel: np.ndarray, output: np.ndarray) -> None:
    """Choose a pixel (sliders or a click on the picture); its neighbours x weights, summed, equal the output."""
    x, y = pixel_picker(gray.shape[1], gray.shape[0])
    arithmetic = filters.neighbourhood_arithmetic(gray, kernel, x, y)
    picture, sums = st.columns([2, 3])
    with picture:
        clickable_image(
            draw_crosshair(gray, x, y),
            key="kb_click",
            on_point=set_point("kb_x", "kb_y"),
            caption=f"Pixel ({x}, {y}) · click to choose another",
            columns_in_row=2,
        )
    sums.markdown(arithmetic_markdown(arithmetic, kernel))
    sums.markdown(
        f"Sum of the {kernel.size} products = **{arithmetic.total:.6g}**; "
        f"the filtered image holds **{float(output[y, x]):.6g}** at row {y}, column {x}."
    )


def blur_row(
    image: np.ndarray, results: dict[str, np.ndarray], sizes: dict[str, int], zoom_x: float, zoom_y: float
) -> None:
    """The original (zoomed region outlined; a click moves it) next to each blur."""
    columns = st.columns(len(BLUR_METHODS) + 1)
    with columns[0]:
        clickable_image(
            with_zoom_box(image, zoom_x, zoom_y),
            key="kb_zoom_click",
            on_point=set_percent_point("kb_zoom_x", "kb_zoom_y", image.shape),
            caption="Original · click to zoom there",
            columns_in_row=len(columns),
        )
    for column, method in zip(columns[1:], BLUR_METHODS, strict=True):
        with column:
            caption = f"{method} {sizes[method]}×{sizes[method]}"
            show_image(results[method], caption=caption, columns_in_row=len(columns))


# Live camera: each frame through the same lib calls as the still image, for the tab's current settings.
def live_kernel(frame: np.ndarray, *, kernel: np.ndarray) -> np.ndarray:
    """The gray frame correlated with the kernel, in signed colours (the kernel builder's middle picture)."""
    return signed_view(filters.apply_kernel(to_gray(frame), kernel))[0]


def live_blur(frame: np.ndarray, *, method: str, ksize: int, sigma: float, gray: bool) -> np.ndarray:
    """The frame (gray, or each colour channel) blurred as the Blur tab blurs the still image."""
    return blur(to_gray(frame) if gray else frame, method, ksize, sigma if method == "Gaussian" else 0.0)


def live_edges(
    frame: np.ndarray, *, which: str, sobel_ksize: int, laplacian_ksize: int, thresholds: tuple[int, int]
) -> np.ndarray:
    """The gray frame's Sobel magnitude, signed Laplacian or Canny edges, as the Edges tab shows them."""
    gray = to_gray(frame)
    if which == "Sobel":
        return sobel_magnitude_view(gray, sobel_ksize)
    if which == "Laplacian":
        return signed_view(filters.laplacian(gray, ksize=laplacian_ksize))[0]
    return filters.canny(gray, threshold1=thresholds[0], threshold2=thresholds[1])
