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

from tests.helpers import page_params
from tests.pages.harness import ROOT, image_captions
from ui import image_source
from ui.course_map import all_pages

pytestmark = pytest.mark.usefixtures("full_error_details")  # tests/conftest.py

PAGES = all_pages()
TIMEOUT = 120
# Pages with many sliders, whose sweep takes over ~3 s on 2 cores: `dev.sh quick` leaves them to `dev.sh test`.
SLOW_SWEEPS = {"datasets_loaders", "drawing_text"}
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
    """(page, size) for every page and size; 2x2 and 3x1 are left to `dev.sh test` (slow), and 1x1 is not
    repeated here where the page's slider sweep, which starts with exactly this run, is in the quick tier."""
    params = []
    for info in PAGES:
        for size in SIZES:
            if size == "1x1" and info.url_path not in SLOW_SWEEPS:
                continue  # test_every_slider_at_its_ends_with_a_1x1_image runs it first
            marks = [pytest.mark.slow] if size != "1x1" else []
            params.append(pytest.param(info, size, id=f"{info.url_path}-{size}", marks=marks))
    return params


@pytest.mark.parametrize(("info", "size"), tiny_image_params())
def test_page_survives_a_tiny_current_image(info, size):
    run_on_tiny_image(info, size)


@pytest.mark.parametrize("info", page_params(PAGES, slow=SLOW_SWEEPS))
def test_every_slider_at_its_ends_with_a_1x1_image(info):
    """The page on one pixel (as test_page_survives_a_tiny_current_image), then kernel sizes, block sizes, k,
    crop sizes... at their largest and smallest."""
    app = run_on_tiny_image(info, "1x1")
    sliders = [(slider.key, slider.label) for slider in app.slider if not slider.disabled]
    failures = []
    for key, label in sliders:
        for end in ("max", "min"):
            found = [slider for slider in app.slider if (slider.key == key if key else slider.label == label)]
            if not found:
                continue  # an earlier value hid it (behind a message); nothing to set
            found[0].set_value(getattr(found[0], end))
            app.run()
            if app.exception:
                failures.append(f"{label} at its {end}: {exceptions(app)}")
                app = run_on_tiny_image(info, "1x1")
    assert not failures, f"{info.title}:\n" + "\n".join(failures)


def test_sidebar_shows_a_tiny_image():
    app = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=TIMEOUT)
    app.session_state["source"] = "Upload"
    app.session_state[image_source._STATE_IMAGE] = SIZES["1x1"]
    app.run()
    assert not exceptions(app), exceptions(app)
    assert any("1×1" in caption for caption in image_captions(app.sidebar)), image_captions(app.sidebar)
