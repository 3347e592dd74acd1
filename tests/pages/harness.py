"""Run a page with Streamlit's AppTest, from the repository root, and fail on any exception."""

from __future__ import annotations

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
    """Media URLs of every st.image: they are content hashes, so they change when a picture changes."""
    return [i.url for image in node.get("image") for i in image.proto.imgs]
