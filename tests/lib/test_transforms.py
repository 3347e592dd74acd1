"""lib.cv.transforms: resize / flip / rotate / crop against OpenCV, hand-worked properties, snippets reproduce."""

from __future__ import annotations

import ast
import math

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.cv import transforms
from lib.cv.images import ImageError
from tests.helpers import snippet_result

RNG = np.random.default_rng(7)
IMAGE = RNG.integers(0, 256, size=(90, 120, 3), dtype=np.uint8)  # (H, W, 3): 90 rows, 120 columns
GRAY = RNG.integers(0, 256, size=(37, 52), dtype=np.uint8)
# A course-sized image (the notes' crop x 400..800, y 300..900 fits inside a 1000 x 1200 image).
LARGE = RNG.integers(0, 256, size=(1200, 1000, 3), dtype=np.uint8)


def step_image(low: int = 50, high: int = 200, size: int = 8) -> np.ndarray:
    """Gray (4, 2 * size): left half `low`, right half `high` — a vertical step edge."""
    return np.hstack([np.full((4, size), low, np.uint8), np.full((4, size), high, np.uint8)])


class TestResizeTo:
    def test_course_size_equals_opencv(self):
        expected = cv2.resize(IMAGE, (400, 400))
        result = transforms.resize_to(IMAGE)
        assert result.shape == (400, 400, 3)
        np.testing.assert_array_equal(result, expected)

    @pytest.mark.parametrize("name", list(transforms.INTERPOLATIONS))
    def test_each_interpolation_equals_opencv(self, name):
        expected = cv2.resize(IMAGE, (50, 70), interpolation=transforms.INTERPOLATIONS[name])
        np.testing.assert_array_equal(
            transforms.resize_to(IMAGE, width=50, height=70, interpolation=name), expected
        )

    def test_width_and_height_are_not_swapped(self):
        assert transforms.resize_to(GRAY, width=30, height=10).shape == (10, 30)

    @pytest.mark.parametrize("name", list(transforms.INTERPOLATIONS))
    def test_same_size_is_identity(self, name):
        np.testing.assert_array_equal(
            transforms.resize_to(IMAGE, width=120, height=90, interpolation=name), IMAGE
        )

    def test_flat_image_stays_flat(self):
        flat = np.full((10, 10, 3), 77, np.uint8)
        for name in transforms.INTERPOLATIONS:
            assert np.all(transforms.resize_to(flat, width=33, height=7, interpolation=name) == 77)

    def test_unknown_interpolation(self):
        with pytest.raises(ValueError, match="Unknown interpolation 'bilinear'"):
            transforms.resize_to(IMAGE, interpolation="bilinear")

    @pytest.mark.parametrize(("width", "height"), [(0, 10), (10, 0), (10_000, 10)])
    def test_bad_sizes(self, width, height):
        with pytest.raises(ValueError, match="pixels"):
            transforms.resize_to(IMAGE, width=width, height=height)

    def test_not_an_image(self):
        with pytest.raises(ImageError):
            transforms.resize_to(np.zeros((0, 5), np.uint8))


class TestResizeByPercent:
    def test_course_scaling_equals_course_code(self):
        # the notes: s_width = int(shape[1] * 50 / 100), INTER_AREA
        s_width, s_height = int(IMAGE.shape[1] * 50 / 100), int(IMAGE.shape[0] * 50 / 100)
        expected = cv2.resize(IMAGE, (s_width, s_height), interpolation=cv2.INTER_AREA)
        result = transforms.resize_by_percent(IMAGE)
        assert result.shape == (45, 60, 3)
        np.testing.assert_array_equal(result, expected)

    def test_sizes_truncate_like_the_course(self):
        # 37 * 0.5 = 18.5 -> 18; 52 * 0.5 = 26
        assert transforms.resize_by_percent(GRAY, percent=50).shape == (18, 26)
        assert transforms.scaled_size(52, 37, percent=33) == (17, 12)  # 17.16, 12.21
        assert transforms.scaled_size(3, 3, percent=1) == (1, 1)  # never 0

    @pytest.mark.parametrize("name", list(transforms.INTERPOLATIONS))
    def test_hundred_percent_is_identity(self, name):
        result = transforms.resize_by_percent(IMAGE, percent=100, interpolation=name)
        np.testing.assert_array_equal(result, IMAGE)
        assert result is not IMAGE

    def test_area_halving_averages_two_by_two_blocks(self):
        # INTER_AREA at exactly 50 %: each output pixel is the mean of a 2x2 block (hand-worked)
        block = np.array([[0, 40, 100, 100], [80, 120, 100, 100]], np.uint8)
        np.testing.assert_array_equal(transforms.resize_by_percent(block, percent=50), [[60, 100]])

    @pytest.mark.parametrize("percent", [0, -5, float("nan")])
    def test_bad_percent(self, percent):
        with pytest.raises(ValueError, match="positive percentage"):
            transforms.resize_by_percent(IMAGE, percent=percent)


class TestMagnifier:
    def test_region_is_centred_and_square(self):
        assert transforms.magnifier_region(120, 90) == (44, 29, 76, 61)  # centre (60, 45), side 32

    def test_region_is_moved_inside_the_image(self):
        corner = transforms.magnifier_region(120, 90, center_x_percent=0, center_y_percent=100)
        assert corner == (0, 58, 32, 90)
        assert transforms.magnifier_region(20, 10, side=32) == (5, 0, 15, 10)  # side shrinks to 10

    def test_bad_region_arguments(self):
        with pytest.raises(ValueError, match="percent"):
            transforms.magnifier_region(100, 100, center_x_percent=150)
        with pytest.raises(ValueError, match="at least 1 pixel"):
            transforms.magnifier_region(100, 100, side=0)

    def test_magnify_equals_crop_then_resize(self):
        region = (10, 20, 42, 52)
        patch = IMAGE[20:52, 10:42]
        for name, flag in transforms.INTERPOLATIONS.items():
            expected = cv2.resize(patch, (32 * 8, 32 * 8), interpolation=flag)
            np.testing.assert_array_equal(
                transforms.magnify(IMAGE, region=region, zoom=8, interpolation=name), expected
            )

    def test_nearest_zoom_repeats_each_pixel(self):
        # hand-worked: nearest neighbour at an integer zoom copies each pixel into a zoom x zoom block
        region = (3, 4, 13, 12)
        expected = np.repeat(np.repeat(IMAGE[4:12, 3:13], 4, axis=0), 4, axis=1)
        np.testing.assert_array_equal(transforms.magnify(IMAGE, region=region, zoom=4), expected)

    def test_area_enlarging_is_nearest(self):
        # INTER_AREA is for shrinking; at an integer enlargement OpenCV gives the same blocks as nearest
        results = transforms.compare_interpolations(IMAGE, region=(0, 0, 16, 16), zoom=6)
        np.testing.assert_array_equal(results["area"], results["nearest"])

    def test_step_edge_smooth_filters(self):
        results = transforms.compare_interpolations(step_image(), region=(0, 0, 16, 4), zoom=8)
        assert list(results) == ["nearest", "linear", "cubic", "area", "lanczos4"]
        row = {name: image[0].astype(int) for name, image in results.items()}
        # nearest keeps only the two original values; linear blends without leaving [50, 200]
        assert set(np.unique(row["nearest"])) == {50, 200}
        assert row["linear"].min() == 50 and row["linear"].max() == 200
        assert len(np.unique(row["linear"])) > 2
        # cubic and Lanczos overshoot on both sides of the edge (ringing), and their edge is steeper
        for name in ("cubic", "lanczos4"):
            assert row[name].min() < 50 and row[name].max() > 200
            assert np.diff(row[name]).max() > np.diff(row["linear"]).max()

    def test_bad_zoom(self):
        with pytest.raises(ValueError, match="zoom"):
            transforms.magnify(IMAGE, region=(0, 0, 8, 8), zoom=0)


class TestFlip:
    @pytest.mark.parametrize("code", [1, 0, -1])
    def test_equals_opencv(self, code):
        np.testing.assert_array_equal(transforms.flip(IMAGE, flip_code=code), cv2.flip(IMAGE, code))

    def test_codes_by_hand(self):
        np.testing.assert_array_equal(transforms.flip(GRAY, flip_code=1), GRAY[:, ::-1])
        np.testing.assert_array_equal(transforms.flip(GRAY, flip_code=0), GRAY[::-1, :])
        np.testing.assert_array_equal(transforms.flip(GRAY, flip_code=-1), GRAY[::-1, ::-1])

    @pytest.mark.parametrize("code", [1, 0, -1])
    def test_twice_is_identity(self, code):
        once = transforms.flip(IMAGE, flip_code=code)
        np.testing.assert_array_equal(transforms.flip(once, flip_code=code), IMAGE)

    def test_both_is_a_half_turn(self):
        np.testing.assert_array_equal(
            transforms.flip(IMAGE, flip_code=-1), transforms.rotate_quarter(IMAGE, degrees_clockwise=180)
        )

    def test_bad_code(self):
        with pytest.raises(ValueError, match="flip code"):
            transforms.flip(IMAGE, flip_code=2)


class TestRotateQuarter:
    @pytest.mark.parametrize(
        ("degrees", "code"),
        [(90, cv2.ROTATE_90_CLOCKWISE), (180, cv2.ROTATE_180), (270, cv2.ROTATE_90_COUNTERCLOCKWISE)],
    )
    def test_equals_opencv(self, degrees, code):
        np.testing.assert_array_equal(
            transforms.rotate_quarter(IMAGE, degrees_clockwise=degrees), cv2.rotate(IMAGE, code)
        )

    def test_clockwise_by_hand(self):
        # [[1, 2], [3, 4]] turned clockwise: the left column (3 under 1) becomes the top row
        square = np.array([[1, 2], [3, 4]], np.uint8)
        np.testing.assert_array_equal(transforms.rotate_quarter(square), [[3, 1], [4, 2]])
        assert transforms.rotate_quarter(IMAGE).shape == (120, 90, 3)

    def test_four_quarter_turns_are_identity(self):
        turned = IMAGE
        for _ in range(4):
            turned = transforms.rotate_quarter(turned, degrees_clockwise=90)
        np.testing.assert_array_equal(turned, IMAGE)

    def test_zero_and_negative(self):
        np.testing.assert_array_equal(transforms.rotate_quarter(IMAGE, degrees_clockwise=0), IMAGE)
        np.testing.assert_array_equal(
            transforms.rotate_quarter(IMAGE, degrees_clockwise=-90),
            cv2.rotate(IMAGE, cv2.ROTATE_90_COUNTERCLOCKWISE),
        )

    def test_not_a_quarter_turn(self):
        with pytest.raises(ValueError, match="multiples of 90"):
            transforms.rotate_quarter(IMAGE, degrees_clockwise=45)


class TestRotateByAngle:
    @pytest.mark.parametrize(
        ("angle", "code"),
        [(-90, cv2.ROTATE_90_CLOCKWISE), (90, cv2.ROTATE_90_COUNTERCLOCKWISE), (180, cv2.ROTATE_180)],
    )
    def test_right_angles_equal_cv2_rotate(self, angle, code):
        # keeping the whole image, a right angle must give exactly cv2.rotate's pixels and shape
        for image in (IMAGE, GRAY):
            np.testing.assert_array_equal(
                transforms.rotate_by_angle(image, angle=angle), cv2.rotate(image, code)
            )

    def test_cropped_equals_opencv_warp(self):
        matrix = cv2.getRotationMatrix2D((59.5, 44.5), 45.0, 1.0)
        expected = cv2.warpAffine(IMAGE, matrix, (120, 90))
        np.testing.assert_array_equal(transforms.rotate_by_angle(IMAGE, keep_whole=False), expected)

    def test_whole_canvas_size_by_hand(self):
        # 45 degrees: each side becomes (w + h) / sqrt(2) = (120 + 90) * 0.7071 = 148.49 -> 149
        result = transforms.rotate_by_angle(IMAGE, angle=45)
        assert result.shape == (149, 149, 3)

    def test_whole_canvas_keeps_every_pixel_of_a_flat_image(self):
        # a white image rotated onto a larger canvas: its area (~120 * 90 px) is all still there
        white = np.full((90, 120), 255, np.uint8)
        rotated = transforms.rotate_by_angle(white, angle=30)
        assert abs(rotated.astype(float).sum() / 255 - 120 * 90) < 0.01 * 120 * 90
        cropped = transforms.rotate_by_angle(white, angle=30, keep_whole=False)
        assert cropped.astype(float).sum() / 255 < 0.9 * 120 * 90  # the corners are cut off

    def test_zero_angle_is_identity(self):
        np.testing.assert_array_equal(transforms.rotate_by_angle(IMAGE, angle=0), IMAGE)

    def test_bad_angle(self):
        with pytest.raises(ValueError, match="finite"):
            transforms.rotate_by_angle(IMAGE, angle=math.inf)

    @settings(max_examples=30, deadline=None)
    @given(angle=st.floats(-360, 360), width=st.integers(1, 60), height=st.integers(1, 60))
    def test_canvas_holds_the_rotated_corners(self, angle, width, height):
        matrix, (out_width, out_height) = transforms.rotation_canvas(width, height, angle=angle)
        corners = np.array(
            [[-0.5, -0.5], [width - 0.5, -0.5], [-0.5, height - 0.5], [width - 0.5, height - 0.5]]
        )
        mapped = corners @ matrix[:, :2].T + matrix[:, 2]
        assert mapped[:, 0].min() >= -0.5 - 1e-6 and mapped[:, 0].max() <= out_width - 0.5 + 1e-6
        assert mapped[:, 1].min() >= -0.5 - 1e-6 and mapped[:, 1].max() <= out_height - 0.5 + 1e-6


class TestCrop:
    def test_course_rectangle_equals_slicing(self):
        expected = LARGE[300:900, 400:800]
        result = transforms.crop(LARGE)
        assert result.shape == (600, 400, 3)
        np.testing.assert_array_equal(result, expected)
        assert result.flags.c_contiguous and not np.shares_memory(result, LARGE)

    def test_clamped_to_the_image(self):
        # the course's rectangle on a 120 x 90 image: nothing of x 400..800 is inside
        with pytest.raises(ValueError, match="outside the 120×90 image"):
            transforms.crop(IMAGE)
        result = transforms.crop(IMAGE, rectangle=(100, -10, 500, 50))
        np.testing.assert_array_equal(result, IMAGE[0:50, 100:120])

    def test_whole_rectangle_is_identity(self):
        np.testing.assert_array_equal(transforms.crop(IMAGE, rectangle=(0, 0, 120, 90)), IMAGE)

    @pytest.mark.parametrize(
        ("rectangle", "message"),
        [((50, 10, 20, 40), "inverted"), ((10, 40, 20, 30), "inverted"), ((10, 10, 10, 40), "empty")],
    )
    def test_bad_rectangles(self, rectangle, message):
        with pytest.raises(ValueError, match=message):
            transforms.crop(IMAGE, rectangle=rectangle)

    def test_default_crop(self):
        assert transforms.default_crop(1000, 1200) == transforms.COURSE_CROP
        assert transforms.default_crop(640, 427) == transforms.COURSE_CROP  # partly inside: clipped later
        # the course's rectangle misses a 384 x 303 image (x starts at 400) and a 451 x 300 one (y at 300)
        assert transforms.default_crop(384, 303) == (96, 75, 288, 227)
        assert transforms.default_crop(451, 300) == (112, 75, 338, 225)
        assert transforms.default_crop(1, 1) == (0, 0, 1, 1)
        for width, height in [(384, 303), (451, 300), (1, 1), (3, 2)]:
            transforms.crop(
                np.zeros((height, width), np.uint8), rectangle=transforms.default_crop(width, height)
            )

    def test_outline_marks_the_rectangle(self):
        outlined = transforms.outline_rectangle(IMAGE, (10, 20, 50, 60), color=(255, 0, 0), thickness=1)
        assert outlined is not IMAGE
        np.testing.assert_array_equal(outlined[20, 10:50], np.tile([255, 0, 0], (40, 1)))
        np.testing.assert_array_equal(outlined[59, 10:50], np.tile([255, 0, 0], (40, 1)))
        np.testing.assert_array_equal(outlined[30:50, 20:40], IMAGE[30:50, 20:40])  # inside untouched


class TestSnippets:
    @pytest.mark.parametrize("name", list(transforms.INTERPOLATIONS))
    def test_resize(self, name):
        code = transforms.resize_snippet(width=70, height=33, interpolation=name)
        np.testing.assert_array_equal(
            snippet_result(code, IMAGE), transforms.resize_to(IMAGE, width=70, height=33, interpolation=name)
        )

    @pytest.mark.parametrize(("percent", "name"), [(50, "area"), (37.5, "cubic"), (250, "lanczos4")])
    def test_scale(self, percent, name):
        code = transforms.scale_snippet(percent=percent, interpolation=name)
        assert "scale_percentage" in code
        np.testing.assert_array_equal(
            snippet_result(code, IMAGE),
            transforms.resize_by_percent(IMAGE, percent=percent, interpolation=name),
        )

    @pytest.mark.parametrize("name", list(transforms.INTERPOLATIONS))
    def test_magnifier(self, name):
        region = transforms.magnifier_region(120, 90, center_x_percent=30, center_y_percent=70, side=20)
        code = transforms.magnifier_snippet(region=region, zoom=5, interpolation=name)
        np.testing.assert_array_equal(
            snippet_result(code, IMAGE), transforms.magnify(IMAGE, region=region, zoom=5, interpolation=name)
        )

    @pytest.mark.parametrize("code", [1, 0, -1])
    def test_flip(self, code):
        np.testing.assert_array_equal(
            snippet_result(transforms.flip_snippet(flip_code=code), IMAGE),
            transforms.flip(IMAGE, flip_code=code),
        )

    @pytest.mark.parametrize("degrees", [0, 90, 180, 270])
    def test_rotate_quarter(self, degrees):
        code = transforms.rotate_quarter_snippet(degrees_clockwise=degrees)
        np.testing.assert_array_equal(
            snippet_result(code, IMAGE), transforms.rotate_quarter(IMAGE, degrees_clockwise=degrees)
        )

    @pytest.mark.parametrize(
        ("angle", "keep_whole"), [(45.0, True), (-30.0, False), (90.0, True), (12.5, True)]
    )
    def test_rotate(self, angle, keep_whole):
        code = transforms.rotate_snippet(angle=angle, keep_whole=keep_whole)
        np.testing.assert_array_equal(
            snippet_result(code, IMAGE), transforms.rotate_by_angle(IMAGE, angle=angle, keep_whole=keep_whole)
        )

    @pytest.mark.parametrize("rectangle", [transforms.COURSE_CROP, (100, -10, 500, 50), (5, 6, 70, 80)])
    def test_crop(self, rectangle):
        image = LARGE if rectangle == transforms.COURSE_CROP else IMAGE
        np.testing.assert_array_equal(
            snippet_result(transforms.crop_snippet(rectangle=rectangle), image),
            transforms.crop(image, rectangle=rectangle),
        )

    def test_snippets_start_from_image_rgb(self):
        for code in (
            transforms.resize_snippet(),
            transforms.scale_snippet(),
            transforms.flip_snippet(),
            transforms.rotate_snippet(),
            transforms.crop_snippet(),
        ):
            # it imports the modules it uses (crop needs none) and uses image_rgb, which lib.cv.programs reads
            # from the page's image
            tree = ast.parse(code)
            used = {node.value.id for node in ast.walk(tree) if isinstance(node, ast.Attribute)} & {
                "cv2",
                "math",
            }
            imported = {
                alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
            }
            assert used == imported and "image_rgb" in code
            assert "result = " in code
