"""Tiny images, every page: the sidebar's current image is 1×1, 2×2 or 3×1, and no page may raise.

The pages are found through ui.course_map.all_pages(). The current image is put where the sidebar puts an
upload (ui.image_source's session state), so every page that reads it gets the tiny image; a page that picks
its own picture (a sample, a model's example) is switched to "Current image" when it offers that choice.
A page may answer with a clear st.warning or st.error (an operation can need more pixels than there are);
it must never show an exception element, and the page must go on drawing below the message.
"""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.harness import ROOT, image_captions
from ui import image_source
from ui.course_map import all_pages

pytestmark = pytest.mark.usefixtures("full_error_details")  # tests/conftest.py

PAGES = all_pages()
TIMEOUT = 120
CURRENT_IMAGE = "Current image"  # the option of a page's own picture chooser that means the sidebar's image
CHOOSER_KINDS = ("segmented_control", "radio", "selectbox")


def tiny(width: int, height: int) -> np.ndarray:
    """A read-only RGB image of width x height with distinct pixels (as an accepted upload is stored)."""
    values = np.arange(width * height * 3, dtype=np.uint8).reshape(height, width, 3) * 37 + 20
    values.setflags(write=False)
    return values


SIZES = {"1x1": tiny(1, 1), "2x2": tiny(2, 2), "3x1": tiny(3, 1)}


def with_tiny_image(path: str, image: np.ndarray) -> AppTest:
    app = AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)
    app.session_state["source"] = "Upload"
    app.session_state[image_source._STATE_IMAGE] = image
    app.session_state[image_source._STATE_LABEL] = "upload: tiny.png"
    return app


def exceptions(app: AppTest) -> list[str]:
    return [element.value[:500] for element in app.exception]


def current_image_choosers(app: AppTest) -> list:
    """Widgets that choose a page's own picture and offer the sidebar's image, not yet set to it."""
    found = []
    for kind in CHOOSER_KINDS:
        for widget in getattr(app, kind):
            if CURRENT_IMAGE in list(widget.options) and widget.value != CURRENT_IMAGE:
                found.append(widget)
    return found


def run_on_tiny_image(info, size: str) -> AppTest:
    """The page with the tiny image, switched to it wherever the page offers a choice; no exception."""
    app = with_tiny_image(info.file, SIZES[size])
    app.run()
    assert not exceptions(app), f"{info.title} with a {size} image: {exceptions(app)}"
    for _ in range(3):  # a page may reveal a second chooser once the first is set
        choosers = current_image_choosers(app)
        if not choosers:
            break
        choosers[0].set_value(CURRENT_IMAGE)
        app.run()
        assert not exceptions(app), f"{info.title} with a {size} image as its input: {exceptions(app)}"
    assert app.session_state[image_source._STATE_IMAGE] is SIZES[size]  # still the tiny image
    return app


def tiny_image_params() -> list:
    """(page, size) for 2x2 and 3x1, left to `dev.sh test` (slow); the 1x1 run is the first step of the slider
    test below, which is in the quick tier for every page."""
    return [
        pytest.param(info, size, id=f"{info.url_path}-{size}", marks=[pytest.mark.slow])
        for info in PAGES
        for size in SIZES
        if size != "1x1"
    ]


@pytest.mark.parametrize(("info", "size"), tiny_image_params())
def test_page_survives_a_tiny_current_image(info, size):
    run_on_tiny_image(info, size)


def slider_params() -> list:
    """Every page with its sliders moved all at once (quick), and one at a time (slow: a slider whose end fails
    only alone, and the name of the one that fails)."""
    return [
        pytest.param(
            info,
            together,
            id=f"{info.url_path}-{'together' if together else 'one-by-one'}",
            marks=[] if together else [pytest.mark.slow],
        )
        for info in PAGES
        for together in (True, False)
    ]


def ends_of(app: AppTest) -> list[tuple[str | None, str]]:
    return [(slider.key, slider.label) for slider in app.slider if not slider.disabled]


def set_to(app: AppTest, sliders: list[tuple[str | None, str]], end: str) -> None:
    """Move these sliders (by key, else label) to their `end` ("max" or "min"); those now hidden are skipped."""
    for key, label in sliders:
        found = [slider for slider in app.slider if (slider.key == key if key else slider.label == label)]
        if found:  # else an earlier value hid it (behind a message); nothing to set
            found[0].set_value(getattr(found[0], end))


@pytest.mark.parametrize(("info", "together"), slider_params())
def test_every_slider_at_its_ends_with_a_1x1_image(info, together):
    """The page on one pixel (as test_page_survives_a_tiny_current_image), then kernel sizes, block sizes, k,
    crop sizes... at their largest and smallest: all sliders at once, or each slider alone."""
    app = run_on_tiny_image(info, "1x1")
    sliders = ends_of(app)
    failures = []
    for group in [sliders] if together else [[slider] for slider in sliders]:
        for end in ("max", "min"):
            set_to(app, group, end)
            app.run()
            if app.exception:
                names = ", ".join(label for _, label in group)
                failures.append(f"{names} at the {end}: {exceptions(app)}")
                app = run_on_tiny_image(info, "1x1")
    assert not failures, f"{info.title}:\n" + "\n".join(failures)


def test_sidebar_shows_a_tiny_image():
    app = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=TIMEOUT)
    app.session_state["source"] = "Upload"
    app.session_state[image_source._STATE_IMAGE] = SIZES["1x1"]
    app.run()
    assert not exceptions(app), exceptions(app)
    assert any("1×1" in caption for caption in image_captions(app.sidebar)), image_captions(app.sidebar)
