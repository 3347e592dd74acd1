"""The page's numbers against scikit-learn and torch computed here, on held-out sets the test makes itself."""

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix, log_loss, precision_recall_fscore_support, top_k_accuracy_score

from lib.cv.shapes import make_shapes
from lib.nn import models
from tests.pages.harness import assert_clean, run_page
from ui.layout import CODE_PANELS

PAGE = "app_pages/image_classification.py"


def reference(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(logits, labels) on the held-out set, made here from the manifest's test_split by the data's own API."""
    entry = models.read_manifest()[name]
    split = entry["test_split"]
    if name == "lenet_digits":
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        digits = load_digits()
        _, test_x, _, labels = train_test_split(
            digits.images / 16.0,
            digits.target,
            test_size=split["test_fraction"],
            random_state=split["seed"],
            stratify=digits.target,
        )
        images = models.upscale_digits(test_x)[:, None]  # (N, 1, 32, 32)
    else:
        pictures, labels = make_shapes(split["per_class"], size=64, seed=split["seed"])
        images = pictures.transpose(0, 3, 1, 2) / 255.0
    mean = np.asarray(entry["mean"]).reshape(1, -1, 1, 1)
    std = np.asarray(entry["std"]).reshape(1, -1, 1, 1)
    model = models.load_model(name, device=torch.device("cpu"))
    with torch.no_grad():
        logits = torch.cat(
            [
                model(torch.from_numpy(((images[i : i + 200] - mean) / std).astype(np.float32)))
                for i in range(0, len(images), 200)
            ]
        )
    return logits.double().numpy(), np.asarray(labels)


def metric(app, label: str):
    return next(m for m in app.metric if m.label == label)


@pytest.mark.parametrize(("name", "k"), [("lenet_digits", 5), ("shapes_cnn", 3)])
def test_the_page_numbers_are_sklearn_and_torch(name, k):
    app = run_page(PAGE, timeout=180, session_state={"ic_model": name, "ic_k": k})
    logits, labels = reference(name)
    predicted = logits.argmax(axis=1)
    classes = list(range(logits.shape[1]))
    accuracy = float(np.mean(predicted == labels))
    assert metric(app, "Accuracy").value == f"{accuracy:.2%}"
    assert metric(app, "Accuracy").delta == f"of {len(labels)} images"
    assert metric(app, "Top-1").value == f"{accuracy:.2%}"
    top_k = top_k_accuracy_score(labels, logits, k=k, labels=classes)
    assert metric(app, f"Top-{k}").value == f"{top_k:.2%}"
    cross_entropy = float(
        torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.from_numpy(labels))
    )
    probabilities = torch.softmax(torch.from_numpy(logits), dim=1).numpy()
    assert log_loss(labels, probabilities, labels=classes) == pytest.approx(cross_entropy, rel=1e-6)
    shown_loss = float(metric(app, "Cross-entropy").value)  # 4 decimals; the page may run on CUDA
    assert abs(shown_loss - cross_entropy) <= 5e-5 + 1e-4 * cross_entropy
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=classes, zero_division=0
    )
    table = app.dataframe[1].value  # per class
    np.testing.assert_allclose(table["precision"], precision, atol=1e-6)
    np.testing.assert_allclose(table["recall"], recall, atol=1e-6)
    np.testing.assert_allclose(table["F1"], f1, atol=1e-6)
    assert table["support"].tolist() == support.tolist()
    shown = app.session_state[CODE_PANELS]["metrics.py"].expected["result.json"]
    assert shown["confusion"] == confusion_matrix(labels, predicted, labels=classes).tolist()


def test_top_k_of_every_class_is_called_trivial():
    app = run_page(PAGE, timeout=180, session_state={"ic_model": "shapes_cnn"})
    assert metric(app, "Top-5").value == "100.00%"
    assert any("always 100 %" in caption.value for caption in app.caption)
    app.slider(key="ic_k").set_value(2).run()
    assert_clean(app)
    assert not any("always 100 %" in caption.value for caption in app.caption)
