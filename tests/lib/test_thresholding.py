import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lib.cv.images import ImageError
from lib.cv.thresholding import (
    THRESHOLD_METHODS,
    adaptive_threshold,
    adaptive_threshold_snippet,
    kmeans_colours,
    kmeans_snippet,
    palette_strip,
    simple_threshold,
    threshold_snippet,
)
from tests.helpers import run_snippet
from tests.tolerances import KMEANS_PREVIEW_PALETTE_ATOL, KMEANS_PREVIEW_SHARE_ATOL


@pytest.fixture
def image_rgb():
    rng = np.random.default_rng(7)
    return rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)


@pytest.fixture
def three_colour_image():
    """Three flat colour blocks of 50%, 30% and 20% of the pixels, with a little noise."""
    image = np.zeros((20, 50, 3), np.uint8)
    image[:, :25] = (230, 120, 30)  # orange, 50%
    image[:, 25:40] = (30, 80, 200)  # blue, 30%
    image[:, 40:] = (245, 245, 245)  # white, 20%
    noise = np.random.default_rng(0).integers(-3, 4, image.shape)
    return np.clip(image.astype(int) + noise, 0, 255).astype(np.uint8)


class TestSimpleThreshold:
    @pytest.mark.parametrize("method", list(THRESHOLD_METHODS))
    def test_matches_opencv(self, image_rgb, method):
        gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
        used, expected = cv2.threshold(gray, 150, 255, THRESHOLD_METHODS[method][1])
        result = simple_threshold(image_rgb, method=method)
        assert result.threshold == used
        np.testing.assert_array_equal(result.image, expected)

    def test_binary_at_or_below_threshold_becomes_zero(self):
        # the notes say darker pixels "remain unchanged"; in fact p <= 150 -> 0 and p > 150 -> 255
        gray = np.array([[0, 100, 149, 150, 151, 200, 255]], np.uint8)
        assert simple_threshold(gray).image.tolist() == [[0, 0, 0, 0, 255, 255, 255]]

    def test_the_other_rules_by_hand(self):
        gray = np.array([[100, 150, 151, 200]], np.uint8)
        assert simple_threshold(gray, method="binary_inv").image.tolist() == [[255, 255, 0, 0]]
        assert simple_threshold(gray, method="trunc").image.tolist() == [[100, 150, 150, 150]]
        assert simple_threshold(gray, method="tozero").image.tolist() == [[0, 0, 151, 200]]
        assert simple_threshold(gray, method="tozero_inv").image.tolist() == [[100, 150, 0, 0]]

    def test_otsu_splits_two_levels(self):
        gray = np.zeros((10, 10), np.uint8)
        gray[:, 5:] = 200
        gray[:, :5] = 40
        result = simple_threshold(gray, method="otsu", threshold=0)
        assert 40 <= result.threshold < 200
        assert np.all(result.image[:, :5] == 0) and np.all(result.image[:, 5:] == 255)

    def test_max_value(self):
        gray = np.array([[10, 200]], np.uint8)
        assert simple_threshold(gray, max_value=100).image.tolist() == [[0, 100]]

    def test_bad_arguments(self, image_rgb):
        with pytest.raises(ValueError, match="Unknown method"):
            simple_threshold(image_rgb, method="triangle-ish")
        with pytest.raises(ValueError, match="0..255"):
            simple_threshold(image_rgb, threshold=300)
        with pytest.raises(ImageError):
            simple_threshold(np.zeros((3, 3, 2), np.uint8))

    @pytest.mark.parametrize("method", list(THRESHOLD_METHODS))
    def test_snippet_reproduces(self, image_rgb, method):
        namespace = run_snippet(threshold_snippet(threshold=97, max_value=200, method=method), image_rgb)
        expected = simple_threshold(image_rgb, threshold=97, max_value=200, method=method)
        np.testing.assert_array_equal(namespace["result"], expected.image)
        assert namespace["used_threshold"] == expected.threshold


class TestAdaptiveThreshold:
    @pytest.mark.parametrize(
        ("method", "flag"),
        [("mean", cv2.ADAPTIVE_THRESH_MEAN_C), ("gaussian", cv2.ADAPTIVE_THRESH_GAUSSIAN_C)],
    )
    def test_matches_opencv_course_values(self, image_rgb, method, flag):
        gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
        expected = cv2.adaptiveThreshold(gray, 255, flag, cv2.THRESH_BINARY, 11, 9)
        np.testing.assert_array_equal(adaptive_threshold(gray, method=method), expected)

    def test_flat_image_is_all_white(self):
        # every pixel equals its neighbourhood mean, and p > mean - C when C > 0
        flat = np.full((20, 20), 123, np.uint8)
        assert np.all(adaptive_threshold(flat, method="mean", c=9) == 255)
        assert np.all(adaptive_threshold(flat, method="mean", c=9, inverse=True) == 0)

    def test_dark_text_on_uneven_background(self):
        # a dark stroke on a background that brightens left to right: one global threshold fails,
        # the adaptive one finds the stroke everywhere
        background = np.tile(np.linspace(60, 240, 80), (30, 1)).astype(np.uint8)
        image = background.copy()
        image[14:16, :] = (background[14:16, :] * 0.5).astype(np.uint8)
        result = adaptive_threshold(image, method="gaussian", block_size=11, c=9)
        assert np.all(result[14:16, 5:-5] == 0)
        assert np.mean(result[:10] == 255) > 0.99

    @pytest.mark.parametrize("block_size", [0, 1, 4, 10])
    def test_block_size_must_be_odd(self, image_rgb, block_size):
        with pytest.raises(ValueError, match="odd"):
            adaptive_threshold(image_rgb, block_size=block_size)

    def test_mean_c_is_a_plain_mean_and_the_snippet_says_which(self, image_rgb):
        gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
        local_mean = cv2.blur(gray, (11, 11), borderType=cv2.BORDER_REPLICATE)  # unweighted box mean, uint8
        by_hand = np.where(gray.astype(np.int16) > local_mean.astype(np.int16) - 9, 255, 0).astype(np.uint8)
        np.testing.assert_array_equal(adaptive_threshold(image_rgb, method="mean"), by_hand)
        assert "with the mean of its" in adaptive_threshold_snippet(method="mean")
        assert "Gaussian-weighted mean" in adaptive_threshold_snippet(method="gaussian")

    def test_unknown_method(self, image_rgb):
        with pytest.raises(ValueError, match="mean"):
            adaptive_threshold(image_rgb, method="median")

    @pytest.mark.parametrize("inverse", [False, True])
    @pytest.mark.parametrize("method", ["mean", "gaussian"])
    def test_snippet_reproduces(self, image_rgb, method, inverse):
        code = adaptive_threshold_snippet(method=method, block_size=15, c=2.5, inverse=inverse)
        expected = adaptive_threshold(image_rgb, method=method, block_size=15, c=2.5, inverse=inverse)
        np.testing.assert_array_equal(run_snippet(code, image_rgb)["result"], expected)


def course_kmeans(image_rgb, k, seed=0):
    """The course's code, verbatim apart from the seed: cv2.kmeans on all pixels, centres as np.uint8."""
    pixel_values = np.float32(image_rgb.reshape((-1, 3)))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 100, 0.2)
    cv2.setRNGSeed(seed)
    _, labels, centers = cv2.kmeans(pixel_values, k, None, criteria, 10, cv2.KMEANS_RANDOM_CENTERS)
    centers = np.uint8(centers)
    return centers[labels.flatten()].reshape(image_rgb.shape)


class TestKmeansColours:
    def test_matches_course_code(self, image_rgb):
        result = kmeans_colours(image_rgb, k=3)
        np.testing.assert_array_equal(result.image, course_kmeans(image_rgb, 3))
        assert result.preview_shape == image_rgb.shape[:2]

    def test_recovers_three_blocks_with_shares(self, three_colour_image):
        result = kmeans_colours(three_colour_image)  # course defaults: k = 3
        np.testing.assert_allclose(result.shares, [0.5, 0.3, 0.2])  # ordered largest first
        assert result.shares.sum() == pytest.approx(1.0)
        np.testing.assert_allclose(result.palette[0], (230, 120, 30), atol=2)
        np.testing.assert_allclose(result.palette[1], (30, 80, 200), atol=2)
        np.testing.assert_allclose(result.palette[2], (245, 245, 245), atol=2)
        assert result.labels.shape == (20, 50) and set(np.unique(result.labels)) == {0, 1, 2}
        assert np.all(result.labels[:, :25] == 0)
        np.testing.assert_array_equal(result.image, result.palette[result.labels])

    def test_reproducible_with_seed(self, image_rgb):
        first = kmeans_colours(image_rgb, k=4, seed=11)
        second = kmeans_colours(image_rgb, k=4, seed=11)
        np.testing.assert_array_equal(first.image, second.image)
        np.testing.assert_array_equal(first.palette, second.palette)

    def test_k_one_is_the_mean_colour(self, image_rgb):
        result = kmeans_colours(image_rgb, k=1)
        mean = image_rgb.reshape(-1, 3).astype(np.float64).mean(axis=0)
        np.testing.assert_allclose(result.palette[0], np.floor(mean), atol=1)
        assert result.shares.tolist() == [1.0]

    def test_large_image_runs_on_preview(self, three_colour_image):
        big = cv2.resize(three_colour_image, (500, 200), interpolation=cv2.INTER_NEAREST)  # 100k pixels
        result = kmeans_colours(big, max_pixels=10_000)
        height, width = result.preview_shape
        assert height * width <= 10_000 and abs(width / height - 2.5) < 0.1
        assert result.image.shape == big.shape and result.labels.shape == big.shape[:2]
        np.testing.assert_allclose(result.shares, [0.5, 0.3, 0.2], atol=0.01)
        # every full-size pixel takes its nearest centre
        distances = (
            (big[:, :, None, :].astype(np.float64) - result.palette[None, None].astype(np.float64)) ** 2
        ).sum(-1)
        assert np.mean(np.argmin(distances, axis=2) == result.labels) > 0.999

    def test_default_preview_agrees_with_full_run(self):
        samples = pytest.importorskip("samples", reason="the bundled samples package is missing")
        try:
            photo = samples.load_sample("flower")
        except FileNotFoundError:
            pytest.skip("samples/flower.jpg is missing")
        photo = cv2.resize(photo, (360, 240), interpolation=cv2.INTER_AREA)  # 86k pixels > 25k
        preview = kmeans_colours(photo)
        full = kmeans_colours(photo, max_pixels=photo.shape[0] * photo.shape[1])
        assert preview.preview_shape != full.preview_shape
        np.testing.assert_allclose(preview.shares, full.shares, atol=KMEANS_PREVIEW_SHARE_ATOL)
        np.testing.assert_allclose(
            preview.palette.astype(int), full.palette.astype(int), atol=KMEANS_PREVIEW_PALETTE_ATOL
        )

    def test_large_photo_clusters_a_bounded_preview(self):
        # Speed comes from clustering at most max_pixels pixels, then labelling the rest by nearest centre.
        rng = np.random.default_rng(1)
        photo = cv2.GaussianBlur(rng.integers(0, 256, (768, 1024, 3), dtype=np.uint8), (0, 0), 8)
        result = kmeans_colours(photo, max_pixels=25_000)
        assert result.image.shape == photo.shape
        assert result.preview_shape[0] * result.preview_shape[1] <= 25_000
        assert result.labels.size == 768 * 1024

    @settings(max_examples=15, deadline=None)
    @given(
        image=arrays(np.uint8, st.tuples(st.integers(2, 10), st.integers(2, 10), st.just(3))),
        k=st.integers(1, 4),
    )
    def test_labels_palette_and_shares_agree(self, image, k):
        result = kmeans_colours(image, k=k)
        np.testing.assert_array_equal(result.image, result.palette[result.labels])
        counts = np.bincount(result.labels.ravel(), minlength=k)
        np.testing.assert_allclose(result.shares, counts / counts.sum())
        assert np.all(np.diff(result.shares) <= 0)

    def test_bad_arguments(self, image_rgb):
        with pytest.raises(ValueError, match="k must be"):
            kmeans_colours(image_rgb, k=0)
        with pytest.raises(
            ValueError,
            match="2 pixels, fewer than the k = 3 clusters.*Lower k, or use an image with at least 3 pixels",
        ):
            kmeans_colours(np.zeros((1, 2, 3), np.uint8), k=3)
        with pytest.raises(ValueError, match="1 pixel, fewer than the k = 2"):
            kmeans_colours(np.zeros((1, 1, 3), np.uint8), k=2)
        assert kmeans_colours(np.zeros((1, 1, 3), np.uint8), k=1).shares.tolist() == [1.0]
        with pytest.raises(ImageError):
            kmeans_colours(np.zeros((4, 4, 3), np.float32))

    @pytest.mark.parametrize("max_pixels", [100_000, 500])
    def test_snippet_reproduces(self, image_rgb, max_pixels):
        namespace = run_snippet(kmeans_snippet(k=4, seed=3, max_pixels=max_pixels), image_rgb)
        expected = kmeans_colours(image_rgb, k=4, seed=3, max_pixels=max_pixels)
        np.testing.assert_array_equal(namespace["result"], expected.image)
        np.testing.assert_allclose(np.sort(namespace["shares"])[::-1], expected.shares)


class TestPaletteStrip:
    def test_widths_follow_shares(self):
        palette = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]], np.uint8)
        strip = palette_strip(palette, np.array([0.5, 0.3, 0.2]), width=100, height=4)
        assert strip.shape == (4, 100, 3) and strip.dtype == np.uint8
        row = strip[0]
        assert (
            np.all(row[:50] == (255, 0, 0))
            and np.all(row[50:80] == (0, 255, 0))
            and np.all(row[80:] == (0, 0, 255))
        )

    def test_bad_arguments(self):
        with pytest.raises(ValueError):
            palette_strip(np.zeros((2, 3), np.uint8), np.array([1.0]))
        with pytest.raises(ValueError):
            palette_strip(np.zeros((1, 3), np.uint8), np.array([0.0]))


def test_kmeans_snippet_is_the_recipe_source_under_the_settings():
    import inspect

    from lib.cv.thresholding import cluster_colours

    code = kmeans_snippet(k=5, attempts=2, seed=7)
    assert inspect.getsource(cluster_colours) in code
    assert "cluster_colours(image_rgb, k=5, attempts=2, epsilon=0.2, max_iterations=100, seed=7," in code
