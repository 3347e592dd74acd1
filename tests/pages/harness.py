"""Run a page with Streamlit's AppTest, from the repository root, and fail on any exception."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
CLICKABLE = "streamlit_image_coordinates"


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


def pictures(node) -> list[tuple[str, str]]:
    """(caption, url) of every picture under an AppTest node, in page order: st.image pictures, and clickable
    images (ui.clickable: a streamlit-image-coordinates component, captioned by the st.caption after it).

    URLs are content hashes or data: URLs, so they change when a picture changes.
    """
    found = []
    elements = list(_walk(node._tree if isinstance(node, AppTest) else node))
    for index, element in enumerate(elements):
        if element.type == "image":
            found += [(image.caption, image.url) for image in element.proto.imgs]
        elif element.type == "component_instance" and element.proto.component_name.startswith(CLICKABLE):
            following = elements[index + 1] if index + 1 < len(elements) else None
            caption = following.value if following is not None and following.type == "caption" else ""
            found.append((caption, json.loads(element.proto.json_args)["src"]))
    return found


def _walk(node):
    """The elements under a node in page order (blocks are walked into)."""
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for index in sorted(children):
            yield from _walk(children[index])
    else:
        yield node


def image_captions(node) -> list[str]:
    """Captions of every picture (st.image and clickable images), in page order."""
    return [caption for caption, _ in pictures(node)]


def image_urls(node) -> list[str]:
    """URLs of every picture (st.image and clickable images), in page order."""
    return [url for _, url in pictures(node)]
