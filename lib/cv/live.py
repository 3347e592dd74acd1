"""Live camera frames: the frame rate measured from timestamps, and a label drawn on a frame."""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

from lib.cv.images import to_rgb

LABEL_COLOUR = (255, 255, 0)  # yellow text on a black box: readable on any frame
LABEL_BACKGROUND = (0, 0, 0)


class FrameRate:
    """Frames per second over the last `window` frames: (frames - 1) / (last time - first time).

    tick(now) records one frame at time `now` (seconds, any monotonic clock) and returns the rate;
    0.0 until two frames are in (one frame has no rate).
    """

    def __init__(self, *, window: int = 30) -> None:
        if window < 2:
            raise ValueError(f"window must be at least 2 frames, got {window}")
        self._times: deque[float] = deque(maxlen=window)
        self.fps = 0.0

    def tick(self, now: float) -> float:
        if self._times and now < self._times[-1]:
            raise ValueError(f"time went backwards: {now} after {self._times[-1]}")
        self._times.append(float(now))
        span = self._times[-1] - self._times[0]
        self.fps = (len(self._times) - 1) / span if span > 0 else 0.0
        return self.fps


def label_frame(image: np.ndarray, text: str) -> np.ndarray:
    """A copy of a frame (RGB (H, W, 3) or gray (H, W) uint8) as RGB with `text` in a box, top left."""
    canvas = to_rgb(image, task="A live frame").copy()
    scale = max(0.5, canvas.shape[0] / 720)
    thickness = max(1, round(2 * scale))
    (width, height), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    pad = max(4, round(6 * scale))
    cv2.rectangle(
        canvas, (0, 0), (width + 2 * pad, height + baseline + 2 * pad), LABEL_BACKGROUND, cv2.FILLED
    )
    cv2.putText(
        canvas,
        text,
        (pad, pad + height),
        cv2.FONT_HERSHEY_SIMPLEX,
        scale,
        LABEL_COLOUR,
        thickness,
        cv2.LINE_AA,
    )
    return canvas
