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


def metrics(app: AppTest) -> dict[str, str]:
    """Every st.metric on the page: label -> value as shown."""
    return {metric.label: metric.value for metric in app.metric}


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


def cells_to_open(true, predicted, class_count: int):
    """The reference confusion matrix (scikit-learn's) and the two cells a test opens: the fullest mistake
    (off the diagonal) and the fullest right answer (on it)."""
    import numpy as np
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(true, predicted, labels=range(class_count))
    off_diagonal = matrix - np.diag(np.diag(matrix))
    mistake = tuple(int(v) for v in np.unravel_index(off_diagonal.argmax(), matrix.shape))
    right = int(np.diag(matrix).argmax())
    return matrix, mistake, (right, right)


def open_confusion_cell(app: AppTest, key: str, trainer, cell: tuple[int, int], heading: str) -> None:
    """Write what a click on that cell of the page's confusion matrix writes (ui.confusion.cell_state), rerun,
    and check the page heads the cell's examples with `heading` (AppTest cannot click a plotly chart)."""
    from ui.confusion import cell_state

    app.session_state[key] = cell_state(trainer, cell)
    app.run()
    assert_clean(app)
    assert heading in [markdown.value for markdown in app.markdown]


def cell_examples(true, predicted, probabilities, row: int, column: int) -> list[int]:
    """The examples of cell (row, column): true class row, predicted column, surest of the predicted first."""
    items = [k for k in range(len(true)) if true[k] == row and predicted[k] == column]
    return sorted(items, key=lambda k: -probabilities[k, column])
