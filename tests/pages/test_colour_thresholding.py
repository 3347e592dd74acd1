import cv2
import numpy as np

from lib.cv.colour import DAHLIA_LOWER, DAHLIA_UPPER, GIRAFFE_LOWER, GIRAFFE_UPPER, dominant_hue_range
from samples import DEFAULT_SAMPLE
from tests.pages.harness import assert_clean, image_captions, image_urls, run_page
from ui.image_source import sample_image

PAGE = "app_pages/colour_thresholding.py"


def selected(app) -> str:
    return app.metric[0].value


def slider_values(app) -> dict[str, int]:
    return {slider.key: slider.value for slider in app.slider}


def giraffe(app):
    app.button(key="ct_giraffe").click().run()
    assert_clean(app)
    return app


def ranges(app) -> tuple[tuple[int, ...], tuple[int, ...]]:
    values = slider_values(app)
    return tuple(values[f"ct_{c}_low"] for c in "hsv"), tuple(values[f"ct_{c}_high"] for c in "hsv")


class TestColourThresholdingPage:
    def test_defaults_select_the_default_samples_obvious_colour(self):
        """Not the giraffe's range (0.4 % of the dahlia, a black mask): the dahlia's orange, computed."""
        app = run_page(PAGE)
        image = sample_image(DEFAULT_SAMPLE)
        assert ranges(app) == (DAHLIA_LOWER, DAHLIA_UPPER) == dominant_hue_range(image)
        hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
        share = (cv2.inRange(hsv, np.array(DAHLIA_LOWER), np.array(DAHLIA_UPPER)) > 0).mean()
        assert 0.05 <= share <= 0.60, share
        assert selected(app) == f"{share:.1%}"
        giraffe_share = (cv2.inRange(hsv, np.array(GIRAFFE_LOWER), np.array(GIRAFFE_UPPER)) > 0).mean()
        assert giraffe_share < 0.01  # why the page no longer opens on it

    def test_main_colour_button_follows_the_image(self):
        app = run_page(PAGE, session_state={"sample": "coffee"})
        app.button(key="ct_main").click().run()
        assert_clean(app)
        assert ranges(app) == dominant_hue_range(sample_image("coffee"))

    def test_giraffe_preset_is_the_course_range(self):
        app = giraffe(run_page(PAGE))
        values = slider_values(app)
        assert (values["ct_h_low"], values["ct_s_low"], values["ct_v_low"]) == (0, 0, 190)
        assert (values["ct_h_high"], values["ct_s_high"], values["ct_v_high"]) == (30, 80, 255)
        captions = image_captions(app)
        for caption in ("Mask (inRange)", "Masked: bitwise_and", "Recoloured"):
            assert caption in captions
        assert "np.uint8([30, 80, 255])" in app.get("code")[0].value

    def test_moving_a_slider_changes_the_mask(self):
        app = run_page(PAGE)
        before, urls = selected(app), image_urls(app)
        app.slider(key="ct_v_low").set_value(60).run()
        assert_clean(app)
        assert selected(app) != before
        assert image_urls(app) != urls

    def test_low_is_kept_at_or_below_high(self):
        app = giraffe(run_page(PAGE))
        app.slider(key="ct_s_low").set_value(200).run()  # above the high of 80
        assert_clean(app)
        assert slider_values(app)["ct_s_high"] == 200
        app.slider(key="ct_v_high").set_value(100).run()  # below the low of 190
        assert_clean(app)
        assert slider_values(app)["ct_v_low"] == 100

    def test_reds_preset_wraps_hue(self):
        app = run_page(PAGE)
        app.button[1].click().run()
        assert_clean(app)
        values = slider_values(app)
        assert (values["ct_h_low"], values["ct_h_high"]) == (170, 10)
        assert any("wraps around red" in caption.value for caption in app.caption)
        assert "cv2.bitwise_or(mask_high, mask_low)" in app.get("code")[0].value

    def test_everything_preset_selects_all(self):
        app = run_page(PAGE)
        app.button[2].click().run()
        assert_clean(app)
        assert selected(app) == "100.0%"

    def test_pick_colour_sets_range_around_pixel(self):
        app = run_page(PAGE)
        app.slider(key="ct_x").set_value(10).run()
        app.button(key="ct_pick").click().run()
        assert_clean(app)
        values = slider_values(app)
        assert (values["ct_h_high"] - values["ct_h_low"]) % 180 == 20  # hue tolerance ±10, maybe wrapped
        assert selected(app) != "0.0%"

    def test_recolour_picker_changes_output(self):
        app = run_page(PAGE)
        urls = image_urls(app)
        app.color_picker(key="ct_paint").set_value("#00ff00").run()
        assert_clean(app)
        assert image_urls(app) != urls
        assert "(0, 255, 0)" in app.get("code")[0].value
