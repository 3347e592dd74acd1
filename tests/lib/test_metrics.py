"""lib.nn.metrics against scikit-learn and torch computed here, and against numbers worked out by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sklearn.metrics import classification_report, log_loss, top_k_accuracy_score

from lib.nn import metrics, models

CLASSES = ("a", "b", "c", "d")


@pytest.fixture
def outputs():
    generator = np.random.default_rng(0)
    labels = generator.integers(0, 4, 200)
    logits = generator.normal(size=(200, 4)).astype(np.float32)
    logits[np.arange(200), labels] += 1.5  # better than chance, not perfect
    return logits, labels


class TestClassificationMetrics:
    def test_log_loss_is_torch_cross_entropy(self, outputs):
        logits, labels = outputs
        result = metrics.classification_metrics(logits, labels, classes=CLASSES)
        torch_value = torch.nn.functional.cross_entropy(
            torch.from_numpy(logits).double(), torch.from_numpy(labels)
        )
        probabilities = torch.softmax(torch.from_numpy(logits).double(), dim=1).numpy()
        sklearn_value = log_loss(labels, probabilities, labels=[0, 1, 2, 3])
        assert sklearn_value == pytest.approx(float(torch_value), rel=1e-9)
        assert result["cross_entropy"] == pytest.approx(float(torch_value), rel=1e-9)
        assert result["log_loss"] == pytest.approx(sklearn_value, rel=1e-12)

    def test_agrees_with_sklearn_report_and_top_k(self, outputs):
        logits, labels = outputs
        predicted = logits.argmax(axis=1)
        report = classification_report(labels, predicted, output_dict=True, zero_division=0)
        for k in (1, 2, 3):
            result = metrics.classification_metrics(logits, labels, classes=CLASSES, k=k)
            assert result["topk"] == pytest.approx(top_k_accuracy_score(labels, logits, k=k, labels=range(4)))
        assert (
            result["accuracy"] == pytest.approx(np.mean(predicted == labels)) == pytest.approx(result["top1"])
        )
        for index in range(4):
            row = report[str(index)]
            assert result["precision"][index] == pytest.approx(row["precision"])
            assert result["recall"][index] == pytest.approx(row["recall"])
            assert result["f1"][index] == pytest.approx(row["f1-score"])
            assert result["support"][index] == row["support"]
        assert result["macro_f1"] == pytest.approx(report["macro avg"]["f1-score"])
        matrix = np.zeros((4, 4), int)
        np.add.at(matrix, (labels, predicted), 1)
        assert result["confusion"] == matrix.tolist()

    def test_top_k_with_every_class_is_always_one(self, outputs):
        logits, labels = outputs
        result = metrics.classification_metrics(-logits, labels, classes=CLASSES, k=10)  # a bad model
        assert result["k"] == 4 and result["topk"] == 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn warns that k >= classes gives a perfect score
            assert top_k_accuracy_score(labels, -logits, k=4, labels=range(4)) == 1.0

    def test_hand_worked(self):
        # Three images of classes 0, 1, 1; the model says 0, 0, 1.
        logits = np.log(np.array([[0.8, 0.2], [0.6, 0.4], [0.3, 0.7]]))
        result = metrics.classification_metrics(logits, np.array([0, 1, 1]), classes=("x", "y"), k=1)
        assert result["accuracy"] == pytest.approx(2 / 3)
        assert result["precision"] == pytest.approx([1 / 2, 1.0])  # of the two called x, one is x
        assert result["recall"] == pytest.approx([1.0, 1 / 2])  # of the two y, one was found
        assert result["cross_entropy"] == pytest.approx(-(np.log(0.8) + np.log(0.4) + np.log(0.7)) / 3)
        assert result["confusion"] == [[1, 0], [1, 1]]


class TestHeldOutSets:
    @pytest.mark.parametrize("name", models.OUR_MODELS)
    def test_reproduces_the_manifest_test_accuracy(self, name):
        entry = models.read_manifest()[name]
        images, labels = metrics.held_out_set(name, entry["test_split"])
        assert len(labels) == entry["test_samples"]
        model = models.load_model(name, device=torch.device("cpu"))
        logits = metrics.logits_of(model, metrics.normalised_inputs(images, entry["mean"], entry["std"]))
        accuracy = float(np.mean(logits.argmax(axis=1) == labels))
        assert accuracy == pytest.approx(
            entry["test_accuracy"], abs=1e-4
        )  # what the training script measured

    def test_inputs_are_what_predict_gives_one_image(self):
        entry = models.read_manifest()["shapes_cnn"]
        images, _ = metrics.held_out_set("shapes_cnn", entry["test_split"])
        batch = metrics.normalised_inputs(images[:3], entry["mean"], entry["std"])
        for index in range(3):
            single = models.preprocess("shapes_cnn", images[index]).tensor[0]
            torch.testing.assert_close(batch[index], single)

    def test_unknown_split_is_refused(self):
        with pytest.raises(ValueError, match="no held-out set"):
            metrics.held_out_set("mystery", {"data": "somewhere"})
