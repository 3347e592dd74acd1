"""The Segmentation page's own widget groups and cached wrappers (app_pages/segmentation.py)."""

from __future__ import annotations

import numpy as np

from lib.cv import thresholding
from ui.cache import image_cache


@image_cache
def simple_threshold(image: np.ndarray, threshold: int, method: str) -> thresholding.ThresholdResult:
    return thresholding.simple_threshold(image, threshold=threshold, method=method)


@image_cache
def adaptive_threshold(image: np.ndarray, method: str, block_size: int, c: float) -> np.ndarray:
    return thresholding.adaptive_threshold(image, method=method, block_size=block_size, c=c)


@image_cache(max_entries=16)
def kmeans_colours(image: np.ndarray, k: int, attempts: int, seed: int) -> thresholding.KMeansResult:
    return thresholding.kmeans_colours(image, k=k, attempts=attempts, seed=seed)
