"""lib.cv.geometry: matrices against OpenCV, hand-worked maps, degenerate input, snippets reproduce the warps."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.cv import geometry
from lib.cv.images import ImageError
from tests.helpers import snippet_result
from tests.tolerances import MATRIX_ATOL

RNG = np.random.default_rng(3)
IMAGE = RNG.integers(0, 256, size=(90, 120, 3), dtype=np.uint8)  # (H, W, 3): rows=90, cols=120
SQUARE = [(10, 10), (110, 10), (110, 80), (10, 80)]


class TestAffineMatrix:
    def test_course_example_equals_opencv(self):
        expected = cv2.getAffineTransform(
            np.float32(geometry.COURSE_AFFINE_SOURCE), np.float32(geometry.COURSE_AFFINE_TARGET)
        )
        matrix = geometry.affine_matrix(geometry.COURSE_AFFINE_SOURCE, geometry.COURSE_AFFINE_TARGET)
        assert matrix.shape == (2, 3)
        np.testing.assert_allclose(matrix, expected)

    def test_hand_worked_translation(self):
        # every point moves by (+5, -3): M = [[1, 0, 5], [0, 1, -3]]
        source = [(0, 0), (10, 0), (0, 10)]
        target = [(5, -3), (15, -3), (5, 7)]
        np.testing.assert_allclose(
            geometry.affine_matrix(source, target), [[1, 0, 5], [0, 1, -3]], atol=MATRIX_ATOL
        )

    def test_sends_source_points_to_targets(self):
        source = [(3, 4), (50, 9), (20, 70)]
        target = [(10, 12), (40, 30), (5, 60)]
        matrix = geometry.affine_matrix(source, target)
        np.testing.assert_allclose(geometry.map_points(source, matrix), target, atol=1e-3)

    @pytest.mark.parametrize(
        ("points", "message"),
        [
            ([(0, 0), (10, 10), (20, 20)], "straight line"),
            ([(0, 0), (0, 0), (20, 5)], "same point"),
            ([(0, 0), (10, float("nan")), (20, 5)], "finite"),
            ([(0, 0), (10, 0)], "exactly 3"),
            ([(0, 0), (10, 0), ("a", 5)], "numbers"),
        ],
    )
    def test_degenerate_source_raises(self, points, message):
        with pytest.raises(ValueError, match=message):
            geometry.affine_matrix(points, [(0, 0), (10, 0), (0, 10)])

    def test_collinear_target_raises(self):
        with pytest.raises(ValueError, match="Target points 1, 2, 3 lie on one straight line"):
            geometry.affine_matrix([(0, 0), (10, 0), (0, 10)], [(0, 0), (5, 0), (10, 0)])


class TestPerspectiveMatrix:
    def test_course_example_equals_opencv_in_course_order(self):
        rows, cols = 480, 640
        # the notes list the corners TL, TR, BL, BR; we list them round the shape: same pairs, same matrix
        course_in = np.float32([[50, 50], [cols - 50, 50], [50, rows - 50], [cols - 50, rows - 50]])
        course_out = np.float32([[10, 100], [cols - 100, 50], [100, rows - 10], [cols - 50, rows - 100]])
        expected = cv2.getPerspectiveTransform(course_in, course_out)
        source, target = geometry.course_perspective_points(cols, rows)
        np.testing.assert_allclose(
            geometry.perspective_matrix(source, target), expected, rtol=1e-6, atol=1e-9
        )

    def test_square_to_itself_is_identity(self):
        np.testing.assert_allclose(geometry.perspective_matrix(SQUARE, SQUARE), np.eye(3), atol=MATRIX_ATOL)

    def test_affine_quad_gives_zero_perspective_row(self):
        # a parallelogram is an affine image of a square: g = h = 0
        parallelogram = [(20, 10), (120, 10), (140, 80), (40, 80)]
        matrix = geometry.perspective_matrix(SQUARE, parallelogram)
        np.testing.assert_allclose(matrix[2], [0, 0, 1], atol=1e-9)

    @pytest.mark.parametrize(
        ("target", "message"),
        [
            ([(10, 10), (110, 80), (110, 10), (10, 80)], "crosses itself"),
            ([(10, 10), (60, 10), (110, 10), (10, 80)], "straight line"),
            ([(10, 10), (10, 10), (110, 80), (10, 80)], "same point"),
            ([(10, 10), (110, 10), (110, float("inf")), (10, 80)], "finite"),
            ([(0, 0), (1, 0), (1, 1)], "exactly 4"),
        ],
    )
    def test_degenerate_target_raises(self, target, message):
        with pytest.raises(ValueError, match=message):
            geometry.perspective_matrix(SQUARE, target)

    def test_zero_area_quad_raises(self):
        # distinct points, no three within half a pixel of a line, but only 1.5 x 0.6 = 0.9 square pixels
        tiny = [(0, 0), (1.5, 0), (1.5, 0.6), (0, 0.6)]
        with pytest.raises(ValueError, match="no area"):
            geometry.perspective_matrix(SQUARE, tiny)


class TestInvertMatrix:
    def test_affine_inverse_equals_opencv_and_composes_to_identity(self):
        matrix = geometry.affine_matrix(geometry.COURSE_AFFINE_SOURCE, geometry.COURSE_AFFINE_TARGET)
        inverse = geometry.invert_matrix(matrix)
        np.testing.assert_allclose(inverse, cv2.invertAffineTransform(matrix))
        points = np.array([[3.0, 4.0], [100.0, -20.0]])
        np.testing.assert_allclose(
            geometry.map_points(geometry.map_points(points, matrix), inverse), points, atol=1e-6
        )

    def test_perspective_inverse_composes_to_identity(self):
        source, target = geometry.course_perspective_points(640, 480)
        matrix = geometry.perspective_matrix(source, target)
        inverse = geometry.invert_matrix(matrix)
        assert inverse[2, 2] == pytest.approx(1.0)
        product = matrix @ inverse
        np.testing.assert_allclose(product / product[2, 2], np.eye(3), atol=1e-9)

    def test_singular_raises(self):
        with pytest.raises(ValueError, match="no inverse"):
            geometry.invert_matrix(np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0]]))
        with pytest.raises(ValueError, match="singular"):
            geometry.invert_matrix(np.zeros((3, 3)))
        with pytest.raises(ValueError, match="2x3"):
            geometry.invert_matrix(np.eye(4))


class TestPresets:
    def test_rotation_equals_opencv_and_hand_worked(self):
        matrix = geometry.rotation_matrix((60, 45), angle=90, scale=1)
        np.testing.assert_allclose(matrix, cv2.getRotationMatrix2D((60, 45), 90, 1))
        # 90 degrees counter-clockwise on screen about (60, 45): one pixel right of the centre goes one pixel up
        np.testing.assert_allclose(geometry.map_points([(61, 45)], matrix), [[60, 44]], atol=MATRIX_ATOL)

    def test_translation_is_the_course_matrix(self):
        np.testing.assert_array_equal(geometry.translation_matrix(), np.float32([[1, 0, 200], [0, 1, 300]]))

    def test_shear_is_the_course_matrix(self):
        np.testing.assert_array_equal(geometry.shear_matrix(), np.float32([[1, 0.5, 0], [0, 1, 0]]))

    def test_singular_shear_and_bad_values_raise(self):
        with pytest.raises(ValueError, match="collapses"):
            geometry.shear_matrix(shear_x=2.0, shear_y=0.5)
        with pytest.raises(ValueError, match="finite"):
            geometry.translation_matrix(tx=float("nan"))
        with pytest.raises(ValueError, match="scale of 0"):
            geometry.rotation_matrix((0, 0), scale=0)

    def test_shear_canvas_fits_the_whole_image(self):
        # hand-worked: shear_x 0.5 moves the bottom-left corner (0, 89) to (44.5, 89); width 120 + 44.5 -> 165
        matrix, (width, height) = geometry.fit_canvas(geometry.shear_matrix(), 120, 90)
        assert (width, height) == (165, 90)
        sheared = geometry.warp_image(np.full((90, 120), 255, np.uint8), matrix, output_size=(width, height))
        # every input pixel lands inside: the white area keeps the input's area (a shear keeps areas)
        assert abs(int((sheared > 127).sum()) - 120 * 90) < 0.02 * 120 * 90

    def test_negative_shear_is_shifted_into_view(self):
        matrix, (width, height) = geometry.fit_canvas(
            geometry.shear_matrix(shear_x=-0.5, shear_y=0.2), 120, 90
        )
        corners = [(0, 0), (119, 0), (0, 89), (119, 89)]
        mapped = geometry.map_points(corners, matrix)
        assert mapped.min() >= -1e-4
        assert mapped[:, 0].max() <= width - 1 + 1e-4 and mapped[:, 1].max() <= height - 1 + 1e-4

    def test_document_target_hand_worked(self):
        # a 3-4-5 slanted page: top edge 100 long, bottom 80; left edge 50, right 60
        corners = [(0, 0), (100, 0), (80, 60), (0, 50)]
        target, size = geometry.document_target(corners)
        top, bottom = 100, 80
        left, right = 50, math.hypot(20, 60)
        assert size == (round(max(top, bottom)), round(max(left, right)))
        np.testing.assert_array_equal(target, np.float32([[0, 0], [99, 0], [99, 62], [0, 62]]))

    def test_inset_corners_by_hand(self):
        np.testing.assert_allclose(
            geometry.inset_corners(101, 51, inset=0.1), [[10, 5], [90, 5], [90, 45], [10, 45]]
        )

    def test_document_bow_tie_raises(self):
        with pytest.raises(ValueError, match="crosses itself"):
            geometry.document_target([(0, 0), (100, 0), (0, 50), (80, 60)])


class TestWarpImage:
    def test_identity_returns_input(self):
        out = geometry.warp_image(IMAGE, np.float32([[1, 0, 0], [0, 1, 0]]))
        np.testing.assert_array_equal(out, IMAGE)
        np.testing.assert_array_equal(geometry.warp_image(IMAGE, np.eye(3)), IMAGE)

    def test_translation_moves_pixels_by_hand(self):
        out = geometry.warp_image(IMAGE, geometry.translation_matrix(tx=7, ty=5))
        np.testing.assert_array_equal(out[5:, 7:], IMAGE[:-5, :-7])
        assert not out[:5].any() and not out[:, :7].any()

    def test_equals_opencv(self):
        matrix = geometry.affine_matrix(geometry.COURSE_AFFINE_SOURCE, geometry.COURSE_AFFINE_TARGET)
        np.testing.assert_array_equal(
            geometry.warp_image(IMAGE, matrix), cv2.warpAffine(IMAGE, matrix, (120, 90))
        )

    def test_bad_input_raises(self):
        with pytest.raises(ImageError):
            geometry.warp_image(np.zeros((0, 5), np.uint8), np.eye(3))
        with pytest.raises(ValueError, match="NaN"):
            geometry.warp_image(IMAGE, np.full((3, 3), np.nan))
        with pytest.raises(ValueError, match="limit"):
            geometry.warp_image(IMAGE, np.eye(3), output_size=(100_000, 10))


class TestMapPointsAndGrid:
    def test_map_points_equals_opencv_perspective_transform(self):
        source, target = geometry.course_perspective_points(640, 480)
        matrix = geometry.perspective_matrix(source, target)
        points = RNG.uniform(0, 480, size=(20, 2))
        expected = cv2.perspectiveTransform(points[None], matrix)[0]
        np.testing.assert_allclose(geometry.map_points(points, matrix), expected, rtol=1e-9)

    def test_points_on_the_horizon_are_nan(self):
        matrix = np.array([[1.0, 0, 0], [0, 1, 0], [-0.01, 0, 1]])  # w = 1 - 0.01 x: x = 100 goes to infinity
        mapped = geometry.map_points([(50, 10), (100, 0), (150, 10)], matrix)
        # by hand: (50, 10) / 0.5 = (100, 20); (150, 10) / -0.5 = (-300, -20)
        np.testing.assert_allclose(mapped[[0, 2]], [[100, 20], [-300, -20]])
        assert np.isnan(mapped[1]).all()

    def test_grid_lines_count_and_ends(self):
        lines = geometry.grid_lines(120, 90, cells=4)
        assert len(lines) == 10
        np.testing.assert_allclose(lines[0][[0, -1]], [[0, 0], [0, 89]])

    def test_draw_grid_draws_on_a_copy(self):
        black = np.zeros((90, 120, 3), np.uint8)
        drawn = geometry.draw_grid(black, matrix=geometry.rotation_matrix((60, 45), angle=30))
        assert drawn.any() and not black.any()

    def test_draw_grid_survives_a_horizon(self):
        matrix = np.array([[1.0, 0, 0], [0, 1, 0], [-0.01, 0, 1]])
        drawn = geometry.draw_grid(np.zeros((90, 120, 3), np.uint8), matrix=matrix, source_size=(120, 90))
        assert drawn.any()

    def test_draw_points_numbers_them(self):
        drawn = geometry.draw_points(np.zeros((90, 120), np.uint8), SQUARE, closed=True)
        assert drawn.shape == (90, 120, 3) and drawn.any()


finite_coordinate = st.floats(min_value=-500, max_value=500, allow_nan=False)


class TestNearestPoint:
    CORNERS = ((10, 10), (100, 10), (100, 80), (10, 80))

    @pytest.mark.parametrize(
        "position, expected", [((0, 0), 0), ((95, 3), 1), ((200, 200), 2), ((12, 79), 3), ((55, 45), 0)]
    )
    def test_picks_the_closest(self, position, expected):
        assert geometry.nearest_point(self.CORNERS, position) == expected

    def test_no_points(self):
        with pytest.raises(ValueError, match="No points"):
            geometry.nearest_point([], (0, 0))


class TestPropertyNeverCrashes:
    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.tuples(finite_coordinate, finite_coordinate), min_size=4, max_size=4))
    def test_any_four_points_give_a_matrix_or_a_value_error(self, target):
        try:
            matrix = geometry.perspective_matrix(SQUARE, target)
        except ValueError as error:
            assert str(error)
            return
        assert np.isfinite(matrix).all()
        np.testing.assert_allclose(
            geometry.map_points(SQUARE, matrix), target, atol=1e-2 * (1 + np.abs(target).max())
        )


class TestSnippets:
    def test_affine_snippet_reproduces_warp(self):
        source, target = [(5.5, 7.0), (100.25, 9.0), (11.0, 80.0)], [(0.3, 2.0), (90.0, 20.0), (30.0, 85.0)]
        expected = geometry.warp_image(IMAGE, geometry.affine_matrix(source, target))
        np.testing.assert_array_equal(
            snippet_result(geometry.affine_snippet(source, target), IMAGE), expected
        )

    def test_perspective_snippet_reproduces_warp(self):
        source, target = geometry.course_perspective_points(120, 90)
        expected = geometry.warp_image(IMAGE, geometry.perspective_matrix(source, target))
        np.testing.assert_array_equal(
            snippet_result(geometry.perspective_snippet(source, target), IMAGE), expected
        )

    def test_rotation_snippet_reproduces_warp(self):
        expected = geometry.warp_image(IMAGE, geometry.rotation_matrix((60.0, 45.0), angle=33.3, scale=0.8))
        code = geometry.rotation_snippet((60.0, 45.0), angle=33.3, scale=0.8)
        np.testing.assert_array_equal(snippet_result(code, IMAGE), expected)

    def test_translation_snippet_reproduces_warp(self):
        expected = geometry.warp_image(IMAGE, geometry.translation_matrix(tx=12.5, ty=-4))
        np.testing.assert_array_equal(
            snippet_result(geometry.translation_snippet(tx=12.5, ty=-4), IMAGE), expected
        )

    @pytest.mark.parametrize(("shear_x", "shear_y"), [(0.5, 0.0), (-0.3, 0.7)])
    def test_shear_snippet_reproduces_warp(self, shear_x, shear_y):
        matrix, size = geometry.fit_canvas(geometry.shear_matrix(shear_x=shear_x, shear_y=shear_y), 120, 90)
        expected = geometry.warp_image(IMAGE, matrix, output_size=size)
        result = snippet_result(geometry.shear_snippet(shear_x=shear_x, shear_y=shear_y), IMAGE)
        np.testing.assert_array_equal(result, expected)

    def test_document_snippet_reproduces_warp(self):
        corners = [(12.0, 8.0), (105.5, 15.0), (98.0, 84.0), (5.0, 70.0)]
        target, size = geometry.document_target(corners)
        expected = geometry.warp_image(IMAGE, geometry.perspective_matrix(corners, target), output_size=size)
        np.testing.assert_array_equal(snippet_result(geometry.document_snippet(corners), IMAGE), expected)

    def test_document_sample_straightens_to_a_page(self):
        samples = pytest.importorskip("samples")
        try:
            photo = samples.load_sample("document")
        except (FileNotFoundError, OSError):
            pytest.skip("the document sample is missing")
        target, (width, height) = geometry.document_target(samples.DOCUMENT_CORNERS)
        page = geometry.warp_image(
            photo, geometry.perspective_matrix(samples.DOCUMENT_CORNERS, target), output_size=(width, height)
        )
        assert page.shape == (height, width, 3)
        # the page is paper: mostly bright once straightened
        assert np.median(page) > 120
