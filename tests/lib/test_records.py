import dataclasses

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

from lib.nn.records import EpochRecord, Mistake, confusion_matrix, examples_in_cell, find_mistakes


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


class TestExamplesInCell:
    # Six held-out items, three classes: worked out by hand.
    TRUE = np.array([0, 0, 1, 0, 2, 1])
    PROBABILITIES = np.array(
        [
            [0.2, 0.7, 0.1],  # 0: a class-0 item taken for 1 (0.7)
            [0.8, 0.1, 0.1],  # 1: right
            [0.1, 0.6, 0.3],  # 2: right
            [0.1, 0.9, 0.0],  # 3: a class-0 item taken for 1, surer (0.9)
            [0.5, 0.2, 0.3],  # 4: a class-2 item taken for 0
            [0.3, 0.4, 0.3],  # 5: right, barely
        ]
    )

    def cell(self, cell):
        return examples_in_cell(self.TRUE, self.PROBABILITIES.argmax(1), self.PROBABILITIES, cell).tolist()

    def test_hand_made(self):
        assert self.cell((0, 1)) == [3, 0]  # surest of the wrong answer first
        assert self.cell((1, 1)) == [2, 5]  # the diagonal: the right answers
        assert self.cell((2, 0)) == [4]
        assert self.cell((0, 0)) == [1]
        assert self.cell((1, 2)) == [] and self.cell((2, 2)) == []  # empty cells

    def test_ties_keep_data_order(self):
        probabilities = np.array([[0.4, 0.6], [0.3, 0.7], [0.4, 0.6]])  # items 0 and 2 tie
        found = examples_in_cell(np.array([0, 0, 0]), np.array([1, 1, 1]), probabilities, (0, 1))
        assert found.tolist() == [1, 0, 2] and found.dtype == np.int64

    def test_bad_input(self):
        predicted = self.PROBABILITIES.argmax(1)
        with pytest.raises(ValueError, match="outside the 3×3"):
            examples_in_cell(self.TRUE, predicted, self.PROBABILITIES, (3, 0))
        with pytest.raises(ValueError, match="outside"):
            examples_in_cell(self.TRUE, predicted, self.PROBABILITIES, (0, -1))
        with pytest.raises(ValueError, match="same n items"):
            examples_in_cell(self.TRUE[:5], predicted, self.PROBABILITIES, (0, 0))

    @pytest.mark.parametrize("model", [pytest.param("cnn", marks=pytest.mark.slow), "iris"])
    def test_every_cell_holds_sklearns_count_on_a_trained_model(self, model):
        if model == "cnn":  # a CNN after one epoch on few shapes: many kinds of mistakes
            from lib.cv.shapes import SHAPE_CLASSES, make_shapes
            from lib.nn.cnn_training import CnnTrainer

            images, labels = make_shapes(12, size=32, seed=3)
            trainer = CnnTrainer(images, labels, SHAPE_CLASSES, channels=(4, 8), hidden=(16,), batch_size=8)
            trainer.train(1)
            true, predicted, probabilities = trainer.validation_predictions()
        else:  # the iris network a few epochs in
            from lib.nn.training import TableTrainer, iris_frame, prepare_table

            frame, names = iris_frame()
            split = prepare_table(frame, target="target", task="classification", class_names=names)
            trainer = TableTrainer(split, hidden_sizes=(4,), learning_rate=0.01, seed=0)
            trainer.train(5)
            true, predicted, probabilities = trainer.test_predictions()
        n_classes = probabilities.shape[1]
        reference = sklearn_confusion_matrix(true, predicted, labels=np.arange(n_classes))
        np.testing.assert_array_equal(reference, trainer.confusion())
        assert reference.trace() < reference.sum()  # the matrix has mistakes to open
        opened = []
        for row in range(n_classes):
            for column in range(n_classes):
                positions = examples_in_cell(true, predicted, probabilities, (row, column))
                assert len(positions) == reference[row, column], (row, column)
                assert (true[positions] == row).all() and (predicted[positions] == column).all()
                surest = probabilities[positions, column]
                assert (np.diff(surest) <= 0).all()
                opened += positions.tolist()
        assert sorted(opened) == list(range(len(true)))  # the cells split the held-out items


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
