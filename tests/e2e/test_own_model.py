"""Your own model back, in a real browser: the checkpoint Train a CNN downloads (lib.nn.models.checkpoint_bytes
of a small trained CNN), uploaded on the Classifier and Feature maps pages in a fresh session, is picked and used.

Every wait is on the page's state (RERUN_DONE, a message or a value appearing), never on a fixed delay.
"""

from __future__ import annotations

import functools
import io
import re

import numpy as np
import torch

from lib.cv.shapes import draw_shape
from lib.nn import cnn_training, models
from tests.e2e.browser import MAIN, app_errors, wait_for_run
from tests.helpers import small_trained_cnn

CLASSES = ("circle", "square", "triangle")
TITLE = "Uploaded: cnn_model.pth (this session)"
ACCEPTED = "Chosen as the model above"
WAIT = 90_000  # ms: a loaded 2-core machine


@functools.cache
def trained_entry() -> dict:
    """A CNN as Train a CNN leaves it: one epoch on 24 shapes of 32x32, light widths."""
    trainer = small_trained_cnn(CLASSES)
    return trainer.model_entry()


def upload_checkpoint(page, url: str, data: bytes, name: str = "cnn_model.pth") -> None:
    """Open the page, open "Use a model you trained earlier", upload the file, wait for the rerun it starts."""
    page.goto(url)
    wait_for_run(page)
    summary = page.locator("summary", has_text="Use a model you trained earlier")
    expander = page.locator(f"{MAIN} [data-testid='stExpander']").filter(has=summary)
    expander.locator("summary").click()
    file_input = expander.locator("input[type='file']")
    file_input.set_input_files(files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}])
    page.locator(f"{MAIN} [data-testid='stAlert']").first.wait_for(timeout=WAIT)  # accepted or refused
    wait_for_run(page)


def selectbox(label: str) -> str:
    """The text field of a selectbox in the main area: its value is the chosen option's title."""
    return f"{MAIN} [data-testid='stSelectbox'] input[aria-label='{label}']"


def metric_value(page, label: str) -> str:
    metric = page.locator(f"{MAIN} [data-testid='stMetric']", has_text=label).first
    return metric.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_the_classifier_uses_an_uploaded_checkpoint(server, page, screenshots):
    entry = trained_entry()
    upload_checkpoint(page, f"{server.url}/classifier", models.checkpoint_bytes(entry))
    main = page.locator(MAIN)
    main.get_by_text(ACCEPTED).wait_for(timeout=WAIT)
    assert page.locator(selectbox("Model")).input_value() == TITLE  # the picker shows the model's name
    # the page's example for its first class (ui.model_input.shape_example, seed 7), classified by lib
    example = draw_shape(CLASSES[0], np.random.default_rng(7), size=128)
    expected = cnn_training.classify_with_entry(entry, example, k=1)[0][0]
    assert metric_value(page, "Prediction") == expected
    # Why this class? explains the prediction with the uploaded model, and its sanity check runs
    main.get_by_text(f"Grad-CAM for “{expected}”").first.wait_for(timeout=WAIT)
    assert main.get_by_text(re.compile(r"Randomised down to .*: ρ = ")).count() == 1
    assert app_errors(page) == []
    page.screenshot(path=str(screenshots / "own_model_classifier.png"), full_page=True)


def test_feature_maps_show_the_uploaded_cnn_layers(server, page):
    entry = trained_entry()
    upload_checkpoint(page, f"{server.url}/feature_maps", models.checkpoint_bytes(entry))
    main = page.locator(MAIN)
    main.get_by_text(ACCEPTED).wait_for(timeout=WAIT)
    config = models.trained_model_config(entry)
    layers = 4 * len(config.channels) + 1 + 3 * len(config.hidden) + 1
    main.get_by_text(re.compile(rf"All {layers} layers")).wait_for(timeout=WAIT)
    assert page.locator(selectbox("Model")).input_value() == TITLE
    assert page.locator(selectbox("Layer")).input_value().startswith("features.0.0 — Conv2d")
    assert app_errors(page) == []


def test_a_bare_state_dict_is_refused_with_a_message(server, page):
    buffer = io.BytesIO()
    torch.save(trained_entry()["state_dict"], buffer)
    upload_checkpoint(page, f"{server.url}/classifier", buffer.getvalue(), name="old_model.pth")
    alert = page.locator(f"{MAIN} [data-testid='stAlert']", has_text="bare state dict")
    alert.wait_for(timeout=WAIT)
    assert "download the checkpoint from Train a CNN" in alert.inner_text()
    assert metric_value(page, "Prediction") == "3"  # the page goes on with its default model
    assert app_errors(page) == []
