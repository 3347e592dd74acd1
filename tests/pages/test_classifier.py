from tests.pages.harness import assert_clean, image_captions, run_page

PAGE = "app_pages/classifier.py"


def metrics(app) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


class TestClassifierPage:
    def test_defaults_read_the_digit_three(self):
        app = run_page(PAGE)
        assert metrics(app)["Prediction"] == "3"
        assert metrics(app)["Forward pass"].endswith("ms")
        assert metrics(app)["Device"] in ("CPU", "CUDA") or metrics(app)["Device"].startswith("CUDA")
        assert "Input with its label" in image_captions(app)
        assert any("torch.topk" in code.value for code in app.code)

    def test_other_digit_and_model(self):
        app = run_page(PAGE)
        app.slider(key="cls_digit").set_value(7).run()
        assert_clean(app)
        assert metrics(app)["Prediction"] == "7"
        app.selectbox(key="cls_model").set_value("shapes_cnn").run()
        assert_clean(app)
        assert metrics(app)["Prediction"] == "star"  # the default example shape

    def test_k_is_clamped_to_the_number_of_classes(self):
        app = run_page(PAGE, session_state={"cls_model": "shapes_cnn"})
        app.slider(key="cls_k").set_value(9).run()
        assert_clean(app)
        assert any("clamped to 5" in caption.value for caption in app.caption)

    def test_read_every_digit_on_the_sheet(self):
        app = run_page(PAGE)
        app.toggle(key="cls_every").set_value(True).run()
        assert_clean(app)
        assert any(caption.startswith("10 digits read") for caption in image_captions(app))

    def test_current_image_works_with_every_model(self):
        app = run_page(PAGE)
        app.segmented_control(key="cls_input").set_value("Current image").run()
        assert_clean(app)
        app.selectbox(key="cls_model").set_value("shapes_cnn").run()
        assert_clean(app)
