"""Colour spaces, HSV adjustment and HSV colour thresholding (OpenCV hue runs 0..179)."""

from __future__ import annotations

import re
from typing import NamedTuple

import cv2
import numpy as np

from lib.cv.images import to_rgb
from lib.cv.programs import literal, snippet

COLOUR_SPACES = ("RGB", "BGR", "Gray", "HSV", "LAB")
CHANNEL_NAMES: dict[str, tuple[str, ...]] = {
    "RGB": ("R", "G", "B"),
    "BGR": ("B", "G", "R"),
    "Gray": ("Gray",),
    "HSV": ("H (hue, 0-179)", "S (saturation)", "V (value)"),
    "LAB": ("L (lightness)", "a (green-red)", "b (blue-yellow)"),
}
_FROM_RGB = {
    "BGR": cv2.COLOR_RGB2BGR,
    "Gray": cv2.COLOR_RGB2GRAY,
    "HSV": cv2.COLOR_RGB2HSV,
    "LAB": cv2.COLOR_RGB2LAB,
}
_CV2_NAME = {"BGR": "COLOR_RGB2BGR", "Gray": "COLOR_RGB2GRAY", "HSV": "COLOR_RGB2HSV", "LAB": "COLOR_RGB2LAB"}

HUE_MAX = 179  # OpenCV stores hue as degrees / 2 so it fits in uint8: 0..179
# The course's giraffe example: bright, slightly brown-orange pixels.
GIRAFFE_LOWER = (0, 0, 190)
GIRAFFE_UPPER = (30, 80, 255)
# The course recolours with the colour whose HSV is (120, 255, 0): V = 0 is black whatever the hue.
COURSE_RECOLOUR = (0, 0, 0)
# The page opens on the default sample's obvious colour: dominant_hue_range of the dahlia (orange petals,
# hue 14 at its peak) is hue 4..24 of the bright, saturated pixels (a test computes it).
DAHLIA_LOWER = (4, 60, 120)
DAHLIA_UPPER = (24, 255, 255)

_HEX_COLOUR = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


def _check_space(space: str) -> None:
    if space not in COLOUR_SPACES:
        raise ValueError(f"Unknown colour space {space!r}; choose one of {', '.join(COLOUR_SPACES)}.")


def convert_colour(image_rgb: np.ndarray, *, space: str = "HSV") -> np.ndarray:
    """Convert an RGB image into another colour space, exactly as cv2.cvtColor gives it.

    image_rgb: (H, W, 3) uint8. Returns uint8: (H, W) for "Gray", else (H, W, 3) in the space's
    channel order (BGR is RGB with the channels reversed; HSV hue is 0..179; LAB is OpenCV's 8-bit LAB).
    """
    image_rgb = to_rgb(image_rgb)
    _check_space(space)
    if space == "RGB":
        return image_rgb.copy()
    return cv2.cvtColor(image_rgb, _FROM_RGB[space])


def all_colour_spaces(image_rgb: np.ndarray) -> dict[str, np.ndarray]:
    """The image in every space of COLOUR_SPACES: {"RGB": ..., "BGR": ..., "Gray": (H, W), "HSV": ..., "LAB": ...}."""
    image_rgb = to_rgb(image_rgb)
    return {space: convert_colour(image_rgb, space=space) for space in COLOUR_SPACES}


def parse_hex_colour(text: str) -> tuple[int, int, int]:
    """'#RRGGBB' or '#RGB', with or without '#' (as st.color_picker or a link gives it) -> (r, g, b) 0..255.

    '#0af' means '#00aaff', as in CSS. Raises ValueError for anything else.
    """
    match = _HEX_COLOUR.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"Colour {text!r} is not of the form #RRGGBB or #RGB (e.g. #ff8800 or #f80).")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def split_channels(image_rgb: np.ndarray, *, space: str = "HSV") -> list[tuple[str, np.ndarray]]:
    """Split an image, converted to `space`, into its channels: a list of (name, (H, W) uint8 gray panel).

    The panels hold the raw channel values (hue stays 0..179, so it never reaches white).
    """
    converted = convert_colour(image_rgb, space=space)
    if converted.ndim == 2:
        return [(CHANNEL_NAMES[space][0], converted)]
    return [
        (name, np.ascontiguousarray(converted[:, :, index]))
        for index, name in enumerate(CHANNEL_NAMES[space])
    ]


def _scale_saturating(channel: np.ndarray, scale: float) -> np.ndarray:
    """uint8 channel * scale, rounded to nearest (half to even) and clipped to 0..255 (no wrap-around)."""
    return np.clip(np.rint(channel.astype(np.float32) * np.float32(scale)), 0, 255).astype(np.uint8)


def adjust_hsv(
    image_rgb: np.ndarray, *, hue_shift: int = 0, saturation_scale: float = 1.0, value_scale: float = 1.0
) -> np.ndarray:
    """Shift hue (wrapping at 180) and scale saturation and value (saturating at 0..255) in HSV.

    image_rgb: (H, W, 3) uint8. Returns RGB (H, W, 3) uint8. Goes RGB -> HSV -> RGB, so even with no change
    the output may differ from the input by a few levels (hue is stored in 2-degree steps).
    """
    image_rgb = to_rgb(image_rgb)
    if not np.isfinite(saturation_scale) or not np.isfinite(value_scale):
        raise ValueError("Saturation and value scales must be finite numbers.")
    if saturation_scale < 0 or value_scale < 0:
        raise ValueError("Saturation and value scales must be 0 or more (1 keeps them unchanged).")
    hsv = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV)
    hue, saturation, value = cv2.split(hsv)
    hue = ((hue.astype(np.int32) + int(hue_shift)) % 180).astype(np.uint8)
    saturation = _scale_saturating(saturation, saturation_scale)
    value = _scale_saturating(value, value_scale)
    return cv2.cvtColor(cv2.merge([hue, saturation, value]), cv2.COLOR_HSV2RGB)


def pixel_values(image_rgb: np.ndarray, *, x: int, y: int) -> dict[str, tuple[int, ...]]:
    """The value of pixel (x, y) in every colour space: {"RGB": (r, g, b), "BGR": ..., "Gray": (g,), ...}.

    x is the column, y the row (as in OpenCV drawing); the array index is image[y, x].
    """
    image_rgb = to_rgb(image_rgb)
    height, width = image_rgb.shape[:2]
    if not (0 <= x < width and 0 <= y < height):
        raise ValueError(
            f"Pixel ({x}, {y}) is outside the image: x must be 0..{width - 1}, y 0..{height - 1}."
        )
    pixel = image_rgb[y : y + 1, x : x + 1]  # (1, 1, 3): colour conversions are per pixel
    values: dict[str, tuple[int, ...]] = {}
    for space in COLOUR_SPACES:
        converted = convert_colour(pixel, space=space)
        values[space] = tuple(int(v) for v in np.atleast_1d(converted[0, 0]))
    return values


def draw_crosshair(
    image_rgb: np.ndarray, *, x: int, y: int, colour: tuple[int, int, int] = (255, 0, 0)
) -> np.ndarray:
    """A copy of the image with a crosshair marker (and a contrasting outline) centred on (x, y).

    Returns RGB (H, W, 3) uint8; the marker size follows the image size.
    """
    marked = to_rgb(image_rgb).copy()
    height, width = marked.shape[:2]
    size = max(9, min(height, width) // 12)
    thickness = max(1, min(height, width) // 250)
    outline = tuple(255 - c for c in colour)
    cv2.drawMarker(marked, (int(x), int(y)), outline, cv2.MARKER_CROSS, size, thickness + 2)
    cv2.drawMarker(marked, (int(x), int(y)), colour, cv2.MARKER_CROSS, size, thickness)
    return marked


def _check_range(lower: tuple[int, int, int], upper: tuple[int, int, int]) -> None:
    if len(lower) != 3 or len(upper) != 3:
        raise ValueError("lower and upper must each hold three numbers: (hue, saturation, value).")
    for name, bound in (("lower", lower), ("upper", upper)):
        if not 0 <= bound[0] <= HUE_MAX:
            raise ValueError(f"{name} hue must be 0..{HUE_MAX} (OpenCV halves degrees), got {bound[0]}.")
        for channel, number in zip(("saturation", "value"), bound[1:], strict=True):
            if not 0 <= number <= 255:
                raise ValueError(f"{name} {channel} must be 0..255, got {number}.")
    if lower[1] > upper[1] or lower[2] > upper[2]:
        raise ValueError(
            "Low saturation and value must not exceed high; raise the high slider or lower the low one."
        )


def hsv_mask(
    image_rgb: np.ndarray,
    *,
    lower: tuple[int, int, int] = GIRAFFE_LOWER,
    upper: tuple[int, int, int] = GIRAFFE_UPPER,
) -> np.ndarray:
    """cv2.inRange on HSV: 255 where lower <= pixel <= upper, else 0. Returns (H, W) uint8.

    If lower hue > upper hue the range wraps around red (e.g. 170 -> 10): two inRange parts OR'ed,
    hue in [lower, 179] or [0, upper]. Saturation and value need lower <= upper.
    """
    image_rgb = to_rgb(image_rgb)
    _check_range(lower, upper)
    hsv = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV)
    low = np.array(lower, dtype=np.uint8)
    high = np.array(upper, dtype=np.uint8)
    if lower[0] <= upper[0]:
        return cv2.inRange(hsv, low, high)
    reds_high = cv2.inRange(hsv, low, np.array([HUE_MAX, upper[1], upper[2]], dtype=np.uint8))
    reds_low = cv2.inRange(hsv, np.array([0, lower[1], lower[2]], dtype=np.uint8), high)
    return cv2.bitwise_or(reds_high, reds_low)


def _check_mask(image_rgb: np.ndarray, mask: np.ndarray) -> None:
    if mask.shape != image_rgb.shape[:2]:
        raise ValueError(
            f"The mask {mask.shape} must have the image's height and width {image_rgb.shape[:2]}."
        )


def apply_mask(image_rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Keep the pixels where mask > 0, black elsewhere (cv2.bitwise_and with a mask). RGB (H, W, 3) uint8."""
    image_rgb = to_rgb(image_rgb)
    _check_mask(image_rgb, mask)
    return cv2.bitwise_and(image_rgb, image_rgb, mask=mask.astype(np.uint8))


def recolour(
    image_rgb: np.ndarray, mask: np.ndarray, *, colour: tuple[int, int, int] = COURSE_RECOLOUR
) -> np.ndarray:
    """A copy of the image with the pixels where mask > 0 painted `colour` (RGB). (H, W, 3) uint8."""
    image_rgb = to_rgb(image_rgb)
    _check_mask(image_rgb, mask)
    if len(colour) != 3 or not all(0 <= c <= 255 for c in colour):
        raise ValueError(f"colour must be three numbers 0..255 (R, G, B), got {colour}.")
    result = image_rgb.copy()
    result[mask > 0] = colour
    return result


class ThresholdViews(NamedTuple):
    mask: np.ndarray  # (H, W) uint8, 255 inside the HSV range
    masked: np.ndarray  # (H, W, 3) the selected pixels, black elsewhere
    recoloured: np.ndarray  # (H, W, 3) the image with the selected pixels painted


def threshold_views(
    image_rgb: np.ndarray,
    *,
    lower: tuple[int, int, int] = GIRAFFE_LOWER,
    upper: tuple[int, int, int] = GIRAFFE_UPPER,
    colour: tuple[int, int, int] = COURSE_RECOLOUR,
) -> ThresholdViews:
    """The Colour thresholding page's three pictures for one HSV range: hsv_mask, apply_mask, recolour."""
    mask = hsv_mask(image_rgb, lower=lower, upper=upper)
    return ThresholdViews(mask, apply_mask(image_rgb, mask), recolour(image_rgb, mask, colour=colour))


def range_around_pixel(
    image_rgb: np.ndarray,
    *,
    x: int,
    y: int,
    hue_tolerance: int = 10,
    saturation_tolerance: int = 60,
    value_tolerance: int = 60,
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """An HSV range (lower, upper) centred on the colour of pixel (x, y), for hsv_mask.

    Hue wraps (a red pixel of hue 5 with tolerance 10 gives lower hue 175, upper 15); saturation and
    value are clipped to 0..255. A hue tolerance of 90 or more covers every hue (0..179).
    """
    if min(hue_tolerance, saturation_tolerance, value_tolerance) < 0:
        raise ValueError("Tolerances must be 0 or more.")
    hue, saturation, value = pixel_values(image_rgb, x=x, y=y)["HSV"]
    if hue_tolerance >= 90:
        hue_low, hue_high = 0, HUE_MAX
    else:
        hue_low, hue_high = (hue - hue_tolerance) % 180, (hue + hue_tolerance) % 180
    lower = (hue_low, max(0, saturation - saturation_tolerance), max(0, value - value_tolerance))
    upper = (hue_high, min(255, saturation + saturation_tolerance), min(255, value + value_tolerance))
    return lower, upper


def dominant_hue_range(
    image_rgb: np.ndarray,
    *,
    hue_tolerance: int = 10,
    min_saturation: int = 60,
    min_value: int = 120,
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The HSV range (lower, upper) of the image's most common colour, for hsv_mask.

    The peak of the hue histogram of the colourful pixels (S >= min_saturation, V >= min_value; grays have
    no meaningful hue), smoothed over +/-2 bins (weights 1, 2, 3, 2, 1) round the hue circle; the range is the peak +/- hue_tolerance
    (wrapping round red) with S and V from those minimums to 255. An image without colourful pixels gives
    the whole hue circle.
    """
    if hue_tolerance < 0:
        raise ValueError("The hue tolerance must be 0 or more.")
    hsv = convert_colour(image_rgb, space="HSV")
    colourful = (hsv[..., 1] >= min_saturation) & (hsv[..., 2] >= min_value)
    lower_sv, upper_sv = (int(min_saturation), int(min_value)), (255, 255)
    if not colourful.any() or hue_tolerance >= 90:
        return (0, *lower_sv), (HUE_MAX, *upper_sv)
    counts = np.bincount(hsv[..., 0][colourful].ravel(), minlength=HUE_MAX + 1).astype(np.float64)
    smoothed = sum((3 - abs(shift)) * np.roll(counts, shift) for shift in range(-2, 3))  # weights 1 2 3 2 1
    peak = int(np.argmax(smoothed))
    lower = ((peak - hue_tolerance) % (HUE_MAX + 1), *lower_sv)
    upper = ((peak + hue_tolerance) % (HUE_MAX + 1), *upper_sv)
    return lower, upper


def colour_spaces_snippet(*, space: str = "HSV") -> str:
    """Runnable code: convert image_rgb to `space` and split its channels; `result` is the converted array."""
    _check_space(space)
    if space == "RGB":
        conversion = "result = image_rgb.copy()"
    else:
        conversion = f"result = cv2.cvtColor(image_rgb, cv2.{_CV2_NAME[space]})"
    lines = [conversion]
    if space == "HSV":
        lines.append("# OpenCV hue is 0..179 (degrees / 2), saturation and value 0..255")
    if space != "Gray":
        lines.append("channels = cv2.split(result)  # three (H, W) gray images")
    return snippet("\n".join(lines) + "\n")


def hsv_adjust_snippet(*, hue_shift: int = 0, saturation_scale: float = 1.0, value_scale: float = 1.0) -> str:
    """Runnable code reproducing adjust_hsv for these settings; `result` is the adjusted RGB image."""
    return snippet(f"""hsv = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV)
hue, saturation, value = cv2.split(hsv)
# hue wraps around at 180 (OpenCV stores degrees / 2)
hue = ((hue.astype(np.int32) + {int(hue_shift)}) % 180).astype(np.uint8)
# scale and saturate: clip to 0..255 instead of wrapping around
saturation = np.clip(np.rint(saturation.astype(np.float32) * np.float32({literal(float(saturation_scale))})), 0, 255).astype(np.uint8)
value = np.clip(np.rint(value.astype(np.float32) * np.float32({literal(float(value_scale))})), 0, 255).astype(np.uint8)
result = cv2.cvtColor(cv2.merge([hue, saturation, value]), cv2.COLOR_HSV2RGB)
""")


def colour_threshold_snippet(
    *,
    lower: tuple[int, int, int] = GIRAFFE_LOWER,
    upper: tuple[int, int, int] = GIRAFFE_UPPER,
    colour: tuple[int, int, int] = COURSE_RECOLOUR,
) -> str:
    """Runnable code: HSV mask (wrapping hue if lower hue > upper hue) and recolouring; `result` is recoloured RGB."""
    _check_range(lower, upper)
    lower_text = literal(np.uint8(lower))
    upper_text = literal(np.uint8(upper))
    if lower[0] <= upper[0]:
        mask_lines = f"""lower = {lower_text}
upper = {upper_text}
mask = cv2.inRange(image_hsv, lower, upper)  # 255 inside the range, 0 outside"""
    else:
        mask_lines = f"""# the hue range wraps around red ({lower[0]} -> 179 and 0 -> {upper[0]}): two ranges OR'ed
mask_high = cv2.inRange(image_hsv, {lower_text}, {literal(np.uint8([179, upper[1], upper[2]]))})
mask_low = cv2.inRange(image_hsv, {literal(np.uint8([0, lower[1], lower[2]]))}, {upper_text})
mask = cv2.bitwise_or(mask_high, mask_low)"""
    return snippet(f"""image_hsv = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV)
{mask_lines}
masked = cv2.bitwise_and(image_rgb, image_rgb, mask=mask)
result = image_rgb.copy()
result[mask > 0] = {literal(tuple(int(v) for v in colour))}  # RGB
""")
