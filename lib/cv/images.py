"""Decode, check and normalise images: every picture in the app enters through here."""

from __future__ import annotations

import hashlib
import io
import warnings

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_WORKING_SIDE = 1024
MAX_OUTPUT_SIDE = 8192  # the largest side any transform may produce (a shared server's memory is finite)
SUPPORTED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF", "MPO")


class ImageError(ValueError):
    """An image could not be used; the message says what was wrong and what to do."""


def decode_image(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, reduce_to: int | None = None
) -> np.ndarray:
    """Decode image bytes (PNG, JPEG, WebP, BMP, TIFF) into RGB uint8 (H, W, 3).

    Applies EXIF orientation; converts alpha (over white), 16-bit, grayscale, palette and CMYK to RGB.
    Raises ImageError for empty, non-image, truncated, 0x0 or over-max_pixels input.
    reduce_to: when set, a JPEG is decoded at 1/2, 1/4 or 1/8 scale (PIL's draft: the DCT skips the detail),
    the smallest that keeps both sides at least reduce_to pixels; a 12-megapixel photo needed at 128 px is
    decoded at 500×375, about 60 times less work and memory. Other formats decode at full size.
    """
    if not data:
        raise ImageError("The file is empty (0 bytes). Choose an image file such as a PNG or JPEG.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                width, height = opened.size
                if width <= 0 or height <= 0:
                    raise ImageError(f"The image has no pixels ({width}×{height}).")
                if width * height > max_pixels:
                    raise ImageError(
                        f"The image is too large: {width}×{height} = {width * height:,} pixels "
                        f"(the limit is {max_pixels:,}). Resize it before uploading."
                    )
                if opened.format not in SUPPORTED_FORMATS:
                    raise ImageError(
                        f"{opened.format or 'This'} images are not supported. Use PNG, JPEG, WebP, BMP or TIFF."
                    )
                if reduce_to is not None and opened.format in ("JPEG", "MPO"):
                    opened.draft("RGB", (max(1, reduce_to), max(1, reduce_to)))
                opened.load()
                image = ImageOps.exif_transpose(opened)
                rgb = _to_rgb_array(image)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageError(
            f"The image is too large to open safely ({error}). Resize it before uploading."
        ) from None
    except UnidentifiedImageError:
        raise ImageError(
            "This file is not an image we can read. Upload a PNG, JPEG, WebP, BMP or TIFF file."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageError(f"The image file is damaged or truncated ({error}). Try saving it again.") from None
    if rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ImageError("The image has no pixels (0×0).")
    return rgb


def image_size_of(data: bytes) -> tuple[int, int]:
    """(width, height) from an image file's header, without decoding its pixels; ImageError if unreadable."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                return opened.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        raise ImageError("This file is not an image we can read.") from None


def _to_rgb_array(image: Image.Image) -> np.ndarray:
    """Convert any PIL mode (1, L, LA, P, I;16, I, F, RGBA, CMYK, YCbCr) to RGB uint8."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        values = np.asarray(image, dtype=np.float64)
        maximum = 65535.0 if values.max(initial=0) > 255 or mode.startswith("I;16") else 255.0
        gray = np.clip(np.round(values / maximum * 255.0), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
    if mode == "F":
        values = np.nan_to_num(np.asarray(image, dtype=np.float64))
        low, high = float(values.min(initial=0)), float(values.max(initial=0))
        scale = 255.0 / (high - low) if high > low else 0.0
        gray = np.clip(np.round((values - low) * scale), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
    if mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))


def fit_to_working_size(image: np.ndarray, *, longest_side: int = DEFAULT_WORKING_SIDE) -> np.ndarray:
    """Scale an image down (never up) so that its longer side is at most `longest_side` pixels.

    Uses INTER_AREA, the right filter for shrinking. Returns the input unchanged when it already fits.
    """
    if longest_side < 1:
        raise ValueError(f"longest_side must be at least 1, got {longest_side}")
    height, width = image.shape[:2]
    if max(height, width) <= longest_side:
        return image
    scale = longest_side / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, new_size, interpolation=cv2.INTER_AREA)


def check_output_size(width: int, height: int) -> None:
    """Raise ValueError, saying why, when an output of width x height is empty or larger than MAX_OUTPUT_SIDE."""
    if width < 1 or height < 1:
        raise ValueError(f"The output would be {width}×{height} pixels; it needs at least 1×1.")
    if max(width, height) > MAX_OUTPUT_SIDE:
        raise ValueError(
            f"The output would be {width}×{height} pixels (the limit is {MAX_OUTPUT_SIDE} per side). "
            "Use smaller values."
        )


def check_image(image: np.ndarray, *, task: str | None = None) -> np.ndarray:
    """The images lib works on: a uint8 array, gray (H, W) or RGB (H, W, 3), with at least one pixel.

    Returns the image itself; anything else raises ImageError saying what was wrong. task names what
    needs the image in the message ("Face detection needs ..."), else it says "Expected ...".
    """
    needs = f"{task} needs" if task else "Expected"
    if not isinstance(image, np.ndarray):
        raise ImageError(f"{needs} an image array, got {type(image).__name__}.")
    if image.dtype != np.uint8:
        raise ImageError(f"{needs} an 8-bit (uint8) image, values 0-255, got {image.dtype}.")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ImageError(f"{needs} an RGB (H, W, 3) or gray (H, W) image, got shape {image.shape}.")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ImageError(f"The image has no pixels ({image.shape[1]}×{image.shape[0]}).")
    return image


def to_gray(image: np.ndarray, *, task: str | None = None) -> np.ndarray:
    """RGB (H, W, 3) or gray (H, W) uint8 -> gray (H, W) uint8, with OpenCV's BT.601 weights (checked first)."""
    image = check_image(image, task=task)
    if image.ndim == 2:
        return image
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def to_rgb(image: np.ndarray, *, task: str | None = None) -> np.ndarray:
    """Gray (H, W) or RGB (H, W, 3) uint8 -> RGB (H, W, 3) (checked first); RGB passes through unchanged."""
    image = check_image(image, task=task)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    return image


def digest(image: np.ndarray) -> str:
    """A short content digest of an array (shape, dtype and bytes): the cache key for derived data."""
    hasher = hashlib.blake2b(digest_size=12)
    hasher.update(f"{image.shape}{image.dtype}".encode())
    hasher.update(np.ascontiguousarray(image).data)
    return hasher.hexdigest()


def encode_png(image: np.ndarray) -> bytes:
    """RGB or gray uint8 -> PNG bytes."""
    return _encode(image, ".png", [])


def encode_jpeg(image: np.ndarray, *, quality: int = 90) -> bytes:
    """RGB or gray uint8 -> JPEG bytes at the given quality (0-100)."""
    if not 0 <= quality <= 100:
        raise ValueError(f"JPEG quality must be between 0 and 100, got {quality}")
    return _encode(image, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, int(quality)])


def _encode(image: np.ndarray, extension: str, params: list[int]) -> bytes:
    if image.dtype != np.uint8:
        raise ValueError(f"only uint8 images can be encoded, got {image.dtype}")
    bgr = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, buffer = cv2.imencode(extension, bgr, params)
    if not ok:
        raise ImageError(f"OpenCV could not encode the image as {extension}.")
    return buffer.tobytes()
