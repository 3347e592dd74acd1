import cv2
import numpy as np
from streamlit.testing.v1 import AppTest

import ui.model_input as model_input
from tests.helpers import STROKES, drawn_digit
from tests.pages.harness import ROOT, assert_clean, image_captions, run_page

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
