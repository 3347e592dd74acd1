"""The Colour spaces page's own widget groups and cached wrappers (app_pages/colour_spaces.py)."""

from __future__ import annotations

import numpy as np

from lib.cv import colour
from ui.cache import image_cache


@image_cache
def all_colour_spaces(image: np.ndarray) -> dict[str, np.ndarray]:
    return colour.all_colour_spaces(image)


@image_cache
def adjust_hsv(image: np.ndarray, hue_shift: int, saturation_scale: float, value_scale: float) -> np.ndarray:
    return colour.adjust_hsv(
        image, hue_shift=hue_shift, saturation_scale=saturation_scale, value_scale=value_scale
    )
