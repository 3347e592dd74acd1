"""A generated image data set of shapes: circles, squares, triangles, stars, hexagons drawn with OpenCV.

Every image has a random colour, size, position, rotation, background and noise, so a small CNN has
something real to learn and students can make as many examples as they want, offline.
"""

from __future__ import annotations

import cv2
import numpy as np

SHAPE_CLASSES: tuple[str, ...] = ("circle", "square", "triangle", "star", "hexagon")


def make_shapes(
    n_per_class: int, *, size: int = 64, seed: int = 0, classes: tuple[str, ...] = SHAPE_CLASSES
) -> tuple[np.ndarray, np.ndarray]:
    """Draw n_per_class images of each shape.

    Returns (images, labels): images (N, size, size, 3) RGB uint8, labels (N,) int64 indexing `classes`,
    interleaved by class (0, 1, 2, ..., 0, 1, 2, ...). The same seed gives the same data set.
    """
    if n_per_class < 1:
        raise ValueError(f"n_per_class must be at least 1, got {n_per_class}")
    if size < 16:
        raise ValueError(f"size must be at least 16 pixels, got {size}")
    unknown = [name for name in classes if name not in SHAPE_CLASSES]
    if unknown:
        raise ValueError(f"unknown shape classes {unknown}; choose from {SHAPE_CLASSES}")
    rng = np.random.default_rng(seed)
    images = np.empty((n_per_class * len(classes), size, size, 3), dtype=np.uint8)
    labels = np.empty(n_per_class * len(classes), dtype=np.int64)
    index = 0
    for _ in range(n_per_class):
        for label, name in enumerate(classes):
            images[index] = draw_shape(name, rng, size=size)
            labels[index] = label
            index += 1
    return images, labels


def random_canvas(rng: np.random.Generator, size: int) -> tuple[np.ndarray, tuple[int, int, int]]:
    """A (size, size, 3) uint8 canvas of a random background colour, and an ink colour that stands out on it."""
    background = rng.integers(0, 256, size=3)
    # Shape colour far enough from the background that the shape is always visible.
    colour = rng.integers(0, 256, size=3)
    while np.abs(colour.astype(int) - background.astype(int)).sum() < 180:
        colour = rng.integers(0, 256, size=3)
    canvas = np.empty((size, size, 3), dtype=np.uint8)
    canvas[:] = background.astype(np.uint8)
    return canvas, (int(colour[0]), int(colour[1]), int(colour[2]))


def draw_shape(name: str, rng: np.random.Generator, *, size: int = 64) -> np.ndarray:
    """One RGB uint8 (size, size, 3) image of the named shape on a random background, with noise."""
    canvas, colour_tuple = random_canvas(rng, size)
    radius = rng.uniform(0.22, 0.38) * size
    margin = radius + 1
    centre = rng.uniform(margin, size - margin, size=2)
    angle = rng.uniform(0, 2 * np.pi)
    if name == "circle":
        scale = 16  # sub-pixel precision: 4 fractional bits
        cv2.circle(
            canvas,
            (int(centre[0] * scale), int(centre[1] * scale)),
            int(radius * scale),
            colour_tuple,
            -1,
            cv2.LINE_AA,
            shift=4,
        )
    else:
        points = _polygon(name, centre, radius, angle)
        cv2.fillPoly(canvas, [np.round(points * 16).astype(np.int32)], colour_tuple, cv2.LINE_AA, shift=4)
    noise = rng.normal(0.0, rng.uniform(2.0, 12.0), size=canvas.shape)
    return np.clip(canvas.astype(np.float64) + noise, 0, 255).astype(np.uint8)


def _polygon(name: str, centre: np.ndarray, radius: float, angle: float) -> np.ndarray:
    """Vertices (n, 2) as float x, y of a regular shape around `centre`."""
    if name == "square":
        corners = 4
        radii = np.full(corners, radius)
    elif name == "triangle":
        corners = 3
        radii = np.full(corners, radius * 1.1)
    elif name == "hexagon":
        corners = 6
        radii = np.full(corners, radius)
    elif name == "star":
        corners = 10
        radii = np.where(np.arange(corners) % 2 == 0, radius * 1.1, radius * 0.45)
    else:
        raise ValueError(f"unknown shape {name!r}; choose from {SHAPE_CLASSES}")
    angles = angle + np.arange(corners) * 2 * np.pi / corners
    return np.stack([centre[0] + radii * np.cos(angles), centre[1] + radii * np.sin(angles)], axis=1)
