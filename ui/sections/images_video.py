"""The Images & video page's own widget groups and cached wrappers (app_pages/images_video.py)."""

from __future__ import annotations

import numpy as np

from lib.cv import basics
from ui.cache import image_cache


@image_cache
def add_brightness(image: np.ndarray, amount: int, saturate: bool) -> np.ndarray:
    return basics.add_brightness(image, amount, saturate=saturate)


@image_cache
def encode_for_download(image: np.ndarray, file_format: str, jpeg_quality: int) -> bytes:
    return basics.encode_for_download(image, file_format=file_format, jpeg_quality=jpeg_quality)
