import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lib.cv.colour import (
    COLOUR_SPACES,
    DAHLIA_LOWER,
    DAHLIA_UPPER,
    GIRAFFE_LOWER,
    GIRAFFE_UPPER,
    adjust_hsv,
    all_colour_spaces,
    apply_mask,
    colour_spaces_snippet,
    colour_threshold_snippet,
    convert_colour,
    dominant_hue_range,
    draw_crosshair,
    hsv_adjust_snippet,
    hsv_mask,
    parse_hex_colour,
    pixel_values,
    range_around_pixel,
    recolour,
    split_channels,
)
from lib.cv.images import ImageError
from tests.helpers import run_snippet
from tests.tolerances import HSV_ROUND_TRIP_ATOL, UINT8_ATOL

small_images = arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(1, 12), st.just(3)))


@pytest.fixture
def image_rgb():
    rng = np.random.default_rng(3)
    return rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)


def hsv_pixel(hue, saturation, value):
    """One RGB pixel (1, 1, 3) with the given OpenCV HSV (hue 0..179)."""
    return cv2.cvtColor(np.uint8([[[hue, saturation, value]]]), cv2.COLOR_HSV2RGB)


class TestConvertColour:
    @pytest.mark.parametrize(
        ("space", "code"),
        [
            ("BGR", cv2.COLOR_RGB2BGR),
            ("Gray", cv2.COLOR_RGB2GRAY),
            ("HSV", cv2.COLOR_RGB2HSV),
            ("LAB", cv2.COLOR_RGB2LAB),
        ],
    )
    def test_matches_opencv(self, image_rgb, space, code):
        np.testing.assert_array_equal(convert_colour(image_rgb, space=space), cv2.cvtColor(image_rgb, code))

    def test_bgr_reverses_channels(self, image_rgb):
        np.testing.assert_array_equal(convert_colour(image_rgb, space="BGR"), image_rgb[:, :, ::-1])

    def test_rgb_is_a_copy(self, image_rgb):
        converted = convert_colour(image_rgb, space="RGB")
        np.testing.assert_array_equal(converted, image_rgb)
        assert converted is not image_rgb

    def test_pure_red_hue_and_lab(self):
        red = np.uint8([[[255, 0, 0]]])
        assert tuple(convert_colour(red, space="HSV")[0, 0]) == (0, 255, 255)
        # pure blue is 240 degrees -> OpenCV hue 120 (degrees / 2)
        assert convert_colour(np.uint8([[[0, 0, 255]]]), space="HSV")[0, 0, 0] == 120
        # white: L = 255, a = b = 128 (neutral) in 8-bit LAB
        assert tuple(convert_colour(np.uint8([[[255, 255, 255]]]), space="LAB")[0, 0]) == (255, 128, 128)

    def test_gray_input_is_expanded(self):
        gray = np.full((4, 5), 77, np.uint8)
        assert tuple(convert_colour(gray, space="HSV")[0, 0]) == (0, 0, 77)

    def test_unknown_space(self, image_rgb):
        with pytest.raises(ValueError, match="Unknown colour space"):
            convert_colour(image_rgb, space="XYZ")

    @pytest.mark.parametrize(
        "bad", [np.zeros((4, 4, 3), np.float32), np.zeros((4, 4, 4), np.uint8), np.zeros((0, 4, 3), np.uint8)]
    )
    def test_bad_images(self, bad):
        with pytest.raises(ImageError):
            convert_colour(bad, space="HSV")


class TestSplitChannels:
    def test_matches_cv2_split(self, image_rgb):
        panels = split_channels(image_rgb, space="LAB")
        expected = cv2.split(cv2.cvtColor(image_rgb, cv2.COLOR_RGB2LAB))
        assert [name[0] for name, _ in panels] == ["L", "a", "b"]
        for (_, panel), reference in zip(panels, expected, strict=True):
            assert panel.dtype == np.uint8 and panel.shape == image_rgb.shape[:2]
            np.testing.assert_array_equal(panel, reference)

    def test_gray_has_one_panel(self, image_rgb):
        assert len(split_channels(image_rgb, space="Gray")) == 1

    def test_bgr_first_panel_is_blue(self, image_rgb):
        name, panel = split_channels(image_rgb, space="BGR")[0]
        assert name == "B"
        np.testing.assert_array_equal(panel, image_rgb[:, :, 2])


class TestAdjustHsv:
    def test_matches_manual_opencv(self, image_rgb):
        hsv = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV).astype(np.int32)
        hsv[:, :, 0] = (hsv[:, :, 0] + 100) % 180
        hsv[:, :, 1] = np.clip(np.rint(hsv[:, :, 1] * 0.5), 0, 255)
        hsv[:, :, 2] = np.clip(np.rint(hsv[:, :, 2] * 1.5), 0, 255)
        expected = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)
        result = adjust_hsv(image_rgb, hue_shift=100, saturation_scale=0.5, value_scale=1.5)
        np.testing.assert_allclose(result, expected, atol=UINT8_ATOL)

    def test_hue_wraps_at_180(self):
        pixel = hsv_pixel(170, 255, 255)
        shifted = cv2.cvtColor(adjust_hsv(pixel, hue_shift=20), cv2.COLOR_RGB2HSV)
        assert shifted[0, 0, 0] == 10  # 170 + 20 = 190 -> 10
        shifted = cv2.cvtColor(adjust_hsv(pixel, hue_shift=100), cv2.COLOR_RGB2HSV)
        assert shifted[0, 0, 0] == 90  # 170 + 100 = 270 -> 90 (mod 180), not 14 (mod 256)

    def test_value_saturates_instead_of_wrapping(self):
        pixel = hsv_pixel(0, 0, 200)  # gray 200
        brighter = adjust_hsv(pixel, value_scale=2.0)
        assert tuple(brighter[0, 0]) == (255, 255, 255)  # 400 clipped to 255, not 400 - 256 = 144

    def test_zero_saturation_gives_gray(self, image_rgb):
        result = adjust_hsv(image_rgb, saturation_scale=0.0)
        assert np.all(result[:, :, 0] == result[:, :, 1]) and np.all(result[:, :, 1] == result[:, :, 2])

    def test_no_change_is_close_to_input(self, image_rgb):
        # HSV stores hue in 2-degree steps, so the round trip is only approximately lossless
        difference = np.abs(adjust_hsv(image_rgb).astype(int) - image_rgb.astype(int))
        assert difference.max() <= HSV_ROUND_TRIP_ATOL and difference.mean() < 1

    @settings(max_examples=40, deadline=None)
    @given(image=small_images, shift=st.integers(-400, 400))
    def test_shift_by_180_is_identity(self, image, shift):
        np.testing.assert_array_equal(
            adjust_hsv(image, hue_shift=shift + 180), adjust_hsv(image, hue_shift=shift)
        )

    @pytest.mark.parametrize("scale", [-0.1, float("nan")])
    def test_bad_scale(self, image_rgb, scale):
        with pytest.raises(ValueError):
            adjust_hsv(image_rgb, saturation_scale=scale)

    @pytest.mark.parametrize(
        ("shift", "saturation", "value"), [(0, 1.0, 1.0), (95, 0.3, 1.7), (-30, 2.5, 0.0)]
    )
    def test_snippet_reproduces(self, image_rgb, shift, saturation, value):
        code = hsv_adjust_snippet(hue_shift=shift, saturation_scale=saturation, value_scale=value)
        expected = adjust_hsv(image_rgb, hue_shift=shift, saturation_scale=saturation, value_scale=value)
        np.testing.assert_array_equal(run_snippet(code, image_rgb)["result"], expected)


class TestPixelValues:
    def test_matches_full_image_conversion(self, image_rgb):
        x, y = 17, 31
        values = pixel_values(image_rgb, x=x, y=y)
        assert set(values) == set(COLOUR_SPACES)
        assert values["RGB"] == tuple(int(v) for v in image_rgb[y, x])
        assert values["BGR"] == values["RGB"][::-1]
        assert values["Gray"] == (int(cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)[y, x]),)
        assert values["HSV"] == tuple(int(v) for v in cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV)[y, x])
        assert values["LAB"] == tuple(int(v) for v in cv2.cvtColor(image_rgb, cv2.COLOR_RGB2LAB)[y, x])

    def test_x_is_column_y_is_row(self):
        image = np.zeros((3, 5, 3), np.uint8)
        image[1, 4] = (255, 0, 0)  # row 1, column 4
        assert pixel_values(image, x=4, y=1)["RGB"] == (255, 0, 0)
        assert pixel_values(image, x=1, y=1)["RGB"] == (0, 0, 0)

    @pytest.mark.parametrize(("x", "y"), [(60, 0), (0, 40), (-1, 0)])
    def test_outside(self, image_rgb, x, y):
        with pytest.raises(ValueError, match="outside the image"):
            pixel_values(image_rgb, x=x, y=y)


class TestDrawCrosshair:
    def test_marks_the_point_and_leaves_input(self, image_rgb):
        before = image_rgb.copy()
        marked = draw_crosshair(image_rgb, x=30, y=20, colour=(255, 0, 0))
        np.testing.assert_array_equal(image_rgb, before)
        assert marked.shape == image_rgb.shape and marked.dtype == np.uint8
        assert tuple(marked[20, 30]) == (255, 0, 0)
        assert tuple(marked[0, 0]) == tuple(image_rgb[0, 0])  # far corner untouched


class TestHsvMask:
    def test_matches_inrange_with_course_values(self, image_rgb):
        # the course's giraffe example: lower (0, 0, 190), upper (30, 80, 255)
        assert GIRAFFE_LOWER == (0, 0, 190) and GIRAFFE_UPPER == (30, 80, 255)
        hsv = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV)
        expected = cv2.inRange(hsv, np.array([0, 0, 190]), np.array([30, 80, 255]))
        np.testing.assert_array_equal(hsv_mask(image_rgb), expected)

    def test_bounds_are_inclusive(self):
        row = np.concatenate([hsv_pixel(h, 200, 200) for h in (9, 10, 20, 21)], axis=1)
        hue = cv2.cvtColor(row, cv2.COLOR_RGB2HSV)[0, :, 0]
        assert list(hue) == [9, 10, 20, 21]
        mask = hsv_mask(row, lower=(10, 0, 0), upper=(20, 255, 255))
        assert list(mask[0]) == [0, 255, 255, 0]

    def test_hue_range_wraps_around_red(self):
        hues = (5, 10, 11, 100, 169, 170, 179)
        row = np.concatenate([hsv_pixel(h, 255, 255) for h in hues], axis=1)
        assert list(cv2.cvtColor(row, cv2.COLOR_RGB2HSV)[0, :, 0]) == list(hues)
        mask = hsv_mask(row, lower=(170, 100, 100), upper=(10, 255, 255))
        assert list(mask[0]) == [255, 255, 0, 0, 0, 255, 255]

    def test_wrap_equals_two_ranges_ored(self, image_rgb):
        hsv = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2HSV)
        upper_part = cv2.inRange(hsv, np.array([160, 50, 40]), np.array([179, 220, 250]))
        lower_part = cv2.inRange(hsv, np.array([0, 50, 40]), np.array([20, 220, 250]))
        mask = hsv_mask(image_rgb, lower=(160, 50, 40), upper=(20, 220, 250))
        np.testing.assert_array_equal(mask, upper_part | lower_part)

    @settings(max_examples=30, deadline=None)
    @given(image=small_images)
    def test_full_range_selects_everything(self, image):
        mask = hsv_mask(image, lower=(0, 0, 0), upper=(179, 255, 255))
        assert mask.dtype == np.uint8 and mask.shape == image.shape[:2]
        assert np.all(mask == 255)

    @settings(max_examples=30, deadline=None)
    @given(image=small_images, low=st.integers(1, 179), high=st.integers(0, 178))
    def test_wrapped_range_is_complement_of_the_gap(self, image, low, high):
        # hue in [low, 179] or [0, high] is the complement of hue in [high + 1, low - 1]
        if low <= high:
            return
        wrapped = hsv_mask(image, lower=(low, 0, 0), upper=(high, 255, 255))
        gap = (
            hsv_mask(image, lower=(high + 1, 0, 0), upper=(low - 1, 255, 255))
            if high + 1 <= low - 1
            else np.zeros_like(wrapped)
        )
        np.testing.assert_array_equal(wrapped, 255 - gap)

    @pytest.mark.parametrize(
        ("lower", "upper", "message"),
        [
            ((0, 100, 0), (10, 50, 255), "must not exceed"),
            ((0, 0, 200), (10, 255, 100), "must not exceed"),
            ((0, 0, 0), (180, 255, 255), "hue must be 0..179"),
            ((0, 0, 0), (10, 256, 255), "0..255"),
            ((0, 0), (10, 255, 255), "three numbers"),
        ],
    )
    def test_bad_ranges(self, image_rgb, lower, upper, message):
        with pytest.raises(ValueError, match=message):
            hsv_mask(image_rgb, lower=lower, upper=upper)


class TestApplyMaskAndRecolour:
    def test_apply_mask_matches_bitwise_and(self, image_rgb):
        mask = hsv_mask(image_rgb, lower=(0, 0, 100), upper=(179, 255, 255))
        expected = cv2.bitwise_and(image_rgb, image_rgb, mask=mask)
        np.testing.assert_array_equal(apply_mask(image_rgb, mask), expected)

    def test_recolour_course_black(self, image_rgb):
        # the course recolours with HSV (120, 255, 0): value 0 is black whatever the hue
        course_colour = tuple(
            int(c) for c in cv2.cvtColor(np.uint8([[[120, 255, 0]]]), cv2.COLOR_HSV2RGB)[0, 0]
        )
        mask = np.zeros(image_rgb.shape[:2], np.uint8)
        mask[:10] = 255
        result = recolour(image_rgb, mask)
        assert course_colour == (0, 0, 0)
        assert np.all(result[:10] == 0)
        np.testing.assert_array_equal(result[10:], image_rgb[10:])

    def test_recolour_chosen_colour_keeps_input(self, image_rgb):
        before = image_rgb.copy()
        mask = np.full(image_rgb.shape[:2], 255, np.uint8)
        result = recolour(image_rgb, mask, colour=(0, 255, 0))
        assert np.all(result == np.array([0, 255, 0], np.uint8))
        np.testing.assert_array_equal(image_rgb, before)

    def test_mask_shape_mismatch(self, image_rgb):
        with pytest.raises(ValueError, match="height and width"):
            recolour(image_rgb, np.zeros((3, 3), np.uint8))

    def test_bad_colour(self, image_rgb):
        with pytest.raises(ValueError, match="colour"):
            recolour(image_rgb, np.zeros(image_rgb.shape[:2], np.uint8), colour=(0, 300, 0))

    @pytest.mark.parametrize(
        ("lower", "upper"), [(GIRAFFE_LOWER, GIRAFFE_UPPER), ((170, 60, 60), (10, 255, 255))]
    )
    def test_snippet_reproduces(self, image_rgb, lower, upper):
        code = colour_threshold_snippet(lower=lower, upper=upper, colour=(12, 200, 34))
        namespace = run_snippet(code, image_rgb)
        mask = hsv_mask(image_rgb, lower=lower, upper=upper)
        np.testing.assert_array_equal(namespace["mask"], mask)
        np.testing.assert_array_equal(namespace["masked"], apply_mask(image_rgb, mask))
        np.testing.assert_array_equal(namespace["result"], recolour(image_rgb, mask, colour=(12, 200, 34)))


class TestRangeAroundPixel:
    def test_centred_on_pixel(self):
        image = hsv_pixel(60, 150, 200)
        lower, upper = range_around_pixel(image, x=0, y=0, hue_tolerance=10, saturation_tolerance=20)
        assert lower == (50, 130, 140) and upper == (70, 170, 255)

    def test_red_wraps(self):
        image = hsv_pixel(5, 255, 255)
        lower, upper = range_around_pixel(image, x=0, y=0, hue_tolerance=10)
        assert (lower[0], upper[0]) == (175, 15)
        assert hsv_mask(image, lower=lower, upper=upper)[0, 0] == 255

    @settings(max_examples=30, deadline=None)
    @given(image=small_images, data=st.data())
    def test_picked_pixel_is_always_selected(self, image, data):
        y = data.draw(st.integers(0, image.shape[0] - 1))
        x = data.draw(st.integers(0, image.shape[1] - 1))
        tolerance = data.draw(st.integers(0, 120))
        lower, upper = range_around_pixel(image, x=x, y=y, hue_tolerance=tolerance)
        assert hsv_mask(image, lower=lower, upper=upper)[y, x] == 255

    def test_large_tolerance_covers_all_hues(self):
        lower, upper = range_around_pixel(hsv_pixel(90, 100, 100), x=0, y=0, hue_tolerance=90)
        assert (lower[0], upper[0]) == (0, 179)

    def test_negative_tolerance(self, image_rgb):
        with pytest.raises(ValueError):
            range_around_pixel(image_rgb, x=0, y=0, hue_tolerance=-1)


class TestColourSpacesSnippet:
    @pytest.mark.parametrize("space", COLOUR_SPACES)
    def test_snippet_reproduces(self, image_rgb, space):
        namespace = run_snippet(colour_spaces_snippet(space=space), image_rgb)
        np.testing.assert_array_equal(namespace["result"], convert_colour(image_rgb, space=space))

    def test_unknown_space(self):
        with pytest.raises(ValueError):
            colour_spaces_snippet(space="CMYK")


class TestAllColourSpaces:
    def test_every_space_matches_convert(self, image_rgb):
        views = all_colour_spaces(image_rgb)
        assert list(views) == list(COLOUR_SPACES)
        for space, view in views.items():
            np.testing.assert_array_equal(view, convert_colour(image_rgb, space=space))


class TestParseHexColour:
    @pytest.mark.parametrize(
        ("text", "expected"), [("#000000", (0, 0, 0)), ("#FF8800", (255, 136, 0)), ("#0af", (0, 170, 255))]
    )
    def test_by_hand(self, text, expected):
        assert parse_hex_colour(text) == expected

    @pytest.mark.parametrize(
        "text", ["", "#12345", "#gg0000", "red", "#-12345", "# 12345", "0x1234", "##abc"]
    )
    def test_bad(self, text):
        with pytest.raises(ValueError, match="#RRGGBB"):
            parse_hex_colour(text)


class TestWhatHueAndLabPromise:
    def test_hue_survives_dimming_but_not_a_coloured_light(self):
        # Colour thresholding: a shadow (R, G, B scaled together) keeps the hue; a warm light moves it
        sky = np.array([[[40, 120, 200]]], np.uint8)
        hue = int(cv2.cvtColor(sky, cv2.COLOR_RGB2HSV)[0, 0, 0])  # 105 (210°)
        shadow = (sky.astype(np.float32) * 0.5).round().astype(np.uint8)
        assert abs(int(cv2.cvtColor(shadow, cv2.COLOR_RGB2HSV)[0, 0, 0]) - hue) <= 1
        warm = (
            np.clip(sky.astype(np.float32) * [1.0, 0.8, 0.5], 0, 255).round().astype(np.uint8)
        )  # lamp light
        assert abs(int(cv2.cvtColor(warm, cv2.COLOR_RGB2HSV)[0, 0, 0]) - hue) >= 10  # 92: 26° away

    def test_lab_distances_are_only_roughly_perceptual(self):
        # Colour spaces: equal LAB steps are not equal perceived steps; CIEDE2000 corrects for that. Two pairs,
        # each 10 apart in b* (blue-yellow) at L 50: ΔE2000 differs between a grey pair and a saturated one.
        def delta_e_2000(lab1, lab2):  # Sharma, Wu, Dalal (2005) formula, k_L = k_C = k_H = 1
            (l1, a1, b1), (l2, a2, b2) = lab1, lab2
            c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
            g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
            a1p, a2p = a1 * (1 + g), a2 * (1 + g)
            c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
            h1p, h2p = np.degrees(np.arctan2(b1, a1p)) % 360, np.degrees(np.arctan2(b2, a2p)) % 360
            dlp, dcp = l2 - l1, c2p - c1p
            dhp = h2p - h1p
            dhp = dhp - 360 if dhp > 180 else dhp + 360 if dhp < -180 else dhp
            dhp = 0.0 if c1p * c2p == 0 else dhp
            d_big_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dhp / 2))
            lp, cp = (l1 + l2) / 2, (c1p + c2p) / 2
            hp = (h1p + h2p) / 2 if abs(h1p - h2p) <= 180 else (h1p + h2p + 360) / 2
            hp = h1p + h2p if c1p * c2p == 0 else hp
            t = (
                1
                - 0.17 * np.cos(np.radians(hp - 30))
                + 0.24 * np.cos(np.radians(2 * hp))
                + 0.32 * np.cos(np.radians(3 * hp + 6))
                - 0.20 * np.cos(np.radians(4 * hp - 63))
            )
            s_l = 1 + 0.015 * (lp - 50) ** 2 / np.sqrt(20 + (lp - 50) ** 2)
            s_c, s_h = 1 + 0.045 * cp, 1 + 0.015 * cp * t
            r_t = (
                -2
                * np.sqrt(cp**7 / (cp**7 + 25**7))
                * np.sin(np.radians(60 * np.exp(-(((hp - 275) / 25) ** 2))))
            )
            return float(
                np.sqrt(
                    (dlp / s_l) ** 2
                    + (dcp / s_c) ** 2
                    + (d_big_h / s_h) ** 2
                    + r_t * (dcp / s_c) * (d_big_h / s_h)
                )
            )

        grey_pair = delta_e_2000((50.0, 0.0, 0.0), (50.0, 0.0, 10.0))
        vivid_pair = delta_e_2000((50.0, 0.0, 60.0), (50.0, 0.0, 70.0))
        assert delta_e_2000((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485)) == pytest.approx(
            2.0425, abs=1e-4
        )
        assert vivid_pair < grey_pair / 2  # same Euclidean LAB step (10), very different perceived step


class TestDominantHueRange:
    def test_the_larger_colour_wins_and_grays_are_ignored(self):
        image = np.zeros((10, 10, 3), np.uint8)
        image[:6] = hsv_pixel(100, 200, 200)  # blue, 60 %
        image[6:8] = hsv_pixel(40, 200, 200)  # 20 %
        image[8:] = (128, 128, 128)  # gray: no hue
        lower, upper = dominant_hue_range(image, hue_tolerance=5)
        hue = int(cv2.cvtColor(image[:1, :1], cv2.COLOR_RGB2HSV)[0, 0, 0])  # 100 after the RGB round trip
        assert (lower[0], upper[0]) == (hue - 5, hue + 5)
        mask = hsv_mask(image, lower=lower, upper=upper)
        assert (mask > 0).mean() == pytest.approx(0.6)

    def test_red_wraps_and_no_colour_gives_every_hue(self):
        image = np.zeros((4, 4, 3), np.uint8)
        image[:] = hsv_pixel(2, 255, 255)
        hue = int(cv2.cvtColor(image[:1, :1], cv2.COLOR_RGB2HSV)[0, 0, 0])
        assert dominant_hue_range(image, hue_tolerance=10)[0][0] == (hue - 10) % 180 > 160
        assert dominant_hue_range(np.full((4, 4, 3), 90, np.uint8))[0][0] == 0

    def test_page_default_is_the_default_samples_obvious_colour(self):
        """The dahlia's orange: computed from the default sample, and it selects a fair share of it."""
        from lib.cv.images import DEFAULT_WORKING_SIDE, decode_image, fit_to_working_size
        from samples import DEFAULT_SAMPLE, sample_bytes

        image = fit_to_working_size(
            decode_image(sample_bytes(DEFAULT_SAMPLE)), longest_side=DEFAULT_WORKING_SIDE
        )
        assert dominant_hue_range(image) == (DAHLIA_LOWER, DAHLIA_UPPER)
        share = (hsv_mask(image, lower=DAHLIA_LOWER, upper=DAHLIA_UPPER) > 0).mean()
        assert 0.05 <= share <= 0.60, share
