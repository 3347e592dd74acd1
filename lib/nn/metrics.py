"""How good is a classifier? Its metrics on a held-out set: accuracy, per-class precision / recall / F1, top-k,
cross-entropy (= log loss) and the confusion matrix, computed with scikit-learn and torch.

Our models' held-out sets are the ones their training scripts tested on (weights/manifest.json, "test_split"):
the stratified test split of scikit-learn's digits for LeNet, a generated set (its own seed) for the shapes CNN.
`classification_metrics` and `normalised_inputs` are written as a course notebook would write them: the Image
classification page's Code panel runs their source (inspect.getsource).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

SHAPES_TEST_SIDE = 64  # the shapes CNN's held-out images, as scripts/train_shapes_cnn.py draws them


def held_out_set(name: str, test_split: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """The held-out images and labels one of our models was tested on, made as its training script made them.

    test_split: the model's manifest entry "test_split". Returns (images, labels): scikit-learn's digits as
    (N, 32, 32) float32 in [0, 1], or generated shapes as (N, 64, 64, 3) uint8; labels (N,) int64.
    """
    data = test_split.get("data")
    if data == "sklearn.datasets.load_digits":
        from lib.nn.models import digits_split

        _, _, images, labels = digits_split(
            test_fraction=test_split["test_fraction"], seed=test_split["seed"]
        )
        return images, labels
    if data == "lib.cv.shapes.make_shapes":
        from lib.cv.shapes import make_shapes

        return make_shapes(test_split["per_class"], size=SHAPES_TEST_SIDE, seed=test_split["seed"])
    raise ValueError(f"{name}: no held-out set is known for test_split {dict(test_split)!r}")


def normalised_inputs(images: np.ndarray, mean: Sequence[float], std: Sequence[float]):
    """Held-out images -> the network's input (N, C, H, W) float32, (x - mean) / std per channel.

    images: (N, H, W) floats in [0, 1] (the digits) or (N, H, W, 3) uint8 (the shapes).
    """
    import torch

    values = torch.from_numpy(np.ascontiguousarray(images)).float()
    if images.dtype == np.uint8:
        values = values / 255
    values = values.unsqueeze(1) if values.ndim == 3 else values.permute(0, 3, 1, 2)  # (N, C, H, W)
    mean_t = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
    std_t = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    return (values - mean_t) / std_t


def logits_of(model, inputs, *, batch_size: int = 256) -> np.ndarray:
    """The model's logits (N, classes) float32 for inputs (N, C, H, W), in batches, on the model's device."""
    import torch

    device = next(model.parameters()).device
    with torch.inference_mode():
        parts = [
            model(inputs[i : i + batch_size].to(device)).float().cpu()
            for i in range(0, len(inputs), batch_size)
        ]
    return torch.cat(parts).numpy()


def classification_metrics(
    logits: np.ndarray, labels: np.ndarray, *, classes: Sequence[str], k: int = 5
) -> dict:
    """Every metric of a single-label classifier on a held-out set, as plain numbers (JSON-ready).

    logits: (N, C) the network's outputs; labels: (N,) true class indices; k: for top-k (clamped to C).
    Returns accuracy, top-1 and top-k accuracy, cross-entropy (torch) and log loss (scikit-learn) — the same
    number —, per-class precision / recall / F1 / support, macro F1 and the confusion matrix (rows: true).
    """
    import torch
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        log_loss,
        precision_recall_fscore_support,
    )

    logits_t = torch.from_numpy(np.asarray(logits, dtype=np.float64))
    labels_t = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    everyone = list(range(len(classes)))
    probabilities = torch.softmax(logits_t, dim=1)  # each row sums to 1
    predicted = probabilities.argmax(dim=1).numpy()
    k = max(1, min(k, len(classes)))  # torch.topk needs k <= number of classes
    top_k = torch.topk(probabilities, k, dim=1).indices  # (N, k), best first
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=everyone, zero_division=0
    )
    return {
        "samples": len(labels),
        "accuracy": float(accuracy_score(labels, predicted)),
        "top1": float((top_k[:, 0] == labels_t).double().mean()),
        "k": k,
        "topk": float((top_k == labels_t[:, None]).any(dim=1).double().mean()),
        "cross_entropy": float(torch.nn.functional.cross_entropy(logits_t, labels_t)),
        "log_loss": float(log_loss(labels, probabilities.numpy(), labels=everyone)),
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "f1": f1.tolist(),
        "support": [int(count) for count in support],
        "macro_f1": float(f1_score(labels, predicted, labels=everyone, average="macro", zero_division=0)),
        "confusion": confusion_matrix(labels, predicted, labels=everyone).tolist(),
    }
