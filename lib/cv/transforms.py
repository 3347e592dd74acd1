"""Resize, flip, rotate and crop: the course's first geometric operations, and a magnifier for interpolation.

Sizes are given as OpenCV wants them, (width, height); array shapes are (height, width[, 3]).
Rectangles are (x_start, y_start, x_end, y_end) with the end excluded, as in `image[y_start:y_end, x_start:x_end]`.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from lib.cv.images import check_image, check_output_size, to_rgb
from lib.cv.programs import literal, snippet

# name -> OpenCV flag, in the order the course compares them (notes, section I.E).
INTERPOLATIONS: dict[str, int] = {
    "nearest": cv2.INTER_NEAREST,
    "linear": cv2.INTER_LINEAR,
    "cubic": cv2.INTER_CUBIC,
    "area": cv2.INTER_AREA,
    "lanczos4": cv2.INTER_LANCZOS4,
}
INTERPOLATION_FLAG_NAMES: dict[str, str] = {
    "nearest": "cv2.INTER_NEAREST",
    "linear": "cv2.INTER_LINEAR",
    "cubic": "cv2.INTER_CUBIC",
    "area": "cv2.INTER_AREA",
    "lanczos4": "cv2.INTER_LANCZOS4",
}
# flip code -> what it does (cv2.flip).
FLIP_CODES: dict[int, str] = {
    1: "horizontal (mirror left-right)",
    0: "vertical (upside down)",
    -1: "both axes",
}
# clockwise quarter turn in degrees -> cv2.rotate code.
QUARTER_TURNS: dict[int, int] = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}
QUARTER_TURN_NAMES: dict[int, str] = {
    90: "cv2.ROTATE_90_CLOCKWISE",
    180: "cv2.ROTATE_180",
    270: "cv2.ROTATE_90_COUNTERCLOCKWISE",
}

# Course defaults (notes, sections I.E-F).
COURSE_RESIZE_WIDTH, COURSE_RESIZE_HEIGHT = 400, 400
COURSE_SCALE_PERCENT = 50
COURSE_SCALE_INTERPOLATION = "area"
COURSE_CROP = (400, 300, 800, 900)  # x_start, y_start, x_end, y_end
COURSE_ROTATION_ANGLE = 45.0

# Magnifier defaults: a 32 px square enlarged 8 times is 256 px, small enough to be sent as exact PNG.
MAGNIFIER_SIDE = 32
MAGNIFIER_ZOOM = 8
# The largest side any output may have (keeps memory bounded).


# ---------------------------------------------------------------------------------------------------------
# checks


def _interpolation_flag(interpolation: str) -> int:
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"Unknown interpolation {interpolation!r}; choose one of {', '.join(INTERPOLATIONS)}."
        )
    return INTERPOLATIONS[interpolation]


# ---------------------------------------------------------------------------------------------------------
# resize


def resize_to(
    image: np.ndarray,
    *,
    width: int = COURSE_RESIZE_WIDTH,
    height: int = COURSE_RESIZE_HEIGHT,
    interpolation: str = "linear",
) -> np.ndarray:
    """Resize to exactly width x height pixels (the aspect ratio may change), as cv2.resize does.

    image: (H, W) or (H, W, 3) uint8. Returns (height, width[, 3]) of the same dtype.
    The default interpolation is cv2.resize's own (bilinear).
    """
    check_image(image)
    flag = _interpolation_flag(interpolation)
    check_output_size(int(width), int(height))
    return cv2.resize(image, (int(width), int(height)), interpolation=flag)


def scaled_size(width: int, height: int, *, percent: float = COURSE_SCALE_PERCENT) -> tuple[int, int]:
    """(new_width, new_height) for a scale in percent, truncated as the course does: int(side * percent / 100).

    Never below 1 pixel per side.
    """
    if not math.isfinite(percent) or percent <= 0:
        raise ValueError(f"The scale must be a positive percentage, got {percent}.")
    return max(1, int(width * percent / 100)), max(1, int(height * percent / 100))


def resize_by_percent(
    image: np.ndarray,
    *,
    percent: float = COURSE_SCALE_PERCENT,
    interpolation: str = COURSE_SCALE_INTERPOLATION,
) -> np.ndarray:
    """Scale both sides by `percent` (keeps the aspect ratio); the course uses 50 % with INTER_AREA.

    image: (H, W) or (H, W, 3) uint8. Returns (int(H * p / 100), int(W * p / 100)[, 3]); 100 % is a copy.
    """
    check_image(image)
    height, width = image.shape[:2]
    new_width, new_height = scaled_size(width, height, percent=percent)
    return resize_to(image, width=new_width, height=new_height, interpolation=interpolation)


# ---------------------------------------------------------------------------------------------------------
# magnifier: enlarge one small region with each interpolation (differences are invisible at full view)


def magnifier_region(
    width: int,
    height: int,
    *,
    center_x_percent: float = 50.0,
    center_y_percent: float = 50.0,
    side: int = MAGNIFIER_SIDE,
) -> tuple[int, int, int, int]:
    """A square region of `side` pixels centred at a fraction of the image, moved inside its borders.

    Returns (x_start, y_start, x_end, y_end); the side shrinks to the image's shorter side if needed.
    """
    if width < 1 or height < 1:
        raise ValueError(f"The image has no pixels ({width}×{height}).")
    if side < 1:
        raise ValueError(f"The magnifier side must be at least 1 pixel, got {side}.")
    if not (0 <= center_x_percent <= 100 and 0 <= center_y_percent <= 100):
        raise ValueError("The magnifier centre is given in percent of the image: 0 to 100.")
    side = min(int(side), width, height)
    x_start = round(width * center_x_percent / 100 - side / 2)
    y_start = round(height * center_y_percent / 100 - side / 2)
    x_start = min(max(0, x_start), width - side)
    y_start = min(max(0, y_start), height - side)
    return x_start, y_start, x_start + side, y_start + side


def magnify(
    image: np.ndarray,
    *,
    region: tuple[int, int, int, int],
    zoom: int = MAGNIFIER_ZOOM,
    interpolation: str = "nearest",
) -> np.ndarray:
    """Crop `region` and enlarge it `zoom` times with one interpolation (the crop is small, so Lanczos is fast).

    region: (x_start, y_start, x_end, y_end) inside the image. Returns (h * zoom, w * zoom[, 3]) uint8.
    """
    if zoom < 1:
        raise ValueError(f"The zoom must be at least 1, got {zoom}.")
    patch = crop(image, rectangle=region)
    patch_height, patch_width = patch.shape[:2]
    return resize_to(patch, width=patch_width * zoom, height=patch_height * zoom, interpolation=interpolation)


def compare_interpolations(
    image: np.ndarray, *, region: tuple[int, int, int, int], zoom: int = MAGNIFIER_ZOOM
) -> dict[str, np.ndarray]:
    """The same region enlarged with each of the five interpolations: name -> (h * zoom, w * zoom[, 3])."""
    return {name: magnify(image, region=region, zoom=zoom, interpolation=name) for name in INTERPOLATIONS}


# ---------------------------------------------------------------------------------------------------------
# flip and rotate


def flip(image: np.ndarray, *, flip_code: int = 1) -> np.ndarray:
    """Mirror an image (cv2.flip): 1 left-right, 0 upside down, -1 both (a half turn). Same shape."""
    check_image(image)
    if flip_code not in FLIP_CODES:
        raise ValueError(f"The flip code must be 1 (horizontal), 0 (vertical) or -1 (both), got {flip_code}.")
    return cv2.flip(image, flip_code)


def rotate_quarter(image: np.ndarray, *, degrees_clockwise: int = 90) -> np.ndarray:
    """Rotate by 90, 180 or 270 degrees clockwise without resampling (cv2.rotate); 0 returns a copy.

    A quarter turn swaps the sides: (H, W[, 3]) -> (W, H[, 3]).
    """
    check_image(image)
    degrees = int(degrees_clockwise) % 360
    if degrees_clockwise % 90 != 0:
        raise ValueError(f"cv2.rotate turns by multiples of 90 degrees, got {degrees_clockwise}.")
    if degrees == 0:
        return image.copy()
    return cv2.rotate(image, QUARTER_TURNS[degrees])


def rotation_canvas(
    width: int, height: int, *, angle: float = COURSE_ROTATION_ANGLE, keep_whole: bool = True
) -> tuple[np.ndarray, tuple[int, int]]:
    """The 2x3 matrix and (out_width, out_height) for a rotation by `angle` degrees counter-clockwise.

    Rotates about the image centre. keep_whole=True enlarges the canvas to the rotated corners' bounding
    box (nothing is cut off); False keeps the input's size, so the corners are cropped.
    """
    if not math.isfinite(angle):
        raise ValueError(f"The angle must be a finite number of degrees, got {angle}.")
    matrix = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), float(angle), 1.0)
    if not keep_whole:
        return matrix, (width, height)
    cosine, sine = abs(matrix[0, 0]), abs(matrix[0, 1])
    # round away float noise first, so 90 degrees gives exactly (height, width), not one pixel more
    out_width = math.ceil(round(width * cosine + height * sine, 6))
    out_height = math.ceil(round(width * sine + height * cosine, 6))
    matrix[0, 2] += (out_width - width) / 2
    matrix[1, 2] += (out_height - height) / 2
    check_output_size(out_width, out_height)
    return matrix, (out_width, out_height)


def rotate_by_angle(
    image: np.ndarray,
    *,
    angle: float = COURSE_ROTATION_ANGLE,
    keep_whole: bool = True,
    interpolation: str = "linear",
) -> np.ndarray:
    """Rotate by any angle (degrees, counter-clockwise as in OpenCV) about the centre; new corners are black.

    image: (H, W) or (H, W, 3) uint8. keep_whole=True returns a larger canvas holding the whole rotated
    image; False returns (H, W[, 3]) with the corners cut off.
    """
    check_image(image)
    flag = _interpolation_flag(interpolation)
    height, width = image.shape[:2]
    matrix, size = rotation_canvas(width, height, angle=angle, keep_whole=keep_whole)
    return cv2.warpAffine(image, matrix, size, flags=flag, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


# ---------------------------------------------------------------------------------------------------------
# crop


def clamp_rectangle(
    rectangle: tuple[int, int, int, int], width: int, height: int
) -> tuple[int, int, int, int]:
    """Check a crop rectangle and clip it to a width x height image.

    rectangle: (x_start, y_start, x_end, y_end), end excluded. Raises ValueError when it is inverted,
    empty, or entirely outside the image.
    """
    x_start, y_start, x_end, y_end = (int(v) for v in rectangle)
    if x_end < x_start or y_end < y_start:
        raise ValueError(
            f"The crop rectangle is inverted: x {x_start}..{x_end}, y {y_start}..{y_end}. "
            "The end must be right of and below the start."
        )
    if x_end == x_start or y_end == y_start:
        raise ValueError(
            f"The crop rectangle is empty: x {x_start}..{x_end}, y {y_start}..{y_end}. "
            "Make it at least 1 pixel wide and tall."
        )
    clipped = max(0, x_start), max(0, y_start), min(x_end, width), min(y_end, height)
    if clipped[2] <= clipped[0] or clipped[3] <= clipped[1]:
        raise ValueError(
            f"The crop rectangle x {x_start}..{x_end}, y {y_start}..{y_end} lies outside the "
            f"{width}×{height} image. Move it inside (x below {width}, y below {height})."
        )
    return clipped


def default_crop(width: int, height: int) -> tuple[int, int, int, int]:
    """The course's crop rectangle when part of it lies inside a width x height image, else the middle half.

    Small images (under 401 px wide or 301 px tall) miss the course's x 400..800, y 300..900 entirely.
    """
    try:
        clamp_rectangle(COURSE_CROP, width, height)
    except ValueError:
        return (
            width // 4,
            height // 4,
            max(width // 4 + 1, 3 * width // 4),
            max(height // 4 + 1, 3 * height // 4),
        )
    return COURSE_CROP


def crop(image: np.ndarray, *, rectangle: tuple[int, int, int, int] = COURSE_CROP) -> np.ndarray:
    """Cut out image[y_start:y_end, x_start:x_end] (clipped to the image) as a new contiguous array.

    rectangle: (x_start, y_start, x_end, y_end). Returns (y_end - y_start, x_end - x_start[, 3]).
    Raises ValueError for inverted, empty or outside rectangles.
    """
    check_image(image)
    height, width = image.shape[:2]
    x_start, y_start, x_end, y_end = clamp_rectangle(rectangle, width, height)
    return np.ascontiguousarray(image[y_start:y_end, x_start:x_end])


def outline_rectangle(
    image: np.ndarray,
    rectangle: tuple[int, int, int, int],
    *,
    color: tuple[int, int, int] = (255, 255, 0),
    thickness: int | None = None,
) -> np.ndarray:
    """A copy of an RGB image with a rectangle's outline drawn on it (clipped), to show where a crop is.

    thickness defaults to ~1/300 of the longer side (at least 2 px). Returns RGB uint8 (H, W, 3).
    """
    check_image(image)
    height, width = image.shape[:2]
    x_start, y_start, x_end, y_end = clamp_rectangle(rectangle, width, height)
    canvas = to_rgb(image).copy()
    line = thickness if thickness is not None else max(2, max(height, width) // 300)
    cv2.rectangle(canvas, (x_start, y_start), (x_end - 1, y_end - 1), tuple(int(c) for c in color), line)
    return canvas


# ---------------------------------------------------------------------------------------------------------
# snippets: runnable code that reproduces the functions above for the same settings


def resize_snippet(
    *, width: int = COURSE_RESIZE_WIDTH, height: int = COURSE_RESIZE_HEIGHT, interpolation: str = "linear"
) -> str:
    """Runnable code for resize_to(...): ends with `result`."""
    _interpolation_flag(interpolation)
    return snippet(
        f"new_height, new_width = {int(height)}, {int(width)}\n"
        "# cv2.resize takes (width, height), the reverse of image.shape\n"
        "result = cv2.resize(image_rgb, (new_width, new_height), "
        f"interpolation={INTERPOLATION_FLAG_NAMES[interpolation]})\n"
    )


def scale_snippet(
    *, percent: float = COURSE_SCALE_PERCENT, interpolation: str = COURSE_SCALE_INTERPOLATION
) -> str:
    """Runnable code for resize_by_percent(...), written as the course writes it: ends with `result`."""
    _interpolation_flag(interpolation)
    if not math.isfinite(percent) or percent <= 0:
        raise ValueError(f"The scale must be a positive percentage, got {percent}.")
    return snippet(
        f"scale_percentage = {literal(float(percent))}\n"
        "s_width = max(1, int(image_rgb.shape[1] * scale_percentage / 100))  # shape[1] is the width\n"
        "s_height = max(1, int(image_rgb.shape[0] * scale_percentage / 100))  # shape[0] is the height\n"
        "result = cv2.resize(image_rgb, (s_width, s_height), "
        f"interpolation={INTERPOLATION_FLAG_NAMES[interpolation]})\n"
    )


def magnifier_snippet(
    *, region: tuple[int, int, int, int], zoom: int = MAGNIFIER_ZOOM, interpolation: str = "nearest"
) -> str:
    """Runnable code for magnify(...): crop a small region, enlarge it `zoom` times; ends with `result`."""
    _interpolation_flag(interpolation)
    x_start, y_start, x_end, y_end = (int(v) for v in region)
    return snippet(
        f"x_start, y_start, x_end, y_end = {x_start}, {y_start}, {x_end}, {y_end}\n"
        "patch = image_rgb[y_start:y_end, x_start:x_end]  # a small crop: enlarging it is fast\n"
        f"zoom = {int(zoom)}\n"
        "results = {}\n"
        'for name, flag in [("nearest", cv2.INTER_NEAREST), ("linear", cv2.INTER_LINEAR),\n'
        '                   ("cubic", cv2.INTER_CUBIC), ("area", cv2.INTER_AREA),\n'
        '                   ("lanczos4", cv2.INTER_LANCZOS4)]:\n'
        "    size = (patch.shape[1] * zoom, patch.shape[0] * zoom)  # (width, height)\n"
        "    results[name] = cv2.resize(patch, size, interpolation=flag)\n"
        f"result = results[{literal(interpolation)}]\n"
    )


def flip_snippet(*, flip_code: int = 1) -> str:
    """Runnable code for flip(...): ends with `result`."""
    if flip_code not in FLIP_CODES:
        raise ValueError(f"The flip code must be 1, 0 or -1, got {flip_code}.")
    return snippet(
        "# 1: horizontal (left-right), 0: vertical (upside down), -1: both axes\n"
        f"result = cv2.flip(image_rgb, {flip_code})\n"
    )


def rotate_quarter_snippet(*, degrees_clockwise: int = 90) -> str:
    """Runnable code for rotate_quarter(...): ends with `result`."""
    degrees = int(degrees_clockwise) % 360
    if degrees_clockwise % 90 != 0:
        raise ValueError(f"cv2.rotate turns by multiples of 90 degrees, got {degrees_clockwise}.")
    if degrees == 0:
        return snippet("result = image_rgb.copy()  # a turn of 0 degrees\n")
    return snippet(f"result = cv2.rotate(image_rgb, {QUARTER_TURN_NAMES[degrees]})\n")


def rotate_snippet(*, angle: float = COURSE_ROTATION_ANGLE, keep_whole: bool = True) -> str:
    """Runnable code for rotate_by_angle(..., interpolation="linear"): ends with `result`."""
    if not math.isfinite(angle):
        raise ValueError(f"The angle must be a finite number of degrees, got {angle}.")
    code = (
        "height, width = image_rgb.shape[:2]\n"
        f"angle = {literal(float(angle))}  # degrees, counter-clockwise\n"
        "center = ((width - 1) / 2, (height - 1) / 2)\n"
        "M = cv2.getRotationMatrix2D(center, angle, 1.0)  # 2x3\n"
    )
    if keep_whole:
        code += (
            "# enlarge the canvas to the rotated corners' bounding box, and move the centre there\n"
            "cos, sin = abs(M[0, 0]), abs(M[0, 1])\n"
            "new_width = math.ceil(round(width * cos + height * sin, 6))\n"
            "new_height = math.ceil(round(width * sin + height * cos, 6))\n"
            "M[0, 2] += (new_width - width) / 2\n"
            "M[1, 2] += (new_height - height) / 2\n"
            "result = cv2.warpAffine(image_rgb, M, (new_width, new_height))\n"
        )
    else:
        code += "result = cv2.warpAffine(image_rgb, M, (width, height))  # the corners are cut off\n"
    return snippet(code)


def crop_snippet(*, rectangle: tuple[int, int, int, int] = COURSE_CROP) -> str:
    """Runnable code for crop(...), with the course's slicing and the clipping to the image: ends with `result`."""
    x_start, y_start, x_end, y_end = (int(v) for v in rectangle)
    return snippet(
        f"x_start, y_start = {x_start}, {y_start}  # (x1, y1): top-left corner\n"
        f"x_end, y_end = {x_end}, {y_end}  # (x2, y2): bottom-right corner, not included\n"
        "height, width = image_rgb.shape[:2]\n"
        "x_start, x_end = max(0, x_start), min(x_end, width)  # keep the rectangle inside the image\n"
        "y_start, y_end = max(0, y_start), min(y_end, height)\n"
        "result = image_rgb[y_start:y_end, x_start:x_end]  # rows (y) first, then columns (x)\n"
    )
