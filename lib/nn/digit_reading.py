"""Where the digits of a picture are, decided once, and what LeNet reads in each.

LeNet reads one digit at a time. A picture may hold one digit, several (a sheet of them), or none (a flat
image). find_digits boxes the separate marks of ink; a box is a digit to read only when LeNet's own
preprocessing (lib.nn.models.digit_steps) accepts its crop — a crop of a photo's plain sky is flat and has
none. One search gives the page everything it says: how many digits there are to choose from, which crop to
read, or the one reason there is nothing to read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import nn

from lib.cv.images import ImageError
from lib.nn import models

Box = tuple[int, int, int, int]  # x, y, width, height
LENET = "lenet_digits"


@dataclass(frozen=True)
class DigitSearch:
    """The one decision about a picture: the digits to choose from, or the whole picture, or nothing.

    boxes: the readable digits (x, y, w, h) in reading order when there are two or more, else empty.
    message: why nothing can be read (a flat picture), else None.
    """

    boxes: tuple[Box, ...]
    message: str | None = None

    @property
    def readable(self) -> bool:
        return self.message is None

    @property
    def several(self) -> bool:
        return len(self.boxes) > 1


def _crop(image: np.ndarray, box: Box) -> np.ndarray:
    x, y, w, h = box
    return image[y : y + h, x : x + w]


def _readable(image: np.ndarray) -> str | None:
    """None when digit_steps accepts the image, else its message."""
    try:
        models.digit_steps(image)
    except ImageError as error:
        return str(error)
    return None


def search_digits(image_rgb: np.ndarray) -> DigitSearch:
    """Decide what there is to read in a picture (RGB or gray uint8).

    Several readable marks: their boxes. One (or marks none of whose crops is readable on its own, while the
    whole picture is): the whole picture, one digit. A flat picture: no boxes and digit_steps' message.
    """
    try:
        boxes = models.find_digits(image_rgb)
    except ImageError as error:
        return DigitSearch((), str(error))
    readable = tuple(box for box in boxes if _readable(_crop(image_rgb, box)) is None)
    if len(readable) > 1:
        return DigitSearch(readable)
    return DigitSearch((), _readable(image_rgb))


def digit_image(image_rgb: np.ndarray, search: DigitSearch, index: int) -> np.ndarray:
    """The picture LeNet reads: the index-th digit's crop (clamped) when there are several, else the picture."""
    if not search.several:
        return image_rgb
    return _crop(image_rgb, search.boxes[max(0, min(index, len(search.boxes) - 1))])


def read_digits(
    image_rgb: np.ndarray, *, model: nn.Module, search: DigitSearch | None = None
) -> list[tuple[Box, str, float]]:
    """Every digit of a picture as (box, label, probability), in reading order: each of several digits, or
    the whole picture as one (its box the whole picture), or none when there is nothing to read."""
    search = search or search_digits(image_rgb)
    if not search.readable:
        return []
    height, width = image_rgb.shape[:2]
    boxes = search.boxes or ((0, 0, width, height),)
    readings = []
    for box in boxes:
        result, _ = models.predict(LENET, _crop(image_rgb, box), k=1, model=model)
        readings.append((box, *result.top[0]))
    return readings
