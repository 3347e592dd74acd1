"""What every trainer reports, in one vocabulary: an epoch record, a mistake record and the confusion matrix.

The three trainers (lib.nn.training.TableTrainer, lib.nn.cnn_training.CnnTrainer, lib.nn.transfer.HeadTrainer)
all keep a history of EpochRecord, list their wrong held-out predictions as Mistake, and count them with
scikit-learn's confusion_matrix; examples_in_cell opens one cell of that matrix (the items it counts).
"val" is the held-out part: the validation images, or a table's test rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EpochRecord:
    """One epoch of training: losses (and accuracies, for a classifier) on the training and held-out data."""

    epoch: int  # 1, 2, 3, ... counted over the trainer's whole life ("Train more" goes on counting)
    train_loss: float  # mean over the epoch's batches (running loss / batches, as the course prints)
    val_loss: float  # on the held-out data, measured after the epoch in eval mode
    train_accuracy: float | None = (
        None  # share right during the epoch (weights changing as it goes); None: regression
    )
    val_accuracy: float | None = None  # share of held-out items right after the epoch; None for regression
    seconds: float = 0.0  # wall time of the epoch, validation included


@dataclass(frozen=True)
class BatchProgress:
    """Where a training run is, after one batch: what a progress bar and its time estimate need."""

    epoch: int  # the epoch this batch belongs to (1-based, over the trainer's life)
    batch: int  # batches done in this epoch
    batches: int  # batches per epoch
    seconds: float  # wall time of this batch (forward, backward, step)
    epoch_seconds: float  # wall time since this epoch started


@dataclass(frozen=True)
class Mistake:
    """One held-out item the model got wrong."""

    index: int  # into the data given to the trainer (images or table rows)
    true_class: str
    predicted_class: str
    probabilities: tuple[float, ...]  # softmax over every class, in class order

    @property
    def confidence(self) -> float:
        """How sure the model was of its wrong answer: the largest probability."""
        return max(self.probabilities)


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) int64 counts from sklearn.metrics.confusion_matrix: rows the true class, columns
    the predicted one; every class has its row and column, even one absent from both."""
    from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

    matrix = sklearn_confusion_matrix(
        np.asarray(true, dtype=np.int64), np.asarray(predicted, dtype=np.int64), labels=np.arange(n_classes)
    )
    return matrix.astype(np.int64)


def examples_in_cell(
    true: np.ndarray, predicted: np.ndarray, probabilities: np.ndarray, cell: tuple[int, int]
) -> np.ndarray:
    """The held-out items that confusion-matrix cell (true class, predicted class) counts, surest first.

    true, predicted (n,) int labels; probabilities (n, classes) softmax; cell (row, column) = (true, predicted).
    Returns int64 positions into those arrays, ordered by the probability of the predicted class (highest
    first, ties in data order); there are confusion_matrix(true, predicted)[cell] of them. A diagonal cell
    holds the items classified right, an off-diagonal one the mistakes of that kind.
    """
    true, predicted = np.asarray(true), np.asarray(predicted)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or true.shape != predicted.shape or true.shape != probabilities.shape[:1]:
        raise ValueError(
            f"true {true.shape}, predicted {predicted.shape} and probabilities {probabilities.shape} "
            "must describe the same n items: (n,), (n,), (n, classes)"
        )
    n_classes = probabilities.shape[1]
    row, column = (int(value) for value in cell)
    if not (0 <= row < n_classes and 0 <= column < n_classes):
        raise ValueError(f"cell {tuple(cell)} is outside the {n_classes}×{n_classes} confusion matrix")
    positions = np.flatnonzero((true == row) & (predicted == column))
    return positions[np.argsort(-probabilities[positions, column], kind="stable")].astype(np.int64)


def find_mistakes(
    index: np.ndarray,
    true: np.ndarray,
    probabilities: np.ndarray,
    class_names: Sequence[str],
    *,
    limit: int | None = None,
) -> list[Mistake]:
    """The wrong predictions among held-out items, most confident first (at most `limit`).

    index (n,): each item's position in the trainer's data; true (n,) int labels; probabilities (n, classes).
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(np.asarray(true) != predicted)
    order = wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")][:limit]
    return [
        Mistake(
            index=int(index[row]),
            true_class=class_names[int(true[row])],
            predicted_class=class_names[int(predicted[row])],
            probabilities=tuple(float(p) for p in probabilities[row]),
        )
        for row in order
    ]


def seconds_left(elapsed: float, done: int, total: int) -> float:
    """An honest estimate of the time still to go: the measured time per batch so far (validation included)
    times the batches still to do. elapsed: seconds since the run started; done, total: batches."""
    if done <= 0:
        raise ValueError("no batch finished yet: nothing measured to estimate from")
    return elapsed / done * max(total - done, 0)
