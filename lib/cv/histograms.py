"""Histograms (RGB, HSV, gray), the course's brightness verdict, equalisation and CLAHE."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from lib.cv.images import check_image, to_gray, to_rgb
from lib.cv.programs import literal, snippet

BRIGHTNESS_THRESHOLD = 150  # the course: majority of V above 150 -> bright, below -> dark
EQUALIZE_CHANNELS = ("Y", "V")  # colour images are equalised on one brightness channel only


def _check_mask(image: np.ndarray, mask: np.ndarray | None) -> np.ndarray | None:
    if mask is None:
        return None
    if mask.shape != image.shape[:2]:
        raise ValueError(f"The mask {mask.shape} must have the image's height and width {image.shape[:2]}.")
    return (mask > 0).astype(np.uint8) * 255


def _histogram(channel: np.ndarray, bins: int, mask: np.ndarray | None) -> np.ndarray:
    return cv2.calcHist([channel], [0], mask, [bins], [0, bins]).ravel()


def rgb_histograms(image_rgb: np.ndarray, *, mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per-channel histograms {"Red", "Green", "Blue"}: each (256,) float32 pixel counts, == cv2.calcHist.

    mask: optional (H, W); only pixels where mask > 0 are counted.
    """
    image_rgb = to_rgb(image_rgb)
    mask = _check_mask(image_rgb, mask)
    return {
        name: _histogram(image_rgb[:, :, i], 256, mask) for i, name in enumerate(("Red", "Green", "Blue"))
    }


def hsv_histograms(image_rgb: np.ndarray, *, mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """HSV histograms: "Hue" (180,) bins for OpenCV's 0..179, "Saturation" and "Value" (256,). float32 counts."""
    image_rgb = to_rgb(image_rgb)
    mask = _check_mask(image_rgb, mask)
    hue, saturation, value = cv2.split(cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV))
    return {
        "Hue": _histogram(hue, 180, mask),
        "Saturation": _histogram(saturation, 256, mask),
        "Value": _histogram(value, 256, mask),
    }


def gray_histogram(image: np.ndarray, *, mask: np.ndarray | None = None) -> np.ndarray:
    """Histogram of the gray image (RGB is converted with BT.601 weights): (256,) float32 counts."""
    gray = to_gray(image)
    return _histogram(gray, 256, _check_mask(gray, mask))


@dataclass(frozen=True)
class BrightnessVerdict:
    """The course's rule of thumb on the V (value) channel."""

    verdict: str  # "bright", "dark" or "balanced" (no majority either side)
    share_above: float  # fraction of pixels with V > threshold
    share_below: float  # fraction of pixels with V < threshold
    median_value: float
    threshold: int
    explanation: str


def brightness_verdict(image_rgb: np.ndarray, *, threshold: int = BRIGHTNESS_THRESHOLD) -> BrightnessVerdict:
    """Bright if most pixels have V > threshold, dark if most have V < threshold (the course uses 150)."""
    if not 0 <= threshold <= 255:
        raise ValueError(f"threshold must be 0..255, got {threshold}.")
    value = cv2.cvtColor(to_rgb(image_rgb), cv2.COLOR_RGB2HSV)[:, :, 2]
    share_above = float(np.count_nonzero(value > threshold)) / value.size
    share_below = float(np.count_nonzero(value < threshold)) / value.size
    if share_above > 0.5:
        verdict = "bright"
    elif share_below > 0.5:
        verdict = "dark"
    else:
        verdict = "balanced"
    detail = {
        "bright": f"more than half of the pixels are brighter than {threshold}",
        "dark": f"more than half of the pixels are darker than {threshold}",
        "balanced": f"neither side of {threshold} holds more than half of the pixels",
    }[verdict]
    explanation = (
        f"{share_above:.0%} of the pixels have V > {threshold} and {share_below:.0%} have V < {threshold}; "
        f"{detail}, so the image counts as **{verdict}**. (V = max(R, G, B): the value channel of HSV.)"
    )
    return BrightnessVerdict(
        verdict=verdict,
        share_above=share_above,
        share_below=share_below,
        median_value=float(np.median(value)),
        threshold=threshold,
        explanation=explanation,
    )


def box_mask(height: int, width: int, *, box: tuple[int, int, int, int]) -> np.ndarray:
    """A (height, width) uint8 mask: 255 inside box = (x0, y0, x1, y1) (x1, y1 excluded), 0 elsewhere."""
    x0, y0, x1, y1 = box
    if height < 1 or width < 1:
        raise ValueError("The mask needs at least one row and one column.")
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
        raise ValueError(
            f"The box {box} must lie inside the {width}×{height} image with x0 < x1 and y0 < y1."
        )
    mask = np.zeros((height, width), dtype=np.uint8)
    mask[y0:y1, x0:x1] = 255
    return mask


def draw_box(
    image: np.ndarray, *, box: tuple[int, int, int, int], colour: tuple[int, int, int] = (255, 255, 0)
) -> np.ndarray:
    """A copy of the image (as RGB uint8 (H, W, 3)) with the outline of box = (x0, y0, x1, y1) drawn on it."""
    marked = to_rgb(image).copy()
    thickness = max(2, min(marked.shape[:2]) // 200)
    x0, y0, x1, y1 = box
    cv2.rectangle(marked, (int(x0), int(y0)), (int(x1) - 1, int(y1) - 1), colour, thickness)
    return marked


def brightness_histogram(image: np.ndarray, *, channel: str = "Y") -> np.ndarray:
    """(256,) float32 histogram of what equalisation works on: gray itself, or Y (YCrCb) / V (HSV) of RGB."""
    image = check_image(image)
    _check_channel(channel)
    if image.ndim == 2:
        plane = image
    elif channel == "Y":
        plane = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)[:, :, 0]
    else:
        plane = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)[:, :, 2]
    return _histogram(np.ascontiguousarray(plane), 256, None)


def _check_channel(channel: str) -> None:
    if channel not in EQUALIZE_CHANNELS:
        raise ValueError(
            f"channel must be one of {EQUALIZE_CHANNELS} (Y of YCrCb or V of HSV), got {channel!r}."
        )


def _on_brightness_channel(
    image: np.ndarray, channel: str, operation: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Apply `operation` (uint8 (H, W) -> (H, W)) to gray, or to the Y / V channel of an RGB image."""
    image = check_image(image)
    _check_channel(channel)
    if image.ndim == 2:
        return operation(image)
    forward, backward, index = (
        (cv2.COLOR_RGB2YCrCb, cv2.COLOR_YCrCb2RGB, 0)
        if channel == "Y"
        else (cv2.COLOR_RGB2HSV, cv2.COLOR_HSV2RGB, 2)
    )
    converted = cv2.cvtColor(image, forward)
    planes = list(cv2.split(converted))
    planes[index] = operation(planes[index])
    return cv2.cvtColor(cv2.merge(planes), backward)


def equalize(image: np.ndarray, *, channel: str = "Y") -> np.ndarray:
    """Histogram equalisation (cv2.equalizeHist): gray directly, RGB on its Y (YCrCb) or V (HSV) channel.

    Returns uint8 of the input's shape. Equalising R, G and B separately would shift the colours.
    """
    return _on_brightness_channel(image, channel, cv2.equalizeHist)


def clahe(
    image: np.ndarray,
    *,
    clip_limit: float = 2.0,
    tile_grid_size: tuple[int, int] = (8, 8),
    channel: str = "Y",
) -> np.ndarray:
    """Contrast Limited Adaptive Histogram Equalisation, per tile, on gray or the Y / V channel of RGB.

    clip_limit: > 0, caps each tile's histogram before equalising (higher = stronger contrast).
    tile_grid_size: (columns, rows) of tiles, each >= 1. Returns uint8 of the input's shape.
    """
    if not np.isfinite(clip_limit) or clip_limit <= 0:
        raise ValueError(
            f"clip_limit must be a positive number (this page starts at 2.0, OpenCV's default is 40), got {clip_limit}."
        )
    if len(tile_grid_size) != 2 or min(tile_grid_size) < 1:
        raise ValueError(f"tile_grid_size must be two whole numbers >= 1, got {tile_grid_size}.")
    operator = cv2.createCLAHE(
        clipLimit=float(clip_limit), tileGridSize=(int(tile_grid_size[0]), int(tile_grid_size[1]))
    )
    return _on_brightness_channel(image, channel, operator.apply)


def histogram_snippet(*, space: str = "RGB", box: tuple[int, int, int, int] | None = None) -> str:
    """Runnable code computing the histograms shown for `space` ("RGB", "HSV" or "Gray"); `result` is a dict.

    box = (x0, y0, x1, y1) restricts the count to that region (a mask). The brightness verdict has its own
    snippet (brightness_verdict_snippet): the page decides it on the whole image, with its own threshold.
    """
    if box is None:
        setup, mask = "", "None"
    else:
        x0, y0, x1, y1 = (int(v) for v in box)
        setup = (
            "# count only the pixels inside a region: a mask that is 255 there, 0 elsewhere\n"
            "mask = np.zeros(image_rgb.shape[:2], dtype=np.uint8)\n"
            f"mask[{y0}:{y1}, {x0}:{x1}] = 255\n"
        )
        mask = "mask"
    if space == "RGB":
        body = f"""channels = cv2.split(image_rgb)
result = {{}}
for name, channel in zip(["Red", "Green", "Blue"], channels):
    result[name] = cv2.calcHist([channel], [0], {mask}, [256], [0, 256]).ravel()"""
    elif space == "HSV":
        body = f"""image_hsv = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV)
h, s, v = cv2.split(image_hsv)
result = {{
    "Hue": cv2.calcHist([h], [0], {mask}, [180], [0, 180]).ravel(),  # OpenCV hue is 0..179
    "Saturation": cv2.calcHist([s], [0], {mask}, [256], [0, 256]).ravel(),
    "Value": cv2.calcHist([v], [0], {mask}, [256], [0, 256]).ravel(),
}}"""
    elif space == "Gray":
        body = f"""gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
result = {{"Gray": cv2.calcHist([gray], [0], {mask}, [256], [0, 256]).ravel()}}"""
    else:
        raise ValueError(f"space must be 'RGB', 'HSV' or 'Gray', got {space!r}.")
    return snippet(f"{setup}{body}\n")


def brightness_verdict_snippet(*, threshold: int = BRIGHTNESS_THRESHOLD) -> str:
    """Runnable code for the course's verdict on the whole image (as brightness_verdict decides it):
    `verdict`, `share_bright` and `share_dark`."""
    if not 0 <= int(threshold) <= 255:
        raise ValueError(f"threshold must be 0..255, got {threshold}.")
    threshold = int(threshold)
    return snippet(f"""# V (value) = max(R, G, B), the brightness channel of HSV, of every pixel of the image
v = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV)[:, :, 2]
share_bright = float(np.count_nonzero(v > {threshold})) / v.size
share_dark = float(np.count_nonzero(v < {threshold})) / v.size
# the course's rule of thumb: bright if most pixels have V > {threshold}, dark if most have V < {threshold}
if share_bright > 0.5:
    verdict = "bright"
elif share_dark > 0.5:
    verdict = "dark"
else:
    verdict = "balanced"
""")


def equalization_snippet(
    *,
    method: str = "equalize",
    gray: bool = False,
    channel: str = "Y",
    clip_limit: float = 2.0,
    tile_grid_size: tuple[int, int] = (8, 8),
) -> str:
    """Runnable code for equalize / clahe on image_rgb (gray=True: on its gray version); `result` is uint8."""
    _check_channel(channel)
    if method == "equalize":
        setup, apply = "", "cv2.equalizeHist({})"
    elif method == "clahe":
        grid = (int(tile_grid_size[0]), int(tile_grid_size[1]))
        setup = (
            f"clahe = cv2.createCLAHE(clipLimit={literal(float(clip_limit))}, tileGridSize={literal(grid)})\n"
        )
        apply = "clahe.apply({})"
    else:
        raise ValueError(f"method must be 'equalize' or 'clahe', got {method!r}.")
    if gray:
        body = f"gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)\nresult = {apply.format('gray')}"
    elif channel == "Y":
        body = f"""# equalise brightness only: Y of YCrCb (equalising R, G, B separately shifts colours)
y, cr, cb = cv2.split(cv2.cvtColor(image_rgb, cv2.COLOR_RGB2YCrCb))
y = {apply.format("y")}
result = cv2.cvtColor(cv2.merge([y, cr, cb]), cv2.COLOR_YCrCb2RGB)"""
    else:
        body = f"""# equalise brightness only: V of HSV (equalising R, G, B separately shifts colours)
h, s, v = cv2.split(cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV))
v = {apply.format("v")}
result = cv2.cvtColor(cv2.merge([h, s, v]), cv2.COLOR_HSV2RGB)"""
    return snippet(f"{setup}{body}\n")
