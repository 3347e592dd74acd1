"""The Face detection page's own widget groups and cached wrappers (app_pages/face_detection.py)."""

from __future__ import annotations

import numpy as np

from lib.cv import faces
from ui.cache import image_cache

EYE_MIN_NEIGHBORS = 5  # minNeighbors of the eye cascade inside each face


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


def live_faces(
    frame: np.ndarray,
    *,
    scale_factor: float,
    min_neighbors: int,
    min_size: tuple[int, int],
    with_eyes: bool,
) -> np.ndarray:
    """One camera frame through the still picture's calls: detect_faces, eyes if asked, draw_detections."""
    found = faces.detect_faces(
        frame, scale_factor=scale_factor, min_neighbors=min_neighbors, min_size=min_size
    )
    eyes = faces.detect_eyes_in_faces(frame, found, min_neighbors=EYE_MIN_NEIGHBORS) if with_eyes else None
    return faces.draw_detections(frame, found, eyes)
