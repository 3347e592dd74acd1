"""Segmentation by thresholding (simple, Otsu, adaptive) and by k-means colour clustering."""

from __future__ import annotations

import inspect
from typing import NamedTuple

import cv2
import numpy as np

from lib.cv.images import to_gray, to_rgb
from lib.cv.programs import literal, snippet

# name -> (OpenCV flag expression shown to students, flag value)
THRESHOLD_METHODS: dict[str, tuple[str, int]] = {
    "binary": ("cv2.THRESH_BINARY", cv2.THRESH_BINARY),
    "binary_inv": ("cv2.THRESH_BINARY_INV", cv2.THRESH_BINARY_INV),
    "trunc": ("cv2.THRESH_TRUNC", cv2.THRESH_TRUNC),
    "tozero": ("cv2.THRESH_TOZERO", cv2.THRESH_TOZERO),
    "tozero_inv": ("cv2.THRESH_TOZERO_INV", cv2.THRESH_TOZERO_INV),
    "otsu": ("cv2.THRESH_BINARY + cv2.THRESH_OTSU", cv2.THRESH_BINARY + cv2.THRESH_OTSU),
}
# What each method does to a pixel value p, with threshold t and maximum m (teach it right: see DESIGN.md).
THRESHOLD_RULES: dict[str, str] = {
    "binary": "p > t → m, otherwise (p ≤ t) → 0",
    "binary_inv": "p > t → 0, otherwise (p ≤ t) → m",
    "trunc": "p > t → t, otherwise p unchanged",
    "tozero": "p > t → p unchanged, otherwise → 0",
    "tozero_inv": "p > t → 0, otherwise p unchanged",
    "otsu": "binary, with t chosen by Otsu's method (the t that best separates the histogram's two modes)",
}
ADAPTIVE_METHODS: dict[str, tuple[str, int]] = {
    "mean": ("cv2.ADAPTIVE_THRESH_MEAN_C", cv2.ADAPTIVE_THRESH_MEAN_C),
    "gaussian": ("cv2.ADAPTIVE_THRESH_GAUSSIAN_C", cv2.ADAPTIVE_THRESH_GAUSSIAN_C),
}
KMEANS_MAX_PIXELS = 25_000  # k-means runs on a preview of at most this many pixels, then labels every pixel
KMEANS_MAX_K = 16


class ThresholdResult(NamedTuple):
    """What cv2.threshold returns: the threshold used (Otsu's choice for "otsu") and the image."""

    threshold: float
    image: np.ndarray  # (H, W) uint8


class KMeansResult(NamedTuple):
    """k-means colour clustering of an image; clusters are ordered by pixel share, largest first."""

    image: np.ndarray  # (H, W, 3) uint8: every pixel replaced by its cluster's colour
    labels: np.ndarray  # (H, W) int32: cluster index of every pixel
    palette: np.ndarray  # (k, 3) uint8 RGB: the cluster centres (truncated to uint8, as np.uint8 does)
    shares: np.ndarray  # (k,) float64: fraction of the image's pixels in each cluster; sums to 1
    preview_shape: tuple[int, int]  # (h, w) of the image k-means actually ran on


def simple_threshold(
    image: np.ndarray, *, threshold: int = 150, max_value: int = 255, method: str = "binary"
) -> ThresholdResult:
    """cv2.threshold on the gray image (RGB is converted). The course: threshold 150, max 255.

    binary: p > threshold -> max_value, p <= threshold -> 0 (they do not stay unchanged).
    "otsu" ignores `threshold` and picks one from the histogram. Returns ThresholdResult.
    """
    gray = to_gray(image)
    if method not in THRESHOLD_METHODS:
        raise ValueError(f"Unknown method {method!r}; choose one of {', '.join(THRESHOLD_METHODS)}.")
    if not 0 <= threshold <= 255 or not 0 <= max_value <= 255:
        raise ValueError("threshold and max_value must be 0..255 for an 8-bit image.")
    used, result = cv2.threshold(gray, threshold, max_value, THRESHOLD_METHODS[method][1])
    return ThresholdResult(float(used), result)


def adaptive_threshold(
    image: np.ndarray,
    *,
    method: str = "gaussian",
    block_size: int = 11,
    c: float = 9,
    max_value: int = 255,
    inverse: bool = False,
) -> np.ndarray:
    """cv2.adaptiveThreshold: each pixel is compared with the mean ('mean') or the Gaussian-weighted mean
    ('gaussian') of its block_size x block_size neighbourhood minus c. The course: block 11, C 9. Returns (H, W) uint8 0 / max.
    """
    gray = to_gray(image)
    if method not in ADAPTIVE_METHODS:
        raise ValueError(f"Unknown adaptive method {method!r}; choose 'mean' or 'gaussian'.")
    if block_size < 3 or block_size % 2 == 0:
        raise ValueError(f"block_size must be odd and at least 3 (e.g. 11), got {block_size}.")
    if not 0 <= max_value <= 255:
        raise ValueError("max_value must be 0..255.")
    kind = cv2.THRESH_BINARY_INV if inverse else cv2.THRESH_BINARY
    return cv2.adaptiveThreshold(
        gray, max_value, ADAPTIVE_METHODS[method][1], kind, int(block_size), float(c)
    )


def nearest_centre(image_rgb, centers):
    """Index of the nearest centre (squared distance in RGB) for every pixel: (H * W,) int32.

    Works colour plane by colour plane: much faster than summing an (N, 3) array along its short axis.
    """
    red, green, blue = (image_rgb[:, :, i].astype(np.float32).ravel() for i in range(3))
    best = np.full(red.shape, np.inf, dtype=np.float32)
    labels = np.zeros(red.shape, dtype=np.int32)
    for index, (r, g, b) in enumerate(centers):
        distance = (red - r) ** 2 + (green - g) ** 2 + (blue - b) ** 2
        labels[distance < best] = index
        best = np.minimum(best, distance)
    return labels


def cluster_colours(
    image_rgb, *, k=3, attempts=10, epsilon=0.2, max_iterations=100, seed=0, max_pixels=25_000
):
    """k-means on the pixel colours (the course: k 3, attempts 10, eps 0.2, 100 iterations).

    image_rgb: (H, W, 3) uint8 with at least 2 pixels. Returns (result: every pixel painted with its
    cluster's centre, labels (H, W), palette (k, 3) uint8, shares (k,), the (h, w) k-means ran on);
    clusters are ordered by pixel share, largest first.
    """
    height, width = image_rgb.shape[:2]
    small = image_rgb
    if height * width > max_pixels:  # cluster a smaller preview: k-means time grows with the pixel count
        scale = (max_pixels / (height * width)) ** 0.5
        size = (max(1, int(width * scale)), max(1, int(height * scale)))
        small = cv2.resize(image_rgb, size, interpolation=cv2.INTER_AREA)
        if small.shape[0] * small.shape[1] < k:  # too few pixels left for k clusters
            small = image_rgb
    pixel_values = np.float32(small.reshape(-1, 3))  # one row [R, G, B] per pixel
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, max_iterations, epsilon)
    cv2.setRNGSeed(seed)  # the same random starting centres every run
    _, labels, centers = cv2.kmeans(pixel_values, k, None, criteria, attempts, cv2.KMEANS_RANDOM_CENTERS)
    labels = labels.ravel()
    if small is not image_rgb:  # give every full-size pixel its nearest centre
        labels = nearest_centre(image_rgb, centers)

    # number the clusters by size, largest first
    counts = np.bincount(labels, minlength=k)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty(k, dtype=np.int32)
    rank[order] = np.arange(k, dtype=np.int32)
    palette = np.uint8(centers)[order]  # np.uint8 truncates, as the course's np.uint8(centers)
    labels = rank[labels]
    result = palette[labels].reshape(image_rgb.shape)
    shares = counts[order] / labels.size  # pixel share of each cluster
    return result, labels.reshape(height, width), palette, shares, small.shape[:2]


def kmeans_colours(
    image_rgb: np.ndarray,
    *,
    k: int = 3,
    attempts: int = 10,
    epsilon: float = 0.2,
    max_iterations: int = 100,
    seed: int = 0,
    max_pixels: int = KMEANS_MAX_PIXELS,
) -> KMeansResult:
    """Cluster the pixel colours with cv2.kmeans (KMEANS_RANDOM_CENTERS, RNG seeded for reproducibility).

    The course: k 3, attempts 10, criteria EPS + MAX_ITER with eps 0.2 and 100 iterations.
    Images with more than max_pixels pixels are clustered on a downscaled (INTER_AREA) preview; every
    full-size pixel then takes its nearest centre. image_rgb: (H, W, 3) uint8 (gray is expanded).
    The steps are cluster_colours, the function the page's Code panel shows.
    """
    image_rgb = to_rgb(image_rgb)
    if not 1 <= k <= KMEANS_MAX_K:
        raise ValueError(f"k must be 1..{KMEANS_MAX_K} (the course uses 3), got {k}.")
    if attempts < 1 or max_iterations < 1 or epsilon < 0:
        raise ValueError("attempts and max_iterations must be at least 1 and epsilon at least 0.")
    if max_pixels < 1:
        raise ValueError("max_pixels must be at least 1.")
    height, width = image_rgb.shape[:2]
    if height * width < k:
        pixels = height * width
        raise ValueError(
            f"The image has {pixels} pixel{'s' if pixels > 1 else ''}, fewer than the k = {k} clusters "
            f"k-means must fill (each cluster needs at least one pixel). Lower k, or use an image with "
            f"at least {k} pixels."
        )
    if height * width == 1:  # one pixel is its own centre (cv2.kmeans would read (1, 3) as 3 samples)
        return KMeansResult(
            image_rgb.copy(), np.zeros((1, 1), np.int32), image_rgb.reshape(1, 3), np.ones(1), (1, 1)
        )
    settings = {"epsilon": float(epsilon), "max_iterations": int(max_iterations), "seed": int(seed)}
    return KMeansResult(
        *cluster_colours(image_rgb, k=int(k), attempts=int(attempts), max_pixels=int(max_pixels), **settings)
    )


def palette_strip(
    palette: np.ndarray, shares: np.ndarray, *, width: int = 600, height: int = 48
) -> np.ndarray:
    """An RGB (height, width, 3) uint8 bar: each palette colour as wide as its pixel share (left to right)."""
    palette = np.asarray(palette)
    shares = np.asarray(shares, dtype=np.float64)
    if palette.ndim != 2 or palette.shape[1] != 3 or len(palette) != len(shares) or len(shares) == 0:
        raise ValueError("palette must be (k, 3) and shares (k,) with the same k >= 1.")
    if width < len(shares) or height < 1:
        raise ValueError("The strip must be at least one pixel high and k pixels wide.")
    if np.any(shares < 0) or shares.sum() <= 0:
        raise ValueError("shares must be non-negative and not all zero.")
    edges = np.rint(np.cumsum(shares) / shares.sum() * width).astype(int)  # right edge of each colour
    columns = np.searchsorted(edges, np.arange(width), side="right")  # colour index of each column
    strip = palette.astype(np.uint8)[np.minimum(columns, len(shares) - 1)]  # (width, 3)
    return np.ascontiguousarray(np.broadcast_to(strip, (height, width, 3)))


def threshold_snippet(*, threshold: int = 150, max_value: int = 255, method: str = "binary") -> str:
    """Runnable code reproducing simple_threshold(); `result` is the thresholded gray image."""
    if method not in THRESHOLD_METHODS:
        raise ValueError(f"Unknown method {method!r}; choose one of {', '.join(THRESHOLD_METHODS)}.")
    flag = THRESHOLD_METHODS[method][0]
    note = "# Otsu ignores the given threshold and returns the one it chose" if method == "otsu" else ""
    note = note or f"# rule: {THRESHOLD_RULES[method]}"
    return snippet(f"""gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
{note}
used_threshold, result = cv2.threshold(gray, {int(threshold)}, {int(max_value)}, {flag})
""")


def adaptive_threshold_snippet(
    *,
    method: str = "gaussian",
    block_size: int = 11,
    c: float = 9,
    max_value: int = 255,
    inverse: bool = False,
) -> str:
    """Runnable code reproducing adaptive_threshold(); `result` is the binary image."""
    if method not in ADAPTIVE_METHODS:
        raise ValueError(f"Unknown adaptive method {method!r}; choose 'mean' or 'gaussian'.")
    kind = "cv2.THRESH_BINARY_INV" if inverse else "cv2.THRESH_BINARY"
    local = "mean" if method == "mean" else "Gaussian-weighted mean"
    return snippet(f"""gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
# each pixel is compared with the {local} of its {int(block_size)}x{int(block_size)} block minus C = {literal(float(c))}
result = cv2.adaptiveThreshold(gray, {int(max_value)}, {ADAPTIVE_METHODS[method][0]}, {kind}, {int(block_size)}, {literal(float(c))})
""")


def kmeans_snippet(
    *,
    k: int = 3,
    attempts: int = 10,
    epsilon: float = 0.2,
    max_iterations: int = 100,
    seed: int = 0,
    max_pixels: int = KMEANS_MAX_PIXELS,
) -> str:
    """The Code panel: the real source of cluster_colours (and nearest_centre) under these settings;
    `result` is the clustered RGB image, `shares` each cluster's pixel share."""
    call = (
        f"k={int(k)}, attempts={int(attempts)}, epsilon={literal(float(epsilon))}, max_iterations={int(max_iterations)}, "
        f"seed={int(seed)}, max_pixels={int(max_pixels)}"
    )
    return snippet(
        "\n"
        + inspect.getsource(nearest_centre)
        + "\n\n"
        + inspect.getsource(cluster_colours)
        + "\n\n# the page's settings\n"
        + f"result, labels, palette, shares, small_shape = cluster_colours(image_rgb, {call})\n"
    )
