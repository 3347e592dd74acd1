"""A checkpoint downloaded from Train a CNN, uploaded in a later session (ui.models.upload_trained_model) on the
Classifier and Feature maps pages: it joins the session's trained models, is picked, and the pages (and their
Why this class? section) run on it as on a CNN trained in this session; a refused file gets a message."""

from __future__ import annotations

import io
import os

import pytest
import torch
from streamlit.testing.v1 import AppTest

from lib.nn import cnn_training, models
from tests.helpers import SMALL_CNN_CLASSES as CLASSES
from tests.helpers import shape_example as example
from tests.pages.harness import ROOT, assert_clean, image_captions, metrics, run_page
from ui import models as ui_models
from ui.attribution import PREDICTED

CLASSIFIER = "app_pages/classifier.py"
FEATURE_MAPS = "app_pages/feature_maps.py"
NAME = "Uploaded: cnn_model.pth"
CHOICE = "session:" + NAME
TITLE = "Uploaded: cnn_model.pth (this session)"


@pytest.fixture(scope="module")
def entry() -> dict:
    from tests.helpers import TRAINED_NAME, trained_models

    return trained_models()[TRAINED_NAME]  # one epoch on 24 shapes of 32x32, as Train a CNN leaves it


@pytest.fixture(scope="module")
def data(entry) -> bytes:
    return models.checkpoint_bytes(entry)  # what Train a CNN downloads


def upload(app: AppTest, key: str, name: str, content: bytes) -> AppTest:
    app.file_uploader(key=f"{key}_upload").set_value((name, content, "application/octet-stream")).run()
    return app


class MarkerPayload:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.makedirs, (self.path,))


class TestUploadNames:
    @pytest.mark.parametrize(
        ("file_name", "expected"),
        [
            ("cnn_model.pth", "Uploaded: cnn_model.pth"),
            ("../../etc/passwd.pt", "Uploaded: passwd.pt"),
            ("C:\\Users\\me\\my cnn.pt", "Uploaded: my cnn.pt"),
            ("**bold** <b>x.pt", "Uploaded: __bold__ _b_x.pt"),
            ("...", "Uploaded: model.pth"),
            ("a" * 300 + ".pt", "Uploaded: " + "a" * 60),
        ],
    )
    def test_names_are_plain(self, file_name, expected):
        assert ui_models.uploaded_name(file_name) == expected


class TestClassifierUpload:
    def test_an_uploaded_checkpoint_is_picked_and_classifies(self, entry, data):
        app = run_page(CLASSIFIER)
        assert metrics(app)["Prediction"] == "3"  # the default: LeNet on the digit 3
        upload(app, "cls_model", "cnn_model.pth", data)
        assert_clean(app)
        picker = app.selectbox(key="cls_model")
        assert picker.value == CHOICE and TITLE in picker.options
        accepted = [message.value for message in app.success if "Chosen as the model above" in message.value]
        assert len(accepted) == 1 and "cnn\\_model.pth" in accepted[0]  # the name, Markdown escaped
        assert "3 classes (circle, square, triangle), 32×32 px" in accepted[0]
        uploaded = app.session_state["trained_models"][NAME]
        assert all(torch.equal(uploaded["state_dict"][k], v) for k, v in entry["state_dict"].items())
        assert app.selectbox(key="cls_shape").options == list(CLASSES)  # examples of its own classes
        expected = cnn_training.classify_with_entry(entry, example(CLASSES[0]), k=1)[0][0]
        assert metrics(app)["Prediction"] == expected
        assert any(models.TRAINED_WEIGHTS_FILE in code.value for code in app.code)  # its Code panel loads it
        # Why this class? runs on it: its classes to explain, its conv layers, a Grad-CAM map and the sanity check
        assert app.selectbox(key="cls_why_class_trained").options == [PREDICTED, *CLASSES]
        convs = [f"features.{block}.0" for block in range(4)]
        assert app.selectbox(key="cls_why_layer_trained").options == convs
        captions = image_captions(app)
        assert any(caption.startswith(f"Grad-CAM for “{expected}”") for caption in captions)
        assert any(caption.startswith("Randomised down to") for caption in captions)

    def test_a_refused_file_says_why_and_the_page_goes_on(self, data, tmp_path):
        marker = tmp_path / "pickle_ran"
        buffer = io.BytesIO()
        torch.save({"format": models.CHECKPOINT_FORMAT, "state_dict": MarkerPayload(str(marker))}, buffer)
        app = run_page(CLASSIFIER)
        upload(app, "cls_model", "evil.pt", buffer.getvalue())
        assert not app.exception
        assert [error.value for error in app.error] == [
            "“evil.pt” was not used. This file holds pickled code, not just tensors: refused unopened. "
            "A checkpoint from Train a CNN holds only tensors, numbers and names."
        ]
        assert not marker.exists()
        assert app.selectbox(key="cls_model").value == "lenet_digits" and metrics(app)["Prediction"] == "3"
        app.slider(key="cls_k").set_value(3).run()  # the page still answers
        assert len(app.error) == 1 and not app.exception
        upload(app, "cls_model", "cnn_model.pth", data)  # a good file replaces the message
        assert_clean(app)
        assert app.selectbox(key="cls_model").value == CHOICE

    def test_bare_state_dict_is_refused(self, entry):
        buffer = io.BytesIO()
        torch.save(entry["state_dict"], buffer)
        app = upload(run_page(CLASSIFIER), "cls_model", "old.pth", buffer.getvalue())
        assert any("bare state dict" in error.value for error in app.error)
        assert "trained_models" not in app.session_state or NAME not in app.session_state["trained_models"]

    def test_at_most_three_uploads_are_kept(self, entry, data):
        state = {"trained_models": {"Your CNN (shapes, 3 classes)": entry}}
        app = run_page(CLASSIFIER, session_state=state)
        for index in range(4):
            upload(app, "cls_model", f"model{index}.pt", data)
        kept = list(app.session_state["trained_models"])
        assert kept == ["Your CNN (shapes, 3 classes)", *(f"Uploaded: model{i}.pt" for i in (1, 2, 3))]
        assert app.selectbox(key="cls_model").value == "session:Uploaded: model3.pt"

    def test_an_uploaded_model_from_another_session_falls_back(self):
        app = AppTest.from_file(str(ROOT / CLASSIFIER), default_timeout=60)
        app.query_params["cls_model"] = TITLE
        app.run()
        assert_clean(app)
        assert any("upload it again" in info.value for info in app.info)
        assert app.selectbox(key="cls_model").value == "lenet_digits"


class TestFeatureMapsUpload:
    def test_every_layer_of_the_uploaded_cnn(self, entry, data):
        app = upload(run_page(FEATURE_MAPS), "fm_model", "cnn_model.pth", data)
        assert_clean(app)
        assert app.selectbox(key="fm_model").value == CHOICE
        config = models.trained_model_config(entry)
        layers = 4 * len(config.channels) + 1 + 3 * len(config.hidden) + 1
        assert any(f"All {layers} layers" in caption.value for caption in app.caption)
        assert len(app.selectbox(key="fm_layer_trained").options) == 4 * len(config.channels)
        assert any(models.TRAINED_WEIGHTS_FILE in code.value for code in app.code)
