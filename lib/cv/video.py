"""Video files frame by frame: read a clip, look at one frame, process every frame and write a new clip."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import cv2
import numpy as np

from lib.cv.basics import add_brightness
from lib.cv.programs import snippet

MAX_VIDEO_FRAMES = 900  # 30 s at 30 fps: enough for a lesson, bounded for a shared server
MAX_VIDEO_PIXELS = 1920 * 1080


class VideoError(ValueError):
    """A video could not be used; the message says what was wrong and what to do."""


@dataclass(frozen=True)
class VideoInfo:
    frame_count: int
    fps: float
    width: int
    height: int

    @property
    def seconds(self) -> float:
        return self.frame_count / self.fps if self.fps > 0 else 0.0


@contextmanager
def _opened(data: bytes) -> Iterator[cv2.VideoCapture]:
    """cv2.VideoCapture reads files only: write the bytes to a private temporary file, removed after."""
    if not data:
        raise VideoError("The video file is empty (0 bytes). Choose an MP4, AVI or MOV file.")
    handle, path = tempfile.mkstemp(suffix=".video")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        capture = cv2.VideoCapture(path)
        try:
            if not capture.isOpened():
                raise VideoError(
                    "OpenCV could not open this file as a video. Try an MP4 (H.264 or mp4v) file."
                )
            yield capture
        finally:
            capture.release()
    finally:
        os.unlink(path)


def _count_frames(capture: cv2.VideoCapture) -> int:
    count = 0
    while count <= MAX_VIDEO_FRAMES and capture.grab():
        count += 1
    return count


# Files that are pictures, not clips: FFmpeg opens these as a one-frame "video" (an image demuxer).
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"BM": "BMP",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
}
IMAGE_CODECS = {"MPNG": "PNG", "png ": "PNG", "gif ": "GIF", "bmp ": "BMP", "tiff": "TIFF", "webp": "WebP"}
MAX_VIDEO_FPS = 240.0
DEFAULT_FPS = 25.0  # when a container does not say (OpenCV reports 0)


def _image_format(data: bytes) -> str | None:
    """'PNG', 'JPEG', ... when the bytes start like a picture file, else None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    return next((name for magic, name in IMAGE_SIGNATURES.items() if data.startswith(magic)), None)


def _fourcc(capture: cv2.VideoCapture) -> str:
    code = int(capture.get(cv2.CAP_PROP_FOURCC)) & 0xFFFFFFFF
    return "".join(chr((code >> shift) & 0xFF) for shift in (0, 8, 16, 24))


def check_video(data: bytes) -> VideoInfo:
    """Open a clip once and check it: frames, size, fps and codec. Returns its VideoInfo.

    The frame count is counted by reading (container headers can lie). Raises VideoError, saying what was
    wrong and what to do, for an empty file, a picture (a PNG or JPEG renamed .avi), no decodable frames,
    more than MAX_VIDEO_FRAMES frames, more than MAX_VIDEO_PIXELS per frame or an impossible frame rate.
    A clip of a single frame is valid.
    """
    if not data:
        raise VideoError("The video file is empty (0 bytes). Choose an MP4, AVI or MOV file.")
    picture = _image_format(data)
    if picture:
        raise VideoError(
            f"This file is a {picture} image, not a video (only its name says video). Upload an MP4, AVI "
            "or MOV clip here; to use the picture, upload it as the image in the sidebar."
        )
    with _opened(data) as capture:
        codec = _fourcc(capture)
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        ok, first = capture.read()
        frame_count = (1 + _count_frames(capture)) if ok else 0
    if codec in IMAGE_CODECS:
        raise VideoError(
            f"This file holds a single {IMAGE_CODECS[codec]} picture, not a video. Upload an MP4, AVI or MOV "
            "clip here; to use the picture, upload it as the image in the sidebar."
        )
    if frame_count == 0 or first is None or width <= 0 or height <= 0:
        raise VideoError(
            "The video has no frames that OpenCV can decode (an unsupported codec, or a damaged file). "
            "Convert it to MP4 (H.264 or mp4v) and upload it again."
        )
    if first.shape[:2] != (height, width):
        width, height = first.shape[1], first.shape[0]  # the decoded frame is the truth
    if frame_count > MAX_VIDEO_FRAMES:
        raise VideoError(
            f"The video is too long: more than {MAX_VIDEO_FRAMES} frames. Trim it to under 30 s and upload "
            "it again."
        )
    if width * height > MAX_VIDEO_PIXELS:
        raise VideoError(
            f"The video is {width}×{height}; the limit is 1920×1080 pixels per frame. Scale it down first."
        )
    if fps > MAX_VIDEO_FPS or fps != fps:
        raise VideoError(
            f"The video says it plays at {fps:g} frames per second, which cannot be right (the limit is "
            f"{MAX_VIDEO_FPS:g}). Export it again with a normal frame rate such as 30 fps."
        )
    return VideoInfo(frame_count=frame_count, fps=fps if fps > 0 else DEFAULT_FPS, width=width, height=height)


def read_video_info(data: bytes) -> VideoInfo:
    """Frame count, fps and size of a clip: check_video under its older name."""
    return check_video(data)


def read_frame(data: bytes, index: int) -> np.ndarray:
    """Frame `index` (0-based) of a clip as RGB uint8 (H, W, 3)."""
    if index < 0:
        raise VideoError(f"frame index must be 0 or more, got {index}")
    with _opened(data) as capture:
        for _ in range(index):
            if not capture.grab():
                raise VideoError(f"The video has fewer than {index + 1} frames.")
        ok, frame = capture.read()
    if not ok:
        raise VideoError(f"The video has fewer than {index + 1} frames.")
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def brighten_video(
    data: bytes,
    *,
    amount: int = 20,
    saturate: bool = True,
    progress: Callable[[float], None] | None = None,
) -> bytes:
    """Add `amount` to every frame (the course's frame + 20) and write an mp4v clip; returns its bytes.

    The output keeps the input's size and fps, as the course insists (a size mismatch corrupts the file).
    """
    info = read_video_info(data)
    handle, out_path = tempfile.mkstemp(suffix=".mp4")
    os.close(handle)
    try:
        writer = cv2.VideoWriter(
            out_path, cv2.VideoWriter_fourcc(*"mp4v"), info.fps, (info.width, info.height)
        )
        if not writer.isOpened():
            raise VideoError("OpenCV could not open an mp4v writer on this machine.")
        try:
            with _opened(data) as capture:
                for index in range(info.frame_count):
                    ok, frame = capture.read()
                    if not ok:  # the course's `if not ret: break` — never add to a missing frame
                        break
                    writer.write(add_brightness(frame, amount, saturate=saturate))
                    if progress is not None:
                        progress((index + 1) / info.frame_count)
        finally:
            writer.release()
        with open(out_path, "rb") as file:
            return file.read()
    finally:
        os.unlink(out_path)


def video_snippet(*, amount: int, saturate: bool, frame_index: int = 0) -> str:
    """The course's read-process-write loop for the current settings, reading input.mp4.

    Ends with `frames` (how many were written) and `result`, processed frame `frame_index` as RGB.
    """
    if saturate:
        change = (
            f"cv2.add(frame, np.full_like(frame, {amount}))"
            if amount >= 0
            else f"cv2.subtract(frame, np.full_like(frame, {-amount}))"
        )
    else:
        change = f"(frame.astype(np.int16) + ({amount})).astype(np.uint8)  # wraps around"
    return snippet(f"""video = cv2.VideoCapture("input.mp4")
fps = video.get(cv2.CAP_PROP_FPS)
width = int(video.get(cv2.CAP_PROP_FRAME_WIDTH))
height = int(video.get(cv2.CAP_PROP_FRAME_HEIGHT))
out = cv2.VideoWriter("output.mp4", cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
frames = 0
while True:
    ret, frame = video.read()
    if not ret:  # after the last frame, frame is None: check before touching it
        break
    processed = {change}
    if frames == {int(frame_index)}:
        result = cv2.cvtColor(processed, cv2.COLOR_BGR2RGB)  # the frame the page shows
    out.write(processed)
    frames += 1
video.release()
out.release()
""")
