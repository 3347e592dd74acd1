"""ui.clickable: a click or drag in displayed pixels becomes the image pixel under the pointer."""

import math

import pytest

from ui.clickable import click_point, drag_points, to_image_point

SHAPE = (427, 640, 3)  # (H, W, C): the Dahlia sample at its default working size


class TestToImagePoint:
    def test_same_size_is_the_identity(self):
        assert to_image_point(160, 319, (640, 427), SHAPE) == (160, 319)

    def test_scales_from_the_displayed_size(self):
        # shown at half size: displayed pixel (80, 100) covers image pixels (160..161, 200..201)
        assert to_image_point(80, 100, (320, 213.5), SHAPE) == (160, 200)
        assert to_image_point(80.9, 100.9, (320, 213.5), SHAPE) == (161, 201)

    @pytest.mark.parametrize("x, y", [(-5, -1), (700, 500), (640, 427)])
    def test_outside_is_clamped_to_the_nearest_edge_pixel(self, x, y):
        column, row = to_image_point(x, y, (640, 427), SHAPE)
        assert 0 <= column <= 639 and 0 <= row <= 426
        assert column in (0, 639) and row in (0, 426)

    @pytest.mark.parametrize(
        "x, y, shown",
        [
            (math.nan, 1, (640, 427)),
            (1, math.inf, (640, 427)),
            (1, 1, (0, 427)),
            (1, 1, (640, -3)),
            ("1", 1, (9, 9)),
        ],
    )
    def test_unusable_values_give_none(self, x, y, shown):
        assert to_image_point(x, y, shown, SHAPE) is None


class TestEvents:
    def test_click(self):
        event = {"x": 10, "y": 20, "width": 320, "height": 213.5, "unix_time": 1}
        assert click_point(event, SHAPE) == (20, 40)

    @pytest.mark.parametrize(
        "event", [None, {}, {"x": 1, "y": 2}, "x=1", {"x": 1, "y": 2, "width": 0, "height": 9}]
    )
    def test_no_or_malformed_click_gives_none(self, event):
        assert click_point(event, SHAPE) is None

    def test_drag_gives_start_and_end(self):
        event = {"x1": 0, "y1": 0, "x2": 639, "y2": 426, "width": 640, "height": 427, "unix_time": 1}
        assert drag_points(event, SHAPE) == ((0, 0), (639, 426))

    def test_drag_ending_outside_the_image_is_clamped(self):
        event = {"x1": 10, "y1": 10, "x2": -40, "y2": 900, "width": 640, "height": 427}
        assert drag_points(event, SHAPE) == ((10, 10), (0, 426))

    def test_a_click_event_is_not_a_drag(self):
        assert drag_points({"x": 1, "y": 2, "width": 640, "height": 427}, SHAPE) is None
