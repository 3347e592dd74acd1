"""Faults under AppTest: a model that will not load, a camera that gives nothing. The app says what happened
and stays usable.

Pages are found through ui.course_map.all_pages(): every page that loads a model is tested, so new model
pages are covered without editing this file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.pages.harness import ROOT, assert_clean
from ui.course_map import all_pages

TIMEOUT = 180
BROKEN = "test fault: the weights file could not be read"


def source(info) -> str:
    return (ROOT / info.file).read_text()


MODEL_PAGES = [
    info
    for info in all_pages()
    if re.search(
        r"from ui import models|from ui\.models? import|from ui\.model_input|load_model|get_model",
        source(info),
    )
]
IMAGE_PAGES = [
    info for info in all_pages() if "current_image" in source(info) or "current_gray" in source(info)
]


def clear_model_caches() -> None:
    """Forget every loaded model and cached result, so the next run really loads (or fails to)."""
    from lib.nn import models

    st.cache_resource.clear()
    st.cache_data.clear()
    models.get_model.cache_clear()


@pytest.fixture
def broken_models(monkeypatch):
    """lib.nn.models.load_model raises ModelError, as for a damaged, missing or unsafe weights file."""
    from lib.nn import models
    from lib.nn.models import registry

    def refuse(name, *args, **kwargs):
        raise models.ModelError(f"{BROKEN} ({name}).")

    clear_model_caches()
    monkeypatch.setattr(models, "load_model", refuse)  # what ui calls
    monkeypatch.setattr(registry, "load_model", refuse)  # what get_model (classify, predict) calls
    yield monkeypatch
    monkeypatch.undo()
    clear_model_caches()


def all_text(app: AppTest) -> str:
    parts = [
        element.value
        for kind in ("error", "warning", "info", "caption", "markdown")
        for element in app.get(kind)
    ]
    return "\n".join(str(part) for part in parts)


@pytest.mark.parametrize("info", MODEL_PAGES or [None], ids=[i.url_path for i in MODEL_PAGES] or ["none"])
def test_a_model_that_fails_to_load_gives_a_message(broken_models, info):
    if info is None:
        pytest.skip("no page loads a model yet")
    app = AppTest.from_file(str(ROOT / info.file), default_timeout=TIMEOUT)
    app.run()
    assert not app.exception, [element.value for element in app.exception]
    errors = [element.value for element in app.error]
    assert any(BROKEN in text for text in errors), f"{info.title} did not say the model failed: {errors}"
    # The weights come back (a fixed file, a redeploy): the same session works again.
    broken_models.undo()
    clear_model_caches()
    app.run()
    assert_clean(app)


@dataclass
class Snapshot:
    """What st.camera_input returns: an UploadedFile-like object."""

    data: bytes
    file_id: str = "snapshot-1"
    name: str = "snapshot.jpg"

    def getvalue(self) -> bytes:
        return self.data


def home_with_camera() -> AppTest:
    app = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=TIMEOUT)
    app.session_state["source"] = "Camera"
    return app


def image_page(app: AppTest):
    """Switch to the first image page; skip when the sidebar is not drawn there (the page ran without Home.py)."""
    if not IMAGE_PAGES:
        pytest.skip("no image page is built yet")
    info = IMAGE_PAGES[0]
    app.switch_page(info.file)
    app.run()
    if not app.sidebar.get("select_slider"):  # the working-size control, drawn whatever the source
        pytest.skip(f"the sidebar is not drawn on {info.title}: pages run without Home.py (folder layout)")
    return info


def test_no_snapshot_yet_pages_use_the_sample():
    app = home_with_camera()
    app.run()
    assert_clean(app)
    assert app.sidebar.get("camera_input"), "the camera is offered"
    assert any("Until you add one" in caption.value for caption in app.sidebar.caption)
    info = image_page(app)
    assert_clean(app)
    assert app.get("image"), f"{info.title} shows no image while the camera has given nothing"
    assert any("Until you add one" in caption.value for caption in app.sidebar.caption)


@pytest.mark.parametrize(
    "snapshot", [Snapshot(b""), Snapshot(b"\xff\xd8\xff\xe0 truncated jpeg")], ids=["empty", "garbage"]
)
def test_a_snapshot_with_no_picture_keeps_the_page_working(monkeypatch, snapshot):
    monkeypatch.setattr(st, "camera_input", lambda *args, **kwargs: snapshot)
    app = home_with_camera()
    app.run()
    assert not app.exception, [element.value for element in app.exception]
    sidebar_errors = [element.value for element in app.sidebar.error]
    assert any(
        "camera snapshot" in text and "previous image is still in use" in text for text in sidebar_errors
    ), sidebar_errors
    info = image_page(app)
    assert not app.exception, [element.value for element in app.exception]
    assert not app.main.error, [element.value for element in app.main.error]
    assert app.main.get("image"), f"{info.title} shows no image after an empty snapshot"
    # A later good snapshot... is what the browser tests cover; here: back to the sample, still clean.
    monkeypatch.undo()
    app.session_state["source"] = "Sample"
    app.run()
    assert_clean(app)
