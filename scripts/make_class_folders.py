"""Build samples/class_folders/: one folder per class of small generated shape pictures (II.O's ImageDataset).

    python scripts/make_class_folders.py

Four pictures per class (circle, square, triangle), drawn by lib.cv.shapes.make_shapes with seed 0, half of
them 48×48 and half 80×80 so that the dataset's Resize(128) has work to do. Generated here: no licence
restrictions (CC0), listed in samples/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.cv.shapes import make_shapes  # noqa: E402

CLASSES = ("circle", "square", "triangle")
OUT = ROOT / "samples" / "class_folders"
PER_SIZE = 2  # pictures of each class at each size
SIZES = (48, 80)


def main() -> None:
    for size in SIZES:
        images, labels = make_shapes(PER_SIZE, size=size, seed=0, classes=CLASSES)
        counts = dict.fromkeys(CLASSES, 0)
        for image, label in zip(images, labels, strict=True):
            name = CLASSES[int(label)]
            folder = OUT / name
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{name}_{size}px_{counts[name]}.png"
            counts[name] += 1
            assert cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)), path


if __name__ == "__main__":
    main()
