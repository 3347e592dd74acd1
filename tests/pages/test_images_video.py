from tests.pages.harness import assert_clean, image_captions, image_urls, run_page

PAGE = "app_pages/images_video.py"


class TestImagesVideoPage:
    def test_defaults(self):
        app = run_page(PAGE)
        captions = image_captions(app)
        assert "image + 30 (uint8 wraps)" in captions
        assert any(caption == "Frame 0" for caption in captions)
        assert len(app.get("code")) == 2  # image and video snippets

    def test_brightness_slider_changes_images(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.slider(key="io_amount").set_value(-50).run()
        assert_clean(app)
        assert "image - 50 (uint8 wraps)" in image_captions(app)  # NumPy 2 refuses image + -50
        assert "cv2.subtract (saturates)" in image_captions(app)
        assert image_urls(app) != before

    def test_frame_slider_shows_another_frame(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.slider(key="io_frame").set_value(40).run()
        assert_clean(app)
        assert "Frame 40" in image_captions(app)
        assert image_urls(app) != before

    def test_jpeg_quality_changes_download_size(self):
        app = run_page(PAGE, session_state={"io_quality": 95})
        high = [b.proto.label for b in app.get("download_button") if "JPEG" in b.proto.label]
        app = run_page(PAGE, session_state={"io_quality": 10})
        low = [b.proto.label for b in app.get("download_button") if "JPEG" in b.proto.label]
        assert high and low and high != low
