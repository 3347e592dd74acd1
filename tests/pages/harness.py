"""Run a page with Streamlit's AppTest, from the repository root, and fail on any exception."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def run_page(path: str, *, timeout: float = 60, session_state: dict | None = None) -> AppTest:
    """Run pages/<x>.py once with its defaults; assert it raised nothing and showed no error box."""
    app = AppTest.from_file(str(ROOT / path), default_timeout=timeout)
    for key, value in (session_state or {}).items():
        app.session_state[key] = value
    app.run()
    assert_clean(app)
    return app


def assert_clean(app: AppTest) -> None:
    """No exception element and no st.error on the page."""
    assert not app.exception, [element.value for element in app.exception]
    assert not app.error, [element.value for element in app.error]


def image_captions(node) -> list[str]:
    """Captions of every st.image under an AppTest node (the app, app.sidebar, a column...)."""
    return [i.caption for image in node.get("image") for i in image.proto.imgs]


def image_urls(node) -> list[str]:
    """URLs of every picture, st.image and clickable (ui.clickable), in that order: they change with the picture."""
    return [i.url for image in node.get("image") for i in image.proto.imgs] + clickable_urls(node)


def clickable_urls(node) -> list[str]:
    """The data: URL of every clickable image (a streamlit-image-coordinates component)."""
    return [
        json.loads(element.proto.json_args)["src"]
        for element in node.get("component_instance")
        if element.proto.component_name.startswith("streamlit_image_coordinates")
    ]


def captions(node) -> list[str]:
    """Every caption: st.image captions, then st.caption texts (clickable images are captioned so)."""
    return image_captions(node) + [caption.value for caption in node.caption]
