"""How every page looks: header and lesson, image rows, the Code panel, errors, presentation mode."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np
import streamlit as st

from lib.cv.images import encode_jpeg, encode_png, fit_to_working_size
from lib.cv.programs import Program
from ui.cache import image_cache

# Longest side an image is sent to the browser at, by how many share a row.
DISPLAY_SIDE = {1: 1000, 2: 640, 3: 480, 4: 400}
CODE_PANELS = "code_panels"  # session-state key: file name -> Program shown in this session
SMALL_IMAGE_SIDE = 256  # at or below this, images are sent as PNG (crisp pixels, exact values)

# Always on (Home.py): choices wrap onto more lines instead of hiding options behind a scrollbar that is
# not drawn; sidebar page names and the course map's page links wrap instead of being cut; the presentation toggle sits at the top of the
# sidebar, in the header's empty space above the page list, where an instructor finds it without scrolling.
APP_CSS = """
<style>
[data-testid="stButtonGroup"] > div { flex-wrap: wrap; overflow: visible; row-gap: 0.5rem; }
[data-testid="stSidebarNavLink"], [data-testid="stNavSectionHeader"] { height: auto; min-height: 2rem; }
[data-testid="stSidebarNavLink"] *, [data-testid="stNavSectionHeader"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
[data-testid="stSidebarContent"] { position: relative; }
/* the course map's cards: a long page name wraps in a narrow card (150 % zoom) instead of ending in "…" */
[data-testid="stPageLink"] a { height: auto; }
[data-testid="stPageLink"] * { white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
/* a segmented control's button never outgrows its box (a long option wraps); a metric's delta wraps, as its value does */
[data-testid="stButtonGroup"] button { max-width: 100%; }
[data-testid="stButtonGroup"] button * { white-space: normal !important; }
[data-testid="stMetricLabel"] *, [data-testid="stMetricDelta"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
/* code inside a caption was 10.5 px (0.75 of 14): no smaller than 12 px, Streamlit's size for code in body text */
[data-testid="stMarkdownContainer"] code, [data-testid="stCaptionContainer"] code {
  font-size: max(0.75em, 12px) !important;
}
.st-key-presentation_switch { position: absolute; top: 1.25rem; left: 1rem; width: auto; z-index: 1; }
.st-key-presentation_switch [data-testid="stWidgetLabel"] p { font-size: 18px; white-space: nowrap !important; }
/* A phone (Streamlit stacks columns below 640 px): table text wraps between words, and a table still wider than
   the screen scrolls in its own box instead of the page; a multiselect's tags wrap onto more lines */
@media (max-width: 640px) {
  [data-testid="stMarkdownContainer"] :is(th, td) { white-space: normal; }
  [data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; overflow-x: auto; }
  [data-testid="stMultiSelectTagsContainer"] { flex-wrap: wrap; }
}
</style>
"""

# Presentation mode (page_header). Streamlit sizes its paddings in rem, so with larger type they are
# pinned in px; metric labels would take the markdown paragraph size and outgrow their values.
PRESENTATION_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 22px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.15rem; }
h1 { font-size: 2.8rem !important; }
[data-testid="stCaptionContainer"] { font-size: 1rem; }
[data-testid="stMainBlockContainer"] { padding: 40px 32px 96px; max-width: none; }
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p { font-size: 1rem; }
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p { font-size: inherit; }
[data-testid="stCode"] pre, [data-testid="stCode"] code { white-space: pre-wrap !important; overflow-wrap: anywhere; }
/* Streamlit's own charts (st.bar_chart: Vega-Lite, drawn as SVG) take no font size from Python */
[data-testid="stVegaLiteChart"] svg text { font-size: 16px !important; }
[data-testid="stWidgetLabel"] { height: auto; }
/* A narrow window (150 % zoom of a 1280 px screen is 853 px, the sidebar takes 300 of them): a column narrower than
   12rem goes onto a line of its own, full width, so choices keep room for their values. A media query, not a
   container query: containment would trap the fullscreen views (position fixed) inside the page. */
@media (max-width: 1100px) { [data-testid="stColumn"] { min-width: min(100%, 12rem); } }
/* Tabs and a multiselect's chosen tags that do not fit go onto a second line (they scrolled sideways); table
   headers and cells wrap; a displayed formula at the text's size (KaTeX's 1.21em put a matrix past its column) */
[data-testid="stTabs"] [role="tablist"], [data-testid="stMultiSelectTagsContainer"] { flex-wrap: wrap; }
.katex-display > .katex { font-size: 1em; }
[data-testid="stMarkdownContainer"] :is(th, td) { white-space: normal; overflow-wrap: anywhere; }
/* main area: a selectbox's chosen value (an input element), its list, typed values were 19 px under 25 px labels (No angle
   brackets in this CSS, even in comments: st.html's sanitiser then drops the whole style element). */
[data-testid="stMain"] :is([data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stTextInput"],
  [data-testid="stNumberInput"], [data-testid="stDateInput"], [data-testid="stTimeInput"]) input,
[data-testid="stMain"] [data-testid="stTextArea"] textarea, [role="listbox"] [role="option"] { font-size: 1rem !important; }
[data-testid="stWidgetLabel"] [data-testid="stMarkdownContainer"], [data-testid="stWidgetLabel"] p,
[data-testid="stMetricLabel"] *, [data-testid="stMetricValue"], [data-testid="stMetricValue"] *,
[data-testid="stButton"] button * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
</style>
"""
PLOT_FONT_SIZE = 12  # plotly's own default
PRESENTATION_PLOT_FONT_SIZE = 18


def presentation_mode() -> bool:
    """True when the presentation toggle (sidebar) is on."""
    return bool(st.session_state.get("presentation", False))


def plot_font_size() -> int:
    """Base font size for plotly figures: larger in presentation mode."""
    return PRESENTATION_PLOT_FONT_SIZE if presentation_mode() else PLOT_FONT_SIZE


def control_cells(count: int, *, per_row: int = 3) -> list:
    """st.columns(count) for a row of controls; in presentation mode (larger type) at most per_row a row."""
    if not presentation_mode() or count <= per_row:
        return list(st.columns(count))
    cells = []
    for start in range(0, count, per_row):
        cells += st.columns(per_row)[: min(per_row, count - start)]
    return cells


def page_header(title: str, lesson_md: str, *, notes_fix: str | None = None) -> None:
    """Title, then the lesson (collapsed in presentation mode), then a correction to the notes if any."""
    st.title(title)
    if presentation_mode():
        st.html(PRESENTATION_CSS)
    with st.expander("What this page teaches", expanded=not presentation_mode(), icon=":material/school:"):
        st.markdown(lesson_md)
        if notes_fix:
            st.info(notes_fix, icon=":material/rule:")


def to_display_uint8(image: np.ndarray) -> np.ndarray:
    """uint8 passes through; floats are taken as [0, 1] and clipped; bools become 0 / 255."""
    if image.dtype == np.uint8:
        return image
    if image.dtype == bool:
        return image.astype(np.uint8) * 255
    return (np.clip(np.nan_to_num(image.astype(np.float32)), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


@image_cache
def display_bytes(image: np.ndarray, longest_side: int) -> bytes:
    """encode_for_display, once per content and display size (PNG or JPEG bytes)."""
    return encode_for_display(image, longest_side)


@image_cache
def display_url(image: np.ndarray, longest_side: int) -> str:
    """The image as a data: URL for st.image, encoded once per content and display size.

    Data URLs travel inside the page's own message, and Streamlit's message cache sends an unchanged one
    only once. Media-file URLs would need an HTTP request per image, and a quick run of reruns could
    delete a file while the browser was still fetching it, leaving a broken image on screen.
    """
    data = display_bytes(image, longest_side)
    mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def encode_for_display(image: np.ndarray, longest_side: int) -> bytes:
    """Scale to display size and encode: PNG for small images and masks, JPEG otherwise."""
    image = to_display_uint8(image)
    small = max(image.shape[:2]) <= SMALL_IMAGE_SIDE
    if small:
        # Blow tiny images (feature maps, 8x8 digits) up with nearest neighbour so pixels stay square.
        scale = max(1, SMALL_IMAGE_SIDE // max(image.shape[:2]))
        if scale > 1:
            image = np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)
        return encode_png(image)
    image = fit_to_working_size(image, longest_side=longest_side)
    is_mask = image.ndim == 2 and np.unique(image[:: max(1, image.shape[0] // 64), ::8]).size <= 2
    return encode_png(image) if is_mask else encode_jpeg(image, quality=88)


def show_image(image: np.ndarray, *, caption: str | None = None, columns_in_row: int = 1) -> None:
    """One image, encoded at display size, filling its container's width."""
    side = DISPLAY_SIDE.get(columns_in_row, 400)
    st.image(display_url(image, side), caption=caption, width="stretch")


def show_row(*items: tuple[str, np.ndarray]) -> None:
    """Images side by side, each with its caption: show_row(("Input", a), ("Output", b))."""
    if not items:
        return
    columns = st.columns(len(items))
    for column, (caption, image) in zip(columns, items, strict=True):
        with column:
            show_image(image, caption=caption, columns_in_row=len(items))


def code_panel(program: Program | str, *, filename: str = "example.py", expanded: bool = False) -> None:
    """The "Code" panel: a complete program that reproduces what the page shows, and its download.

    A Program downloads as a zip of its script and the files it reads (the page's image, weights); a plain
    string is a script that needs nothing else. The latest panel of each file name is kept in session state
    under CODE_PANELS, so a test can download exactly what a student would.
    """
    if isinstance(program, str):
        program = Program(script=program, name=filename)
    st.session_state.setdefault(CODE_PANELS, {})[program.name] = program
    with st.expander("Code — reproduce this result", expanded=expanded, icon=":material/code:"):
        st.code(program.script, language="python")
        label = "Download script, image and files (.zip)" if program.files else "Download as .py"
        mime = "application/zip" if program.files else "text/x-python"
        # built only when clicked (a quick run of reruns cannot delete it mid-download; no work per rerun)
        st.download_button(
            label, program.download_bytes, file_name=program.download_name, mime=mime, on_click="ignore"
        )


def download_button(label: str, data: bytes | str, **kwargs) -> None:
    """st.download_button whose file is handed over only when clicked, without a rerun.

    Deferred data is not registered as a media file on every rerun, so a quick run of reruns cannot delete
    it while the browser is fetching it (which shows a "source error" and a dead button).
    """
    st.download_button(label, lambda: data, on_click="ignore", **kwargs)


def show_error(message: str) -> None:
    """A clear message for bad input; the page goes on."""
    st.error(message, icon=":material/error:")


def image_grid(images: Sequence[np.ndarray], captions: Sequence[str], *, columns: int = 8) -> None:
    """Small images in rows of `columns`, each with its caption."""
    from ui.layout import display_url

    for start in range(0, len(images), columns):
        cells = st.columns(columns)
        for cell, image, caption in zip(
            cells, images[start : start + columns], captions[start : start + columns], strict=False
        ):
            cell.image(display_url(np.ascontiguousarray(image), 256), caption=caption, width="stretch")
