"""A drawing from the browser's canvas (streamlit-drawable-canvas) as a model's input image.

The canvas sends its pixels as RGBA: strokes opaque, the rest transparent or the background colour.
Composited over the background they are an RGB image like any other; a canvas with nothing on it is
no image at all (the page then shows its example).
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image

from lib.cv.images import ImageError

CANVAS_SIDE = 280  # pixels, square
STROKE_WIDTH = round(CANVAS_SIDE / 12)  # a thick pen: the digits data has thick, blobby strokes
INK = (0, 0, 0)  # dark ink on white paper, as digit_steps reads a digit on paper
PAPER = (255, 255, 255)
BLANK_TOLERANCE = 24  # a pixel this close to the paper (per channel) is paper
MAX_DRAWING_PIXELS = 4096 * 4096  # a 280 px canvas on the densest screen is far smaller


def hex_colour(rgb: tuple[int, int, int]) -> str:
    """(255, 128, 0) -> "#ff8000", the colour form the canvas takes."""
    return "#" + "".join(f"{int(value):02x}" for value in rgb)


def decode_drawing(png: bytes, *, max_pixels: int = MAX_DRAWING_PIXELS) -> np.ndarray:
    """The canvas's PNG as RGBA (H, W, 4) uint8; its size is checked before its pixels are decoded.

    Raises ImageError for bytes that are not an image, or an image over max_pixels.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(png)) as opened:
                width, height = opened.size
                if width * height > max_pixels:
                    raise ImageError(f"The drawing is too large ({width}×{height} pixels).")
                return np.asarray(opened.convert("RGBA"))
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("The drawing is too large to open safely.") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise ImageError("The canvas sent something that is not a PNG image.") from None


def composite_over(rgba: np.ndarray, background: tuple[int, int, int] = PAPER) -> np.ndarray:
    """Alpha-composite an RGBA drawing over a flat background: out = a * rgb + (1 - a) * background.

    rgba: (H, W, 4) uint8; (H, W, 3) and (H, W) uint8 are taken as opaque. Returns (H, W, 3) uint8.
    """
    if rgba.dtype != np.uint8 or rgba.ndim not in (2, 3) or (rgba.ndim == 3 and rgba.shape[2] not in (3, 4)):
        raise ImageError(f"Expected an RGBA (H, W, 4) uint8 drawing, got {rgba.dtype} {rgba.shape}.")
    if rgba.size == 0:
        raise ImageError("The drawing is empty (0 pixels).")
    if rgba.ndim == 2:
        return np.repeat(rgba[:, :, None], 3, axis=2)
    if rgba.shape[2] == 3:
        return rgba.copy()
    alpha = rgba[:, :, 3:].astype(np.float32) / 255.0
    paper = np.asarray(background, dtype=np.float32)
    blended = rgba[:, :, :3].astype(np.float32) * alpha + paper * (1.0 - alpha)
    return np.clip(np.round(blended), 0, 255).astype(np.uint8)


def is_blank(
    rgb: np.ndarray, background: tuple[int, int, int] = PAPER, *, tolerance: int = BLANK_TOLERANCE
) -> bool:
    """True when no pixel of an (H, W, 3) uint8 image differs from the background by more than tolerance."""
    difference = np.abs(rgb.astype(np.int16) - np.asarray(background, dtype=np.int16))
    return not bool((difference > tolerance).any())


def drawing_image(rgba: np.ndarray | None, background: tuple[int, int, int] = PAPER) -> np.ndarray | None:
    """The canvas's pixels as the model's RGB uint8 input, or None when nothing is drawn yet.

    rgba: what the canvas sent (None before its first stroke). Raises ImageError for something that
    is not an image.
    """
    if rgba is None:
        return None
    rgb = composite_over(np.asarray(rgba), background)
    return None if is_blank(rgb, background) else rgb
