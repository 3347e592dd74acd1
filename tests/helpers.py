"""Helpers the test modules share, so that no test module imports another: generated code run as the
course runs it, a download run in an empty folder as a student runs it, hostile PNG bytes, and digits drawn
the way a mouse draws them on the canvas."""

from __future__ import annotations

import ast
import contextlib
import functools
import re
import struct
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lib.cv.canvas_input import CANVAS_SIDE, STROKE_WIDTH
from tests.pages.harness import ROOT, _walk


def run_snippet(code: str, image_rgb: np.ndarray | None = None, **names: object) -> dict:
    """Execute a generated Code-panel snippet with image_rgb (and any other names) defined, as a script runs
    (__name__ == "__main__"); its namespace."""
    namespace: dict = {"__name__": "__main__", **names}
    if image_rgb is not None:
        namespace["image_rgb"] = image_rgb
    exec(compile(code, "<snippet>", "exec"), namespace)  # noqa: S102 - our own generated code
    return namespace


def snippet_result(code: str, image_rgb: np.ndarray | None = None, **names: object) -> object:
    """The `result` a generated snippet computes."""
    return run_snippet(code, image_rgb, **names)["result"]


def run_program(code: str, folder: Path | None = None) -> object:
    """Run a shown program as a script (__name__ == "__main__") in folder, else an empty temporary one; its `result`."""
    namespace: dict = {"__name__": "__main__"}
    with contextlib.ExitStack() as stack:
        where = folder if folder is not None else stack.enter_context(tempfile.TemporaryDirectory())
        stack.enter_context(contextlib.chdir(where))
        exec(compile(code, "<snippet>", "exec"), namespace)  # noqa: S102 - the page's own generated code
    return namespace["result"]


RUFF = Path(sys.executable).parent / "ruff"


def lint_errors(path: Path) -> str:
    """ruff's syntax errors and pyflakes findings (E9, F) in a downloaded script or project folder; "" if none."""
    lint = subprocess.run(
        [str(RUFF), "check", "--no-cache", "--isolated", "--select", "E9,F", str(path)],
        capture_output=True,
        text=True,
    )
    return lint.stdout if lint.returncode else ""


def run_in_empty_folder(arguments: list[str], folder: Path, *, timeout: float) -> subprocess.CompletedProcess:
    """`python *arguments` in `folder` as a student runs a download there: a fresh interpreter with this
    repository neither on its path nor in its environment (HOME is the folder, PATH the system's)."""
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": "/usr/bin:/bin", "HOME": str(folder), "PYTHONPATH": ""},
    )


def page_params(pages: list, *, slow: set[str] = frozenset()) -> list:
    """One pytest.param per page (id: its url path); those whose url path is in `slow` marked slow."""
    unknown = slow - {info.url_path for info in pages}
    assert not unknown, f"no such pages: {sorted(unknown)}"
    return [
        pytest.param(info, id=info.url_path, marks=[pytest.mark.slow] if info.url_path in slow else [])
        for info in pages
    ]


@functools.cache
def _functions(path: Path) -> dict[str, str]:
    """The source of every function (and method) defined in a file, by name."""
    source = path.read_text()
    return {
        node.name: ast.get_source_segment(source, node) or ""
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef)
    }


@functools.cache
def page_code(page_file: str) -> tuple[str, ...]:
    """What a page runs of this repository's Streamlit code, read without running it: the page file, then every
    function it calls, directly or through another such function, from its own section (ui/sections/<page>.py)
    and the generic ui modules (ui/*.py). Other pages' sections are left out: each belongs to its page only."""
    page = ROOT / page_file
    functions: dict[str, str] = {}
    for module in sorted((ROOT / "ui").glob("*.py")):
        functions.update(_functions(module))
    section = ROOT / "ui" / "sections" / page.name
    if section.is_file():
        functions.update(_functions(section))
    code, reached, frontier = [page.read_text()], set(), [page.read_text()]
    while frontier:  # functions called by what was reached, to a fixpoint
        body = frontier.pop()
        for name, source in functions.items():
            if name not in reached and re.search(rf"\b{name}\(", body):
                reached.add(name)
                code.append(source)
                frontier.append(source)
    return tuple(code)


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG with a valid IHDR chunk that claims a huge size and no pixel data."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 24) -> np.ndarray:
    """Points (n, 2) x, y of an elliptic arc; angles in degrees, 0 = right, 90 = down (image axes)."""
    angles = np.radians(np.linspace(start, end, n))
    return np.stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)], axis=1)


# Each digit as strokes in a unit box (x right, y down), the way people draw them with a mouse.
STROKES: dict[str, list[np.ndarray]] = {
    "0": [_arc(0.5, 0.5, 0.45, 0.5, -90, 270, 40)],
    "1": [np.array([[0.3, 0.18], [0.55, 0.0], [0.55, 1.0]])],
    "2": [np.concatenate([_arc(0.5, 0.28, 0.42, 0.28, 190, 390, 20), [[0.05, 1.0], [0.98, 1.0]]])],
    "3": [
        np.concatenate([_arc(0.48, 0.25, 0.42, 0.25, 200, 450, 20), _arc(0.48, 0.74, 0.46, 0.26, 270, 520)])
    ],
    "4": [np.array([[0.6, 0.0], [0.05, 0.68], [0.98, 0.68]]), np.array([[0.72, 0.3], [0.72, 1.0]])],
    "5": [np.concatenate([[[0.9, 0.0], [0.2, 0.0], [0.15, 0.42]], _arc(0.48, 0.68, 0.45, 0.32, 235, 495)])],
    "6": [np.concatenate([_arc(0.85, 0.6, 0.8, 0.6, 240, 180, 12), _arc(0.5, 0.72, 0.44, 0.28, 180, 540)])],
    "7": [np.array([[0.0, 0.0], [1.0, 0.0], [0.35, 1.0]]), np.array([[0.3, 0.5], [0.9, 0.5]])],  # crossed
    "8": [np.concatenate([_arc(0.5, 0.24, 0.36, 0.24, 450, 90, 28), _arc(0.5, 0.74, 0.46, 0.26, -90, 270)])],
    "9": [np.concatenate([_arc(0.5, 0.28, 0.44, 0.28, 0, 360, 28), [[0.94, 0.28], [0.85, 1.0]]])],
}


def drawn_digit(
    strokes: list[np.ndarray], rng: np.random.Generator, *, narrow: bool = False, pen: int = STROKE_WIDTH
) -> np.ndarray:
    """A digit drawn with the canvas's pen on a transparent RGBA canvas, as the browser sends it."""
    canvas = np.zeros((CANVAS_SIDE, CANVAS_SIDE, 4), np.uint8)
    height = rng.uniform(0.5, 0.8) * CANVAS_SIDE
    width = height * (0.35 if narrow else rng.uniform(0.55, 0.8))
    tilt, slant = np.radians(rng.uniform(-10, 10)), rng.uniform(-0.2, 0.2)
    centre = CANVAS_SIDE / 2 + rng.uniform(-0.12, 0.12, size=2) * CANVAS_SIDE
    rotation = np.array([[np.cos(tilt), np.sin(tilt)], [-np.sin(tilt), np.cos(tilt)]])
    for stroke in strokes:
        points = (stroke - 0.5) * [width, height]
        points[:, 0] += slant * points[:, 1]
        points = points @ rotation + centre + rng.normal(0, 0.006 * CANVAS_SIDE, points.shape)  # tremor
        line = [np.round(points).astype(np.int32)]
        cv2.polylines(canvas, line, False, (0, 0, 0, 255), pen, cv2.LINE_AA)
    return canvas


# ---------------------------------------------------------------------------------------------------------
# Shared links: pages opened through Home.py with URL values, and the corpus of hostile values

LINK_TIMEOUT = 180


NOTICE_START = "This link had values"
HOSTILE = {
    "inf": "inf",
    "-inf": "-inf",
    "nan": "nan",
    "1e308": "1e308",
    "-1": "-1",
    "empty": "",
    "100 kB": "9" * 100_000,
    "unicode rtl emoji": "\u202eﬁ 🎉 한국어 e\u0301",
    "script tag": "<script>alert(1)</script>",
    "path": "../../etc/passwd",
    "repeated key": ["1", "2"],
    "unknown option": "no such option",
    "low > high": ["200", "3"],
}


def open_page(page: str, query: dict[str, object]) -> AppTest:
    app = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=LINK_TIMEOUT)
    app.switch_page(page)
    app.query_params.update(query)
    app.run()
    return app


@dataclass(frozen=True)
class Bound:
    key: str
    type: str
    options: tuple[str, ...]


def bound_widgets(app: AppTest) -> dict[str, Bound]:
    """Every URL-bound widget on the page as it ran, by key."""
    found = {}
    for element in _walk(app._tree):
        proto = getattr(element, "proto", None)
        key = getattr(proto, "query_param_key", "") if proto is not None else ""
        if key:
            options = getattr(proto, "options", ())
            labels = tuple(option if isinstance(option, str) else option.content for option in options)
            found[key] = Bound(key, element.type, labels)
    return found


SMALL_CNN_CLASSES = ("circle", "square", "triangle")


def small_trained_cnn(classes: tuple[str, ...] = SMALL_CNN_CLASSES):
    """The Train a CNN page's trainer after one epoch on 24 shapes of 32x32, light widths, on the CPU: a real
    session-trained CNN for tests (its .model_entry() is what the page keeps)."""
    import torch

    from lib.cv.shapes import make_shapes
    from lib.nn import cnn_training

    images, labels = make_shapes(8, size=32, seed=0, classes=classes)
    trainer = cnn_training.CnnTrainer(
        images,
        labels,
        classes,
        channels=cnn_training.LIGHT_CHANNELS,
        batch_size=8,
        device=torch.device("cpu"),
    )
    trainer.train(1)
    return trainer


TRAINED_NAME = "Your CNN (shapes, 3 classes)"  # the name the Train a CNN page gives small_trained_cnn's model
TRAINED_CHOICE = "session:" + TRAINED_NAME  # its value in a page's model picker


def shape_example(shape: str) -> np.ndarray:
    """The model pages' example image of a shape (ui.model_input.shape_example with seed 7)."""
    from lib.cv.shapes import draw_shape

    return draw_shape(shape, np.random.default_rng(7), size=128)


@functools.cache
def trained_models() -> dict[str, dict]:
    """The session state the Train a CNN page leaves: small_trained_cnn's model under the page's name."""
    return {TRAINED_NAME: small_trained_cnn().model_entry()}
