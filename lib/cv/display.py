"""Showing signed numbers: one blue-white-red colour map for every signed picture in the course.

Kernels (filtered images, Sobel, Laplacian) and Feature maps (pre-ReLU maps, kernel weights) use these
colours, so "blue below zero, red above" reads the same on every page. The ends are ColorBrewer's RdBu.
"""

from __future__ import annotations

import numpy as np

NEGATIVE = (33, 102, 172)  # at -1: blue
ZERO = (255, 255, 255)  # at 0: white
POSITIVE = (178, 24, 43)  # at +1: red


def signed_colours(values: np.ndarray) -> np.ndarray:
    """Values in [-1, 1] (clipped; NaN shows as 0) -> RGB uint8 (..., 3), linear from NEGATIVE through white
    to POSITIVE."""
    t = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0), -1.0, 1.0)[..., None]
    white, blue, red = (np.array(colour, dtype=np.float64) for colour in (ZERO, NEGATIVE, POSITIVE))
    colours = np.where(t < 0, white + (-t) * (blue - white), white + t * (red - white))
    return np.round(colours).astype(np.uint8)


SIGNED_LUT = signed_colours(np.linspace(-1.0, 1.0, 511))  # (511, 3): index 255 is 0


def signed_colourscale() -> list[list]:
    """The same map as a plotly colorscale (for a heatmap with zmin=-limit, zmax=limit)."""
    return [
        [position, f"rgb{colour}"] for position, colour in ((0.0, NEGATIVE), (0.5, ZERO), (1.0, POSITIVE))
    ]


BORDER = 150  # gray of the thin frame drawn round a picture that may be all white (or all one colour)


def with_border(image: np.ndarray, *, thickness: int | None = None, gray: int = BORDER) -> np.ndarray:
    """A copy of an image (H, W) or (H, W, C) uint8 with its outermost `thickness` pixels painted `gray`.

    The shape stays the same, so pixel coordinates still match; a white picture on a white page keeps an edge.
    thickness None: about 1/320 of the longer side (at least 2), so the frame stays a visible line once the
    picture is scaled down to display size.
    """
    array = np.asarray(image)
    if thickness is None and array.ndim in (2, 3):
        thickness = max(2, round(max(array.shape[:2]) / 320))
    if array.ndim not in (2, 3) or array.dtype != np.uint8:
        raise ValueError(
            f"with_border takes a uint8 (H, W) or (H, W, C) image, got {array.dtype} {array.shape}"
        )
    if thickness < 0:
        raise ValueError(f"thickness must be 0 or more, got {thickness}")
    framed = array.copy()
    side = min(thickness, *(n // 2 for n in array.shape[:2]))
    if side:
        framed[:side], framed[-side:], framed[:, :side], framed[:, -side:] = gray, gray, gray, gray
    return framed
