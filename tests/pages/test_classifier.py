import cv2
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import ui.model_input as model_input
from tests.helpers import STROKES, drawn_digit
from tests.pages.harness import ROOT, assert_clean, image_captions, image_urls, metrics, run_page

PAGE = "app_pages/classifier.py"


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


class TestDrawInput:
    """AppTest cannot draw: the canvas's RGBA is handed in through ui.model_input.canvas_drawing."""

    @staticmethod
    def drawing(monkeypatch, rgba):
        monkeypatch.setattr(model_input, "canvas_drawing", lambda container, key, **_: rgba)

    def test_blank_canvas_shows_the_example_with_a_note(self, monkeypatch):
        self.drawing(monkeypatch, None)
        app = run_page(PAGE, session_state={"cls_input": "Draw"})
        assert metrics(app)["Prediction"] == "3"  # the example digit
        assert any(caption.value.startswith("Draw one digit") for caption in app.caption)

    def test_a_drawn_digit_is_read(self, monkeypatch):
        self.drawing(monkeypatch, drawn_digit(STROKES["4"], np.random.default_rng(0)))
        app = run_page(PAGE, session_state={"cls_input": "Draw"})
        assert metrics(app)["Prediction"] == "4"
        captions = image_captions(app)
        assert "The model is given: LeNet input 32×32" in captions
        assert "32×32 bitmap, strokes thickened" in captions
        assert any(caption.value.startswith("your drawing.") for caption in app.caption)

    def test_a_drawn_shape_for_the_shapes_cnn(self, monkeypatch):
        rgba = np.zeros((280, 280, 4), np.uint8)
        cv2.circle(rgba, (140, 140), 90, (0, 0, 0, 255), -1, cv2.LINE_AA)
        self.drawing(monkeypatch, rgba)
        app = run_page(PAGE, session_state={"cls_input": "Draw", "cls_model": "shapes_cnn"})
        assert metrics(app)["Prediction"] == "circle"
        assert "The model is given: Resized to 64×64" in image_captions(app)

    def test_shape_tools_for_the_shapes_cnn_only(self, monkeypatch):
        tools = []
        monkeypatch.setattr(
            model_input, "canvas_drawing", lambda container, key, tool="Pen": tools.append(tool)
        )
        app = run_page(PAGE, session_state={"cls_input": "Draw", "cls_model": "shapes_cnn"})
        assert app.button_group(key="cls_tool").options == ["Pen", "Circle", "Rectangle", "Polygon"]
        app.button_group(key="cls_tool").set_value("Circle").run()
        assert_clean(app)
        assert tools[-1] == "Circle"
        app.selectbox(key="cls_model").set_value("lenet_digits").run()
        assert_clean(app)
        assert not app.get("button_group") or all(group.key != "cls_tool" for group in app.button_group)
        assert tools[-1] == "Pen"  # LeNet: digits are drawn with the pen

    def test_something_not_an_image_gives_a_message(self, monkeypatch):
        self.drawing(monkeypatch, np.zeros((5, 5, 2), np.float32))
        app = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
        app.session_state["cls_input"] = "Draw"
        app.run()
        assert not app.exception
        assert any("drawing could not be used" in error.value for error in app.error)
        assert metrics(app)["Prediction"] == "3"  # the example instead


@pytest.mark.needs_weights
class TestFarFromTrainingData:
    """lib.nn.ood on the page: the distance is shown; beyond the threshold there is no answer, only what the model knows."""

    def test_a_held_out_digit_is_near_and_answered(self):
        app = run_page(PAGE)
        shown = metrics(app)
        assert shown["Prediction"] == "3" and "Distance from training data" in shown
        assert not app.warning

    @pytest.mark.parametrize(
        ("model", "sample", "knows"),
        [
            ("lenet_digits", "flower", "only knows digits"),
            ("lenet_digits", "cat", "only knows digits"),
            ("shapes_cnn", "cat", "only knows these five shapes"),
            ("shapes_cnn", "flower", "only knows these five shapes"),
        ],
    )
    def test_a_photo_gets_no_answer(self, model, sample, knows):
        app = run_page(
            PAGE, session_state={"cls_model": model, "cls_input": "Current image", "sample": sample}
        )
        assert_clean(app)
        assert metrics(app)["Prediction"] == "none"
        assert any(knows in warning.value for warning in app.warning)
        assert any(
            "would answer if it had to" in caption.value for caption in app.caption
        )  # the bars, labelled

    def test_one_decision_one_message_on_the_cat(self):
        """LeNet on the cat: the marks offered are the readable ones, so no mark says "No digit found"."""
        app = run_page(PAGE, session_state={"cls_input": "Current image", "sample": "cat"})
        assert_clean(app)
        slider = app.slider(key="cls_which")
        assert slider.label.endswith("separate marks found: read which one")
        for which in (slider.max, slider.min + 1):
            slider.set_value(which).run()
            assert_clean(app)
            assert not app.error and "Prediction" in metrics(app)

    def test_a_flat_image_has_one_message(self):
        app = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
        own = {
            "cls_input": "Current image",
            "source": "Upload",
            "source_image": np.full((200, 300, 3), 128, np.uint8),
        }
        for key, value in own.items():  # an own image: flat gray
            app.session_state[key] = value
        app.run()
        assert not app.exception
        assert [error.value for error in app.error] == [
            "No digit found: the image is almost flat. Use a dark digit on light paper (or light on dark)."
        ]
        assert not [slider for slider in app.slider if slider.key == "cls_which"] and not app.metric


class TestOffline:
    def test_the_photo_classifier_says_what_it_needs(self, monkeypatch):
        import lib.nn.models as nn_models
        import lib.nn.models.registry as registry  # where available_models looks them up
        from ui.models import usable_models

        monkeypatch.setattr(registry, "network_reachable", lambda **_: False)
        monkeypatch.setattr(registry, "cached_weights_path", lambda name: ROOT / "no such weights" / name)
        monkeypatch.setattr(nn_models, "cached_weights_path", lambda name: ROOT / "no such weights" / name)
        usable_models.clear()
        try:
            app = run_page(PAGE)
        finally:
            usable_models.clear()
        notes = [info.value for info in app.info]
        assert any(
            "Photo classifier (ImageNet models)" in note and "Community Cloud" in note for note in notes
        )


def why_captions(app) -> list[str]:
    return [
        caption for caption in image_captions(app) if " for “" in caption or caption.startswith("Randomised")
    ]


class TestWhyThisClass:
    """The attribution section (ui.attribution, lib.nn.attribution): a map over the input and its sanity check."""

    def test_defaults_show_grad_cam_and_the_sanity_check(self):
        app = run_page(PAGE)
        assert any(caption.startswith("Grad-CAM for “3”") for caption in why_captions(app))
        assert any(caption.startswith("Randomised down to conv1: ρ = ") for caption in why_captions(app))
        assert any("Sanity check, Spearman's ρ" in caption.value for caption in app.caption)
        assert app.selectbox(key="cls_why_layer_lenet_digits").value == "conv2"  # the last conv layer
        assert any("LayerGradCam" in code.value for code in app.code)

    def test_each_method_another_class_and_a_layer(self):
        app = run_page(PAGE)
        before = image_urls(app)
        for method in ("Occlusion", "Gradients", "Integrated gradients"):
            app.segmented_control(key="cls_why_method").set_value(method).run()
            assert_clean(app)
            assert any(caption.startswith(f"{method} for “3”") for caption in why_captions(app))
        assert image_urls(app) != before
        app.selectbox(key="cls_why_class_lenet_digits").set_value("8").run()
        assert_clean(app)
        assert any(caption.startswith("Integrated gradients for “8”") for caption in why_captions(app))
        app.segmented_control(key="cls_why_method").set_value("Grad-CAM").run()
        app.selectbox(key="cls_why_layer_lenet_digits").set_value("conv1").run()
        assert_clean(app)
        assert any('layer="conv1"' in code.value for code in app.code)

    def test_occlusion_window_and_stride(self):
        app = run_page(PAGE, session_state={"cls_why_method": "Occlusion", "cls_model": "shapes_cnn"})
        assert any("16×16 pixels every 8: 49 forward passes" in c.value for c in app.caption)
        app.slider(key="cls_why_window").set_value(50).run()
        assert_clean(app)
        assert any("32×32 pixels every 8: 25 forward passes" in c.value for c in app.caption)

    def test_a_drawn_digit_is_explained(self, monkeypatch):
        monkeypatch.setattr(
            model_input,
            "canvas_drawing",
            lambda container, key, **_: drawn_digit(STROKES["4"], np.random.default_rng(0)),
        )
        app = run_page(PAGE, session_state={"cls_input": "Draw"})
        assert any(caption.startswith("Grad-CAM for “4”") for caption in why_captions(app))

    def test_a_cnn_trained_this_session_is_explained(self):
        from tests.helpers import TRAINED_NAME, trained_models

        app = run_page(
            PAGE, session_state={"trained_models": trained_models(), "cls_model": "session:" + TRAINED_NAME}
        )
        assert any(caption.startswith("Grad-CAM for “") for caption in why_captions(app))
        assert app.selectbox(key="cls_why_layer_trained").value.startswith("features.")
