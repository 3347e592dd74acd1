"""Kernels, blur and edges: correlation with a small kernel, the classic blurs, Sobel, Laplacian, Canny.

OpenCV does the work. torch runs a kernel only when a device is passed to apply_kernel, and is imported
lazily inside that branch, so importing lib.cv never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from lib.cv.display import SIGNED_LUT
from lib.cv.images import ImageError, check_image, to_gray, to_rgb
from lib.cv.programs import literal, snippet

if TYPE_CHECKING:  # pragma: no cover - for type hints only
    import torch

# Course defaults (notes, sections I.J-L).
COURSE_INTENSITY = 10  # the x in the course's horizontal / vertical / diagonal detectors
COURSE_AVERAGE_KSIZE = 10
COURSE_GAUSSIAN_KSIZE = 31
COURSE_GAUSSIAN_SIGMA = 0.0  # 0: OpenCV derives sigma from the size
COURSE_MEDIAN_KSIZE = 11
COURSE_SOBEL_KSIZE = 3
COURSE_LAPLACIAN_KSIZE = 3
COURSE_CANNY_THRESHOLDS = (180, 200)

MAX_KERNEL_SIDE = 31
# Signed views are coloured up to this percentile of |values|: at 99.5 the few strongest edges take the full
# colours and every other edge is a pale line that vanishes on a projector; at 95 the 5 % strongest saturate.
SIGNED_VIEW_PERCENTILE = 95.0
MAX_KERNEL_TEXT = 400  # characters of a kernel written as text (a 5x5 of 6-digit numbers fits)
ZERO_SUM_TOLERANCE = 1e-9

PRESET_NAMES = (
    "identity",
    "box blur",
    "gaussian",
    "sharpen",
    "emboss",
    "outline",
    "sobel left",
    "sobel right",
    "sobel top",
    "sobel bottom",
    "horizontal (course)",
    "vertical (course)",
    "diagonal (course)",
)
# Presets that use the intensity x.
INTENSITY_PRESETS = ("horizontal (course)", "vertical (course)", "diagonal (course)")

# ---------------------------------------------------------------------------------------------------------
# kernels


def check_kernel(kernel: np.ndarray) -> np.ndarray:
    """Validate a kernel: 2-D, square, odd side (at most MAX_KERNEL_SIDE), finite. Returns it as float32."""
    try:
        array = np.asarray(kernel, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("The kernel must contain numbers only.") from None
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] % 2 == 0:
        raise ValueError(
            f"The kernel must be square with an odd side (3×3, 5×5, ...); got shape {array.shape}."
        )
    if array.shape[0] > MAX_KERNEL_SIDE:
        raise ValueError(
            f"The kernel is {array.shape[0]}×{array.shape[0]}; the largest allowed is {MAX_KERNEL_SIDE}."
        )
    if not np.isfinite(array).all():
        raise ValueError("Every kernel value must be a finite number (no NaN or infinity).")
    if np.abs(array).max(initial=0) > 1e6:
        raise ValueError("Kernel values above a million overflow the display; use smaller weights.")
    return array.astype(np.float32)


def kernel_to_text(kernel: np.ndarray) -> str:
    """A kernel as compact text: numbers split by ",", rows by ";" (e.g. "1,0,-1;2,0,-2;1,0,-1").

    Each weight is written with up to 6 significant digits (%g), so kernel_from_text(kernel_to_text(k))
    equals k to float32 rounding for the weights a student types.
    """
    checked = check_kernel(kernel)
    return ";".join(",".join(f"{float(value) + 0.0:.6g}" for value in row) for row in checked)


def kernel_from_text(text: str) -> np.ndarray:
    """Read a kernel written by kernel_to_text (spaces allowed); float32 (k, k), checked by check_kernel.

    Anything else (not numbers, rows of different lengths, an even or too large side, inf / NaN, a very
    long text) raises ValueError with what was wrong.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("The kernel text is empty: write rows of numbers like 1,0,-1;2,0,-2;1,0,-1.")
    if len(text) > MAX_KERNEL_TEXT:
        raise ValueError(f"The kernel text is longer than {MAX_KERNEL_TEXT} characters.")
    rows = [row.split(",") for row in text.strip().strip(";").split(";")]
    if len({len(row) for row in rows}) != 1:
        raise ValueError("Every row of the kernel needs the same number of weights (rows split by ';').")
    try:
        values = [[float(cell) for cell in row] for row in rows]
    except ValueError:
        raise ValueError(
            "The kernel text must be numbers split by ',' with rows split by ';', like 1,0,-1;2,0,-2;1,0,-1."
        ) from None
    return check_kernel(np.array(values, dtype=np.float64))


def normalize_kernel(kernel: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Divide a kernel by its sum so a flat image keeps its brightness. Returns (kernel float32, note).

    A kernel whose weights sum to 0 (an edge detector) cannot be normalised: it comes back unchanged
    with a note saying so. Otherwise the note is None.
    """
    checked = check_kernel(kernel)
    total = float(checked.astype(np.float64).sum())
    if abs(total) < ZERO_SUM_TOLERANCE:
        return checked, (
            "The weights sum to 0 (an edge detector: flat areas become 0), so normalising would divide by "
            "zero; the kernel is used as it is."
        )
    return (checked / np.float32(total)).astype(np.float32), None


def _course_detector(name: str, size: int, intensity: float) -> np.ndarray:
    """The course's detectors grown to `size`: -1 on one side, 1 on the other, x along the middle line."""
    half = size // 2
    rows, cols = np.indices((size, size)) - half  # offsets from the centre
    if name == "horizontal (course)":  # course: [[-1, -1, -1], [x, x, x], [1, 1, 1]]
        kernel = np.sign(rows).astype(np.float64)
        kernel[rows == 0] = intensity
    elif name == "vertical (course)":  # course: [[-1, x, 1], [-1, x, 1], [-1, x, 1]]
        kernel = np.sign(cols).astype(np.float64)
        kernel[cols == 0] = intensity
    else:  # diagonal, course: [[x, -1, -1], [1, x, -1], [1, 1, x]]
        kernel = np.sign(rows - cols).astype(np.float64)
        kernel[rows == cols] = intensity
    return kernel


def preset_kernel(name: str, *, size: int = 3, intensity: float = COURSE_INTENSITY) -> np.ndarray:
    """A named kernel (see PRESET_NAMES), 3x3 or 5x5, as float32 (size, size).

    `intensity` is the x of the course's horizontal / vertical / diagonal detectors (course: 10).
    The 3x3 blur, sharpen, emboss, outline and Sobel weights are those of the course's image-kernel demo.
    """
    if size not in (3, 5):
        raise ValueError(f"Preset kernels come in 3×3 and 5×5; got size {size}.")
    if not np.isfinite(intensity):
        raise ValueError("The intensity x must be a finite number.")
    binomial = np.array([1, 2, 1] if size == 3 else [1, 4, 6, 4, 1], dtype=np.float64)
    derivative = np.array([-1, 0, 1] if size == 3 else [-1, -2, 0, 2, 1], dtype=np.float64)
    identity = np.zeros((size, size))
    identity[size // 2, size // 2] = 1
    gaussian = np.outer(binomial, binomial) / binomial.sum() ** 2
    if name == "identity":
        kernel = identity
    elif name == "box blur":
        kernel = np.full((size, size), 1.0 / size**2)
    elif name == "gaussian":
        kernel = gaussian
    elif name == "sharpen":
        # 3x3: identity minus the Laplacian, [[0, -1, 0], [-1, 5, -1], [0, -1, 0]];
        # 5x5: unsharp masking, 2 * identity - Gaussian.
        if size == 3:
            kernel = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float64)
        else:
            kernel = 2 * identity - gaussian
    elif name == "emboss":
        # 3x3: [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]: weights grow towards the bottom-right, 1 in the centre.
        rows, cols = np.indices((size, size)) - size // 2
        kernel = (rows + cols).astype(np.float64)
        kernel[size // 2, size // 2] = 1
    elif name == "outline":
        kernel = -np.ones((size, size))
        kernel[size // 2, size // 2] = size * size - 1
    elif name in ("sobel left", "sobel right", "sobel top", "sobel bottom"):
        right = np.outer(binomial, derivative)  # d/dx, bright on the right -> positive
        kernel = {
            "sobel right": right,
            "sobel left": -right,
            "sobel bottom": right.T,
            "sobel top": -right.T,
        }[name]
    elif name in INTENSITY_PRESETS:
        kernel = _course_detector(name, size, float(intensity))
    else:
        raise ValueError(f"Unknown preset {name!r}; choose one of: {', '.join(PRESET_NAMES)}.")
    return (kernel + 0.0).astype(np.float32)  # + 0.0 turns -0.0 into 0.0 for display


# ---------------------------------------------------------------------------------------------------------
# correlation


def _as_float_image(image: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, C) of numbers -> float32, or ImageError: correlation also takes float images (signed
    outputs, feature maps), so this is wider than lib.cv.images.check_image (uint8 only)."""
    image = np.asarray(image)
    if image.ndim not in (2, 3) or image.shape[0] == 0 or image.shape[1] == 0:
        raise ImageError(f"Expected a gray (H, W) or colour (H, W, 3) image, got shape {image.shape}.")
    if image.ndim == 3 and not 1 <= image.shape[2] <= 4:
        raise ImageError(f"Expected 1 to 4 channels, got {image.shape[2]}.")
    if image.dtype.kind not in "buif":
        raise ImageError(f"Image values must be numbers, got dtype {image.dtype}.")
    return image.astype(np.float32, copy=False)


def reflect_101_index(index: np.ndarray | int, length: int) -> np.ndarray:
    """Map indices outside [0, length) back inside as BORDER_REFLECT_101 does (... 2 1 | 0 1 2 ... n-1 | n-2 ...)."""
    index = np.asarray(index, dtype=np.int64)
    if length == 1:
        return np.zeros_like(index)
    period = 2 * (length - 1)
    folded = np.mod(index, period)
    return np.where(folded < length, folded, period - folded)


def apply_kernel(image: np.ndarray, kernel: np.ndarray, *, device: torch.device | None = None) -> np.ndarray:
    """Correlate an image with a small kernel, as cv2.filter2D does (ddepth CV_32F, BORDER_REFLECT_101).

    image: (H, W) or (H, W, C) uint8 or float; colour channels are filtered one by one.
    kernel: (k, k) with k odd. device: None runs cv2.filter2D; a torch.device runs torch conv2d there.
    Returns float32 of the image's shape;
    negative values are kept (show them signed).
    """
    values = _as_float_image(image)
    weights = check_kernel(kernel)
    if device is not None:
        return _apply_kernel_torch(np.asarray(image), values, weights, device)
    return cv2.filter2D(values, cv2.CV_32F, weights, borderType=cv2.BORDER_REFLECT_101)


def _apply_kernel_torch(
    image: np.ndarray, values: np.ndarray, weights: np.ndarray, device: torch.device
) -> np.ndarray:
    """torch conv2d (a correlation, like filter2D) after reflect padding; float32 (H, W[, C]).

    The pixels travel as given (uint8 is a quarter of float32's bytes) and every conversion and change of
    layout happens on the device: on CUDA, host-side copies cost more than the convolution itself.
    """
    import torch  # lazily: only this branch needs it
    import torch.nn.functional as functional

    # On CUDA, cuDNN may use TF32 for float32 convolutions (10-bit mantissa); float64 keeps filter2D's accuracy.
    dtype = torch.float64 if torch.device(device).type == "cuda" else torch.float32
    height, width = values.shape[:2]
    pad = weights.shape[0] // 2
    travelling = image if image.dtype == np.uint8 else values
    pixels = torch.from_numpy(np.ascontiguousarray(travelling)).to(device).to(dtype)
    planes = pixels[None] if pixels.ndim == 2 else pixels.permute(2, 0, 1)  # (C, H, W)
    batch = planes[:, None]  # (C, 1, H, W)
    if pad == 0:
        padded = batch
    elif pad < height and pad < width:
        padded = functional.pad(batch, (pad, pad, pad, pad), mode="reflect")  # torch "reflect" == REFLECT_101
    else:  # too small for torch's reflect: index with OpenCV's border rule
        rows = torch.from_numpy(reflect_101_index(np.arange(-pad, height + pad), height)).to(device)
        cols = torch.from_numpy(reflect_101_index(np.arange(-pad, width + pad), width)).to(device)
        padded = batch.index_select(2, rows).index_select(3, cols)
    kernel = torch.from_numpy(weights).to(device=device, dtype=dtype)[None, None]  # (1, 1, k, k)
    output = functional.conv2d(padded, kernel)[:, 0].to(torch.float32)  # (C, H, W)
    result = output[0] if values.ndim == 2 else output.permute(1, 2, 0)
    return result.contiguous().cpu().numpy()


@dataclass(frozen=True)
class NeighbourhoodArithmetic:
    """The arithmetic of one output value: neighbours x weights, summed."""

    neighbours: np.ndarray  # (k, k) float32 pixel values (borders reflected as REFLECT_101)
    products: np.ndarray  # (k, k) float32 neighbours * kernel
    total: float  # sum of the products == apply_kernel(gray, kernel)[y, x]


def neighbourhood_arithmetic(gray: np.ndarray, kernel: np.ndarray, x: int, y: int) -> NeighbourhoodArithmetic:
    """The k x k neighbours of pixel (x, y), their products with the kernel, and the sum.

    gray: (H, W). x, y: column and row inside the image. Borders are reflected like apply_kernel.
    """
    values = _as_float_image(gray)
    if values.ndim != 2:
        raise ImageError("Neighbourhood arithmetic needs a gray (H, W) image.")
    weights = check_kernel(kernel)
    height, width = values.shape
    if not (0 <= x < width and 0 <= y < height):
        raise ValueError(f"Pixel ({x}, {y}) is outside the {width}×{height} image.")
    pad = weights.shape[0] // 2
    rows = reflect_101_index(np.arange(y - pad, y + pad + 1), height)
    cols = reflect_101_index(np.arange(x - pad, x + pad + 1), width)
    neighbours = values[np.ix_(rows, cols)]
    products = neighbours * weights
    return NeighbourhoodArithmetic(neighbours, products, float(products.astype(np.float64).sum()))


# ---------------------------------------------------------------------------------------------------------
# showing signed results


def signed_to_rgb(values: np.ndarray, *, limit: float | None = None) -> np.ndarray:
    """Signed values (H, W) -> RGB uint8 (H, W, 3): blue for negative, white for 0, red for positive.

    Symmetric around 0: +/-limit (default the largest |value|) get the full colours. NaN shows as 0.
    """
    array = np.nan_to_num(np.asarray(values, dtype=np.float32), nan=0.0)
    if array.ndim != 2:
        raise ImageError(f"Signed display needs a single-channel (H, W) array, got shape {array.shape}.")
    scale = float(np.abs(array).max(initial=0.0)) if limit is None else float(limit)
    if not np.isfinite(scale) or scale < 0:
        raise ValueError(f"The colour limit must be a positive finite number, got {limit}.")
    scale = scale if scale > 0 else 1.0
    index = np.clip(np.rint(array * np.float32(255.0 / scale)), -255, 255).astype(np.int16) + 255  # 0..510
    return SIGNED_LUT[index]


def signed_limit(values: np.ndarray, *, percentile: float = 99.5) -> float:
    """A colour limit for signed_to_rgb: the given percentile of |values| (on a 1-in-16 sample for speed).

    A few extreme values would otherwise wash everything else out to white. Returns at least 1e-12.
    """
    array = np.asarray(values, dtype=np.float32)
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {percentile}")
    sample = np.abs(array[::4, ::4]) if array.ndim == 2 and min(array.shape) >= 64 else np.abs(array)
    sample = sample[np.isfinite(sample)]
    return max(float(np.percentile(sample, percentile)) if sample.size else 0.0, 1e-12)


def absolute_uint8(values: np.ndarray) -> np.ndarray:
    """|values| saturated to 0..255 uint8, as cv2.convertScaleAbs does (the course's Laplacian display)."""
    return cv2.convertScaleAbs(np.asarray(values))


def stretch_to_uint8(values: np.ndarray) -> np.ndarray:
    """Min-max stretch any real array to 0..255 uint8 (a flat array becomes 0)."""
    array = np.asarray(values, dtype=np.float64)
    low, high = float(array.min()), float(array.max())
    if high - low < 1e-12:
        return np.zeros(array.shape, dtype=np.uint8)
    return np.round((array - low) * (255.0 / (high - low))).astype(np.uint8)


def zoom_box(shape: tuple[int, ...], *, center: tuple[int, int], size: int = 64) -> tuple[int, int, int]:
    """(left, top, side) of the size x size square around center (x, y), moved to lie inside the image."""
    height, width = shape[:2]
    size = max(1, min(int(size), width, height))
    left = int(np.clip(center[0] - size // 2, 0, width - size))
    top = int(np.clip(center[1] - size // 2, 0, height - size))
    return left, top, size


def outline_zoom_box(image: np.ndarray, *, center: tuple[int, int], size: int = 64) -> np.ndarray:
    """The image as RGB with zoom_box's square outlined in red (a line ~1/300 of the longer side)."""
    left, top, side = zoom_box(image.shape, center=center, size=size)
    marked = to_rgb(image).copy()
    thickness = max(1, max(image.shape[:2]) // 300)
    cv2.rectangle(marked, (left, top), (left + side - 1, top + side - 1), (255, 40, 40), thickness)
    return marked


def zoom_region(image: np.ndarray, *, center: tuple[int, int], size: int = 64, scale: int = 4) -> np.ndarray:
    """A size x size crop around center (x, y), enlarged `scale` times with nearest neighbour (pixels stay square)."""
    left, top, size = zoom_box(image.shape, center=center, size=size)
    crop = image[top : top + size, left : left + size]
    return cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)


# ---------------------------------------------------------------------------------------------------------
# blur


def _check_ksize(ksize: int, *, odd: bool, what: str) -> int:
    if int(ksize) != ksize or ksize < 1:
        raise ValueError(f"The {what} kernel size must be a positive whole number, got {ksize}.")
    ksize = int(ksize)
    if odd and ksize % 2 == 0:
        raise ValueError(
            f"The {what} kernel size must be odd (it needs a centre pixel); got {ksize}. Try {ksize - 1} or {ksize + 1}."
        )
    if ksize > 255:
        raise ValueError(f"The {what} kernel size {ksize} is too large; use at most 255.")
    return ksize


def average_blur(image: np.ndarray, *, ksize: int = COURSE_AVERAGE_KSIZE) -> np.ndarray:
    """Mean of each ksize x ksize window (cv2.blur); any size. uint8 (H, W[, 3]) in, same out."""
    image = check_image(image)
    ksize = _check_ksize(ksize, odd=False, what="average blur")
    return cv2.blur(image, (ksize, ksize))


def gaussian_blur(
    image: np.ndarray, *, ksize: int = COURSE_GAUSSIAN_KSIZE, sigma: float = COURSE_GAUSSIAN_SIGMA
) -> np.ndarray:
    """Gaussian-weighted mean (cv2.GaussianBlur); ksize odd, sigma 0 = from the size. uint8 in, same out."""
    image = check_image(image)
    ksize = _check_ksize(ksize, odd=True, what="Gaussian blur")
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"Sigma must be 0 (derived from the size) or positive, got {sigma}.")
    return cv2.GaussianBlur(image, (ksize, ksize), float(sigma))


def median_blur(image: np.ndarray, *, ksize: int = COURSE_MEDIAN_KSIZE) -> np.ndarray:
    """Median of each ksize x ksize window (cv2.medianBlur); ksize odd. uint8 in, same out."""
    image = check_image(image)
    ksize = _check_ksize(ksize, odd=True, what="median blur")
    if ksize == 1:
        return image.copy()
    return cv2.medianBlur(image, ksize)


# ---------------------------------------------------------------------------------------------------------
# edges


@dataclass(frozen=True)
class SobelEdges:
    """Sobel derivatives and their magnitude, float64 (H, W) as the course computes them (CV_64F)."""

    x: np.ndarray
    y: np.ndarray
    magnitude: np.ndarray


def sobel_edges(image: np.ndarray, *, ksize: int = COURSE_SOBEL_KSIZE) -> SobelEdges:
    """Sobel x and y derivatives (cv2.Sobel, CV_64F) and cv2.magnitude. RGB is converted to gray first."""
    gray = to_gray(image)
    if ksize not in (1, 3, 5, 7):
        raise ValueError(f"The Sobel kernel size must be 1, 3, 5 or 7; got {ksize}.")
    sobel_x = cv2.Sobel(gray, cv2.CV_64F, 1, 0, ksize=ksize)
    sobel_y = cv2.Sobel(gray, cv2.CV_64F, 0, 1, ksize=ksize)
    return SobelEdges(sobel_x, sobel_y, cv2.magnitude(sobel_x, sobel_y))


def laplacian(image: np.ndarray, *, ksize: int = COURSE_LAPLACIAN_KSIZE) -> np.ndarray:
    """Second-derivative sum (cv2.Laplacian, CV_64F), signed float64 (H, W). RGB is converted to gray first."""
    gray = to_gray(image)
    if ksize not in (1, 3, 5, 7):
        raise ValueError(f"The Laplacian kernel size must be 1, 3, 5 or 7; got {ksize}.")
    return cv2.Laplacian(gray, cv2.CV_64F, ksize=ksize)


def canny(
    image: np.ndarray,
    *,
    threshold1: float = COURSE_CANNY_THRESHOLDS[0],
    threshold2: float = COURSE_CANNY_THRESHOLDS[1],
) -> np.ndarray:
    """Canny edges (cv2.Canny): uint8 (H, W), 255 on edges. Gradients above threshold2 start an edge,
    those above threshold1 continue one. RGB is converted to gray first."""
    gray = to_gray(image)
    if not (np.isfinite(threshold1) and np.isfinite(threshold2)) or threshold1 < 0 or threshold2 < 0:
        raise ValueError("Canny thresholds must be non-negative numbers.")
    return cv2.Canny(gray, float(threshold1), float(threshold2))


# ---------------------------------------------------------------------------------------------------------
# snippets: runnable code that reproduces the functions above for the same settings


def _input_lines(gray: bool) -> str:
    if gray:
        return "image = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)\n"
    return "image = image_rgb  # OpenCV filters each colour channel separately\n"


def kernel_snippet(kernel: np.ndarray, *, gray: bool = True) -> str:
    """Runnable code: cv2.filter2D with this kernel (float32 output, REFLECT_101); ends with `result`."""
    weights = check_kernel(kernel)  # float32, as filter2D gets it on the page
    return snippet(
        _input_lines(gray) + f"kernel = {literal(weights)}\n"
        "# correlation: each output = sum of the neighbours times the weights (negative values kept)\n"
        "result = cv2.filter2D(image.astype(np.float32), cv2.CV_32F, kernel, borderType=cv2.BORDER_REFLECT_101)\n"
    )


def average_blur_snippet(*, ksize: int = COURSE_AVERAGE_KSIZE, gray: bool = False) -> str:
    """Runnable code for average_blur; ends with `result`."""
    ksize = _check_ksize(ksize, odd=False, what="average blur")
    return snippet(_input_lines(gray) + f"result = cv2.blur(image, {literal((ksize, ksize))})\n")


def gaussian_blur_snippet(
    *, ksize: int = COURSE_GAUSSIAN_KSIZE, sigma: float = COURSE_GAUSSIAN_SIGMA, gray: bool = False
) -> str:
    """Runnable code for gaussian_blur; ends with `result`."""
    ksize = _check_ksize(ksize, odd=True, what="Gaussian blur")
    return snippet(
        _input_lines(gray) + "# the size must be odd; sigma 0 lets OpenCV derive it from the size\n"
        f"result = cv2.GaussianBlur(image, {literal((ksize, ksize))}, {literal(float(sigma))})\n"
    )


def median_blur_snippet(*, ksize: int = COURSE_MEDIAN_KSIZE, gray: bool = False) -> str:
    """Runnable code for median_blur; ends with `result`."""
    ksize = _check_ksize(ksize, odd=True, what="median blur")
    call = "image.copy()  # a 1x1 median changes nothing" if ksize == 1 else f"cv2.medianBlur(image, {ksize})"
    return snippet(_input_lines(gray) + f"result = {call}\n")


def sobel_snippet(*, ksize: int = COURSE_SOBEL_KSIZE) -> str:
    """Runnable code for sobel_edges; `result` is the magnitude (sobel_x, sobel_y are defined too)."""
    return snippet(
        _input_lines(True) + f"sobel_x = cv2.Sobel(image, cv2.CV_64F, 1, 0, ksize={int(ksize)})\n"
        f"sobel_y = cv2.Sobel(image, cv2.CV_64F, 0, 1, ksize={int(ksize)})\n"
        "result = cv2.magnitude(sobel_x, sobel_y)\n"
    )


def laplacian_snippet(*, ksize: int = COURSE_LAPLACIAN_KSIZE) -> str:
    """Runnable code for laplacian; `result` is the signed Laplacian, `laplacian_abs` its absolute uint8."""
    return snippet(
        _input_lines(True) + f"result = cv2.Laplacian(image, cv2.CV_64F, ksize={int(ksize)})\n"
        "laplacian_abs = cv2.convertScaleAbs(result)  # |value|, saturated to 0..255\n"
    )


def canny_snippet(
    *, threshold1: float = COURSE_CANNY_THRESHOLDS[0], threshold2: float = COURSE_CANNY_THRESHOLDS[1]
) -> str:
    """Runnable code for canny; ends with `result`."""
    return snippet(
        _input_lines(True)
        + f"result = cv2.Canny(image, {literal(float(threshold1))}, {literal(float(threshold2))})\n"
    )
