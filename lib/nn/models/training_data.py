"""Training data of our own models (shared by the training scripts and the tests)."""

from __future__ import annotations

import cv2
import numpy as np

from lib.nn.models.registry import DIGIT_SIDE

# ---------------------------------------------------------------------------------------------------
# Training data of our own models (shared by the training scripts and the tests)


def upscale_digits(cells: np.ndarray) -> np.ndarray:
    """8x8 digit cells in [0, 1] -> 32x32 float32 images, bilinear (the same for training and inference).

    cells: (N, 8, 8) or (8, 8) float. Returns (N, 32, 32) or (32, 32) float32.
    """
    cells = np.asarray(cells, dtype=np.float32)
    if cells.ndim == 2:
        return cv2.resize(cells, (DIGIT_SIDE, DIGIT_SIDE), interpolation=cv2.INTER_LINEAR)
    return np.stack([upscale_digits(cell) for cell in cells])


def digits_split(*, test_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, ...]:
    """scikit-learn's handwritten digits at 32x32, split stratified by class with a fixed seed.

    Returns (train_images, train_labels, test_images, test_labels): images (N, 32, 32) float32 in [0, 1]
    (bright ink on black, as in the data), labels (N,) int64.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = upscale_digits(digits.images / 16.0)
    labels = digits.target.astype(np.int64)
    train_x, test_x, train_y, test_y = train_test_split(
        images, labels, test_size=test_fraction, random_state=seed, stratify=labels
    )
    return train_x, train_y, test_x, test_y
