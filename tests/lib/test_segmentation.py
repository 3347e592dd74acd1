import math

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.cv.images import ImageError
from lib.cv.segmentation import (
    COURSE_RECIPE,
    REFERENCE_PIXELS,
    CoinParams,
    border_is_bright,
    circularity_of,
    coin_mask,
    colorize_labels,
    count_coins,
    count_coins_snippet,
    draw_coins,
    fill_holes,
    flatten_lighting,
    stage_views,
)
from samples import SAMPLES, load_sample, sample_path
from tests.tolerances import CIRCULARITY_ATOL

# Counted by hand on samples/coins.png: four rows of six coins.
COINS_IN_SAMPLE = 24
COIN_ROWS, COINS_PER_ROW = 4, 6

# Discs for synthetic tests: (x, y, radius). The first two overlap (centres 90 px apart, radii 50 + 45),
# so only the watershed can split them; the rest stand alone.
DISCS = [(100, 100, 50), (190, 100, 45), (400, 300, 60), (650, 150, 40), (650, 450, 70), (200, 450, 55)]


def coins_sample() -> np.ndarray:
    if "coins" not in SAMPLES or not sample_path("coins").exists():
        pytest.skip("samples/coins.png is missing")
    return load_sample("coins")


def draw_discs(background: int, foreground: int, discs=DISCS, shape=(600, 800)) -> np.ndarray:
    image = np.full((*shape, 3), background, np.uint8)
    for x, y, radius in discs:
        cv2.circle(image, (x, y), radius, (foreground,) * 3, thickness=-1)
    return image


def assert_consistent(result, image) -> None:
    """Labels are 1..count, each label's bounding box is its box, and boxes lie inside the image."""
    height, width = image.shape[:2]
    assert result.labels.dtype == np.int32
    assert result.labels.shape == (height, width)
    assert len(result.boxes) == result.count
    assert set(np.unique(result.labels).tolist()) <= set(range(result.count + 1))
    for number, (x, y, w, h) in enumerate(result.boxes, start=1):
        assert x >= 0 and y >= 0 and w > 0 and h > 0 and x + w <= width and y + h <= height
        rows, cols = np.nonzero(result.labels == number)
        assert rows.size > 0
        label_box = (cols.min(), rows.min(), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1)
        assert label_box == (x, y, w, h)


class TestCountCoinsOnSample:
    def test_finds_every_coin(self):
        image = coins_sample()
        result = count_coins(image)
        assert result.count == COINS_IN_SAMPLE
        assert_consistent(result, image)

    def test_coins_form_the_hand_counted_grid(self):
        # Sorted by centre height, the coins fall into 4 rows of 6 (rows are ~70 px apart, coins < 65 px tall).
        result = count_coins(coins_sample())
        centres_y = sorted(y + h / 2 for x, y, w, h in result.boxes)
        rows = [centres_y[i * COINS_PER_ROW : (i + 1) * COINS_PER_ROW] for i in range(COIN_ROWS)]
        for upper, lower in zip(rows, rows[1:], strict=False):
            assert max(upper) + 20 < min(lower)

    def test_light_background_inverted_sample(self):
        # The same coins, dark on a light background: polarity is detected and the count holds.
        image = 255 - coins_sample()
        result = count_coins(image)
        assert result.inverted
        assert result.count == COINS_IN_SAMPLE
        assert_consistent(result, image)

    def test_dark_background_not_inverted(self):
        assert not count_coins(coins_sample()).inverted

    def test_course_recipe_alone_misses_most_coins(self):
        # The notes' exact settings (130, inverse, no lighting correction) fail on this uneven photo:
        # that is why the page adds its extra steps. It must still run and stay consistent.
        image = coins_sample()
        result = count_coins(image, **COURSE_RECIPE)
        assert result.count < COINS_IN_SAMPLE // 2
        assert_consistent(result, image)


class TestCountCoinsSynthetic:
    @pytest.mark.parametrize(("background", "foreground"), [(30, 200), (220, 60), (200, 140)])
    def test_discs_on_dark_and_light_backgrounds(self, background, foreground):
        image = draw_discs(background, foreground)
        result = count_coins(image)
        assert result.count == len(DISCS)
        assert result.inverted == (background > foreground)
        assert_consistent(result, image)
        # Every disc centre carries its own label, so the two touching discs were split.
        centre_labels = {int(result.labels[y, x]) for x, y, _ in DISCS}
        assert 0 not in centre_labels and len(centre_labels) == len(DISCS)

    def test_blank_images_give_no_coins(self):
        for value in (0, 128, 255):
            image = np.full((120, 160, 3), value, np.uint8)
            result = count_coins(image)
            assert result.count == 0
            assert result.boxes == []
            assert not result.labels.any()

    def test_whole_frame_foreground_is_not_a_coin(self):
        # Forcing the wrong polarity on a white image makes the whole frame "foreground"; a 100x100
        # square has circularity pi/4 (inside 0.7-1.2) but it is the background, not a coin.
        result = count_coins(np.full((100, 100, 3), 255, np.uint8), invert=False)
        assert result.count == 0

    def test_gray_input_equals_rgb_input(self):
        image = draw_discs(30, 200)
        from_gray = count_coins(image[:, :, 0])
        from_rgb = count_coins(image)
        assert np.array_equal(from_gray.labels, from_rgb.labels)

    def test_elongated_shape_rejected_by_circularity(self):
        # A 300x40 bar: 4*pi*12000 / 680^2 = 0.33 < 0.7.
        image = draw_discs(30, 200, discs=[(150, 150, 50)])
        cv2.rectangle(image, (400, 300), (699, 339), (200, 200, 200), thickness=-1)
        result = count_coins(image)
        assert result.count == 1
        rejected = [c for c in result.candidates if not c.accepted]
        assert any(c.reason.startswith("circularity") and c.circularity < 0.45 for c in rejected)

    def test_small_disc_rejected_by_scaled_area(self):
        # 600x800 image: min area = 1000 * 480000 / 786432 = 610 px; a radius-10 disc (~300 px) is rejected.
        image = draw_discs(30, 200, discs=[(150, 150, 50), (500, 300, 10)])
        result = count_coins(image)
        assert result.min_area == pytest.approx(1000 * 600 * 800 / REFERENCE_PIXELS)
        assert result.count == 1
        assert any(c.reason.startswith("area") for c in result.candidates)

    def test_area_threshold_scales_with_pixel_count(self):
        small = count_coins(np.zeros((384, 512, 3), np.uint8))
        reference = count_coins(np.zeros((768, 1024, 3), np.uint8))
        assert reference.min_area == pytest.approx(1000.0)
        assert small.min_area == pytest.approx(250.0)

    def test_seeds_per_blob_keep_small_coins(self):
        # Radii 60 and 20: the small disc's peak distance (~20) is below 0.7 * 60 = 42, so the course's
        # global fraction gives it no seed; a fraction of each blob's own peak does.
        image = draw_discs(30, 200, discs=[(200, 300, 60), (500, 300, 20)])
        assert count_coins(image, min_area=0).count == 2
        assert count_coins(image, min_area=0, seeds_per_blob=False).count == 1


class TestAnyImage:
    @settings(max_examples=25, deadline=None)
    @given(
        height=st.integers(8, 80),
        width=st.integers(8, 80),
        seed=st.integers(0, 2**32 - 1),
        invert=st.sampled_from([None, True, False]),
    )
    def test_never_crashes_and_stays_consistent(self, height, width, seed, invert):
        rng = np.random.default_rng(seed)
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        assert_consistent(count_coins(image, invert=invert, min_area=0), image)


class TestCourseStagesAgainstOpenCV:
    def test_stages_equal_direct_opencv_calls(self):
        # The notes' pipeline written out with OpenCV, step by step (dark coins on a light background).
        image = draw_discs(220, 60)
        result = count_coins(image, **COURSE_RECIPE)
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        _, thresh = cv2.threshold(gray, 130, 255, cv2.THRESH_BINARY_INV)
        kernel = np.ones((3, 3), np.uint8)
        opening = cv2.morphologyEx(thresh, cv2.MORPH_OPEN, kernel, iterations=4)
        sure_bg = cv2.dilate(opening, kernel, iterations=3)
        dist = cv2.distanceTransform(opening, cv2.DIST_L2, 5)
        _, sure_fg = cv2.threshold(dist, 0.7 * dist.max(), 255, 0)
        sure_fg = np.uint8(sure_fg)
        unknown = cv2.subtract(sure_bg, sure_fg)
        _, markers = cv2.connectedComponents(sure_fg)
        markers = markers + 1
        markers[unknown == 255] = 0
        watershed = cv2.watershed(bgr, markers.copy())
        assert np.array_equal(result.threshold_mask, thresh)
        assert np.array_equal(result.opening, opening)
        assert np.array_equal(result.sure_background, sure_bg)
        assert np.array_equal(result.distance, dist)
        assert np.array_equal(result.sure_foreground, sure_fg)
        assert np.array_equal(result.unknown, unknown)
        assert np.array_equal(result.markers, markers)
        assert np.array_equal(result.watershed, watershed)

    def test_otsu_level_is_opencvs(self):
        image = draw_discs(30, 200)
        level, _ = cv2.threshold(image[:, :, 0], 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        assert count_coins(image, flatten_lighting=False, blur_size=0).threshold_value == level


class TestCircularity:
    def test_ideal_shapes_by_hand(self):
        radius = 10.0
        assert circularity_of(math.pi * radius**2, 2 * math.pi * radius) == pytest.approx(1.0)
        assert circularity_of(100.0, 40.0) == pytest.approx(math.pi / 4)  # 10x10 square
        assert circularity_of(5.0, 0.0) == 0.0

    def test_drawn_disc_is_nearly_circular(self):
        image = draw_discs(0, 255, discs=[(200, 200, 80)], shape=(400, 400))
        result = count_coins(image)
        assert result.count == 1
        assert result.candidates[0].circularity == pytest.approx(1.0, abs=CIRCULARITY_ATOL)


class TestHelpers:
    def test_fill_holes_fills_a_ring(self):
        ring = np.zeros((50, 50), np.uint8)
        cv2.circle(ring, (25, 25), 15, 255, thickness=4)
        filled = fill_holes(ring)
        assert filled[25, 25] == 255 and filled[0, 0] == 0
        assert np.all(filled[ring == 255] == 255)

    def test_border_is_bright(self):
        mask = np.zeros((10, 10), np.uint8)
        assert not border_is_bright(mask)
        assert border_is_bright(255 - mask)

    def test_flatten_lighting_removes_a_ramp(self):
        # A background ramp 40 -> 140 (100 levels apart) with a bright disc: after flattening, the two ends
        # of the background are within 15 levels of each other and the disc stands 100+ levels above both.
        ramp = np.tile(np.linspace(40, 140, 400), (300, 1)).astype(np.uint8)
        cv2.circle(ramp, (200, 150), 30, 230, thickness=-1)
        for dark_objects, image in ((False, ramp), (True, 255 - ramp)):
            flat = flatten_lighting(image, dark_objects=dark_objects).astype(float)
            if dark_objects:
                flat = 255 - flat
            left, right = flat[20:60, 20:60].mean(), flat[20:60, 340:380].mean()
            assert abs(left - right) < 15
            assert flat[150, 200] > max(left, right) + 100

    def test_coin_mask_and_drawing(self):
        image = draw_discs(30, 200)
        result = count_coins(image)
        mask = coin_mask(result)
        assert mask.dtype == np.uint8 and set(np.unique(mask)) == {0, 255}
        drawn = draw_coins(image, result)
        assert drawn.shape == image.shape and not np.array_equal(drawn, image)
        colours = colorize_labels(result.watershed)
        assert colours.shape == (*image.shape[:2], 3) and colours.dtype == np.uint8

    def test_colorize_labels_by_hand(self):
        colours = colorize_labels(np.array([[-1, 0, 1, 2, 3]], np.int32))[0]
        assert colours[0].tolist() == [255, 255, 255]  # watershed boundary
        assert colours[1].tolist() == [0, 0, 0]  # unknown
        assert colours[2].tolist() == [50, 50, 50]  # background marker
        assert colours[3].tolist() != colours[4].tolist()


class TestSnippet:
    @pytest.mark.parametrize(
        "params",
        [{}, COURSE_RECIPE, {"invert": False, "threshold": 60, "seeds_per_blob": False}, {"blur_size": 0}],
        ids=["defaults", "course", "fixed-threshold", "no-blur"],
    )
    def test_snippet_reproduces_labels(self, params):
        for image in (coins_sample(), draw_discs(220, 60)):
            namespace = {"image_rgb": image.copy()}
            exec(count_coins_snippet(**params), namespace)  # noqa: S102 - our own generated code
            result = count_coins(image, **params)
            assert np.array_equal(namespace["coin_labels"], result.labels)
            assert namespace["count"] == result.count and namespace["boxes"] == result.boxes
            assert np.array_equal(namespace["mask"], coin_mask(result))

    def test_snippet_starts_from_image_rgb(self):
        # it starts with its imports and uses image_rgb, which lib.cv.programs reads from the page's image
        code = count_coins_snippet()
        assert code.startswith("import math\n") and "image_rgb" in code


class TestErrors:
    @pytest.mark.parametrize(
        "params",
        [
            {"threshold": 300},
            {"blur_size": 4},
            {"kernel_size": 0},
            {"opening_iterations": -1},
            {"foreground_fraction": 1.0},
            {"min_circularity": 0.9, "max_circularity": 0.8},
            {"min_area": -1},
            {"no_such_setting": 1},
        ],
    )
    def test_bad_parameters(self, params):
        with pytest.raises(ValueError):
            count_coins(draw_discs(30, 200), **params)

    def test_params_dataclass_defaults_are_the_course(self):
        params = CoinParams()
        assert (params.kernel_size, params.opening_iterations, params.foreground_fraction) == (3, 4, 0.7)
        assert (params.min_circularity, params.max_circularity, params.min_area) == (0.7, 1.2, 1000.0)

    @pytest.mark.parametrize(
        "image",
        [
            np.zeros((50, 50, 3), np.float32),
            np.zeros((50, 50, 4), np.uint8),
            np.zeros((2, 2, 3), np.uint8),
            np.zeros((0, 0, 3), np.uint8),
        ],
        ids=["float", "rgba", "tiny", "empty"],
    )
    def test_bad_images(self, image):
        with pytest.raises(ImageError):
            count_coins(image)


class TestStageViews:
    def test_every_stage_is_a_display_image_of_the_run(self):
        image = draw_discs(30, 200)
        result = count_coins(image)
        views = stage_views(image, result)
        assert views.count == result.count == len(DISCS) and views.boxes == result.boxes
        assert np.array_equal(views.mask, coin_mask(result))
        assert np.array_equal(views.coins, draw_coins(image, result))
        expected = cv2.normalize(result.distance, None, 0, 1.0, cv2.NORM_MINMAX)  # the peak at 1
        assert np.abs(views.distance.astype(int) - (expected * 255).astype(np.uint8)).max() <= 1
        for name in (
            "gray",
            "prepared",
            "threshold_mask",
            "opening",
            "sure_foreground",
            "unknown",
            "distance",
        ):
            assert getattr(views, name).dtype == np.uint8, name
        assert views.markers.shape == (*image.shape[:2], 3) and views.boundaries.shape == image.shape
        assert [row["region"] for row in views.table()] == [c.region for c in result.candidates]


def test_snippet_is_the_recipe_source_under_the_settings():
    import inspect

    from lib.cv.segmentation import watershed_coins

    code = count_coins_snippet(threshold=90, invert=True, fill_holes=False)
    assert inspect.getsource(watershed_coins) in code
    assert "    threshold=90,\n" in code and "    invert=True,\n" in code and "    fill=False,\n" in code
