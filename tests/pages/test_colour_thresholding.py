from tests.pages.harness import assert_clean, image_captions, image_urls, run_page

PAGE = "app_pages/colour_thresholding.py"


def selected(app) -> str:
    return app.metric[0].value


def slider_values(app) -> dict[str, int]:
    return {slider.key: slider.value for slider in app.slider}


class TestColourThresholdingPage:
    def test_defaults_are_the_course_giraffe_range(self):
        app = run_page(PAGE)
        values = slider_values(app)
        assert (values["ct_h_low"], values["ct_s_low"], values["ct_v_low"]) == (0, 0, 190)
        assert (values["ct_h_high"], values["ct_s_high"], values["ct_v_high"]) == (30, 80, 255)
        captions = image_captions(app)
        for caption in ("Mask (inRange)", "Masked: bitwise_and", "Recoloured"):
            assert caption in captions
        assert "np.array([30, 80, 255], dtype=np.uint8)" in app.get("code")[0].value

    def test_moving_a_slider_changes_the_mask(self):
        app = run_page(PAGE)
        before, urls = selected(app), image_urls(app)
        app.slider(key="ct_v_low").set_value(60).run()
        assert_clean(app)
        assert selected(app) != before
        assert image_urls(app) != urls

    def test_low_is_kept_at_or_below_high(self):
        app = run_page(PAGE)
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
