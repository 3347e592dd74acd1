from tests.pages.harness import assert_clean, image_captions, image_urls, run_page

PAGE = "app_pages/watershed_coins.py"


def coins_counted(app) -> float:
    (metric,) = [m for m in app.metric if m.label == "Coins counted"]
    return float(metric.value)


class TestWatershedCoinsPage:
    def test_defaults_count_every_coin_of_the_sample(self):
        app = run_page(PAGE)
        assert coins_counted(app) == 24  # hand-counted: 4 rows of 6
        captions = image_captions(app)
        assert "24 coins: outlined, boxed, numbered" in captions
        for step in ("1 · Gray", "5 · Opening ×4", "7 · Distance transform", "11 · Watershed boundaries"):
            assert step in captions
        assert len(app.get("code")) == 1
        assert len(app.dataframe) == 1

    def test_opening_slider_changes_the_strip(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.slider(key="ws_opening").set_value(8).run()
        assert_clean(app)
        assert "5 · Opening ×8" in image_captions(app)
        assert image_urls(app) != before

    def test_notes_recipe_counts_fewer_coins(self):
        app = run_page(PAGE)
        app.toggle(key="ws_notes_only").set_value(True).run()
        assert_clean(app)
        assert coins_counted(app) < 24

    def test_fixed_threshold_and_polarity(self):
        app = run_page(PAGE)
        app.button_group(key="ws_threshold_mode").set_value("Fixed").run()
        app.button_group(key="ws_polarity").set_value("Darker").run()
        assert_clean(app)
        caption = " ".join(c.value for c in app.caption)
        assert "threshold 130 (fixed)" in caption and "coins darker" in caption

    def test_current_image_picture_runs(self):
        app = run_page(PAGE)
        app.button_group(key="ws_picture").set_value("Current image").run()
        assert_clean(app)
