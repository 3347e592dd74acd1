"""Zips of phone-size photos for the Train a CNN tests and the benchmark: coloured shapes, made here."""

from __future__ import annotations

import io
import zipfile

import cv2
import numpy as np

CLASSES = ("circles", "squares", "triangles")
PHONE_SIZE = (4000, 3000)  # width, height: 12 megapixels, as a phone camera takes them


def phone_photo(shape: str, index: int, *, size: tuple[int, int] = PHONE_SIZE, quality: int = 80) -> bytes:
    """One JPEG: a soft two-colour gradient with a filled shape of the class, a little noise, no EXIF."""
    width, height = size
    rng = np.random.default_rng(index * 7919 + len(shape))
    low, high = rng.integers(40, 215, size=(2, 3))
    ramp = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
    row = (low + (high - low) * ramp).astype(np.uint8)  # (1, W, 3)
    image = np.ascontiguousarray(np.broadcast_to(row, (height, width, 3)))
    colour = tuple(int(c) for c in rng.integers(0, 256, 3))
    centre = (int(width * rng.uniform(0.35, 0.65)), int(height * rng.uniform(0.35, 0.65)))
    radius = int(min(width, height) * rng.uniform(0.2, 0.35))
    if shape == "circles":
        cv2.circle(image, centre, radius, colour, -1, cv2.LINE_AA)
    elif shape == "squares":
        cv2.rectangle(
            image,
            (centre[0] - radius, centre[1] - radius),
            (centre[0] + radius, centre[1] + radius),
            colour,
            -1,
        )
    else:
        points = np.array(
            [
                (centre[0], centre[1] - radius),
                (centre[0] - radius, centre[1] + radius),
                (centre[0] + radius, centre[1] + radius),
            ],
            np.int32,
        )
        cv2.fillPoly(image, [points], colour, cv2.LINE_AA)
    noise = rng.integers(-6, 7, size=(height // 8, width // 8, 1), dtype=np.int16)
    image = np.clip(
        image.astype(np.int16)
        + cv2.resize(noise, (width, height), interpolation=cv2.INTER_NEAREST)[..., None],
        0,
        255,
    ).astype(np.uint8)
    ok, encoded = cv2.imencode(
        ".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    assert ok
    return encoded.tobytes()


def phone_photo_zip(
    count: int, *, classes: tuple[str, ...] = CLASSES, size: tuple[int, int] = PHONE_SIZE
) -> bytes:
    """A zip of `count` photos laid out as photos/<class>/<n>.jpg, the classes taking turns."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # JPEGs do not compress
        for index in range(count):
            shape = classes[index % len(classes)]
            archive.writestr(f"photos/{shape}/{index:03d}.jpg", phone_photo(shape, index, size=size))
    return buffer.getvalue()
