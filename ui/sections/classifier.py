"""The Classifier demo page's own widget groups and cached wrappers (app_pages/classifier.py)."""

from __future__ import annotations

import numpy as np

from lib.nn import models
from ui.cache import image_cache
from ui.models import info


def normalisation_note(name: str) -> str:
    """How the last image becomes the network's input: (x - mean) / std per channel."""
    described = info(name)
    mean = ", ".join(f"{value:.3f}" for value in described.mean)
    std = ", ".join(f"{value:.3f}" for value in described.std)
    return f"Then each channel is scaled to [0, 1] and normalised, (x − mean) / std, with mean ({mean}) and std ({std})."


@image_cache(max_entries=24)
def labelled(image: np.ndarray, text: str) -> np.ndarray:
    """The image with its predicted label written on it (cv2.putText)."""
    return models.label_image(image, text)
