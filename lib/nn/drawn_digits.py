"""Digits drawn the way students draw them on the Classifier's canvas: a thick pen, a few strokes each.

scikit-learn's digits (the UCI scans) were written by people who crossed their 7s and gave their 1s a base;
most students today write a 7 without its bar and a 1 as one stroke. LeNet learns those too when its
training data holds them: each digit here has several styles (STYLES), drawn as polylines with the canvas's
pen on its 280x280 canvas, with a hand's variation (size, place, slant, tilt, tremor, pen width), then
given to the model exactly as the page gives a drawing (lib.cv.canvas_input.drawing_image, then
lib.nn.models.digit_steps: crop, strokes thickened, 8x8 cells, 32x32).
"""

from __future__ import annotations

import cv2
import numpy as np

from lib.cv.canvas_input import CANVAS_SIDE, STROKE_WIDTH, drawing_image
from lib.nn.models import digit_steps


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 24) -> np.ndarray:
    """Points (n, 2) x, y of an elliptic arc; angles in degrees, 0 = right, 90 = down (image axes)."""
    angles = np.radians(np.linspace(start, end, n))
    return np.stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)], axis=1)


def _bezier(start: tuple[float, float], control: tuple[float, float], end: tuple[float, float], n: int = 12):
    """Points (n, 2) of a quadratic Bezier curve: a stroke that bends once."""
    t = np.linspace(0, 1, n)[:, None]
    return (1 - t) ** 2 * np.array(start) + 2 * (1 - t) * t * np.array(control) + t**2 * np.array(end)


def _line(*points: tuple[float, float]) -> np.ndarray:
    return np.array(points, dtype=np.float64)


# Each digit's styles: a style is a list of strokes, a stroke an (n, 2) polyline in a unit box (x right, y down).
STYLES: dict[str, dict[str, list[np.ndarray]]] = {
    "0": {
        "oval": [_arc(0.5, 0.5, 0.45, 0.5, -90, 270, 40)],
        "oval, overlapping": [_arc(0.5, 0.5, 0.42, 0.5, -100, 290, 40)],
    },
    "1": {
        "one stroke": [_line((0.5, 0.0), (0.5, 1.0))],
        "with a flag, no base": [_line((0.25, 0.2), (0.55, 0.0), (0.55, 1.0))],
        "with a flag and a base": [
            _line((0.25, 0.2), (0.55, 0.0), (0.55, 1.0)),
            _line((0.2, 1.0), (0.9, 1.0)),
        ],
    },
    "2": {
        "curve and base": [
            np.concatenate([_arc(0.5, 0.28, 0.42, 0.28, 190, 390, 20), [[0.05, 1.0], [0.98, 1.0]]])
        ],
        "angular": [_line((0.05, 0.15), (0.5, 0.0), (0.95, 0.2), (0.05, 1.0), (0.95, 1.0))],
    },
    "3": {
        "two arcs": [
            np.concatenate(
                [_arc(0.48, 0.25, 0.42, 0.25, 200, 450, 20), _arc(0.48, 0.74, 0.46, 0.26, 270, 520)]
            )
        ],
        "flat top": [
            np.concatenate([[[0.1, 0.0], [0.9, 0.0], [0.4, 0.4]], _arc(0.45, 0.7, 0.45, 0.3, 270, 520)])
        ],
    },
    "4": {
        "closed": [_line((0.6, 0.0), (0.05, 0.68), (0.98, 0.68)), _line((0.72, 0.3), (0.72, 1.0))],
        "open": [_line((0.15, 0.0), (0.1, 0.6), (0.95, 0.6)), _line((0.75, 0.05), (0.75, 1.0))],
    },
    "5": {
        "one stroke": [
            np.concatenate([[[0.9, 0.0], [0.2, 0.0], [0.15, 0.42]], _arc(0.48, 0.68, 0.45, 0.32, 235, 495)])
        ],
        "top bar last": [
            np.concatenate([[[0.2, 0.0], [0.15, 0.42]], _arc(0.48, 0.68, 0.45, 0.32, 235, 495)]),
            _line((0.2, 0.0), (0.9, 0.0)),
        ],
    },
    "6": {
        "curve and loop": [
            np.concatenate([_arc(0.85, 0.6, 0.8, 0.6, 240, 180, 12), _arc(0.5, 0.72, 0.44, 0.28, 180, 540)])
        ],
        "straight back": [np.concatenate([[[0.7, 0.0], [0.1, 0.7]], _arc(0.5, 0.72, 0.42, 0.28, 170, 530)])],
        "curled top": [
            np.concatenate(
                [_arc(0.5, 0.5, 0.45, 0.5, -40, -270, 24), _arc(0.5, 0.7, 0.42, 0.3, 90, -270, 24)]
            )
        ],
    },
    "7": {
        "no bar": [_line((0.0, 0.0), (1.0, 0.0), (0.35, 1.0))],
        "no bar, curved stem": [np.concatenate([[[0.0, 0.0]], _bezier((1.0, 0.0), (0.45, 0.4), (0.4, 1.0))])],
        "crossed": [_line((0.0, 0.0), (1.0, 0.0), (0.35, 1.0)), _line((0.3, 0.5), (0.9, 0.5))],
        "with a hook": [_line((0.0, 0.2), (0.05, 0.0), (1.0, 0.0), (0.4, 1.0))],
    },
    "8": {
        "two loops": [
            np.concatenate([_arc(0.5, 0.24, 0.36, 0.24, 450, 90, 28), _arc(0.5, 0.74, 0.46, 0.26, -90, 270)])
        ],
        "two circles": [_arc(0.5, 0.25, 0.35, 0.25, 0, 360, 28), _arc(0.5, 0.74, 0.45, 0.26, 0, 360, 28)],
    },
    "9": {
        "straight stem": [
            np.concatenate([_arc(0.5, 0.28, 0.44, 0.28, 0, 360, 28), [[0.94, 0.28], [0.85, 1.0]]])
        ],
        "curved stem": [
            np.concatenate([_arc(0.5, 0.28, 0.44, 0.28, 0, 360, 28), _arc(0.5, 0.28, 0.44, 0.72, 0, 90, 10)])
        ],
        "curled tail": [
            np.concatenate(
                [_arc(0.5, 0.28, 0.44, 0.28, 0, 360, 28), _bezier((0.94, 0.28), (0.95, 1.0), (0.25, 0.95))]
            )
        ],
    },
}


def draw_digit_canvas(
    strokes: list[np.ndarray], rng: np.random.Generator, *, pen: int | None = None
) -> np.ndarray:
    """Strokes drawn with the canvas's pen on a transparent (280, 280, 4) RGBA canvas, as the browser sends
    them, with a hand's variation: size, width, place, slant, tilt, tremor; pen width random when None."""
    canvas = np.zeros((CANVAS_SIDE, CANVAS_SIDE, 4), np.uint8)
    pen = pen if pen is not None else int(rng.integers(STROKE_WIDTH // 2, STROKE_WIDTH + 5))
    height = rng.uniform(0.45, 0.85) * CANVAS_SIDE
    width = height * rng.uniform(0.5, 0.85)
    tilt, slant = np.radians(rng.uniform(-12, 12)), rng.uniform(-0.25, 0.25)
    centre = CANVAS_SIDE / 2 + rng.uniform(-0.12, 0.12, size=2) * CANVAS_SIDE
    rotation = np.array([[np.cos(tilt), np.sin(tilt)], [-np.sin(tilt), np.cos(tilt)]])
    for stroke in strokes:
        wobble = stroke + rng.normal(0, 0.025, size=2)  # each stroke a little off where it belongs
        points = (wobble - 0.5) * [width, height]
        points[:, 0] += slant * points[:, 1]
        points = points @ rotation + centre + rng.normal(0, 0.005 * CANVAS_SIDE, points.shape)  # tremor
        cv2.polylines(canvas, [np.round(points).astype(np.int32)], False, (0, 0, 0, 255), pen, cv2.LINE_AA)
    return canvas


def drawn_digits(
    per_style: int, *, seed: int, digits: tuple[str, ...] = tuple(STYLES)
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """per_style drawings of every style of every digit, as LeNet's inputs.

    Returns (images (N, 32, 32) float32 in [0, 1] bright ink on black, as digits_split gives them;
    labels (N,) int64; styles: "7 no bar", ... one per image). The same seed gives the same set.
    """
    rng = np.random.default_rng(seed)
    images, labels, styles = [], [], []
    for _ in range(per_style):
        for digit in digits:
            for style, strokes in STYLES[digit].items():
                rgb = drawing_image(draw_digit_canvas(strokes, rng))
                images.append(digit_steps(rgb)[-1][1])
                labels.append(int(digit))
                styles.append(f"{digit} {style}")
    return np.stack(images).astype(np.float32), np.array(labels, dtype=np.int64), styles
