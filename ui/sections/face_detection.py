"""The Face detection page's own widget groups and cached wrappers (app_pages/face_detection.py)."""

from __future__ import annotations

import numpy as np

from lib.cv import faces
from ui.cache import image_cache


@image_cache
def detect_faces(
    image: np.ndarray, scale_factor: float, min_neighbors: int, min_size: tuple[int, int]
) -> list[tuple[int, int, int, int]]:
    return faces.detect_faces(
        image, scale_factor=scale_factor, min_neighbors=min_neighbors, min_size=min_size
    )


@image_cache
def detect_eyes(
    image: np.ndarray, face_boxes: list[tuple[int, int, int, int]], min_neighbors: int
) -> list[list[tuple[int, int, int, int]]]:
    return faces.detect_eyes_in_faces(image, face_boxes, min_neighbors=min_neighbors)


@image_cache
def draw_faces(
    image: np.ndarray,
    face_boxes: list[tuple[int, int, int, int]],
    eye_boxes: list[list[tuple[int, int, int, int]]] | None,
) -> np.ndarray:
    return faces.draw_detections(image, face_boxes, eye_boxes)
