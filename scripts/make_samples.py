"""Build samples/ from images that ship inside scikit-image, scikit-learn and matplotlib.

Run once in a scratch environment (these packages are not runtime dependencies of the app):
    python -m venv /tmp/samples-venv && /tmp/samples-venv/bin/pip install scikit-image scikit-learn matplotlib opencv-python-headless
    /tmp/samples-venv/bin/python scripts/make_samples.py
The sources and licences are listed in samples/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import matplotlib
import numpy as np
import skimage.data
from sklearn.datasets import load_digits, load_sample_image

OUT = Path(__file__).resolve().parent.parent / "samples"
# Where the page of text lands in the "document" photo: TL, TR, BR, BL as (x, y).
DOCUMENT_CORNERS = [(212, 118), (838, 196), (780, 668), (150, 590)]


def save(name: str, rgb_or_gray: np.ndarray, **params: int) -> None:
    image = rgb_or_gray if rgb_or_gray.ndim == 2 else cv2.cvtColor(rgb_or_gray, cv2.COLOR_RGB2BGR)
    flags: list[int] = []
    if name.endswith(".jpg"):
        flags = [cv2.IMWRITE_JPEG_QUALITY, params.get("quality", 90)]
    assert cv2.imwrite(str(OUT / name), image, flags), name


def group_photo() -> np.ndarray:
    """A composite 'group' of the public-domain portraits: four frontal faces side by side."""
    hopper_path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    hopper = cv2.cvtColor(cv2.imread(str(hopper_path)), cv2.COLOR_BGR2RGB)
    astronaut = skimage.data.astronaut()
    people = [
        cv2.resize(astronaut[20:470, 60:420], (300, 375)),
        cv2.resize(hopper[0:560, 20:512], (300, 375)),
        cv2.resize(np.ascontiguousarray(astronaut[20:470, 60:420][:, ::-1]), (260, 325)),
        cv2.resize(np.ascontiguousarray(hopper[0:560, 20:512][:, ::-1]), (260, 325)),
    ]
    canvas = np.full((420, 1180, 3), (214, 222, 230), dtype=np.uint8)
    x = 20
    for person in people:
        height, width = person.shape[:2]
        top = 420 - height - 10
        canvas[top : top + height, x : x + width] = person
        x += width + 12
    return canvas


def document_photo() -> np.ndarray:
    """The scanned page, photographed at an angle on a wooden-looking desk."""
    page = skimage.data.page()
    page = cv2.resize(page, (page.shape[1] * 2, page.shape[0] * 2), interpolation=cv2.INTER_CUBIC)
    page = cv2.copyMakeBorder(page, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=235)
    page_rgb = cv2.cvtColor(page, cv2.COLOR_GRAY2RGB)
    rng = np.random.default_rng(0)
    desk_height, desk_width = 768, 1024
    grain = cv2.resize(
        rng.normal(0, 1, (desk_height // 8, 4)), (desk_width, desk_height), interpolation=cv2.INTER_CUBIC
    )
    desk = np.empty((desk_height, desk_width, 3), dtype=np.float64)
    for channel, base in enumerate((120, 80, 50)):
        desk[:, :, channel] = base + 18 * grain
    desk = np.clip(desk, 0, 255).astype(np.uint8)
    height, width = page.shape
    source = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    target = np.float32(DOCUMENT_CORNERS)
    matrix = cv2.getPerspectiveTransform(source, target)
    warped = cv2.warpPerspective(page_rgb, matrix, (desk_width, desk_height))
    mask = cv2.warpPerspective(np.full((height, width), 255, np.uint8), matrix, (desk_width, desk_height))
    photo = np.where(mask[:, :, None] > 127, warped, desk)
    return cv2.GaussianBlur(photo, (3, 3), 0)


def digits_sheet() -> np.ndarray:
    """Ten handwritten digits 0-9 from scikit-learn's digits (UCI), dark ink on white paper."""
    digits = load_digits()
    sheet = np.full((2 * 112 + 16, 5 * 112 + 16, 3), 255, dtype=np.uint8)
    for digit in range(10):
        index = int(np.flatnonzero(digits.target == digit)[3])
        ink = (digits.images[index] / 16.0 * 255).astype(np.uint8)
        ink = cv2.resize(ink, (80, 80), interpolation=cv2.INTER_CUBIC)
        ink = cv2.GaussianBlur(ink, (5, 5), 0)
        tile = 255 - cv2.copyMakeBorder(ink, 16, 16, 16, 16, cv2.BORDER_CONSTANT, value=0)
        row, column = divmod(digit, 5)
        y, x = 8 + row * 112, 8 + column * 112
        sheet[y : y + 112, x : x + 112] = tile[:, :, None]
    return sheet


def sample_video() -> None:
    """A 3-second 15 fps clip: the camera pans and zooms across the coffee photograph."""
    coffee = cv2.cvtColor(skimage.data.coffee(), cv2.COLOR_RGB2BGR)
    writer = cv2.VideoWriter(str(OUT / "coffee_pan.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 15, (320, 240))
    frames = 45
    for index in range(frames):
        t = index / (frames - 1)
        zoom = 1.0 - 0.35 * t
        crop_width, crop_height = int(600 * zoom), int(450 * zoom)
        crop_height = min(crop_height, 400)
        x0 = int((600 - crop_width) * t)
        y0 = int((400 - crop_height) * 0.5)
        frame = cv2.resize(
            coffee[y0 : y0 + crop_height, x0 : x0 + crop_width], (320, 240), interpolation=cv2.INTER_AREA
        )
        writer.write(frame)
    writer.release()


def main() -> None:
    OUT.mkdir(exist_ok=True)
    save("coins.png", skimage.data.coins())
    save("page.png", skimage.data.page())
    save("portrait.png", skimage.data.astronaut())
    save("group.jpg", group_photo())
    save("flower.jpg", load_sample_image("flower.jpg"))
    save("china.jpg", load_sample_image("china.jpg"))
    save("document.jpg", document_photo())
    save("digits.png", digits_sheet())
    save("cat.png", skimage.data.chelsea())
    save("coffee.png", skimage.data.coffee())
    sample_video()
    (OUT / "document_corners.json").write_text(json.dumps(DOCUMENT_CORNERS) + "\n")


if __name__ == "__main__":
    main()
