"""The Classifier demo page's own widget groups and cached wrappers (app_pages/classifier.py)."""

from __future__ import annotations

import numpy as np

from lib.nn import models, programs
from ui.cache import image_cache
from ui.models import code_bundle, info, snippet_options


def classify_code(name: str, k: int, image: np.ndarray, top: list[tuple[str, float]]):
    """The Code panel's program: lib.nn.models.classify_snippet for any model on the page's image, with its
    weights; it writes the top-k (class, probability) pairs the page showed (`top`)."""
    snippet = models.classify_snippet(info(name).name, k=k, **snippet_options(name))
    return programs.torch_program(
        snippet,
        reproduces=f"The classifier demo: the top {len(top)} classes of {info(name).title} for the page's image.",
        name="classify.py",
        result=[list(pair) for pair in top],
        image=image,
        **code_bundle(name),
    )


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
