"""Count touching coins: threshold, opening, distance transform, markers, watershed, circularity filter."""

from __future__ import annotations

import dataclasses
import inspect
import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from lib.cv.images import ImageError, check_image, to_rgb
from lib.cv.programs import literal, snippet

Box = tuple[int, int, int, int]  # (x, y, width, height) in image pixels

# The course's "area > 1000" comes without its photo's size; we assume this one and scale other sizes by
# pixel count.
REFERENCE_PIXELS = 1024 * 768

# The notes' recipe exactly: fixed 130, inverse (their coins were darker than the background), no lighting
# correction, no blur, no hole filling, seeds at 0.7 of the whole image's peak, watershed on the photo.
# On the uneven, engraved coins sample it finds almost nothing: the page shows why each extra step is there.
COURSE_RECIPE: dict[str, object] = {
    "threshold": 130,
    "invert": True,
    "flatten_lighting": False,
    "blur_size": 0,
    "fill_holes": False,
    "seeds_per_blob": False,
    "flood_mask": False,
}


@dataclass(frozen=True)
class CoinParams:
    """Settings of the watershed coin counter; defaults are the course's values unless noted."""

    threshold: int | None = None  # None: Otsu picks it from the histogram; the course fixes 130
    invert: bool | None = None  # None: auto (the class that fills the image border is background)
    flatten_lighting: bool = True  # not in the course: remove uneven lighting (top-hat) before thresholding
    blur_size: int = 5  # not in the course: Gaussian blur (odd; 0 = off) so engravings do not break coins
    fill_holes: bool = True  # not in the course: fill dark engraving inside each coin before the opening
    kernel_size: int = 3  # opening / dilation kernel: np.ones((3, 3)) in the course
    opening_iterations: int = 4  # course: 4 (more removes more noise, and more detail)
    dilate_iterations: int = 3  # sure background = dilated opening (OpenCV tutorial: 3)
    foreground_fraction: float = 0.7  # sure foreground: distance > 0.7 * max distance (course: 0.7)
    seeds_per_blob: bool = True  # fraction of each blob's own peak (course: of the whole image's peak)
    flood_mask: bool = True  # watershed floods the cleaned mask; False floods the photo (course)
    min_circularity: float = 0.7  # 4*pi*A/P^2 kept in [0.7, 1.2] (course)
    max_circularity: float = 1.2
    min_area: float = 1000.0  # course: area > 1000 px; its image size is not given, REFERENCE_PIXELS assumed
    reference_pixels: int = REFERENCE_PIXELS

    def __post_init__(self) -> None:
        if self.threshold is not None and not 0 <= self.threshold <= 255:
            raise ValueError(
                f"threshold must be between 0 and 255 (course: 130), or None for Otsu; got {self.threshold}"
            )
        if self.blur_size != 0 and (self.blur_size < 1 or self.blur_size % 2 == 0):
            raise ValueError(f"blur_size must be 0 (off) or an odd number such as 5, got {self.blur_size}")
        if self.kernel_size < 1:
            raise ValueError(f"kernel_size must be 1 or more (course: 3), got {self.kernel_size}")
        if self.opening_iterations < 0 or self.dilate_iterations < 0:
            raise ValueError("opening_iterations and dilate_iterations must be 0 or more (course: 4 and 3)")
        if not 0.0 <= self.foreground_fraction < 1.0:
            raise ValueError(
                f"foreground_fraction must be in [0, 1) (course: 0.7), got {self.foreground_fraction}"
            )
        if not 0.0 <= self.min_circularity <= self.max_circularity:
            raise ValueError(
                "circularity range must satisfy 0 <= min <= max (course: 0.7 to 1.2), "
                f"got {self.min_circularity} to {self.max_circularity}"
            )
        if self.min_area < 0 or self.reference_pixels < 1:
            raise ValueError("min_area must be 0 or more and reference_pixels at least 1")


@dataclass(frozen=True)
class CoinCandidate:
    """One watershed region and the circularity filter's verdict on it."""

    region: int  # its label in the watershed output (2, 3, ...; 1 is background)
    area: float  # cv2.contourArea of its outer contour, px^2
    perimeter: float  # cv2.arcLength of the closed contour, px
    circularity: float  # 4 * pi * area / perimeter^2 (1 for a perfect circle)
    box: Box
    accepted: bool
    reason: str  # "coin", or why it was rejected


@dataclass
class CoinResult:
    """Every intermediate of the pipeline, then the coins. Masks are uint8 0/255 (H, W)."""

    count: int
    labels: np.ndarray  # int32 (H, W): 0 background, 1..count one per coin
    boxes: list[Box]  # boxes[i] bounds labels == i + 1
    gray: np.ndarray
    prepared: np.ndarray  # gray after flattening the lighting and blurring: what is thresholded
    threshold_value: float  # the threshold used (Otsu's choice or the fixed one)
    inverted: bool  # True when coins are darker than the background (THRESH_BINARY_INV)
    threshold_mask: np.ndarray  # coins white
    filled: np.ndarray  # threshold_mask with the holes inside blobs filled (== threshold_mask when off)
    opening: np.ndarray
    sure_background: np.ndarray
    distance: np.ndarray  # float32 (H, W), px to the nearest background pixel
    sure_foreground: np.ndarray
    unknown: np.ndarray
    markers: np.ndarray  # int32 (H, W) before watershed: 0 unknown, 1 background, 2.. seeds
    watershed: np.ndarray  # int32 (H, W) after cv2.watershed: -1 on boundaries
    min_area: float  # the area threshold scaled to this image
    candidates: list[CoinCandidate] = field(default_factory=list)


def count_coins(image_rgb: np.ndarray, **params: object) -> CoinResult:
    """Segment and count coins with the course's watershed pipeline plus a circularity filter.

    image_rgb: (H, W, 3) RGB or (H, W) gray uint8. params: fields of CoinParams (course defaults).
    Returns a CoinResult with count, labels (int32, 0 = background), boxes (x, y, w, h) and every stage.
    The steps are watershed_coins, the function the page's Code panel shows.
    """
    settings = _make_params(params)
    _check_coin_image(image_rgb)
    stages = watershed_coins(to_rgb(image_rgb), **recipe_settings(settings))
    candidates = [
        CoinCandidate(region, area, perimeter, circularity, box, verdict == "coin", verdict)
        for region, area, perimeter, circularity, box, verdict in stages["regions"]
    ]
    return CoinResult(
        count=stages["count"],
        labels=stages["coin_labels"],
        boxes=stages["boxes"],
        gray=stages["gray"],
        prepared=stages["prepared"],
        threshold_value=float(stages["level"]),
        inverted=stages["invert"],
        threshold_mask=stages["threshold_mask"],
        filled=stages["filled"],
        opening=stages["opening"],
        sure_background=stages["sure_bg"],
        distance=stages["dist"],
        sure_foreground=stages["sure_fg"],
        unknown=stages["unknown"],
        markers=stages["markers"],
        watershed=stages["watershed"],
        min_area=stages["min_area"],
        candidates=candidates,
    )


def recipe_settings(settings: CoinParams) -> dict[str, object]:
    """CoinParams as watershed_coins' keyword arguments (its two on/off steps have shorter names)."""
    values = dataclasses.asdict(settings)
    values["flatten"] = values.pop("flatten_lighting")
    values["fill"] = values.pop("fill_holes")
    return values


def watershed_coins(
    image_rgb,
    *,
    threshold=None,
    invert=None,
    flatten=True,
    blur_size=5,
    fill=True,
    kernel_size=3,
    opening_iterations=4,
    dilate_iterations=3,
    foreground_fraction=0.7,
    seeds_per_blob=True,
    flood_mask=True,
    min_circularity=0.7,
    max_circularity=1.2,
    min_area=1000.0,
    reference_pixels=1024 * 768,
):
    """Count coins: threshold, opening, distance transform, markers, watershed, circularity filter.

    image_rgb: (H, W, 3) uint8. threshold None: Otsu; invert None: decided from the image border.
    Returns every stage by name; count, boxes (x, y, w, h), coin_labels (0 background, 1..count) and
    mask (0/255 of the counted coins) are the result; regions lists each region's measurements and verdict.
    """
    image_bgr = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR)
    gray = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    height, width = gray.shape

    # 0. Dark coins on a light background, or the other way? The border is mostly background.
    if invert is None:
        _, bright = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        invert = border_is_bright(bright)
    invert = bool(invert)
    prepared = flatten_lighting(gray, dark_objects=invert) if flatten else gray
    if blur_size > 1:
        prepared = cv2.GaussianBlur(prepared, (blur_size, blur_size), 0)

    # 1. Threshold so that the coins are white (inverse for dark coins)
    threshold_type = cv2.THRESH_BINARY_INV if invert else cv2.THRESH_BINARY
    if threshold is None:
        level, threshold_mask = cv2.threshold(prepared, 0, 255, threshold_type + cv2.THRESH_OTSU)
    else:
        level, threshold_mask = cv2.threshold(prepared, threshold, 255, threshold_type)
    filled = fill_holes(threshold_mask) if fill else threshold_mask

    # 2. Opening removes specks; dilating it gives the sure background
    kernel = np.ones((kernel_size, kernel_size), np.uint8)
    opening = cv2.morphologyEx(filled, cv2.MORPH_OPEN, kernel, iterations=opening_iterations)
    sure_bg = cv2.dilate(opening, kernel, iterations=dilate_iterations)

    # 3. Distance to the background peaks at coin centres: its top part is surely a coin
    dist = cv2.distanceTransform(opening, cv2.DIST_L2, 5)
    if seeds_per_blob:  # a fraction of each blob's own peak (the course: of the whole image's peak)
        _, blobs = cv2.connectedComponents(opening)
        blob_peaks = np.zeros(blobs.max() + 1, np.float32)
        np.maximum.at(blob_peaks, blobs.ravel(), dist.ravel())
        sure_fg = np.where(dist > foreground_fraction * blob_peaks[blobs], 255, 0).astype(np.uint8)
    else:
        _, sure_fg = cv2.threshold(dist, foreground_fraction * dist.max(), 255, 0)
        sure_fg = sure_fg.astype(np.uint8)
    unknown = cv2.subtract(sure_bg, sure_fg)

    # 4. Markers (+1 so background is 1, unknown 0), then watershed (-1 marks boundaries)
    _, markers = cv2.connectedComponents(sure_fg)
    markers = markers + 1
    markers[unknown == 255] = 0
    flood = cv2.cvtColor(opening, cv2.COLOR_GRAY2BGR) if flood_mask else image_bgr
    watershed = cv2.watershed(flood, markers.copy())

    # 5. Keep round, big regions: circularity = 4*pi*A / P^2, area above the course's 1000 px (scaled)
    min_area = min_area * (height * width) / reference_pixels
    coin_labels = np.zeros((height, width), np.int32)
    boxes = []  # (x, y, w, h) of each coin counted
    regions = []  # (region, area, perimeter, circularity, box, verdict) of every watershed region
    for region, x0, y0, crop in region_crops(watershed, sure_bg):
        contours, _ = cv2.findContours(crop, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        if not contours:
            continue
        contour = max(contours, key=cv2.contourArea)
        area = float(cv2.contourArea(contour))
        perimeter = float(cv2.arcLength(contour, True))
        circularity = circularity_of(area, perimeter)
        coin = np.zeros_like(crop)
        cv2.drawContours(coin, [contour], -1, 255, thickness=cv2.FILLED)
        coin = cv2.bitwise_and(coin, crop)  # the region inside its outline
        x, y, w, h = cv2.boundingRect(coin)
        x, y = x + x0, y + y0
        if perimeter <= 0:
            verdict = "no perimeter"
        elif w >= width - 2 and h >= height - 2:
            verdict = "fills the frame (background)"
        elif not min_circularity <= circularity <= max_circularity:
            verdict = f"circularity {circularity:.2f} outside {min_circularity}-{max_circularity}"
        elif area <= min_area:
            verdict = f"area {area:.0f} <= {min_area:.0f} px"
        else:
            verdict = "coin"
        regions.append((region, area, perimeter, circularity, (x, y, w, h), verdict))
        if verdict == "coin":
            boxes.append((x, y, w, h))
            rows, cols = np.nonzero(coin)
            coin_labels[rows + y0, cols + x0] = len(boxes)
    mask = np.where(coin_labels > 0, 255, 0).astype(np.uint8)  # white where a counted coin is
    return {
        "count": len(boxes), "boxes": boxes, "coin_labels": coin_labels, "mask": mask, "regions": regions,
        "gray": gray, "prepared": prepared, "level": level, "invert": invert, "threshold_mask": threshold_mask,
        "filled": filled, "opening": opening, "sure_bg": sure_bg, "dist": dist, "sure_fg": sure_fg,
        "unknown": unknown, "markers": markers, "watershed": watershed, "min_area": min_area,
    }  # fmt: skip


def region_crops(watershed, sure_bg):
    """Each watershed region (label 2, 3, ...) in label order as (label, x0, y0, 0/255 mask of its crop).

    Every region lies inside one blob of the sure background, so it is cut out of that blob's bounding box
    (one pixel wider) instead of the whole image: the same contours, far less work on a big photo.
    """
    height, width = watershed.shape
    count, blobs, stats, _ = cv2.connectedComponentsWithStats(sure_bg)
    crops = []
    for blob in range(1, count):
        x, y, w, h = stats[blob, :4]
        x0, y0, x1, y1 = max(x - 1, 0), max(y - 1, 0), min(x + w + 1, width), min(y + h + 1, height)
        inside = np.where(blobs[y0:y1, x0:x1] == blob, watershed[y0:y1, x0:x1], 0)
        for region in np.unique(inside[inside >= 2]):
            crops.append((int(region), int(x0), int(y0), np.where(inside == region, 255, 0).astype(np.uint8)))
    crops.sort(key=lambda item: item[0])
    return crops


def circularity_of(area: float, perimeter: float) -> float:
    """4 * pi * area / perimeter^2: 1 for a circle, pi/4 for a square, near 0 for a thin line; 0 if no perimeter."""
    if perimeter <= 0:
        return 0.0
    return 4.0 * math.pi * area / (perimeter * perimeter)


def flatten_lighting(gray: np.ndarray, *, dark_objects: bool) -> np.ndarray:
    """Even out uneven lighting: subtract the background (top-hat), then CLAHE for the contrast.

    gray: (H, W) uint8. Light objects end on a black background; with dark_objects=True the result is
    mirrored (closing, black-hat) so dark objects stay dark on a white background. Returns (H, W) uint8.
    The background is estimated at quarter size with a window of a third of the shorter side.
    """
    background = estimate_background(gray, dark_objects=dark_objects)
    # dark objects: gray + (255 - background) = 255 - (background - gray), saturated
    flat = cv2.add(gray, cv2.bitwise_not(background)) if dark_objects else cv2.subtract(gray, background)
    # Glare also lowers contrast, not only the level: CLAHE stretches contrast tile by tile.
    return cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(flat)


def estimate_background(gray: np.ndarray, *, dark_objects: bool) -> np.ndarray:
    """The image with its objects removed: opening (closing for dark objects) wider than any object.

    gray: (H, W) uint8 -> (H, W) uint8, smooth. Works at quarter size for speed.
    """
    height, width = gray.shape
    small = cv2.resize(gray, (max(1, width // 4), max(1, height // 4)), interpolation=cv2.INTER_AREA)
    window = max(3, (min(height, width) // 12) | 1)  # a third of the shorter side, at quarter size
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (window, window))
    operation = cv2.MORPH_CLOSE if dark_objects else cv2.MORPH_OPEN
    small_background = cv2.morphologyEx(small, operation, disc, borderType=cv2.BORDER_REPLICATE)
    small_background = cv2.GaussianBlur(small_background, (0, 0), window / 4)
    return cv2.resize(small_background, (width, height), interpolation=cv2.INTER_LINEAR)


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """Fill every hole inside the white blobs of a 0/255 mask (draws each outer contour filled)."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = mask.copy()
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    return filled


def border_is_bright(mask: np.ndarray) -> bool:
    """True when most pixels on the image border are white in a 0/255 mask (so white is background)."""
    border = np.concatenate([mask[0, :], mask[-1, :], mask[1:-1, 0], mask[1:-1, -1]])
    return bool(np.count_nonzero(border) * 2 > border.size)


def coin_mask(result: CoinResult) -> np.ndarray:
    """uint8 (H, W) 0/255: white where a counted coin is."""
    return np.where(result.labels > 0, 255, 0).astype(np.uint8)


def colorize_labels(labels: np.ndarray) -> np.ndarray:
    """int label image (H, W) -> RGB uint8: -1 white, 0 black, 1 dark gray, other labels spread colours."""
    labels = labels.astype(np.int32, copy=False)
    top = max(int(labels.max()), 1)
    spread = (np.arange(top + 2, dtype=np.int64) * 97 % 251).astype(np.uint8)  # neighbours far apart
    palette = np.ascontiguousarray(cv2.applyColorMap(spread.reshape(-1, 1), cv2.COLORMAP_TURBO)[:, 0, ::-1])
    palette[0], palette[1], palette[2] = (255, 255, 255), (0, 0, 0), (50, 50, 50)  # labels -1, 0, 1
    return np.take(palette, np.clip(labels, -1, None) + 1, axis=0)


def draw_boundaries(image_rgb: np.ndarray, watershed: np.ndarray) -> np.ndarray:
    """The image with the watershed's boundary pixels (-1) painted red. Returns RGB uint8 (H, W, 3)."""
    canvas = to_rgb(image_rgb).copy()
    canvas[watershed == -1] = (255, 0, 0)
    return canvas


def draw_coins(image_rgb: np.ndarray, result: CoinResult) -> np.ndarray:
    """Each counted coin outlined (green), boxed (blue) and numbered. Returns RGB uint8 (H, W, 3)."""
    canvas = to_rgb(image_rgb).copy()
    thickness = max(1, round(max(canvas.shape[:2]) / 500))
    font_scale = max(0.35, max(canvas.shape[:2]) / 1400)
    for number, (x, y, width, height) in enumerate(result.boxes, start=1):
        crop = result.labels[y : y + height, x : x + width]
        region = np.where(crop == number, 255, 0).astype(np.uint8)
        contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE, offset=(x, y))
        cv2.drawContours(canvas, contours, -1, (0, 255, 0), thickness)
        cv2.rectangle(canvas, (x, y), (x + width - 1, y + height - 1), (0, 120, 255), thickness)
        cv2.putText(
            canvas,
            str(number),
            (x + 2, y + max(12, int(22 * font_scale))),
            cv2.FONT_HERSHEY_SIMPLEX,
            font_scale,
            (255, 255, 0),
            thickness,
            cv2.LINE_AA,
        )
    return canvas


def distance_to_unit(distance: np.ndarray) -> np.ndarray:
    """Distance transform scaled to [0, 1] float32 for display (all zeros stays zeros)."""
    peak = float(distance.max())
    return (distance / peak).astype(np.float32) if peak > 0 else np.zeros_like(distance, np.float32)


# the functions watershed_coins calls, shown with it in the Code panel (in the order they are defined there)
_RECIPE_PARTS = (border_is_bright, estimate_background, flatten_lighting, fill_holes, circularity_of)


def count_coins_snippet(**params: object) -> str:
    """The Code panel: the real source of watershed_coins (and the helpers it calls) under the page's
    settings, starting from `image_rgb`.

    Ends with `count`, `boxes` (x, y, w, h), `coin_labels` (int32, 0 background, 1..count), `mask` (0/255 of
    the counted coins).
    """
    settings = recipe_settings(_make_params(params))
    parts = (*_RECIPE_PARTS, region_crops, watershed_coins)
    call = "\n".join(f"    {name}={literal(value)}," for name, value in settings.items())
    return snippet(
        "\n"
        + "\n\n".join(inspect.getsource(part).rstrip() + "\n" for part in parts)
        + "\n\n# the page's settings\n"
        + f"stages = watershed_coins(\n    image_rgb,\n{call}\n)\n"
        + 'count, boxes = stages["count"], stages["boxes"]\n'
        + 'coin_labels, mask = stages["coin_labels"], stages["mask"]\n'
    )


def _make_params(params: dict[str, object]) -> CoinParams:
    names = {f.name for f in dataclasses.fields(CoinParams)}
    unknown = sorted(set(params) - names)
    if unknown:
        raise ValueError(f"unknown coin-counting setting(s) {unknown}; valid ones are {sorted(names)}")
    return CoinParams(**params)  # type: ignore[arg-type]


def _check_coin_image(image: np.ndarray) -> None:
    check_image(image, task="Coin counting")
    if min(image.shape[:2]) < 8:
        raise ImageError(
            f"The image is too small to count coins in ({image.shape[1]}×{image.shape[0]} px); "
            "use one at least 8 px on each side."
        )


# ---------------------------------------------------------------------------------------------------------
# the stages for display


@dataclass(frozen=True)
class CoinViews:
    """What the page shows of one pipeline run: display images (uint8) and numbers, no raw int/float maps."""

    count: int
    boxes: list[tuple[int, int, int, int]]
    candidates: list[CoinCandidate]
    threshold_value: float
    inverted: bool
    min_area: float
    gray: np.ndarray
    prepared: np.ndarray
    threshold_mask: np.ndarray
    filled: np.ndarray
    opening: np.ndarray
    sure_background: np.ndarray
    distance: np.ndarray  # scaled to 0-255
    sure_foreground: np.ndarray
    unknown: np.ndarray
    markers: np.ndarray  # RGB: seeds coloured, background dark gray, unknown black
    boundaries: np.ndarray  # RGB: the photo with the watershed lines in red
    coins: np.ndarray  # RGB: counted coins outlined, boxed and numbered
    mask: np.ndarray  # uint8 0/255: counted coins only

    def table(self) -> list[dict[str, object]]:
        """One row per watershed region: its measurements and the filter's verdict."""
        return [
            {
                "region": c.region,
                "area (px)": round(c.area),
                "perimeter (px)": round(c.perimeter, 1),
                "circularity": round(c.circularity, 3),
                "verdict": c.reason,
            }
            for c in self.candidates
        ]


def stage_views(image_rgb: np.ndarray, result: CoinResult) -> CoinViews:
    """Every stage of a count_coins run drawn for display (uint8 images), with the numbers a page shows."""
    return CoinViews(
        count=result.count,
        boxes=result.boxes,
        candidates=result.candidates,
        threshold_value=result.threshold_value,
        inverted=result.inverted,
        min_area=result.min_area,
        gray=result.gray,
        prepared=result.prepared,
        threshold_mask=result.threshold_mask,
        filled=result.filled,
        opening=result.opening,
        sure_background=result.sure_background,
        distance=(distance_to_unit(result.distance) * 255).astype(np.uint8),
        sure_foreground=result.sure_foreground,
        unknown=result.unknown,
        markers=colorize_labels(result.markers),
        boundaries=draw_boundaries(image_rgb, result.watershed),
        coins=draw_coins(image_rgb, result),
        mask=coin_mask(result),
    )
