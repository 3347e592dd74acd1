"""One signed colour map: Kernels (lib.cv.filters) and Feature maps (lib.nn.features, ui.charts) agree."""

import numpy as np
import pytest

from lib.cv import filters
from lib.cv.display import (
    BORDER,
    NEGATIVE,
    POSITIVE,
    SIGNED_LUT,
    ZERO,
    signed_colours,
    signed_colourscale,
    with_border,
)


class TestSignedColours:
    def test_ends_and_middle_by_hand(self):
        assert signed_colours(np.array([-1.0, 0.0, 1.0])).tolist() == [
            list(NEGATIVE),
            list(ZERO),
            list(POSITIVE),
        ]
        half = signed_colours(np.array(0.5))  # halfway from white to red
        assert half.tolist() == [round((255 + 178) / 2), round((255 + 24) / 2), round((255 + 43) / 2)]

    def test_clipped_and_nan_is_white(self):
        assert signed_colours(np.array([-7.0, np.nan, 3.0])).tolist() == [
            list(NEGATIVE),
            list(ZERO),
            list(POSITIVE),
        ]

    def test_the_lookup_table_is_the_map(self):
        assert SIGNED_LUT.shape == (511, 3) and SIGNED_LUT[255].tolist() == list(ZERO)
        assert np.array_equal(SIGNED_LUT, signed_colours(np.linspace(-1, 1, 511)))

    def test_kernels_and_feature_maps_show_the_same_colours(self):
        from lib.nn.features import colorize

        values = np.array([[-4.0, -1.0, 0.0, 2.0, 4.0]], np.float32)
        kernels = filters.signed_to_rgb(values)  # limit: the largest |value|
        feature_maps = colorize(values[None])[0]  # shared scale: the largest |value|
        assert np.abs(kernels.astype(int) - feature_maps.astype(int)).max() <= 1  # 511 steps vs exact

    def test_the_plotly_scale_has_the_same_ends(self):
        assert signed_colourscale() == [[0.0, f"rgb{NEGATIVE}"], [0.5, f"rgb{ZERO}"], [1.0, f"rgb{POSITIVE}"]]


class TestWithBorder:
    def test_white_picture_gets_a_one_pixel_frame_inside_its_shape(self):
        white = np.full((6, 8, 3), 255, np.uint8)
        framed = with_border(white, thickness=1)
        assert framed.shape == white.shape and (white == 255).all()  # a copy: the input is untouched
        frame = np.ones((6, 8), bool)
        frame[1:-1, 1:-1] = False
        assert (framed[frame] == BORDER).all() and (framed[~frame] == 255).all()

    def test_gray_and_thicker(self):
        framed = with_border(np.zeros((10, 10), np.uint8), thickness=2, gray=99)
        assert (framed[:2] == 99).all() and (framed[:, -2:] == 99).all() and (framed[2:-2, 2:-2] == 0).all()

    def test_default_thickness_follows_the_size(self):
        framed = with_border(np.zeros((427, 640), np.uint8))
        assert (framed[:2] == BORDER).all() and (framed[2, 2:-2] == 0).all()
        assert (with_border(np.zeros((1536, 1000), np.uint8))[:, :5] == BORDER).all()

    def test_tiny_image_and_bad_input(self):
        assert (with_border(np.zeros((1, 1), np.uint8), thickness=3) == 0).all()  # nothing inside to frame
        with pytest.raises(ValueError):
            with_border(np.zeros((4, 4), np.float32))
