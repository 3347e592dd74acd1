from tests.pages.harness import assert_clean, image_captions, image_urls, run_page

PAGE = "app_pages/face_detection.py"


def faces_found(app) -> float:
    (metric,) = [m for m in app.metric if m.label == "Faces found"]
    return float(metric.value)


class TestFaceDetectionPage:
    def test_defaults_find_the_four_group_faces(self):
        app = run_page(PAGE)
        assert faces_found(app) == 4  # counted by eye: four portraits side by side
        assert any(caption.startswith("4 face(s)") for caption in image_captions(app))
        assert len(app.get("code")) == 1

    def test_min_size_slider_changes_the_result(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.slider(key="fd_min_size").set_value(300).run()  # larger than every face in the group photo
        assert_clean(app)
        assert faces_found(app) == 0
        assert image_urls(app) != before

    def test_portrait_with_eyes(self):
        app = run_page(PAGE)
        app.button_group(key="fd_picture").set_value("Portrait").run()
        app.toggle(key="fd_eyes").set_value(True).run()
        assert_clean(app)
        assert faces_found(app) == 1
        assert any("2 eyes" in caption for caption in image_captions(app))
