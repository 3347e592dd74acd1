"""Reading and writing images: BGR vs RGB, pixel arithmetic that wraps or saturates, encoding."""

from __future__ import annotations

import cv2
import numpy as np

from lib.cv.images import check_image, encode_jpeg, encode_png
from lib.cv.programs import snippet


def bgr_shown_as_rgb(image_rgb: np.ndarray) -> np.ndarray:
    """What you see when OpenCV's BGR array is shown by a library that expects RGB: red and blue swap."""
    if image_rgb.ndim != 3 or image_rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB image (H, W, 3), got shape {image_rgb.shape}")
    return np.ascontiguousarray(image_rgb[:, :, ::-1])


def add_brightness(image: np.ndarray, amount: int, *, saturate: bool) -> np.ndarray:
    """Add `amount` to every pixel of a uint8 image.

    saturate=False is NumPy's `image + amount`: uint8 arithmetic wraps modulo 256 (250 + 30 = 24).
    saturate=True is `cv2.add`: results are clipped to 0..255 (250 + 30 = 255).
    """
    check_image(image)
    if not -255 <= amount <= 255:
        raise ValueError(f"amount must be between -255 and 255, got {amount}")
    if saturate:
        return (
            cv2.add(image, np.full_like(image, abs(amount)))
            if amount >= 0
            else cv2.subtract(image, np.full_like(image, -amount))
        )
    return (image.astype(np.int16) + amount).astype(np.uint8)  # the cast wraps exactly as uint8 + int does


def wrapped_fraction(image: np.ndarray, amount: int) -> float:
    """Share of pixel values that wrap around when `amount` is added without saturation."""
    if amount >= 0:
        return float(np.mean(image.astype(np.int16) + amount > 255))
    return float(np.mean(image.astype(np.int16) + amount < 0))


def encode_for_download(image_rgb: np.ndarray, *, file_format: str, jpeg_quality: int = 95) -> bytes:
    """The bytes cv2.imwrite would write for this image: 'PNG' (lossless) or 'JPEG' at a quality."""
    if file_format == "PNG":
        return encode_png(image_rgb)
    if file_format == "JPEG":
        return encode_jpeg(image_rgb, quality=jpeg_quality)
    raise ValueError(f"file_format must be 'PNG' or 'JPEG', got {file_format!r}")


def images_snippet(*, amount: int, saturate: bool, file_format: str, jpeg_quality: int) -> str:
    """Runnable code that reproduces the page: BGR shown as RGB, brighten (wrapping and saturating), write.

    Starts from `image_rgb`; ends with `bgr_as_rgb`, `wrapped` (plain +) and `result` (saturated, or
    `wrapped` when saturate is False), and writes `result` to output.png / output.jpg.
    """
    if amount >= 0:
        brighten = f"result = cv2.add(image_rgb, np.full_like(image_rgb, {amount}))  # saturates at 255"
    else:
        brighten = f"result = cv2.subtract(image_rgb, np.full_like(image_rgb, {-amount}))  # saturates at 0"
    if not saturate:
        brighten = "result = wrapped"
    if file_format == "PNG":
        write = 'cv2.imwrite("output.png", cv2.cvtColor(result, cv2.COLOR_RGB2BGR))'
    else:
        write = (
            'cv2.imwrite("output.jpg", cv2.cvtColor(result, cv2.COLOR_RGB2BGR), '
            f"[cv2.IMWRITE_JPEG_QUALITY, {jpeg_quality}])"
        )
    return snippet(f"""# cv2.imread returns BGR; showing it as if it were RGB swaps red and blue:
bgr_as_rgb = np.ascontiguousarray(image_rgb[:, :, ::-1])

wrapped = (image_rgb.astype(np.int16) + ({amount})).astype(np.uint8)  # plain + wraps: 250 + 30 = 24
{brighten}
{write}
""")
