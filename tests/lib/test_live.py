"""lib.cv.live: the frame rate from timestamps and the label drawn on a live frame."""

import numpy as np
import pytest

from lib.cv.images import ImageError
from lib.cv.live import LABEL_BACKGROUND, LABEL_COLOUR, FrameRate, label_frame


class TestFrameRate:
    def test_one_frame_has_no_rate(self):
        assert FrameRate().tick(5.0) == 0.0

    def test_frames_a_tenth_apart_are_ten_per_second(self):
        rate = FrameRate(window=30)
        fps = [rate.tick(t / 10) for t in range(11)]
        assert fps[1:] == pytest.approx([10.0] * 10)
        assert rate.fps == pytest.approx(10.0)

    def test_the_window_forgets_old_frames(self):
        """Four frames 1 s apart, then four 0.1 s apart: a window of 4 sees only the fast ones."""
        rate = FrameRate(window=4)
        for t in (0.0, 1.0, 2.0, 3.0):
            rate.tick(t)
        assert rate.fps == pytest.approx(1.0)
        for t in (3.1, 3.2, 3.3):
            rate.tick(t)
        assert rate.fps == pytest.approx(3 / 0.3)

    def test_same_time_twice_is_no_rate_not_a_division_by_zero(self):
        rate = FrameRate()
        rate.tick(1.0)
        assert rate.tick(1.0) == 0.0

    def test_time_going_backwards_and_a_tiny_window_are_refused(self):
        rate = FrameRate()
        rate.tick(2.0)
        with pytest.raises(ValueError, match="backwards"):
            rate.tick(1.0)
        with pytest.raises(ValueError, match="at least 2"):
            FrameRate(window=1)


class TestLabelFrame:
    def test_the_label_box_is_top_left_and_the_rest_untouched(self):
        frame = np.full((480, 640, 3), 90, np.uint8)
        labelled = label_frame(frame, "12.5 fps")
        assert labelled.shape == frame.shape and labelled.dtype == np.uint8
        assert (frame == 90).all(), "the input frame was drawn on"
        changed = np.argwhere((labelled != frame).any(axis=2))
        assert changed[:, 0].max() < 60 and changed[:, 1].max() < 200, "drawn outside the top-left corner"
        assert (labelled[2, 2] == LABEL_BACKGROUND).all()
        # anti-aliased text on the black box: shades of the label colour (R = G, B = 0), some nearly full
        box = labelled[:25, :90].astype(int)  # inside the box (about 30 x 100 at 480 rows)
        text = box[..., 0] > 0
        assert text.sum() > 50, "no text in the box"
        assert (box[text] * np.array(LABEL_COLOUR).clip(max=1) == box[text]).all(), (
            "text not in the label colour"
        )
        assert (box[..., 0] > 200).sum() > 10
        assert (labelled[100:] == 90).all() and (labelled[:, 300:] == 90).all()

    def test_a_gray_frame_comes_back_rgb(self):
        gray = np.arange(480 * 640, dtype=np.uint32).reshape(480, 640).astype(np.uint8)
        labelled = label_frame(gray, "1.0 fps")
        assert labelled.shape == (480, 640, 3)
        np.testing.assert_array_equal(labelled[200:, :, 1], gray[200:])

    def test_not_an_image_is_a_clear_error(self):
        with pytest.raises(ImageError, match="live frame"):
            label_frame(np.zeros((4, 4), np.float32), "x")
