import json
import re

import numpy as np
import pytest

import ui.model_input as model_input
from tests.helpers import SMALL_CNN_CLASSES as CLASSES
from tests.helpers import STROKES, bound_widgets, drawn_digit, open_page, small_trained_cnn
from tests.helpers import TRAINED_CHOICE as CHOICE
from tests.helpers import TRAINED_NAME as NAME
from tests.pages.harness import assert_clean, image_captions, image_urls, pictures, run_page

PAGE = "app_pages/feature_maps.py"


def captions(app) -> list[str]:
    return [caption.value for caption in app.caption]


class TestFeatureMapsPage:
    def test_defaults_show_lenet_on_a_digit(self):
        app = run_page(PAGE)
        assert any("All 12 layers" in text and "one forward pass" in text for text in captions(app))
        assert len(app.get("plotly_chart")) == 2  # the kernel and the softmax bars
        assert app.selectbox(key="fm_layer_lenet_digits").value == "conv1"
        assert any("create_feature_extractor" in code.value for code in app.code)

    def test_move_layer_count_and_model(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.selectbox(key="fm_layer_lenet_digits").set_value("relu_1").run()
        assert_clean(app)
        after_layer = image_urls(app)
        assert after_layer != before
        app.slider(key="fm_count").set_value(4).run()
        assert_clean(app)
        assert image_urls(app) != after_layer
        app.selectbox(key="fm_model").set_value("shapes_cnn").run()
        assert_clean(app)
        assert any("All 24 layers" in text for text in captions(app))

    def test_random_twin_sees_something_else(self):
        app = run_page(PAGE, session_state={"fm_model": "shapes_cnn"})
        trained = image_urls(app)
        app.toggle(key="fm_random").set_value(True).run()
        assert_clean(app)
        assert image_urls(app) != trained

    def test_torchvision_offline_falls_back_to_random_weights(self, monkeypatch, tmp_path):
        import lib.nn.models.registry as registry  # where available_models looks them up
        from ui.models import usable_models

        monkeypatch.setattr(registry, "hub_checkpoints_dir", lambda: tmp_path)
        monkeypatch.setattr(registry, "network_reachable", lambda **_: False)
        usable_models.clear()
        try:
            app = run_page(PAGE, session_state={"fm_model": "alexnet"})
        finally:
            usable_models.clear()
        assert any("offline" in text and "random weights" in text for text in captions(app))
        assert app.toggle(key="fm_random").disabled
        assert any("All " in text and "layers" in text for text in captions(app))


class TestDrawInput:
    """AppTest cannot draw: the canvas's RGBA is handed in through ui.model_input.canvas_drawing."""

    def test_blank_canvas_falls_back_to_the_example(self, monkeypatch):
        monkeypatch.setattr(model_input, "canvas_drawing", lambda container, key, **_: None)
        app = run_page(PAGE, session_state={"fm_input": "Draw"})
        assert any("All 12 layers of digit 3" in text for text in captions(app))
        assert any(text.startswith("Draw one digit") for text in captions(app))

    def test_a_drawn_digit_is_what_every_layer_sees(self, monkeypatch):
        example = image_urls(run_page(PAGE))
        monkeypatch.setattr(
            model_input,
            "canvas_drawing",
            lambda container, key, **_: drawn_digit(STROKES["2"], np.random.default_rng(1)),
        )
        app = run_page(PAGE, session_state={"fm_input": "Draw"})
        assert any("All 12 layers of your drawing" in text for text in captions(app))
        assert "The model is given: LeNet input 32×32" in image_captions(app)
        assert image_urls(app) != example
        bars = app.get("plotly_chart")[-1].proto.spec
        top = json.loads(bars)["data"][0]["y"][-1]  # best on top
        assert top == "2"


@pytest.mark.slow
def test_every_layer_of_every_model_opens():
    """Each model in the list, each layer in its list (1x1 maps of global pooling included), from a link.

    torchvision models run with random weights here (ImageNet weights are offline); the layer list and the
    map shapes are the architecture's.
    """
    page = "app_pages/feature_maps.py"
    models = bound_widgets(open_page(page, {}))["fm_model"].options
    assert len(models) >= 6
    failures, opened = [], 0
    for model in models:
        widgets = bound_widgets(open_page(page, {"fm_model": model}))
        (layer_key,) = [key for key in widgets if key.startswith("fm_layer_")]
        for layer in widgets[layer_key].options:
            app = open_page(page, {"fm_model": model, layer_key: layer})
            opened += 1
            if app.exception or app.error:
                failures.append(f"{model} / {layer}: {[e.value for e in [*app.exception, *app.error]][:1]}")
    assert not failures, "\n".join(failures)
    assert opened > 60


def test_names_the_course_tools_it_replaces():
    app = run_page(PAGE)
    captions = " ".join(caption.value for caption in app.caption)
    assert "Adam Harley" in captions and "CNN Explainer" in captions  # III.A, III.B


class TestWhyThisClass:
    def test_the_section_explains_the_model_shown(self):
        app = run_page(PAGE, session_state={"fm_model": "shapes_cnn", "fm_why_method": "Gradients"})
        assert any(caption.startswith("Gradients for “star”") for caption in image_captions(app))
        assert any("Sanity check, Spearman's ρ" in text for text in captions(app))
        app.selectbox(key="fm_why_random_shapes_cnn").set_value("classifier.6").run()  # the top layer only
        assert_clean(app)
        assert any(caption.startswith("Randomised down to classifier.6") for caption in image_captions(app))

    def test_the_random_twin_has_no_sanity_check(self):
        app = run_page(PAGE, session_state={"fm_random": True})
        assert any(caption.startswith("Grad-CAM for “") for caption in image_captions(app))
        assert any("untrained twin's maps" in text for text in captions(app))

    def test_torchvision_offline_says_what_it_needs(self, monkeypatch, tmp_path):
        import lib.nn.models.registry as registry
        from ui.models import usable_models

        monkeypatch.setattr(registry, "hub_checkpoints_dir", lambda: tmp_path)
        monkeypatch.setattr(registry, "network_reachable", lambda **_: False)
        usable_models.clear()
        try:
            app = run_page(PAGE, session_state={"fm_model": "resnet18"})
        finally:
            usable_models.clear()
        assert any("Why this class? needs the trained model" in info.value for info in app.info)


OVERVIEW_NOTE = " layers drawn"


@pytest.fixture(scope="module")
def trained_entry() -> dict:
    """A CNN trained this session (tests.helpers.small_trained_cnn)."""
    trainer = small_trained_cnn(CLASSES)
    return trainer.model_entry()


def overview_picture(app) -> tuple[str, str]:
    """(caption, src) of the overview: the clickable image captioned "n of m layers drawn…"."""
    (found,) = [(caption, url) for caption, url in pictures(app) if OVERVIEW_NOTE in caption]
    return found


def drawn_layouts(monkeypatch) -> list:
    """The overview layouts the page draws, recorded as it runs (AppTest runs the page in this process)."""
    import ui.sections.feature_maps as sections

    recorded, real = [], sections.overview_picture

    def recording(*args, **kwargs):
        recorded.append(real(*args, **kwargs)[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(sections, "overview_picture", recording)
    return recorded


class TestWholeNetwork:
    def test_lenet_draws_every_layer_and_frames_the_open_map(self):
        app = run_page(PAGE)
        caption, _ = overview_picture(app)
        assert caption.startswith("12 of 12 layers drawn") and "left out" not in caption
        assert app.slider(key="fm_overview_maps").value == 3
        before = overview_picture(app)[1]
        app.slider(key="fm_overview_maps").set_value(5).run()
        assert_clean(app)
        assert overview_picture(app)[1] != before  # five maps a layer
        app.selectbox(key="fm_layer_lenet_digits").set_value("pool").run()
        assert_clean(app)
        assert overview_picture(app)[1] != before  # the orange frame moved with the open map

    def test_shapes_cnn_leaves_out_batchnorm_and_dropout_only(self):
        app = run_page(PAGE, session_state={"fm_model": "shapes_cnn"})
        caption, _ = overview_picture(app)
        assert caption.startswith("18 of 24 layers drawn") and "BatchNorm" in caption and "Dropout" in caption

    def test_a_cnn_trained_this_session(self, trained_entry):
        app = run_page(PAGE, session_state={"trained_models": {NAME: trained_entry}, "fm_model": CHOICE})
        caption, _ = overview_picture(app)
        assert caption.startswith("18 of 24 layers drawn")  # the shapes CNN's architecture, light widths
        assert any("How one value was computed" in header.value for header in app.subheader)

    def test_a_click_opens_that_map_and_unit_below(self, monkeypatch):
        """The click callback's state (map_state) for a point on the layout the page drew, then the page with it."""
        from ui.sections.feature_maps import map_state

        layouts = drawn_layouts(monkeypatch)
        run_page(PAGE)
        layout = layouts[-1]
        (column,) = [column for column in layout.columns if column.layer == "relu_1"]
        thumb = column.thumbnails[2]  # the third most active map of relu_1
        point = (thumb.x + thumb.side - 3, thumb.y + 2)  # near its top-right corner: row 0, last column
        state = map_state(layout, point, "fm_layer_lenet_digits", count=2)
        assert state == {
            "fm_layer_lenet_digits": "relu_1",
            "fm_channel_relu_1": thumb.channel,
            "fm_row_relu_1": 0,
            "fm_col_relu_1": 9,
            "fm_count": 3,  # "Maps shown" was 2: the clicked third map must be listed
        }
        assert map_state(layout, (thumb.x - 6, thumb.y), "fm_layer_lenet_digits", count=16) == {}
        app = run_page(PAGE, session_state={"fm_count": 2, **state})
        assert app.selectbox(key="fm_layer_lenet_digits").value == "relu_1"
        assert app.selectbox(key="fm_channel_relu_1").value == thumb.channel
        assert (app.slider(key="fm_row_relu_1").value, app.slider(key="fm_col_relu_1").value) == (0, 9)
        assert f"Map {thumb.channel} of relu_1 · click a unit" in image_captions(app)
        assert "Unit (0, 9) sees" in " ".join(image_captions(app))

    def test_one_value_by_hand_equals_the_forward_pass(self):
        for state in ({}, {"fm_model": "shapes_cnn", "fm_layer_shapes_cnn": "features.1.2"}):
            app = run_page(PAGE, session_state=state)
            text = " ".join(markdown.value for markdown in app.markdown)
            sums = re.findall(
                r"= \*\*(-?[\d.e+-]+)\*\* \(pre-activation\)\. The forward pass holds \*\*(-?[\d.e+-]+)\*\*",
                text,
            )
            assert len(sums) == 1, text[:500]
            ours, forward = (float(value) for value in sums[0])
            assert abs(ours - forward) <= 1e-4 * max(1.0, abs(forward))
            steps = re.findall(r"\) = (-?[\d.e+-]+)\. The forward pass holds \*\*(-?[\d.e+-]+)\*\*", text)
            assert steps and all(abs(float(a) - float(b)) <= 1e-3 * max(1.0, abs(float(b))) for a, b in steps)

    def test_a_pooling_layer_says_what_to_pick(self):
        app = run_page(PAGE, session_state={"fm_layer_lenet_digits": "pool"})
        assert any("not made by a convolution value by value" in text for text in captions(app))
