"""A CNN trained on the Train a CNN page is selectable on the Classifier and Feature maps pages, in its
session only: the lib functions that take a trained model's entry, both pages with it selected, the
fallback when it is missing, and isolation between sessions."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from lib.nn import cnn_training, features, models
from tests.helpers import SMALL_CNN_CLASSES, TRAINED_CHOICE, TRAINED_NAME, run_snippet, small_trained_cnn
from tests.helpers import shape_example as example
from tests.pages.harness import ROOT, assert_clean, image_captions, metrics, run_page
from tests.tolerances import ACTIVATION_ATOL, PROB_ATOL

CLASSIFIER = "app_pages/classifier.py"
FEATURE_MAPS = "app_pages/feature_maps.py"
CLASSES = SMALL_CNN_CLASSES
NAME = TRAINED_NAME  # the name the Train a CNN page gives it
CHOICE = TRAINED_CHOICE
TITLE = "Your CNN: shapes, 3 classes (trained this session)"


@pytest.fixture(scope="module")
def entry() -> dict:
    """A real entry: the page's trainer, one epoch on 24 shapes of 32x32, light widths."""
    trainer = small_trained_cnn(CLASSES)
    return trainer.model_entry()


def with_model(entry: dict, key: str) -> dict:
    return {"trained_models": {NAME: entry}, key: CHOICE}


class TestTrainedModelInLib:
    def test_info_from_the_entry(self, entry):
        info = models.trained_model_info(NAME, entry)
        assert info.source == models.TRAINED_SOURCE
        assert info.classes == CLASSES and info.input_size == (3, 32, 32)
        assert info.mean == tuple(entry["mean"]) and info.std == tuple(entry["std"])

    def test_bad_entries_raise_model_errors(self, entry):
        with pytest.raises(models.ModelError, match="architecture"):
            models.trained_model_info(NAME, {**entry, "architecture": "ResNet"})
        with pytest.raises(models.ModelError, match="inconsistent"):
            models.trained_model_info(NAME, {**entry, "class_names": ["a", "b"]})
        with pytest.raises(models.ModelError, match="lacks"):
            models.trained_model_info(NAME, {key: value for key, value in entry.items() if key != "mean"})

    def test_predict_matches_classify_with_entry(self, entry):
        """lib.nn.cnn_training's own classifier is the reference (both resize 128 -> 32 with INTER_AREA)."""
        image = example("square")
        info = models.trained_model_info(NAME, entry)
        model = cnn_training.model_from_entry(entry, device=torch.device("cpu"))
        result, prepared = models.predict(NAME, image, k=5, model=model, info=info)
        expected = cnn_training.classify_with_entry(entry, image, k=5)
        assert [label for label, _ in result.top] == [label for label, _ in expected]  # k clamped to 3
        np.testing.assert_allclose([p for _, p in result.top], [p for _, p in expected], atol=PROB_ATOL)
        assert prepared.tensor.shape == (1, 3, 32, 32)
        with pytest.raises(models.ModelError, match="pass its model"):
            models.predict(NAME, image, info=info)

    def test_digest_follows_the_weights(self, entry):
        state = entry["state_dict"]
        copy = {key: value.clone() for key, value in state.items()}
        assert models.state_dict_digest(copy) == models.state_dict_digest(state)
        copy["features.0.0.weight"][0, 0, 0, 0] += 1e-3
        assert models.state_dict_digest(copy) != models.state_dict_digest(state)

    def test_random_twin_of_its_architecture(self, entry):
        config = models.trained_model_config(entry)
        before = torch.random.get_rng_state()
        twin, again = features.random_twin(NAME, config=config), features.random_twin(NAME, config=config)
        assert torch.equal(torch.random.get_rng_state(), before)  # global random state untouched
        assert twin.state_dict().keys() == entry["state_dict"].keys()
        assert all(torch.equal(a, b) for a, b in zip(twin.parameters(), again.parameters(), strict=True))
        assert not torch.equal(twin.features[0][0].weight, entry["state_dict"]["features.0.0.weight"])

    def test_snippets_reproduce_the_results(self, entry, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)  # the snippets read the downloaded cnn_model.pth
        (tmp_path / models.TRAINED_WEIGHTS_FILE).write_bytes(models.checkpoint_bytes(entry))  # as downloaded
        info, config = models.trained_model_info(NAME, entry), models.trained_model_config(entry)
        image = example("triangle")
        code = models.classify_snippet(NAME, k=2, info=info, config=config)
        namespace = run_snippet(code, image, print=lambda *args: None)
        expected = cnn_training.classify_with_entry(entry, image, k=2)
        assert [label for label, _ in namespace["result"]] == [label for label, _ in expected]
        np.testing.assert_allclose(
            [p for _, p in namespace["result"]], [p for _, p in expected], atol=PROB_ATOL
        )

        code = features.feature_maps_snippet(NAME, "features.1.0", info=info, config=config)
        namespace = run_snippet(code, image, print=lambda *args: None)
        model = cnn_training.model_from_entry(entry, device=torch.device("cpu"))
        prepared = models.preprocess(NAME, image, info=info)
        layers = features.extract_activations(features.layer_extractor(model), prepared.tensor)
        maps = {layer.name: layer.values for layer in layers}["features.1.0"]
        np.testing.assert_allclose(namespace["result"], maps, atol=ACTIVATION_ATOL)


class TestClassifierWithTrainedModel:
    def test_predicts_one_of_its_classes(self, entry):
        app = run_page(CLASSIFIER, session_state=with_model(entry, "cls_model"))
        assert TITLE in app.selectbox(key="cls_model").options
        assert app.selectbox(key="cls_model").value == CHOICE
        assert app.selectbox(key="cls_shape").options == list(CLASSES)  # examples of its own classes
        expected = cnn_training.classify_with_entry(entry, example(CLASSES[0]), k=1)[0][0]
        assert metrics(app)["Prediction"] == expected and expected in CLASSES
        assert metrics(app)["Forward pass"].endswith("ms")
        assert "Input with its label" in image_captions(app) and "Resized to 32×32" in image_captions(app)
        captions = [caption.value for caption in app.caption]
        assert any(f"mean ({entry['mean'][0]:.3f}" in text for text in captions)  # its own normalisation
        assert any("clamped to 3" in text for text in captions)  # k = 5 > 3 classes
        assert any(models.TRAINED_WEIGHTS_FILE in code.value for code in app.code)

    def test_missing_model_falls_back_with_a_note(self):
        app = run_page(CLASSIFIER, session_state={"cls_model": CHOICE})
        assert any("not in this session" in info.value for info in app.info)
        assert metrics(app)["Prediction"] == "3"  # the default: LeNet on the digit 3

    def test_a_broken_entry_is_not_offered(self):
        broken = {"trained_models": {NAME: {"architecture": "ShapesCNN"}}, "cls_model": CHOICE}
        app = run_page(CLASSIFIER, session_state=broken)
        assert TITLE not in app.selectbox(key="cls_model").options
        assert metrics(app)["Prediction"] == "3"

    def test_missing_model_in_the_url_falls_back(self):
        app = AppTest.from_file(str(ROOT / CLASSIFIER), default_timeout=60)
        app.query_params["cls_model"] = TITLE
        app.run()
        assert_clean(app)
        assert any("not in this session" in info.value for info in app.info)
        assert app.selectbox(key="cls_model").value == "lenet_digits"


class TestFeatureMapsWithTrainedModel:
    def test_every_layer_of_its_architecture(self, entry):
        app = run_page(FEATURE_MAPS, session_state=with_model(entry, "fm_model"))
        config = models.trained_model_config(entry)
        # by hand: 4 per block (conv, BN, ReLU, pool), flatten, 3 per hidden layer (linear, ReLU, dropout), output
        layers = 4 * len(config.channels) + 1 + 3 * len(config.hidden) + 1
        assert any(f"All {layers} layers" in caption.value for caption in app.caption)
        assert len(app.selectbox(key="fm_layer_trained").options) == 4 * len(config.channels)  # spatial ones
        assert any(f"{config.channels[0]} learned 3×3 filters" in text for text in image_captions(app))
        assert len(app.get("plotly_chart")) == 2  # the kernel and the softmax bars
        assert any(models.TRAINED_WEIGHTS_FILE in code.value for code in app.code)
        trained = [image.proto.imgs[0].url for image in app.get("image")]
        app.toggle(key="fm_random").set_value(True).run()
        assert_clean(app)
        assert [image.proto.imgs[0].url for image in app.get("image")] != trained  # its untrained twin


class TestIsolation:
    def test_another_session_does_not_see_it(self, entry):
        run_page(CLASSIFIER, session_state=with_model(entry, "cls_model"))  # this process has used it
        for page, key in ((CLASSIFIER, "cls_model"), (FEATURE_MAPS, "fm_model")):
            other = run_page(page)
            assert not [
                option for option in other.selectbox(key=key).options if "trained this session" in option
            ]
