"""lib.cv.filters: apply_kernel == cv2.filter2D on both paths, presets, arithmetic, blur, edges, snippets."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lib.cv import filters
from lib.cv.images import ImageError
from tests.helpers import run_snippet
from tests.tolerances import FLOAT32_SUM_RTOL, KERNEL_ATOL, TORCH_VS_CV_ATOL

RNG = np.random.default_rng(4)
GRAY = RNG.integers(0, 256, size=(37, 53), dtype=np.uint8)
RGB = RNG.integers(0, 256, size=(29, 41, 3), dtype=np.uint8)
CPU = torch.device("cpu")


def reference(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return cv2.filter2D(
        image.astype(np.float32), cv2.CV_32F, np.float32(kernel), borderType=cv2.BORDER_REFLECT_101
    )


def sum_tolerance(image: np.ndarray, kernel: np.ndarray) -> float:
    """How far two float32 correlations may differ when they add the same products in another order."""
    return TORCH_VS_CV_ATOL + FLOAT32_SUM_RTOL * float(np.abs(kernel).sum()) * float(np.abs(image).max())


def default_path_tolerance(image: np.ndarray, kernel: np.ndarray) -> float:
    """apply_kernel without a device is cv2.filter2D itself (exact), or torch on CUDA when a GPU is present."""
    return sum_tolerance(image, kernel) if torch.cuda.is_available() else 0.0


def step_edge(height: int = 8, width: int = 8, column: int = 4) -> np.ndarray:
    """0 left of `column`, 100 from it on."""
    image = np.zeros((height, width), np.uint8)
    image[:, column:] = 100
    return image


class TestApplyKernel:
    @pytest.mark.parametrize("image", [GRAY, RGB], ids=["gray", "rgb"])
    @pytest.mark.parametrize("size", [1, 3, 5, 7])
    def test_opencv_path_equals_filter2d(self, image, size):
        kernel = RNG.normal(size=(size, size)).astype(np.float32)
        out = filters.apply_kernel(image, kernel)
        assert out.dtype == np.float32 and out.shape == image.shape
        np.testing.assert_allclose(out, reference(image, kernel), atol=KERNEL_ATOL)

    @pytest.mark.parametrize("image", [GRAY, RGB], ids=["gray", "rgb"])
    @pytest.mark.parametrize("size", [1, 3, 5, 7])
    def test_torch_cpu_equals_filter2d(self, image, size):
        kernel = RNG.normal(size=(size, size)).astype(np.float32)
        out = filters.apply_kernel(image, kernel, device=CPU)
        assert out.dtype == np.float32 and out.shape == image.shape
        np.testing.assert_allclose(out, reference(image, kernel), atol=sum_tolerance(image, kernel))

    @pytest.mark.parametrize("shape", [(1, 1), (1, 7), (2, 3), (4, 2)])
    def test_torch_handles_images_smaller_than_the_kernel(self, shape):
        image = RNG.integers(0, 256, size=shape).astype(np.float32)
        kernel = RNG.normal(size=(5, 5)).astype(np.float32)
        np.testing.assert_allclose(
            filters.apply_kernel(image, kernel, device=CPU),
            reference(image, kernel),
            atol=sum_tolerance(image, kernel),
        )

    @settings(max_examples=40, deadline=None)
    @given(
        image=hnp.arrays(np.uint8, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12)),
        side=st.sampled_from([1, 3, 5]),
        data=st.data(),
    )
    def test_random_kernels_both_paths_agree_with_filter2d(self, image, side, data):
        kernel = data.draw(
            hnp.arrays(np.float32, (side, side), elements=st.floats(-20, 20, width=32, allow_nan=False))
        )
        expected = reference(image, kernel)
        tolerance = sum_tolerance(image, kernel)
        default_atol = tolerance if torch.cuda.is_available() else KERNEL_ATOL
        np.testing.assert_allclose(filters.apply_kernel(image, kernel), expected, atol=default_atol)
        np.testing.assert_allclose(filters.apply_kernel(image, kernel, device=CPU), expected, atol=tolerance)

    def test_1x1_identity_returns_input(self):
        for device in (None, CPU):
            np.testing.assert_array_equal(filters.apply_kernel(RGB, np.ones((1, 1)), device=device), RGB)

    def test_3x3_identity_returns_input(self):
        np.testing.assert_array_equal(filters.apply_kernel(GRAY, filters.preset_kernel("identity")), GRAY)

    def test_zero_kernel_gives_zeros(self):
        assert not filters.apply_kernel(GRAY, np.zeros((3, 3))).any()

    def test_step_edge_by_hand(self):
        # right Sobel [[-1,0,1],[-2,0,2],[-1,0,1]] across a 0 -> 100 step between columns 3 and 4:
        # columns 3 and 4 see (1 + 2 + 1) * 100 = 400, every other column 0; negated by the left Sobel
        image = step_edge()
        right = filters.apply_kernel(image, filters.preset_kernel("sobel right"), device=CPU)
        expected_row = np.array([0, 0, 0, 400, 400, 0, 0, 0], np.float32)
        np.testing.assert_allclose(right, np.tile(expected_row, (8, 1)), atol=TORCH_VS_CV_ATOL)
        np.testing.assert_allclose(filters.apply_kernel(image, filters.preset_kernel("sobel left")), -right)

    def test_reflect_101_at_the_border_by_hand(self):
        # row [10, 20, 30]: REFLECT_101 pads as 20 | 10 20 30 | 20, so [1, 0, 0] gives [20, 10, 20]
        image = np.array([[10, 20, 30]], np.uint8)
        kernel = np.array([[0, 0, 0], [1, 0, 0], [0, 0, 0]])
        for device in (None, CPU):
            np.testing.assert_allclose(filters.apply_kernel(image, kernel, device=device), [[20, 10, 20]])

    def test_flat_image_times_kernel_sum(self):
        flat = np.full((6, 6), 7, np.uint8)
        kernel = filters.preset_kernel("horizontal (course)")  # weights sum to 3 * 10
        np.testing.assert_allclose(filters.apply_kernel(flat, kernel), 7 * 30, atol=KERNEL_ATOL)

    @pytest.mark.parametrize(
        ("kernel", "message"),
        [
            (np.ones((2, 2)), "odd"),
            (np.ones((3, 5)), "square"),
            (np.ones(3), "square"),
            (np.array([[0, 0, 0], [0, np.nan, 0], [0, 0, 0]]), "finite"),
            (np.array([[0, 0, 0], [0, np.inf, 0], [0, 0, 0]]), "finite"),
            (np.ones((33, 33)), "largest"),
            ([["a", 0, 0], [0, 1, 0], [0, 0, 0]], "numbers"),
        ],
    )
    def test_bad_kernel_raises(self, kernel, message):
        with pytest.raises(ValueError, match=message):
            filters.apply_kernel(GRAY, kernel)

    @pytest.mark.parametrize("image", [np.zeros((0, 4)), np.zeros((4, 4, 7)), np.zeros(5), np.array([["a"]])])
    def test_bad_image_raises(self, image):
        with pytest.raises(ImageError):
            filters.apply_kernel(image, np.ones((3, 3)))

    @pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
    @pytest.mark.parametrize("image", [GRAY, RGB], ids=["gray", "rgb"])
    def test_cuda_equals_filter2d(self, image):
        kernel = filters.preset_kernel("diagonal (course)", size=5)
        expected = reference(image, kernel)
        np.testing.assert_allclose(
            filters.apply_kernel(image, kernel, device=torch.device("cuda")),
            expected,
            atol=sum_tolerance(image, kernel),
        )

    @pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
    @pytest.mark.parametrize("shape", [(1, 1), (2, 3), (9, 7, 3), (40, 30, 4)])
    def test_cuda_handles_float_input_and_small_images(self, shape):
        image = RNG.uniform(-50, 300, size=shape).astype(np.float32)
        kernel = RNG.normal(size=(5, 5)).astype(np.float32)
        np.testing.assert_allclose(
            filters.apply_kernel(image, kernel, device=torch.device("cuda")),
            reference(image, kernel),
            atol=sum_tolerance(image, kernel),
        )

    @pytest.mark.parametrize("cuda", [True, False])
    def test_device_none_is_always_opencv(self, monkeypatch, cuda):
        """device=None means cv2.filter2D whether or not CUDA is there or torch is loaded."""
        calls = []
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(
            filters,
            "_apply_kernel_torch",
            lambda image, values, weights, device: calls.append(device) or values,
        )
        filters.apply_kernel(GRAY, np.ones((3, 3)))
        assert calls == []
        filters.apply_kernel(GRAY, np.ones((3, 3)), device=CPU)
        assert calls == [CPU]

    def test_opencv_path_does_not_import_torch(self):
        code = (
            "import sys, numpy as np\n"
            "from lib.cv.filters import apply_kernel\n"
            "apply_kernel(np.zeros((5, 5), np.uint8), np.ones((3, 3)))\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True, cwd=".", timeout=60)


class TestNormalizeKernel:
    def test_divides_by_the_sum(self):
        kernel, note = filters.normalize_kernel(np.ones((3, 3)))
        assert note is None
        np.testing.assert_allclose(kernel, np.full((3, 3), 1 / 9), rtol=1e-6)

    def test_course_detector_sums_to_one_after(self):
        kernel, _ = filters.normalize_kernel(filters.preset_kernel("diagonal (course)", intensity=10))
        assert float(kernel.sum()) == pytest.approx(1.0, abs=1e-6)
        assert kernel[0, 0] == pytest.approx(10 / 30)

    def test_zero_sum_kernel_comes_back_unchanged_with_a_note(self):
        sobel = filters.preset_kernel("sobel right")
        kernel, note = filters.normalize_kernel(sobel)
        np.testing.assert_array_equal(kernel, sobel)
        assert note and "sum to 0" in note

    def test_bad_kernel_raises(self):
        with pytest.raises(ValueError, match="odd"):
            filters.normalize_kernel(np.ones((4, 4)))


class TestPresetKernel:
    def test_course_detectors_are_the_notes_matrices(self):
        x = 10
        np.testing.assert_array_equal(
            filters.preset_kernel("horizontal (course)"), [[-1, -1, -1], [x, x, x], [1, 1, 1]]
        )
        np.testing.assert_array_equal(
            filters.preset_kernel("vertical (course)"), [[-1, x, 1], [-1, x, 1], [-1, x, 1]]
        )
        np.testing.assert_array_equal(
            filters.preset_kernel("diagonal (course)"), [[x, -1, -1], [1, x, -1], [1, 1, x]]
        )

    def test_intensity_sets_x(self):
        assert filters.preset_kernel("vertical (course)", intensity=-5)[1, 1] == -5

    def test_demo_kernels(self):
        np.testing.assert_array_equal(filters.preset_kernel("emboss"), [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
        np.testing.assert_array_equal(
            filters.preset_kernel("outline"), [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]
        )
        np.testing.assert_array_equal(filters.preset_kernel("sharpen"), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
        np.testing.assert_allclose(filters.preset_kernel("gaussian"), np.outer([1, 2, 1], [1, 2, 1]) / 16)

    @pytest.mark.parametrize("size", [3, 5])
    def test_sobel_right_and_bottom_equal_opencv(self, size):
        kx, ky = cv2.getDerivKernels(1, 0, size)
        np.testing.assert_array_equal(filters.preset_kernel("sobel right", size=size), np.outer(ky, kx))
        np.testing.assert_array_equal(filters.preset_kernel("sobel bottom", size=size), np.outer(kx, ky))
        # and applied, the same as cv2.Sobel (same REFLECT_101 border)
        np.testing.assert_allclose(
            filters.apply_kernel(GRAY, filters.preset_kernel("sobel right", size=size)),
            cv2.Sobel(GRAY, cv2.CV_32F, 1, 0, ksize=size),
            atol=KERNEL_ATOL,
        )

    @pytest.mark.parametrize("name", filters.PRESET_NAMES)
    @pytest.mark.parametrize("size", [3, 5])
    def test_every_preset_is_valid(self, name, size):
        kernel = filters.preset_kernel(name, size=size)
        assert kernel.shape == (size, size) and kernel.dtype == np.float32
        assert not np.signbit(kernel[kernel == 0]).any()  # no "-0.0" in the grid

    @pytest.mark.parametrize("size", [3, 5])
    def test_blur_presets_keep_a_flat_image(self, size):
        flat = np.full((9, 9), 50, np.uint8)
        for name in ("identity", "box blur", "gaussian", "sharpen", "emboss"):
            np.testing.assert_allclose(
                filters.apply_kernel(flat, filters.preset_kernel(name, size=size)), 50, atol=1e-3
            )

    def test_bad_preset_raises(self):
        with pytest.raises(ValueError, match="Unknown preset"):
            filters.preset_kernel("laplace-ish")
        with pytest.raises(ValueError, match="3×3 and 5×5"):
            filters.preset_kernel("identity", size=7)


class TestNeighbourhoodArithmetic:
    @pytest.mark.parametrize(("x", "y"), [(0, 0), (52, 36), (10, 20), (52, 0)])
    @pytest.mark.parametrize("size", [3, 5])
    def test_sum_equals_apply_kernel(self, x, y, size):
        kernel = RNG.normal(size=(size, size)).astype(np.float32)
        arithmetic = filters.neighbourhood_arithmetic(GRAY, kernel, x, y)
        assert arithmetic.neighbours.shape == (size, size)
        np.testing.assert_allclose(arithmetic.products, arithmetic.neighbours * kernel)
        assert arithmetic.total == pytest.approx(
            float(filters.apply_kernel(GRAY, kernel)[y, x]), abs=KERNEL_ATOL
        )

    def test_corner_reflects_by_hand(self):
        image = np.arange(9, dtype=np.uint8).reshape(3, 3)  # [[0 1 2] [3 4 5] [6 7 8]]
        arithmetic = filters.neighbourhood_arithmetic(image, np.ones((3, 3)), 0, 0)
        # REFLECT_101 around (0, 0): row -1 -> row 1, column -1 -> column 1
        np.testing.assert_array_equal(arithmetic.neighbours, [[4, 3, 4], [1, 0, 1], [4, 3, 4]])
        assert arithmetic.total == 24

    def test_outside_raises(self):
        with pytest.raises(ValueError, match="outside"):
            filters.neighbourhood_arithmetic(GRAY, np.ones((3, 3)), 53, 0)
        with pytest.raises(ImageError):
            filters.neighbourhood_arithmetic(RGB, np.ones((3, 3)), 0, 0)


class TestSignedToRgb:
    def test_symmetric_colours(self):
        rgb = filters.signed_to_rgb(np.array([[-4.0, 0.0, 4.0, 2.0]]))
        assert rgb.dtype == np.uint8 and rgb.shape == (1, 4, 3)
        negative, zero, positive, half = rgb[0].astype(int)
        assert tuple(zero) == (255, 255, 255)
        assert negative[2] > negative[0]  # blue
        assert positive[0] > positive[2]  # red
        # half way to the limit is half way from white
        np.testing.assert_allclose(half, (255 + positive) / 2, atol=1)

    def test_limit_clips_and_zero_is_white(self):
        rgb = filters.signed_to_rgb(np.array([[-100.0, 100.0]]), limit=10)
        np.testing.assert_array_equal(rgb, filters.signed_to_rgb(np.array([[-10.0, 10.0]])))
        assert (filters.signed_to_rgb(np.zeros((2, 2))) == 255).all()

    def test_bad_input_raises(self):
        with pytest.raises(ImageError):
            filters.signed_to_rgb(np.zeros((2, 2, 3)))
        with pytest.raises(ValueError):
            filters.signed_to_rgb(np.zeros((2, 2)), limit=-1)


class TestSignedLimit:
    def test_percentile_of_absolute_values(self):
        values = np.arange(-100, 101, dtype=np.float32).reshape(1, -1)  # |v|: 0, 1, 1, ..., 100, 100
        assert filters.signed_limit(values, percentile=100) == 100
        assert filters.signed_limit(values, percentile=50) == pytest.approx(np.percentile(np.abs(values), 50))

    def test_ignores_a_few_outliers(self):
        values = RNG.normal(size=(200, 200)).astype(np.float32)
        values[0, 0] = 1e6
        assert filters.signed_limit(values) < 10

    def test_zeros_and_bad_percentile(self):
        assert filters.signed_limit(np.zeros((3, 3))) > 0
        with pytest.raises(ValueError):
            filters.signed_limit(np.ones((3, 3)), percentile=0)


class TestDisplayHelpers:
    def test_absolute_uint8_equals_convert_scale_abs(self):
        values = np.array([[-300.0, -5.4, 0.0, 5.6, 300.0]])
        np.testing.assert_array_equal(filters.absolute_uint8(values), [[255, 5, 0, 6, 255]])

    def test_stretch(self):
        np.testing.assert_array_equal(filters.stretch_to_uint8(np.array([[-1.0, 0.0, 1.0]])), [[0, 128, 255]])
        assert not filters.stretch_to_uint8(np.ones((2, 2))).any()

    def test_zoom_region_keeps_pixels_square(self):
        zoom = filters.zoom_region(GRAY, center=(0, 0), size=4, scale=3)
        assert zoom.shape == (12, 12)
        np.testing.assert_array_equal(zoom[::3, ::3], GRAY[:4, :4])

    def test_outline_zoom_box_draws_the_box_zoom_region_crops(self):
        gray = np.full((40, 50), 7, np.uint8)
        marked = filters.outline_zoom_box(gray, center=(45, 2), size=10)  # moved inside: left 40, top 0
        assert marked.shape == (40, 50, 3) and gray.max() == 7  # RGB copy, input untouched
        red = np.all(marked == (255, 40, 40), axis=2)
        rows, cols = np.nonzero(red)
        assert (rows.min(), cols.min(), rows.max(), cols.max()) == (0, 40, 9, 49)
        assert not red[1:9, 41:49].any()  # an outline, the inside stays the picture


class TestBlur:
    def test_average_equals_opencv_and_course_default(self):
        np.testing.assert_array_equal(filters.average_blur(RGB), cv2.blur(RGB, (10, 10)))

    def test_gaussian_equals_opencv_and_course_default(self):
        np.testing.assert_array_equal(filters.gaussian_blur(GRAY), cv2.GaussianBlur(GRAY, (31, 31), 0))

    def test_median_equals_opencv_and_course_default(self):
        np.testing.assert_array_equal(filters.median_blur(RGB), cv2.medianBlur(RGB, 11))

    def test_flat_image_stays_flat(self):
        flat = np.full((20, 20, 3), 77, np.uint8)
        for blurred in (
            filters.average_blur(flat),
            filters.gaussian_blur(flat, ksize=5),
            filters.median_blur(flat),
        ):
            np.testing.assert_array_equal(blurred, flat)

    def test_median_removes_a_single_speck(self):
        image = np.zeros((9, 9), np.uint8)
        image[4, 4] = 255
        assert not filters.median_blur(image, ksize=3).any()
        assert filters.average_blur(image, ksize=3)[4, 4] == round(255 / 9)

    @pytest.mark.parametrize("function", [filters.gaussian_blur, filters.median_blur])
    def test_even_size_raises(self, function):
        with pytest.raises(ValueError, match="odd"):
            function(GRAY, ksize=10)

    def test_bad_input_raises(self):
        with pytest.raises(ImageError):
            filters.average_blur(GRAY.astype(np.float32))
        with pytest.raises(ValueError, match="positive"):
            filters.average_blur(GRAY, ksize=0)
        with pytest.raises(ValueError, match="Sigma"):
            filters.gaussian_blur(GRAY, ksize=5, sigma=-1)


class TestEdges:
    def test_sobel_equals_opencv(self):
        edges = filters.sobel_edges(RGB)
        gray = cv2.cvtColor(RGB, cv2.COLOR_RGB2GRAY)
        np.testing.assert_array_equal(edges.x, cv2.Sobel(gray, cv2.CV_64F, 1, 0, ksize=3))
        np.testing.assert_array_equal(edges.y, cv2.Sobel(gray, cv2.CV_64F, 0, 1, ksize=3))
        np.testing.assert_allclose(edges.magnitude, np.hypot(edges.x, edges.y), rtol=1e-6)

    def test_sobel_step_edge_by_hand(self):
        edges = filters.sobel_edges(step_edge())
        np.testing.assert_array_equal(edges.x[:, 3:5], 400)
        assert not edges.y.any()

    def test_laplacian_equals_opencv_and_step_by_hand(self):
        np.testing.assert_array_equal(filters.laplacian(GRAY), cv2.Laplacian(GRAY, cv2.CV_64F, ksize=3))
        # ksize=1 is [[0,1,0],[1,-4,1],[0,1,0]]: +100 just before the step, -100 just after
        row = filters.laplacian(step_edge(), ksize=1)[0]
        np.testing.assert_array_equal(row, [0, 0, 0, 100, -100, 0, 0, 0])

    def test_cv2_canny_does_not_smooth_first(self):
        # the page says so: cv2.Canny on the image is Canny on its plain 3x3 Sobel gradients (no Gaussian step)
        dx = cv2.Sobel(GRAY, cv2.CV_16S, 1, 0, ksize=3, borderType=cv2.BORDER_REPLICATE)
        dy = cv2.Sobel(GRAY, cv2.CV_16S, 0, 1, ksize=3, borderType=cv2.BORDER_REPLICATE)
        np.testing.assert_array_equal(filters.canny(GRAY), cv2.Canny(dx, dy, 180, 200))
        assert not np.array_equal(filters.canny(GRAY), filters.canny(cv2.GaussianBlur(GRAY, (5, 5), 0)))

    def test_canny_equals_opencv_with_course_thresholds(self):
        np.testing.assert_array_equal(filters.canny(GRAY), cv2.Canny(GRAY, 180, 200))
        assert filters.canny(step_edge()).any()
        assert not filters.canny(np.full((8, 8), 9, np.uint8)).any()

    def test_bad_input_raises(self):
        with pytest.raises(ValueError, match="1, 3, 5 or 7"):
            filters.sobel_edges(GRAY, ksize=4)
        with pytest.raises(ValueError, match="non-negative"):
            filters.canny(GRAY, threshold1=-1)


class TestSnippets:
    @pytest.mark.parametrize("gray", [True, False])
    def test_kernel_snippet_reproduces_apply_kernel(self, gray):
        kernel = filters.preset_kernel("diagonal (course)", size=5, intensity=2.5)
        image = cv2.cvtColor(RGB, cv2.COLOR_RGB2GRAY) if gray else RGB
        result = run_snippet(filters.kernel_snippet(kernel, gray=gray), RGB)["result"]
        atol = default_path_tolerance(image, kernel)
        np.testing.assert_allclose(result, filters.apply_kernel(image, kernel), rtol=0, atol=atol)

    def test_kernel_snippet_with_non_round_weights(self):
        kernel, _ = filters.normalize_kernel(RNG.normal(size=(3, 3)))
        gray = cv2.cvtColor(RGB, cv2.COLOR_RGB2GRAY)
        result = run_snippet(filters.kernel_snippet(kernel), RGB)["result"]
        atol = default_path_tolerance(gray, kernel)
        np.testing.assert_allclose(result, filters.apply_kernel(gray, kernel), rtol=0, atol=atol)

    @pytest.mark.parametrize("gray", [True, False])
    def test_blur_snippets_reproduce_blurs(self, gray):
        image = cv2.cvtColor(RGB, cv2.COLOR_RGB2GRAY) if gray else RGB
        cases = [
            (filters.average_blur_snippet(ksize=4, gray=gray), filters.average_blur(image, ksize=4)),
            (
                filters.gaussian_blur_snippet(ksize=7, sigma=1.5, gray=gray),
                filters.gaussian_blur(image, ksize=7, sigma=1.5),
            ),
            (filters.median_blur_snippet(ksize=5, gray=gray), filters.median_blur(image, ksize=5)),
            (filters.median_blur_snippet(ksize=1, gray=gray), filters.median_blur(image, ksize=1)),
        ]
        for code, expected in cases:
            np.testing.assert_array_equal(run_snippet(code, RGB)["result"], expected)

    def test_edge_snippets_reproduce_edges(self):
        namespace = run_snippet(filters.sobel_snippet(ksize=5), RGB)
        np.testing.assert_array_equal(namespace["result"], filters.sobel_edges(RGB, ksize=5).magnitude)
        namespace = run_snippet(filters.laplacian_snippet(ksize=3), RGB)
        np.testing.assert_array_equal(namespace["result"], filters.laplacian(RGB))
        np.testing.assert_array_equal(
            namespace["laplacian_abs"], filters.absolute_uint8(filters.laplacian(RGB))
        )
        namespace = run_snippet(filters.canny_snippet(threshold1=50, threshold2=120), RGB)
        np.testing.assert_array_equal(namespace["result"], filters.canny(RGB, threshold1=50, threshold2=120))


class TestKernelText:
    @pytest.mark.parametrize("name", filters.PRESET_NAMES)
    @pytest.mark.parametrize("size", [3, 5])
    def test_round_trip_of_every_preset(self, name, size):
        kernel = filters.preset_kernel(name, size=size)
        back = filters.kernel_from_text(filters.kernel_to_text(kernel))
        np.testing.assert_allclose(back, kernel, rtol=1e-5)

    def test_written_compactly(self):
        assert filters.kernel_to_text(filters.preset_kernel("sobel right")) == "-1,0,1;-2,0,2;-1,0,1"
        np.testing.assert_array_equal(
            filters.kernel_from_text(" 1, 2 ,3; 4,5,6 ;7,8,9; "), np.arange(1, 10).reshape(3, 3)
        )

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "inf,0,0;0,0,0;0,0,0",
            "nan",
            "1,2;3",
            "1,2;3,4",
            "a,b,c",
            "1e400",
            "1;" * 300,
            "1,,2;3,4,5;6,7,8",
        ],
    )
    def test_anything_else_is_a_value_error(self, text):
        with pytest.raises(ValueError):
            filters.kernel_from_text(text)
