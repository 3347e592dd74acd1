import dataclasses

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

from lib.nn.records import EpochRecord, Mistake, confusion_matrix, find_mistakes


class TestConfusionMatrix:
    def test_equals_sklearn(self):
        rng = np.random.default_rng(0)
        true, predicted = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
        np.testing.assert_array_equal(
            confusion_matrix(true, predicted, 4), sklearn_confusion_matrix(true, predicted)
        )

    def test_every_class_has_its_row_and_column(self):
        # By hand: class 2 never appears, yet the matrix is 3 x 3 with rows the true class.
        matrix = confusion_matrix(np.array([0, 0, 1]), np.array([1, 0, 1]), 3)
        assert matrix.dtype == np.int64
        assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 0]]


class TestMistakes:
    def test_wrong_ones_most_confident_first(self):
        probabilities = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.6, 0.4]])
        true = np.array([0, 0, 0, 1])  # rows 1, 2 and 3 are wrong
        wrong = find_mistakes(np.array([10, 11, 12, 13]), true, probabilities, ("a", "b"))
        assert [m.index for m in wrong] == [12, 11, 13]
        assert wrong[0] == Mistake(12, "a", "b", (0.2, 0.8)) and wrong[0].confidence == 0.8
        assert [m.index for m in find_mistakes(np.arange(4), true, probabilities, ("a", "b"), limit=1)] == [2]

    def test_none_when_all_right(self):
        assert find_mistakes(np.arange(2), np.array([0, 1]), np.eye(2), ("a", "b")) == []


def test_records_are_frozen():
    record = EpochRecord(epoch=1, train_loss=0.5, val_loss=0.6, val_accuracy=0.9)
    assert record.train_accuracy is None and record.seconds == 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.epoch = 2  # type: ignore[misc]
