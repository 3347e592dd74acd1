"""A student's own images per class (Transfer learning): each upload or snapshot decoded once, kept small.

Pure: bytes in, arrays out. The page keeps one ImageStore in its session; nothing is written to disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lib.cv.images import ImageError, decode_image, fit_to_working_size
from lib.cv.transforms import resize_to

STORE_SIDE = 64  # the shapes CNN's input: the images are kept at this size


@dataclass
class ImageStore:
    """Images by class name, (side, side, 3) RGB uint8 each, and the file ids already read."""

    side: int = STORE_SIDE
    images: dict[str, list[np.ndarray]] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)

    def add(self, class_name: str, data: bytes, file_id: str) -> str | None:
        """Decode an image file into the class's images, once per file id; returns an error message or None.

        The image is scaled to the working size first (as every upload is), then to side x side (INTER_AREA).
        """
        if file_id in self.seen:
            return None
        self.seen.add(file_id)
        try:
            image = fit_to_working_size(decode_image(data))
        except ImageError as error:
            return f"{class_name}: {error}"
        small = resize_to(image, width=self.side, height=self.side, interpolation="area")
        self.images.setdefault(class_name, []).append(small)
        return None

    def count(self, class_name: str) -> int:
        return len(self.images.get(class_name, []))

    def arrays(self, class_names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The images of the given classes, in that order: (N, side, side, 3) uint8 and labels (N,) int64."""
        images = [image for name in class_names for image in self.images.get(name, [])]
        labels = [label for label, name in enumerate(class_names) for _ in self.images.get(name, [])]
        if not images:
            return np.zeros((0, self.side, self.side, 3), np.uint8), np.zeros(0, np.int64)
        return np.stack(images), np.array(labels, dtype=np.int64)
