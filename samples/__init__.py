"""The bundled sample images: a catalogue and a loader (sources and licences in samples/README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from lib.cv.images import decode_image

SAMPLES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Sample:
    key: str
    filename: str
    title: str
    used_for: str


SAMPLES: dict[str, Sample] = {
    sample.key: sample
    for sample in (
        Sample("flower", "flower.jpg", "Dahlia (colourful)", "colour spaces, thresholding, histograms"),
        Sample("coins", "coins.png", "Greek coins", "segmentation, watershed coin counting"),
        Sample("portrait", "portrait.png", "Astronaut portrait", "face detection, classifier"),
        Sample("group", "group.jpg", "Group of portraits", "face detection with several faces"),
        Sample("document", "document.jpg", "Page at an angle", "perspective: straighten a document"),
        Sample("page", "page.png", "Scanned page", "adaptive thresholding"),
        Sample("digits", "digits.png", "Handwritten digits", "LeNet digit classifier, feature maps"),
        Sample("cat", "cat.png", "Chelsea the cat", "classifier, feature maps, edges"),
        Sample("coffee", "coffee.png", "Cup of coffee", "blur, edges, k-means"),
        Sample("china", "china.jpg", "Temple in China", "resize and interpolation, geometry"),
    )
}
DEFAULT_SAMPLE = "flower"
SAMPLE_VIDEO = SAMPLES_DIR / "coffee_pan.mp4"
# The page's corners in document.jpg, TL, TR, BR, BL as (x, y) in full-resolution pixels.
DOCUMENT_CORNERS: list[tuple[int, int]] = [
    (int(x), int(y)) for x, y in json.loads((SAMPLES_DIR / "document_corners.json").read_text())
]


def sample_path(key: str) -> Path:
    """The file of a bundled sample; KeyError with the known keys for an unknown one."""
    if key not in SAMPLES:
        raise KeyError(f"unknown sample {key!r}; known samples: {', '.join(SAMPLES)}")
    return SAMPLES_DIR / SAMPLES[key].filename


def sample_bytes(key: str) -> bytes:
    """The encoded bytes of a bundled sample (as a user would upload them)."""
    return sample_path(key).read_bytes()


@lru_cache(maxsize=16)
def _load_readonly(key: str) -> np.ndarray:
    image = decode_image(sample_bytes(key))
    image.setflags(write=False)
    return image


def load_sample(key: str) -> np.ndarray:
    """A bundled sample at full resolution as RGB uint8 (H, W, 3); a fresh, writable copy."""
    return _load_readonly(key).copy()
