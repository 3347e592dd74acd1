import io

import cv2
import numpy as np
import pytest
from PIL import Image

from lib.cv.basics import add_brightness
from lib.cv.video import (
    VideoError,
    brighten_video,
    check_video,
    read_frame,
    read_video_info,
    video_snippet,
)
from samples import SAMPLE_VIDEO


@pytest.fixture(scope="module")
def clip() -> bytes:
    return SAMPLE_VIDEO.read_bytes()


def reference_frames(path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    capture.release()
    return frames


class TestReadVideo:
    def test_info_matches_opencv(self, clip):
        frames = reference_frames(SAMPLE_VIDEO)
        info = read_video_info(clip)
        assert info.frame_count == len(frames) == 45
        assert (info.width, info.height) == (320, 240)
        assert info.fps == pytest.approx(15.0)
        assert info.seconds == pytest.approx(3.0)

    def test_frame_equals_opencv(self, clip):
        frames = reference_frames(SAMPLE_VIDEO)
        assert np.array_equal(read_frame(clip, 0), frames[0])
        assert np.array_equal(read_frame(clip, 44), frames[44])
        assert not np.array_equal(frames[0], frames[44])

    def test_past_the_end(self, clip):
        with pytest.raises(VideoError, match="fewer than 46"):
            read_frame(clip, 45)

    @pytest.mark.parametrize("data", [b"", b"not a video at all" * 100], ids=["empty", "garbage"])
    def test_bad_files(self, data):
        with pytest.raises(VideoError):
            read_video_info(data)


def write_clip(tmp_path, frames: list[np.ndarray], *, fps: float = 10.0, name: str = "clip.mp4") -> bytes:
    """frames (RGB uint8, one size) written by OpenCV as an mp4v clip; returns its bytes."""
    path = tmp_path / name
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path.read_bytes()


def one_frame_clip(tmp_path) -> bytes:
    return write_clip(tmp_path, [np.full((48, 64, 3), (200, 40, 40), np.uint8)])


class TestCheckVideo:
    def test_sample(self, clip):
        assert check_video(clip) == read_video_info(clip)

    def test_one_frame_clip_is_a_valid_video(self, tmp_path):
        data = one_frame_clip(tmp_path)
        info = check_video(data)
        assert (info.frame_count, info.width, info.height) == (1, 64, 48)
        assert info.fps == pytest.approx(10.0)
        frame = read_frame(data, 0)
        assert frame.shape == (48, 64, 3) and abs(float(frame[..., 0].mean()) - 200) < 10
        with pytest.raises(VideoError, match="fewer than 2"):
            read_frame(data, 1)

    @pytest.mark.parametrize("file_format", ["PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP"])
    def test_a_picture_renamed_as_video_is_refused_with_what_it_is(self, file_format):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (10, 200, 10)).save(buffer, format=file_format)
        expected = {"WEBP": "WebP"}.get(file_format, file_format)
        with pytest.raises(VideoError, match=f"{expected} image, not a video.*sidebar"):
            check_video(buffer.getvalue())

    def test_empty_and_garbage_say_what_to_do(self):
        with pytest.raises(VideoError, match="empty.*MP4"):
            check_video(b"")
        with pytest.raises(VideoError, match="MP4"):
            check_video(b"not a video at all" * 100)

    def test_too_long(self, tmp_path, monkeypatch):
        import lib.cv.video as video

        monkeypatch.setattr(video, "MAX_VIDEO_FRAMES", 5)
        frames = [np.full((16, 16, 3), value, np.uint8) for value in range(0, 80, 10)]
        with pytest.raises(VideoError, match="too long: more than 5 frames"):
            check_video(write_clip(tmp_path, frames))
        assert check_video(write_clip(tmp_path, frames[:5])).frame_count == 5


class TestBrightenVideo:
    def test_a_one_frame_clip(self, tmp_path):
        out = brighten_video(one_frame_clip(tmp_path), amount=20)
        assert check_video(out).frame_count == 1

    def test_output_keeps_size_fps_and_count_and_is_brighter(self, clip, tmp_path):
        progress = []
        out = brighten_video(clip, amount=20, progress=progress.append)
        path = tmp_path / "out.mp4"
        path.write_bytes(out)
        info = read_video_info(out)
        assert (info.frame_count, info.width, info.height) == (45, 320, 240)
        assert info.fps == pytest.approx(15.0)
        assert progress[-1] == pytest.approx(1.0) and len(progress) == 45
        # mp4v is lossy: compare means, not pixels
        original = reference_frames(SAMPLE_VIDEO)[10].astype(float).mean()
        expected = add_brightness(reference_frames(SAMPLE_VIDEO)[10], 20, saturate=True).astype(float).mean()
        written = reference_frames(path)[10].astype(float).mean()
        assert abs(written - expected) < 3 and written > original + 10

    def test_snippet_runs_on_the_sample(self, clip, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        (tmp_path / "input.mp4").write_bytes(clip)
        exec(video_snippet(amount=20, saturate=True), {})
        assert read_video_info((tmp_path / "output.mp4").read_bytes()).frame_count == 45

    @pytest.mark.parametrize("amount", [30, -30])
    def test_snippet_shows_the_processed_frame(self, clip, tmp_path, monkeypatch, amount):
        monkeypatch.chdir(tmp_path)
        (tmp_path / "input.mp4").write_bytes(clip)
        namespace: dict = {}
        exec(video_snippet(amount=amount, saturate=True, frame_index=10), namespace)
        assert namespace["frames"] == 45
        expected = add_brightness(read_frame(clip, 10), amount, saturate=True)
        np.testing.assert_array_equal(namespace["result"], expected)
