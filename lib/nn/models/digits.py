"""Several digits in one image: find each digit's box, and draw what was read."""

from __future__ import annotations

import cv2
import numpy as np

from lib.cv.images import ImageError, to_gray, to_rgb
from lib.nn.models.preprocessing import ink_image, ink_mask


def find_digits(
    image_rgb: np.ndarray, *, min_area_fraction: float = 0.0005
) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) of the separate digits in an image, in reading order (rows, then left to right).

    Ink strokes closer than ~2 % of the image side are joined (a broken 5 stays one digit).
    """
    ink = ink_image(to_gray(image_rgb))
    try:
        mask = ink_mask(ink).astype(np.uint8)
    except ValueError as error:  # no ink at all
        raise ImageError(str(error)) from None
    side = max(3, round(0.02 * max(mask.shape)) | 1)
    joined = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    min_area = min_area_fraction * mask.size
    boxes = [
        tuple(int(v) for v in stats[i, :4]) for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= min_area
    ]
    if not boxes:
        return []
    row_height = np.median([box[3] for box in boxes])
    return sorted(boxes, key=lambda box: (round((box[1] + box[3] / 2) / row_height), box[0]))


def draw_readings(
    image_rgb: np.ndarray, readings: list[tuple[tuple[int, int, int, int], str, float]]
) -> np.ndarray:
    """A copy of the image with each box (x, y, w, h) outlined and its label written above it.

    readings: [((x, y, w, h), label, probability)]. Returns RGB uint8 (H, W, 3).
    """
    drawn = to_rgb(image_rgb).copy()
    scale = max(0.5, max(drawn.shape[:2]) / 800)
    thickness = max(1, round(scale * 2))
    for (x, y, w, h), label, _ in readings:
        cv2.rectangle(drawn, (x, y), (x + w - 1, y + h - 1), (230, 40, 40), thickness)
        origin = (x, max(y - 4, int(22 * scale)))
        cv2.putText(
            drawn, label, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (230, 40, 40), thickness, cv2.LINE_AA
        )
    return drawn
