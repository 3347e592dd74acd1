"""Face detection with OpenCV's bundled Haar cascades (Viola-Jones): frontal faces, eyes inside faces."""

from __future__ import annotations

import functools
import os
import threading

import cv2
import numpy as np

from lib.cv.images import to_gray
from lib.cv.programs import literal, snippet

FACE_CASCADE = "haarcascade_frontalface_default.xml"
EYE_CASCADE = "haarcascade_eye.xml"

Box = tuple[int, int, int, int]  # (x, y, width, height) in image pixels

# A CascadeClassifier keeps scratch buffers inside detectMultiScale, so one shared instance must not
# run in two threads at once (Streamlit serves each browser session from its own thread).
_DETECT_LOCK = threading.Lock()

FACE_COLOUR = (0, 255, 0)
EYE_COLOUR = (255, 64, 64)


@functools.lru_cache(maxsize=8)
def load_cascade(file_name: str = FACE_CASCADE) -> cv2.CascadeClassifier:
    """Load one of OpenCV's bundled Haar cascades by file name (cached: one per process)."""
    if not hasattr(cv2, "CascadeClassifier") or not getattr(getattr(cv2, "data", None), "haarcascades", ""):
        raise ValueError(
            f"OpenCV {cv2.__version__} has no Haar cascades (OpenCV 5 dropped CascadeClassifier). "
            "Install opencv-python-headless 4.x, as requirements.txt pins it."
        )
    path = os.path.join(cv2.data.haarcascades, file_name)
    classifier = cv2.CascadeClassifier(path)
    if classifier.empty():
        raise ValueError(
            f"OpenCV could not load the Haar cascade {file_name!r} from {cv2.data.haarcascades}. "
            "Reinstall opencv-python-headless, which bundles the cascades."
        )
    return classifier


def detect_faces(
    image_rgb: np.ndarray,
    *,
    scale_factor: float = 1.1,
    min_neighbors: int = 5,
    min_size: tuple[int, int] = (30, 30),
) -> list[Box]:
    """Find frontal faces with the bundled Haar cascade; boxes sorted left to right.

    image_rgb: (H, W, 3) RGB or (H, W) gray uint8. Returns [(x, y, w, h), ...] as Python ints.
    scale_factor (> 1): how much the search window grows per pyramid level; min_neighbors (>= 0):
    how many overlapping raw detections a face needs; min_size: the smallest face (w, h) looked for.
    """
    _check_parameters(scale_factor, min_neighbors, min_size)
    gray = to_gray(image_rgb, task="Face detection")
    return _detect(load_cascade(FACE_CASCADE), gray, scale_factor, min_neighbors, min_size)


def detect_eyes_in_faces(
    image_rgb: np.ndarray,
    faces: list[Box],
    *,
    scale_factor: float = 1.1,
    min_neighbors: int = 5,
    min_size: tuple[int, int] = (10, 10),
) -> list[list[Box]]:
    """Find eyes inside each face box (upper part of the face only, where eyes are).

    image_rgb: (H, W, 3) RGB or (H, W) gray uint8; faces: boxes from detect_faces.
    Returns one list of eye boxes per face, in whole-image coordinates, sorted left to right.
    """
    _check_parameters(scale_factor, min_neighbors, min_size)
    gray = to_gray(image_rgb, task="Face detection")
    cascade = load_cascade(EYE_CASCADE)
    eyes_per_face: list[list[Box]] = []
    for x, y, width, height in faces:
        upper_face = gray[y : y + eye_band_height(height), x : x + width]
        if upper_face.size == 0:
            eyes_per_face.append([])
            continue
        eyes = _detect(cascade, upper_face, scale_factor, min_neighbors, min_size)
        eyes_per_face.append([(x + ex, y + ey, ew, eh) for ex, ey, ew, eh in eyes])
    return eyes_per_face


def eye_band_height(face_height: int) -> int:
    """Rows of a face box searched for eyes: the upper 60 % (skips nostrils and mouth)."""
    return max(1, int(round(face_height * 0.6)))


def draw_detections(
    image_rgb: np.ndarray, faces: list[Box], eyes_per_face: list[list[Box]] | None = None
) -> np.ndarray:
    """Draw numbered face boxes (green) and eye boxes (red) on a copy of the image.

    image_rgb: (H, W, 3) RGB or (H, W) gray uint8. Returns RGB uint8 (H, W, 3).
    """
    canvas = cv2.cvtColor(image_rgb, cv2.COLOR_GRAY2RGB) if image_rgb.ndim == 2 else image_rgb.copy()
    thickness = max(2, round(max(canvas.shape[:2]) / 400))
    font_scale = max(0.5, max(canvas.shape[:2]) / 1600)
    for number, (x, y, width, height) in enumerate(faces, start=1):
        cv2.rectangle(canvas, (x, y), (x + width, y + height), FACE_COLOUR, thickness)
        label_y = y - 6 if y > 20 else y + height + int(22 * font_scale)
        cv2.putText(
            canvas,
            f"Face {number}",
            (x, label_y),
            cv2.FONT_HERSHEY_SIMPLEX,
            font_scale,
            FACE_COLOUR,
            thickness,
        )
    for eyes in eyes_per_face or []:
        for x, y, width, height in eyes:
            cv2.rectangle(canvas, (x, y), (x + width, y + height), EYE_COLOUR, max(1, thickness - 1))
    return canvas


def faces_snippet(
    *,
    scale_factor: float = 1.1,
    min_neighbors: int = 5,
    min_size: tuple[int, int] = (30, 30),
    with_eyes: bool = False,
    eye_min_neighbors: int = 5,
) -> str:
    """Runnable cv2 code that detects faces (and optionally eyes) as the page does, from `image_rgb`.

    Ends with `faces`, the (x, y, w, h) boxes sorted left to right, and `annotated`, the image with them drawn.
    """
    _check_parameters(scale_factor, min_neighbors, min_size)
    lines = [
        "gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)",
        f'face_cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "{FACE_CASCADE}")',
        "faces = face_cascade.detectMultiScale(",
        f"    gray, scaleFactor={literal(float(scale_factor))}, minNeighbors={int(min_neighbors)}, "
        f"minSize={literal((int(min_size[0]), int(min_size[1])))}",
        ")",
        "faces = sorted((int(x), int(y), int(w), int(h)) for x, y, w, h in faces)  # left to right",
    ]
    if with_eyes:
        lines += [f'eye_cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "{EYE_CASCADE}")']
    lines += [
        "",
        "annotated = image_rgb.copy()",
        "for number, (x, y, w, h) in enumerate(faces, start=1):",
        "    cv2.rectangle(annotated, (x, y), (x + w, y + h), (0, 255, 0), 2)",
        '    cv2.putText(annotated, f"Face {number}", (x, y - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 0), 2)',
    ]
    if with_eyes:
        lines += [
            "    upper_face = gray[y : y + max(1, int(round(h * 0.6))), x : x + w]  # eyes sit in the upper 60 %",
            f"    eyes = eye_cascade.detectMultiScale(upper_face, scaleFactor={literal(float(scale_factor))}, "
            f"minNeighbors={int(eye_min_neighbors)}, minSize=(10, 10))",
            "    for ex, ey, ew, eh in eyes:",
            "        cv2.rectangle(annotated, (x + ex, y + ey), (x + ex + ew, y + ey + eh), (255, 64, 64), 1)",
        ]
    lines += [
        "",
        'print(f"{len(faces)} face(s) found")',
    ]
    return snippet("\n".join(lines) + "\n")


def _detect(
    cascade: cv2.CascadeClassifier,
    gray: np.ndarray,
    scale_factor: float,
    min_neighbors: int,
    min_size: tuple[int, int],
) -> list[Box]:
    with _DETECT_LOCK:
        found = cascade.detectMultiScale(
            gray,
            scaleFactor=float(scale_factor),
            minNeighbors=int(min_neighbors),
            minSize=(int(min_size[0]), int(min_size[1])),
        )
    return sorted((int(x), int(y), int(w), int(h)) for x, y, w, h in found)


def _check_parameters(scale_factor: float, min_neighbors: int, min_size: tuple[int, int]) -> None:
    if not np.isfinite(scale_factor) or scale_factor <= 1.0:
        raise ValueError(
            f"scale_factor must be greater than 1 (e.g. 1.1: the window grows 10 % per step), got {scale_factor}"
        )
    if int(min_neighbors) != min_neighbors or min_neighbors < 0:
        raise ValueError(
            f"min_neighbors must be a whole number 0 or more (OpenCV's default 3, this page's 5), got {min_neighbors}"
        )
    if len(min_size) != 2 or any(int(side) != side or side < 0 for side in min_size):
        raise ValueError(f"min_size must be two whole numbers (width, height) of 0 or more, got {min_size}")
