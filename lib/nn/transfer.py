"""Transfer learning, Teachable-Machine style: freeze a trained CNN, replace its last layer, train only that.

The course's VGG recipe: freeze every parameter, then `model.classifier[6] = nn.Linear(4096, n_classes)` and
train it with Adam (lr 0.001). Our shapes CNN has the same layout (`features`, then a `classifier`
Sequential ending in a Linear), so the same two lines apply. Because the frozen part never changes, each
image's backbone output is computed once and only the new head is trained: seconds on a CPU.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import nn

from lib.cv.shapes import random_canvas
from lib.nn.data import stratified_split
from lib.nn.models import normalize

COURSE_LEARNING_RATE = 0.001  # Adam, as in the course's VGG recipe
COURSE_BATCH_SIZE = 30
COURSE_EPOCHS = 10
NEW_SHAPE_CLASSES: tuple[str, ...] = ("cross", "ring", "pentagon", "ellipse", "arrow")
CUT_POINTS = ("last layer", "all dense layers")  # replace classifier[-1] (the course) or the whole classifier


def backbone(model: nn.Module, *, cut: str = "last layer") -> nn.Sequential:
    """The frozen part of a features + classifier model: everything before the replaced layers.

    cut "last layer": features, flatten, classifier[:-1] (the course's VGG recipe replaces classifier[6]);
    "all dense layers": features and flatten only. Shares the model's weights; never trains them.
    """
    if cut not in CUT_POINTS:
        raise ValueError(f"cut must be one of {CUT_POINTS}, got {cut!r}")
    if not isinstance(getattr(model, "classifier", None), nn.Sequential) or not hasattr(model, "features"):
        raise ValueError(
            "the model needs .features and a .classifier Sequential (like VGG or our shapes CNN)"
        )
    kept = list(model.classifier[:-1]) if cut == "last layer" else []
    return nn.Sequential(model.features, nn.Flatten(1), *kept).eval()


def embed(
    frozen: nn.Module,
    images: np.ndarray,
    *,
    mean: Sequence[float],
    std: Sequence[float],
    side: int = 64,
    batch_size: int = 64,
) -> np.ndarray:
    """The frozen backbone's output for each image: (N, H, W, 3) uint8 (any size, resized) -> (N, D) float32."""
    if len(images) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    device = next(frozen.parameters()).device
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(images), batch_size):
            batch = torch.cat(
                [normalize(_resized(image, side), mean, std) for image in images[start : start + batch_size]]
            )
            outputs.append(frozen(batch.to(device)).float().cpu())
    return torch.cat(outputs).numpy()


def _resized(image: np.ndarray, side: int) -> np.ndarray:
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[:2] == (side, side):
        return image
    interpolation = cv2.INTER_AREA if max(image.shape[:2]) > side else cv2.INTER_LINEAR
    return cv2.resize(image, (side, side), interpolation=interpolation)


@dataclass(frozen=True)
class HeadEpoch:
    """One epoch of head training (field names as lib.nn.cnn_training.CnnEpoch, for the same charts)."""

    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float


@dataclass(frozen=True)
class Mistake:
    """A validation image the head got wrong."""

    index: int  # into the images given to the trainer
    true_class: str
    predicted_class: str
    confidence: float


class HeadTrainer:
    """Train a new Linear head on frozen features; `epochs(n)` yields a HeadEpoch after each epoch.

    features (N, D) float32 from `embed`, labels (N,) int64 into class_names. A stratified split keeps
    val_fraction of each class for validation. Adam on the head's parameters only, cross-entropy.
    """

    def __init__(
        self,
        features: np.ndarray,
        labels: np.ndarray,
        class_names: Sequence[str],
        *,
        learning_rate: float = COURSE_LEARNING_RATE,
        batch_size: int = COURSE_BATCH_SIZE,
        val_fraction: float = 0.2,
        seed: int = 0,
    ) -> None:
        labels = np.array(labels, dtype=np.int64)  # a private, writable copy
        if len(class_names) < 2:
            raise ValueError("define at least 2 classes to train a classifier")
        if len(features) != len(labels):
            raise ValueError(f"{len(features)} feature rows but {len(labels)} labels")
        counts = np.bincount(labels, minlength=len(class_names))
        if counts.min() < 2:
            empty = [name for name, count in zip(class_names, counts, strict=True) if count < 2]
            raise ValueError(f"every class needs at least 2 images; add more to: {', '.join(empty)}")
        self.class_names = tuple(class_names)
        self.train_index, self.val_index = stratified_split(labels, test_size=val_fraction, seed=seed)
        self.features = torch.from_numpy(np.array(features, dtype=np.float32, copy=True))
        self.labels = torch.from_numpy(labels)
        self.generator = torch.Generator().manual_seed(seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.head = nn.Linear(self.features.shape[1], len(class_names))
        self.optimizer = torch.optim.Adam(self.head.parameters(), lr=learning_rate)
        self.criterion = nn.CrossEntropyLoss()
        self.batch_size = batch_size
        self.history: list[HeadEpoch] = []

    def epochs(
        self, count: int, *, on_batch: Callable[[int, int], None] | None = None
    ) -> Iterator[HeadEpoch]:
        """Train `count` more epochs, yielding each epoch's metrics as it finishes."""
        train_x, train_y = self.features[self.train_index], self.labels[self.train_index]
        batches = max(1, -(-len(train_y) // self.batch_size))
        for _ in range(count):
            start = time.perf_counter()
            self.head.train()
            order = torch.randperm(len(train_y), generator=self.generator)
            running_loss, correct = 0.0, 0
            for batch_number, first in enumerate(range(0, len(train_y), self.batch_size)):
                index = order[first : first + self.batch_size]
                self.optimizer.zero_grad()
                logits = self.head(train_x[index])
                loss = self.criterion(logits, train_y[index])
                loss.backward()
                self.optimizer.step()
                running_loss += loss.item()
                correct += int((logits.argmax(1) == train_y[index]).sum())
                if on_batch:
                    on_batch(batch_number + 1, batches)
            val_loss, val_accuracy = self._evaluate(self.val_index)
            metrics = HeadEpoch(
                epoch=len(self.history) + 1,
                train_loss=running_loss / batches,
                train_accuracy=correct / len(train_y),
                val_loss=val_loss,
                val_accuracy=val_accuracy,
                seconds=time.perf_counter() - start,
            )
            self.history.append(metrics)
            yield metrics

    def train(self, count: int) -> list[HeadEpoch]:
        """Train `count` epochs at once; returns the whole history."""
        for _ in self.epochs(count):
            pass
        return self.history

    def _evaluate(self, index: np.ndarray) -> tuple[float, float]:
        self.head.eval()
        with torch.no_grad():
            logits = self.head(self.features[index])
            loss = self.criterion(logits, self.labels[index]).item()
            accuracy = (logits.argmax(1) == self.labels[index]).float().mean().item()
        return loss, accuracy

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities (N, n_classes) float32 for backbone features (N, D)."""
        self.head.eval()
        with torch.no_grad():
            logits = self.head(torch.from_numpy(np.array(features, dtype=np.float32, copy=True)))
        return torch.softmax(logits, dim=1).numpy()

    def confusion(self) -> tuple[np.ndarray, list[Mistake]]:
        """The validation confusion matrix (rows: true class, columns: predicted) and the mistakes."""
        probabilities = self.probabilities(self.features[self.val_index].numpy())
        predicted = probabilities.argmax(1)
        truth = self.labels[self.val_index].numpy()
        size = len(self.class_names)
        matrix = np.bincount(truth * size + predicted, minlength=size * size).reshape(size, size)
        mistakes = [
            Mistake(int(index), self.class_names[t], self.class_names[p], float(probabilities[row, p]))
            for row, (index, t, p) in enumerate(zip(self.val_index, truth, predicted, strict=True))
            if t != p
        ]
        return matrix, mistakes

    def head_bytes(self) -> bytes:
        """The trained head's state dict as torch.save bytes (load with torch.load(..., weights_only=True))."""
        buffer = io.BytesIO()
        torch.save({key: value.detach().cpu() for key, value in self.head.state_dict().items()}, buffer)
        return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------
# Example set: shapes the backbone never saw


def make_new_shapes(
    n_per_class: int, *, size: int = 64, seed: int = 0, classes: Sequence[str] = NEW_SHAPE_CLASSES
) -> tuple[np.ndarray, np.ndarray]:
    """Shapes the shapes CNN was not trained on (crosses, rings, pentagons, ellipses, arrows), drawn like
    lib.cv.shapes: random colours, size, position, rotation, background and noise.

    Returns images (N, size, size, 3) RGB uint8 and labels (N,) int64 indexing `classes`, interleaved.
    """
    unknown = [name for name in classes if name not in NEW_SHAPE_CLASSES]
    if unknown:
        raise ValueError(f"unknown new shapes {unknown}; choose from {NEW_SHAPE_CLASSES}")
    if n_per_class < 1:
        raise ValueError(f"n_per_class must be at least 1, got {n_per_class}")
    rng = np.random.default_rng(seed)
    images = np.empty((n_per_class * len(classes), size, size, 3), dtype=np.uint8)
    labels = np.tile(np.arange(len(classes), dtype=np.int64), n_per_class)
    for index, label in enumerate(labels):
        images[index] = _draw_new_shape(classes[label], rng, size)
    return images, labels


def _draw_new_shape(name: str, rng: np.random.Generator, size: int) -> np.ndarray:
    canvas, ink = random_canvas(rng, size)
    radius = rng.uniform(0.24, 0.38) * size
    centre = rng.uniform(radius + 1, size - radius - 1, size=2)
    angle = rng.uniform(0, 2 * np.pi)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    if name == "ring":
        thickness = max(2, round(radius * rng.uniform(0.25, 0.4)))
        cv2.circle(
            canvas,
            tuple(int(v) for v in np.round(centre)),
            int(radius - thickness / 2),
            ink,
            thickness,
            cv2.LINE_AA,
        )
    elif name == "ellipse":
        axes = (int(radius), int(radius * rng.uniform(0.35, 0.6)))
        centre_int = tuple(int(v) for v in np.round(centre))
        cv2.ellipse(canvas, centre_int, axes, float(np.degrees(angle)), 0, 360, ink, -1, cv2.LINE_AA)
    else:
        if name == "cross":
            arm = rng.uniform(0.28, 0.38)
            unit = np.array([(-arm, -1), (arm, -1), (arm, -arm), (1, -arm), (1, arm), (arm, arm), (arm, 1),
                             (-arm, 1), (-arm, arm), (-1, arm), (-1, -arm), (-arm, -arm)])  # fmt: skip
        elif name == "pentagon":
            turns = np.arange(5) * 2 * np.pi / 5
            unit = np.stack([np.cos(turns), np.sin(turns)], axis=1)
        elif name == "arrow":
            unit = np.array(
                [(-1, -0.25), (0.2, -0.25), (0.2, -0.65), (1, 0), (0.2, 0.65), (0.2, 0.25), (-1, 0.25)]
            )
        else:
            raise ValueError(f"unknown new shape {name!r}; choose from {NEW_SHAPE_CLASSES}")
        points = centre + (unit * radius) @ rotation.T
        cv2.fillPoly(canvas, [np.round(points * 16).astype(np.int32)], ink, cv2.LINE_AA, shift=4)
    noise = rng.normal(0.0, rng.uniform(2.0, 12.0), size=canvas.shape)
    return np.clip(canvas.astype(np.float64) + noise, 0, 255).astype(np.uint8)


TRANSFER_DATA_FILE = "transfer_data.npz"  # the page's images and labels, in the Code panel's bundle
BACKBONE_WEIGHTS = "weights/shapes_cnn.pt"


def transfer_script(
    *,
    mean: Sequence[float],
    std: Sequence[float],
    cut: str = "last layer",
    epochs: int = COURSE_EPOCHS,
    learning_rate: float = COURSE_LEARNING_RATE,
) -> str:
    """What the page trains, as a script: our shapes CNN frozen (backbone), each image embedded once, and a
    new Linear head trained by HeadTrainer — this module's own code, shown with inspect.getsource.

    mean, std: the shapes CNN's normalisation (its manifest entry). `result` holds the features' shape and,
    after the last epoch, its losses, validation accuracy and confusion matrix.
    """
    from lib.nn import architectures_torch, data, models
    from lib.nn.programs import sources

    code = sources(
        architectures_torch.ShapesCNNConfig,
        architectures_torch.conv_block,
        architectures_torch.ShapesCNN,
        data.stratified_split,
        models.normalize,
        backbone,
        _resized,
        embed,
        HeadEpoch,
        Mistake,
        HeadTrainer,
    )
    return f"""import io
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import nn

CUT_POINTS = {CUT_POINTS!r}
COURSE_TEST_SIZE = {data.COURSE_TEST_SIZE}
COURSE_LEARNING_RATE = {COURSE_LEARNING_RATE}
COURSE_BATCH_SIZE = {COURSE_BATCH_SIZE}


{code}

# The course does this with VGG16 and its ImageNet weights (a 528 MB download, online only):
#   model = vgg16(weights=VGG16_Weights.IMAGENET1K_V1); model.classifier[6] = nn.Linear(4096, n_classes)
# Our shapes CNN has the same layout (features, then a classifier ending in a Linear) and runs offline.
model = ShapesCNN(ShapesCNNConfig())
model.load_state_dict(torch.load("{BACKBONE_WEIGHTS}", weights_only=True, map_location="cpu"))
model.eval()
for param in model.parameters():
    param.requires_grad = False  # frozen: only the new head learns
frozen = backbone(model, cut={cut!r})

data = np.load("{TRANSFER_DATA_FILE}")  # the page's images and labels
images, labels = data["images"], data["labels"]
class_names = [str(name) for name in data["class_names"]]
features = embed(frozen, images, mean={tuple(mean)!r}, std={tuple(std)!r})  # once: the backbone never changes
print(f"{{len(images)}} images -> features {{features.shape}}")

trainer = HeadTrainer(features, labels, class_names, learning_rate={learning_rate!r})
for epoch in trainer.epochs({epochs}):
    print(f"Epoch {{epoch.epoch}}: loss {{epoch.train_loss:.4f}}, validation accuracy {{epoch.val_accuracy:.1%}}")
with open("transfer_head.pt", "wb") as file:
    file.write(trainer.head_bytes())  # the new head, as the page's download gives it

result = {{"features_shape": list(features.shape), "classes": class_names}}
if trainer.history:
    last = trainer.history[-1]
    result.update(
        epochs=last.epoch,
        train_loss=last.train_loss,
        val_loss=last.val_loss,
        val_accuracy=last.val_accuracy,
        confusion=trainer.confusion()[0].tolist(),
    )
"""
