import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lib.cv.histograms import (
    box_mask,
    brightness_histogram,
    brightness_verdict,
    brightness_verdict_snippet,
    clahe,
    draw_box,
    equalization_snippet,
    equalize,
    gray_histogram,
    histogram_snippet,
    hsv_histograms,
    rgb_histograms,
)
from lib.cv.images import ImageError
from tests.helpers import run_snippet

small_images = arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(1, 12), st.just(3)))


@pytest.fixture
def image_rgb():
    rng = np.random.default_rng(5)
    return rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)


@pytest.fixture
def low_contrast_rgb():
    """A smooth colour gradient squeezed into 100..140: equalisation has something to stretch."""
    ramp = np.linspace(100, 140, 64, dtype=np.float32)
    red = np.tile(ramp, (48, 1))
    green = np.full_like(red, 120)
    blue = red[::-1] * 0.9
    return np.stack([red, green, blue], axis=2).astype(np.uint8)


class TestRgbHistograms:
    def test_matches_calchist(self, image_rgb):
        histograms = rgb_histograms(image_rgb)
        assert list(histograms) == ["Red", "Green", "Blue"]
        for index, hist in enumerate(histograms.values()):
            expected = cv2.calcHist([image_rgb], [index], None, [256], [0, 256]).ravel()
            assert hist.shape == (256,)
            np.testing.assert_array_equal(hist, expected)

    def test_flat_image_single_spike(self):
        image = np.full((5, 7, 3), (10, 20, 30), np.uint8)
        histograms = rgb_histograms(image)
        for value, hist in zip((10, 20, 30), histograms.values(), strict=True):
            assert hist[value] == 35 and hist.sum() == 35

    @settings(max_examples=30, deadline=None)
    @given(image=small_images)
    def test_counts_sum_to_pixels(self, image):
        for hist in rgb_histograms(image).values():
            assert hist.sum() == image.shape[0] * image.shape[1]

    def test_mask_counts_only_the_region(self, image_rgb):
        mask = box_mask(48, 64, box=(10, 5, 30, 25))
        histograms = rgb_histograms(image_rgb, mask=mask)
        expected = cv2.calcHist([image_rgb], [0], mask, [256], [0, 256]).ravel()
        np.testing.assert_array_equal(histograms["Red"], expected)
        assert histograms["Red"].sum() == 20 * 20
        region_only = np.bincount(image_rgb[5:25, 10:30, 0].ravel(), minlength=256)
        np.testing.assert_array_equal(histograms["Red"], region_only)

    def test_mask_shape_mismatch(self, image_rgb):
        with pytest.raises(ValueError, match="height and width"):
            rgb_histograms(image_rgb, mask=np.ones((3, 3), np.uint8))

    def test_bad_image(self):
        with pytest.raises(ImageError):
            rgb_histograms(np.zeros((4, 4, 3), np.float64))


class TestHsvHistograms:
    def test_matches_course_calchist(self, image_rgb):
        hsv = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV)
        h, s, v = cv2.split(hsv)
        histograms = hsv_histograms(image_rgb)
        assert histograms["Hue"].shape == (180,)  # OpenCV hue is 0..179
        np.testing.assert_array_equal(
            histograms["Hue"], cv2.calcHist([h], [0], None, [180], [0, 180]).ravel()
        )
        np.testing.assert_array_equal(
            histograms["Saturation"], cv2.calcHist([s], [0], None, [256], [0, 256]).ravel()
        )
        np.testing.assert_array_equal(
            histograms["Value"], cv2.calcHist([v], [0], None, [256], [0, 256]).ravel()
        )

    def test_every_hue_counted(self, image_rgb):
        # no hue falls outside the 180 bins
        assert hsv_histograms(image_rgb)["Hue"].sum() == 48 * 64

    def test_pure_blue_hue_120(self):
        image = np.zeros((2, 3, 3), np.uint8)
        image[..., 2] = 255
        assert hsv_histograms(image)["Hue"][120] == 6


class TestGrayHistogram:
    def test_matches_calchist_of_gray(self, image_rgb):
        gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
        np.testing.assert_array_equal(
            gray_histogram(image_rgb), cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()
        )

    def test_gray_input_step_edge(self):
        gray = np.zeros((4, 6), np.uint8)
        gray[:, 3:] = 200
        hist = gray_histogram(gray)
        assert hist[0] == 12 and hist[200] == 12 and hist.sum() == 24


class TestBrightnessVerdict:
    def test_course_rule_bright_and_dark(self):
        bright = np.full((10, 10, 3), 200, np.uint8)
        dark = np.full((10, 10, 3), 100, np.uint8)
        assert brightness_verdict(bright).verdict == "bright"
        assert brightness_verdict(dark).verdict == "dark"
        assert brightness_verdict(bright).threshold == 150  # the course's threshold

    def test_majority_uses_value_channel_max_rgb(self):
        # pure saturated blue (0, 0, 255): gray is only 29 but V = max(R, G, B) = 255 -> bright
        image = np.zeros((4, 4, 3), np.uint8)
        image[..., 2] = 255
        verdict = brightness_verdict(image)
        assert verdict.verdict == "bright" and verdict.share_above == 1.0

    def test_shares_by_hand(self):
        image = np.zeros((1, 10, 3), np.uint8)
        image[0, :6] = 151  # 6 of 10 above 150
        image[0, 6:8] = 150  # 2 exactly at the threshold: neither above nor below
        verdict = brightness_verdict(image)
        assert verdict.share_above == pytest.approx(0.6) and verdict.share_below == pytest.approx(0.2)
        assert verdict.verdict == "bright"
        assert "60%" in verdict.explanation and "bright" in verdict.explanation

    def test_no_majority_is_balanced(self):
        image = np.zeros((1, 10, 3), np.uint8)
        image[0, :4] = 200
        image[0, 4:8] = 150
        assert brightness_verdict(image).verdict == "balanced"

    def test_bad_threshold(self, image_rgb):
        with pytest.raises(ValueError):
            brightness_verdict(image_rgb, threshold=300)


class TestBoxMask:
    def test_box(self):
        mask = box_mask(4, 5, box=(1, 2, 3, 4))
        assert mask.sum() == 255 * 4 and mask[2, 1] == 255 and mask[1, 1] == 0 and mask[2, 3] == 0

    @pytest.mark.parametrize("box", [(0, 0, 0, 3), (2, 0, 1, 3), (0, 0, 6, 3), (-1, 0, 2, 2)])
    def test_bad_box(self, box):
        with pytest.raises(ValueError, match="box"):
            box_mask(4, 5, box=box)


class TestEqualize:
    def test_gray_matches_equalizehist(self, low_contrast_rgb):
        gray = cv2.cvtColor(low_contrast_rgb, cv2.COLOR_RGB2GRAY)
        np.testing.assert_array_equal(equalize(gray), cv2.equalizeHist(gray))

    def test_colour_on_y_channel(self, low_contrast_rgb):
        ycrcb = cv2.cvtColor(low_contrast_rgb, cv2.COLOR_RGB2YCrCb)
        ycrcb[..., 0] = cv2.equalizeHist(ycrcb[..., 0])
        np.testing.assert_array_equal(equalize(low_contrast_rgb), cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB))

    def test_colour_on_v_channel(self, low_contrast_rgb):
        hsv = cv2.cvtColor(low_contrast_rgb, cv2.COLOR_RGB2HSV)
        hsv[..., 2] = cv2.equalizeHist(hsv[..., 2])
        np.testing.assert_array_equal(
            equalize(low_contrast_rgb, channel="V"), cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
        )

    def test_stretches_contrast(self, low_contrast_rgb):
        gray = cv2.cvtColor(low_contrast_rgb, cv2.COLOR_RGB2GRAY)
        equalized = equalize(gray)
        assert int(equalized.max()) - int(equalized.min()) > int(gray.max()) - int(gray.min())
        assert equalized.max() == 255

    def test_bad_channel(self, image_rgb):
        with pytest.raises(ValueError, match="channel"):
            equalize(image_rgb, channel="R")


class TestClahe:
    def test_opencv_default_clip_is_40_and_the_message_says_so(self, image_rgb):
        # the notes have no CLAHE: 2.0 is the page's start, OpenCV's own default clip limit is 40
        assert cv2.createCLAHE().getClipLimit() == 40.0
        with pytest.raises(ValueError, match="OpenCV's default is 40"):
            clahe(image_rgb, clip_limit=0.0)

    def test_gray_matches_opencv_page_defaults(self, low_contrast_rgb):
        gray = cv2.cvtColor(low_contrast_rgb, cv2.COLOR_RGB2GRAY)
        expected = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(gray)
        np.testing.assert_array_equal(clahe(gray), expected)

    def test_colour_on_y_channel(self, image_rgb):
        ycrcb = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2YCrCb)
        ycrcb[..., 0] = cv2.createCLAHE(clipLimit=3.5, tileGridSize=(4, 2)).apply(ycrcb[..., 0])
        expected = cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)
        np.testing.assert_array_equal(clahe(image_rgb, clip_limit=3.5, tile_grid_size=(4, 2)), expected)

    def test_flat_image_stays_flat(self):
        flat = np.full((32, 32), 90, np.uint8)
        result = clahe(flat)
        assert result.min() == result.max()

    @pytest.mark.parametrize(("clip", "tiles"), [(0.0, (8, 8)), (-1.0, (8, 8)), (2.0, (0, 8)), (2.0, (8,))])
    def test_bad_parameters(self, image_rgb, clip, tiles):
        with pytest.raises(ValueError):
            clahe(image_rgb, clip_limit=clip, tile_grid_size=tiles)


class TestSnippets:
    @pytest.mark.parametrize(
        ("space", "reference"),
        [
            ("RGB", rgb_histograms),
            ("HSV", hsv_histograms),
            ("Gray", lambda image: {"Gray": gray_histogram(image)}),
        ],
    )
    def test_histogram_snippet(self, image_rgb, space, reference):
        result = run_snippet(histogram_snippet(space=space), image_rgb)["result"]
        expected = reference(image_rgb)
        assert list(result) == list(expected)
        for name in expected:
            np.testing.assert_array_equal(result[name], expected[name])

    @pytest.mark.parametrize(
        ("space", "reference"),
        [
            ("RGB", rgb_histograms),
            ("HSV", hsv_histograms),
            ("Gray", lambda image, mask: {"Gray": gray_histogram(image, mask=mask)}),
        ],
    )
    def test_histogram_snippet_with_region(self, image_rgb, space, reference):
        box = (5, 10, 40, 30)
        result = run_snippet(histogram_snippet(space=space, box=box), image_rgb)["result"]
        expected = reference(image_rgb, mask=box_mask(48, 64, box=box))
        for name in expected:
            np.testing.assert_array_equal(result[name], expected[name])
            assert result[name].sum() == 35 * 20

    @pytest.mark.parametrize("threshold", [0, 51, 120, 150, 255])
    def test_verdict_snippet_shares(self, image_rgb, threshold):
        namespace = run_snippet(brightness_verdict_snippet(threshold=threshold), image_rgb)
        verdict = brightness_verdict(image_rgb, threshold=threshold)
        assert namespace["share_bright"] == verdict.share_above
        assert namespace["share_dark"] == verdict.share_below
        assert namespace["verdict"] == verdict.verdict

    def test_histogram_snippet_has_no_verdict_of_its_own(self):
        """The verdict is the page's whole-image one (brightness_verdict_snippet), not a region's at 150."""
        for box in (None, (5, 10, 40, 30)):
            code = histogram_snippet(space="HSV", box=box)
            assert "150" not in code and "share_" not in code

    @pytest.mark.parametrize("method", ["equalize", "clahe"])
    @pytest.mark.parametrize(("gray", "channel"), [(True, "Y"), (False, "Y"), (False, "V")])
    def test_equalization_snippet(self, image_rgb, method, gray, channel):
        code = equalization_snippet(
            method=method, gray=gray, channel=channel, clip_limit=3.0, tile_grid_size=(4, 6)
        )
        source = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY) if gray else image_rgb
        if method == "equalize":
            expected = equalize(source, channel=channel)
        else:
            expected = clahe(source, clip_limit=3.0, tile_grid_size=(4, 6), channel=channel)
        np.testing.assert_array_equal(run_snippet(code, image_rgb)["result"], expected)

    def test_bad_snippet_arguments(self):
        with pytest.raises(ValueError):
            histogram_snippet(space="LAB")
        with pytest.raises(ValueError):
            equalization_snippet(method="stretch")


class TestDrawBox:
    def test_outline_only(self):
        image = np.zeros((50, 60, 3), np.uint8)
        marked = draw_box(image, box=(10, 10, 40, 30), colour=(255, 255, 0))
        assert tuple(marked[10, 20]) == (255, 255, 0)  # top edge
        assert tuple(marked[29, 20]) == (255, 255, 0)  # bottom edge (y1 excluded -> row 29)
        assert tuple(marked[20, 25]) == (0, 0, 0)  # inside untouched
        assert image.max() == 0  # input untouched


class TestBrightnessHistogram:
    def test_y_and_v_of_colour(self, image_rgb):
        y = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2YCrCb)[:, :, 0]
        v = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV)[:, :, 2]
        np.testing.assert_array_equal(brightness_histogram(image_rgb), np.bincount(y.ravel(), minlength=256))
        np.testing.assert_array_equal(
            brightness_histogram(image_rgb, channel="V"), np.bincount(v.ravel(), minlength=256)
        )

    def test_gray_is_its_own_histogram(self):
        gray = np.array([[0, 0, 7]], np.uint8)
        hist = brightness_histogram(gray, channel="V")
        assert hist[0] == 2 and hist[7] == 1 and hist.sum() == 3
