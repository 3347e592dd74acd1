from tests.pages.harness import assert_clean, image_captions, image_urls, run_page

PAGE = "app_pages/colour_spaces.py"


class TestColourSpacesPage:
    def test_defaults(self):
        app = run_page(PAGE)
        captions = image_captions(app)
        for caption in ("RGB", "BGR shown as RGB", "Gray", "HSV shown as RGB", "LAB shown as RGB"):
            assert caption in captions
        assert "H (hue, 0-179)" in captions  # HSV channels by default
        assert "Hue +0, S ×1, V ×1" in captions
        assert len(app.get("code")) == 2
        markdown = " ".join(m.value for m in app.markdown)
        assert "| HSV |" in markdown and "| LAB |" in markdown

    def test_space_choice_changes_channel_panels(self):
        app = run_page(PAGE)
        app.button_group(key="cs_space").set_value("LAB").run()
        assert_clean(app)
        assert "L (lightness)" in image_captions(app)
        assert "H (hue, 0-179)" not in image_captions(app)

    def test_hue_slider_changes_adjusted_image(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.slider(key="cs_hue_shift").set_value(90).run()
        assert_clean(app)
        assert "Hue +90, S ×1, V ×1" in image_captions(app)
        assert image_urls(app) != before

    def test_inspector_moves(self):
        app = run_page(PAGE)
        table_before = [m.value for m in app.markdown if "| RGB |" in m.value]
        app.slider(key="cs_x").set_value(3).run()
        app.slider(key="cs_y").set_value(5).run()
        assert_clean(app)
        assert any(caption.startswith("Pixel (3, 5)") for caption in image_captions(app))
        table_after = [m.value for m in app.markdown if "| RGB |" in m.value]
        assert table_after != table_before
