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

import cv2
import numpy as np
import torch
from torch import nn

from lib.cv.shapes import random_canvas
from lib.nn.data import stratified_split
from lib.nn.models import normalize
from lib.nn.random_state import GLOBAL_RNG_LOCK as _SEED_LOCK
from lib.nn.records import BatchProgress, EpochRecord, Mistake, confusion_matrix, find_mistakes

COURSE_LEARNING_RATE = 0.001  # Adam, as in the course's VGG recipe
COURSE_BATCH_SIZE = 30
COURSE_EPOCHS = 10
# The page's defaults: the head starts at the class means and is one Linear layer on ~100 scaled numbers, so a
# rate 10x the course's (0.001, meant for VGG's 4096 inputs) settles in 30 epochs even with a dozen images.
DEFAULT_LEARNING_RATE = 0.01
DEFAULT_EPOCHS = 30
NEW_SHAPE_CLASSES: tuple[str, ...] = ("cross", "ring", "pentagon", "ellipse", "arrow")
CUT_POINTS = ("last layer", "all dense layers")  # replace classifier[-1] (the course) or the whole classifier
# What the head sees of an image: the frozen CNN's features, and by default its colour too (the shapes CNN was
# trained on shapes of random colours, so its features are nearly blind to colour by design).
EMBEDDINGS = ("shapes CNN + colour", "shapes CNN only")
MIN_FEATURE_SCALE = (
    0.05  # the head divides each feature by its spread, at least this (a near-constant column stays small)
)
COLOUR_LEVELS = 3  # colour statistics: a 3 x 3 x 3 grid of boxes over the RGB cube (27 shares of pixels)


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


def colour_statistics(images: np.ndarray, *, side: int = 64) -> np.ndarray:
    """Colour numbers per image: (N, H, W, 3) uint8 -> (N, 6 + COLOUR_LEVELS**3) float32.

    The mean and standard deviation of R, G and B (0..1), then the share of pixels in each box of a
    COLOUR_LEVELS**3 grid over the RGB cube: "how much of the picture is yellow-ish", wherever it is.
    """
    rows = []
    for image in images:
        pixels = _resized(image, side).reshape(-1, 3).astype(np.float32) / 255.0
        boxes = np.minimum((pixels * COLOUR_LEVELS).astype(np.int64), COLOUR_LEVELS - 1)
        box = (boxes[:, 0] * COLOUR_LEVELS + boxes[:, 1]) * COLOUR_LEVELS + boxes[:, 2]
        shares = np.bincount(box, minlength=COLOUR_LEVELS**3) / len(pixels)
        rows.append(np.concatenate([pixels.mean(axis=0), pixels.std(axis=0), shares]))
    return np.array(rows, dtype=np.float32).reshape(len(images), 6 + COLOUR_LEVELS**3)


def image_features(
    frozen: nn.Module,
    images: np.ndarray,
    *,
    mean: Sequence[float],
    std: Sequence[float],
    embedding: str = EMBEDDINGS[0],
) -> np.ndarray:
    """What the new head learns from, per image (N, D) float32: the frozen backbone's output (embed), followed
    by colour_statistics when embedding is "shapes CNN + colour"."""
    if embedding not in EMBEDDINGS:
        raise ValueError(f"embedding must be one of {EMBEDDINGS}, got {embedding!r}")
    features = embed(frozen, images, mean=mean, std=std)
    if embedding == "shapes CNN only" or len(images) == 0:
        return features
    return np.concatenate([features, colour_statistics(images)], axis=1)


class HeadTrainer:
    """Train a new Linear head on frozen features; `epochs(n)` yields an EpochRecord after each epoch.

    features (N, D) float32 from `image_features` (or `embed`), labels (N,) int64 into class_names. A stratified
    split keeps val_fraction of each class for validation. Each feature column is centred and divided by its
    spread on the training images (as StandardScaler does; the spread at least MIN_FEATURE_SCALE), so colour
    shares in 0..1 weigh as much as the CNN's larger numbers. The head starts from the class means ("weight
    imprinting": each class's weight row is the mean of its training features, so it begins as a nearest-mean
    classifier, which is steady on a dozen images), then Adam trains it with cross-entropy.
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
        raw = np.array(features, dtype=np.float32, copy=True)
        self.feature_mean = raw[self.train_index].mean(axis=0)
        self.feature_scale = np.maximum(raw[self.train_index].std(axis=0), MIN_FEATURE_SCALE)
        self.features = torch.from_numpy(self._scaled(raw))  # (N, D) scaled
        self.labels = torch.from_numpy(labels)
        self.generator = torch.Generator().manual_seed(seed)
        with _SEED_LOCK, torch.random.fork_rng(devices=[]):  # nn.Linear draws weights: leave the state alone
            self.head = nn.Linear(self.features.shape[1], len(class_names))
        train_x, train_y = self.features[self.train_index], self.labels[self.train_index]
        class_means = torch.stack(
            [train_x[train_y == label].mean(dim=0) for label in range(len(class_names))]
        )
        with torch.no_grad():  # imprint: score_c(x) = m_c . x - |m_c|^2 / 2, the nearest class mean wins
            self.head.weight.copy_(class_means)
            self.head.bias.copy_(-0.5 * (class_means**2).sum(dim=1))
        self.optimizer = torch.optim.Adam(self.head.parameters(), lr=learning_rate)
        self.criterion = nn.CrossEntropyLoss()
        self.batch_size = batch_size
        self.history: list[EpochRecord] = []

    def _scaled(self, features: np.ndarray) -> np.ndarray:
        return ((np.asarray(features, dtype=np.float32) - self.feature_mean) / self.feature_scale).astype(
            np.float32
        )

    def epochs(
        self, count: int, *, on_batch: Callable[[BatchProgress], None] | None = None
    ) -> Iterator[EpochRecord]:
        """Train `count` more epochs, yielding each epoch's metrics as it finishes; on_batch(progress) after
        every batch."""
        train_x, train_y = self.features[self.train_index], self.labels[self.train_index]
        batches = max(1, -(-len(train_y) // self.batch_size))
        for _ in range(count):
            start = time.perf_counter()
            self.head.train()
            order = torch.randperm(len(train_y), generator=self.generator)
            running_loss, correct = 0.0, 0
            for batch_number, first in enumerate(range(0, len(train_y), self.batch_size)):
                batch_start = time.perf_counter()
                index = order[first : first + self.batch_size]
                self.optimizer.zero_grad()
                logits = self.head(train_x[index])
                loss = self.criterion(logits, train_y[index])
                loss.backward()
                self.optimizer.step()
                running_loss += loss.item()
                correct += int((logits.argmax(1) == train_y[index]).sum())
                if on_batch:
                    now = time.perf_counter()
                    epoch = len(self.history) + 1
                    on_batch(BatchProgress(epoch, batch_number + 1, batches, now - batch_start, now - start))
            val_loss, val_accuracy = self._evaluate(self.val_index)
            metrics = EpochRecord(
                epoch=len(self.history) + 1,
                train_loss=running_loss / batches,
                train_accuracy=correct / len(train_y),
                val_loss=val_loss,
                val_accuracy=val_accuracy,
                seconds=time.perf_counter() - start,
            )
            self.history.append(metrics)
            yield metrics

    def train(self, count: int) -> list[EpochRecord]:
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
        """Class probabilities (N, n_classes) float32 for image features (N, D), as image_features gives them."""
        return self._probabilities(torch.from_numpy(self._scaled(features)))

    def _probabilities(self, scaled: torch.Tensor) -> np.ndarray:
        self.head.eval()
        with torch.no_grad():
            return torch.softmax(self.head(scaled), dim=1).numpy()

    def validation_predictions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(true labels, predicted labels, probabilities (n, classes)) on the validation images, in val_index
        order (position k is image val_index[k]), as CnnTrainer.validation_predictions gives them."""
        probabilities = self._probabilities(self.features[self.val_index])
        return self.labels[self.val_index].numpy(), probabilities.argmax(1), probabilities

    def confusion(self) -> np.ndarray:
        """The validation confusion matrix (classes, classes) int64: rows the true class, columns the predicted."""
        true, predicted, _ = self.validation_predictions()
        return confusion_matrix(true, predicted, len(self.class_names))

    def mistakes(self, *, limit: int | None = None) -> list[Mistake]:
        """The validation images the head got wrong, most confident first (at most `limit`)."""
        truth, _, probabilities = self.validation_predictions()
        return find_mistakes(self.val_index, truth, probabilities, self.class_names, limit=limit)

    def head_bytes(self) -> bytes:
        """The trained head as torch.save bytes of a Linear's state dict (load with weights_only=True), for
        features as image_features gives them: the scaling is folded in (W / scale, b - W / scale . mean)."""
        weight = self.head.weight.detach().cpu() / torch.from_numpy(self.feature_scale)
        bias = self.head.bias.detach().cpu() - weight @ torch.from_numpy(self.feature_mean)
        buffer = io.BytesIO()
        torch.save({"weight": weight.contiguous(), "bias": bias.contiguous()}, buffer)
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


# Two-class sets that differ in one thing only: what a frozen backbone can and cannot tell apart.
CONTRAST_SETS: dict[str, tuple[str, str]] = {
    "colour": ("red disc", "yellow disc"),  # same discs on the same backgrounds; only the ink's hue differs
    "shape": ("disc", "square"),  # the same random colours; only the outline differs
    "texture": ("stripes", "checks"),  # the same two colours in equal shares, over the whole picture
}


def make_contrast_set(
    differ_by: str, n_per_class: int, *, size: int = 64, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, tuple[str, str]]:
    """Two classes drawn alike except in `differ_by` ("colour", "shape" or "texture"; see CONTRAST_SETS).

    Returns images (2 * n_per_class, size, size, 3) RGB uint8, labels (N,) int64 (0, 1, 0, 1, ...) and the
    two class names. Positions, sizes, rotations, backgrounds and noise are random; the same seed, the same set.
    """
    if differ_by not in CONTRAST_SETS:
        raise ValueError(f"differ_by must be one of {tuple(CONTRAST_SETS)}, got {differ_by!r}")
    if n_per_class < 1:
        raise ValueError(f"n_per_class must be at least 1, got {n_per_class}")
    rng = np.random.default_rng(seed)
    labels = np.tile(np.arange(2, dtype=np.int64), n_per_class)
    images = np.stack([_draw_contrast(differ_by, int(label), rng, size) for label in labels])
    return images, labels, CONTRAST_SETS[differ_by]


def _draw_contrast(differ_by: str, label: int, rng: np.random.Generator, size: int) -> np.ndarray:
    radius = rng.uniform(0.22, 0.38) * size
    centre = rng.uniform(radius + 1, size - radius - 1, size=2)
    if differ_by == "texture":
        first, second = (tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(2))
        while sum(abs(a - b) for a, b in zip(first, second, strict=True)) < 180:
            second = tuple(int(v) for v in rng.integers(0, 256, 3))
        period = rng.uniform(size / 10, size / 5)
        angle = rng.uniform(0, np.pi)
        ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
        along = (xs * np.cos(angle) + ys * np.sin(angle)) / period
        across = (-xs * np.sin(angle) + ys * np.cos(angle)) / period
        bands = np.floor(along).astype(np.int64) % 2
        if label == 1:  # checks: the bands, flipped every other band the other way
            bands = (bands + np.floor(across).astype(np.int64)) % 2
        canvas = np.where(bands[..., None] == 0, np.array(first), np.array(second)).astype(np.uint8)
    else:
        if differ_by == "colour":
            grey = int(rng.integers(40, 200))
            canvas = np.full((size, size, 3), grey, np.uint8) + rng.integers(-20, 21, 3).astype(np.int64)
            canvas = np.clip(canvas, 0, 255).astype(np.uint8)
            green = rng.integers(0, 70) if label == 0 else rng.integers(190, 256)
            ink = (int(rng.integers(200, 256)), int(green), int(rng.integers(0, 70)))
        else:
            canvas, ink = random_canvas(rng, size)
        if differ_by == "shape" and label == 1:
            angle = rng.uniform(0, np.pi / 2)
            turns = angle + np.arange(4) * np.pi / 2
            points = centre + radius * np.stack([np.cos(turns), np.sin(turns)], axis=1)
            cv2.fillPoly(canvas, [np.round(points * 16).astype(np.int32)], ink, cv2.LINE_AA, shift=4)
        else:
            centre_int = tuple(int(v) for v in np.round(centre * 16))
            cv2.circle(canvas, centre_int, int(radius * 16), ink, -1, cv2.LINE_AA, shift=4)
    noise = rng.normal(0.0, rng.uniform(2.0, 12.0), size=canvas.shape)
    return np.clip(canvas.astype(np.float64) + noise, 0, 255).astype(np.uint8)


TRANSFER_DATA_FILE = "transfer_data.npz"  # the page's images and labels, in the Code panel's bundle
BACKBONE_WEIGHTS = "weights/shapes_cnn.pt"


def transfer_script(
    *,
    mean: Sequence[float],
    std: Sequence[float],
    cut: str = "last layer",
    embedding: str = EMBEDDINGS[0],
    epochs: int = COURSE_EPOCHS,
    learning_rate: float = COURSE_LEARNING_RATE,
) -> str:
    """What the page trains, as a script: our shapes CNN frozen (backbone), each image embedded once, and a
    new Linear head trained by HeadTrainer — this module's own code, shown with inspect.getsource.

    mean, std: the shapes CNN's normalisation (its manifest entry). `result` holds the features' shape and,
    after the last epoch, its losses, validation accuracy and confusion matrix.
    """
    from lib.nn import architectures_torch, data, models, records
    from lib.nn.programs import sources

    code = sources(
        records.EpochRecord,
        records.BatchProgress,
        records.Mistake,
        records.confusion_matrix,
        records.find_mistakes,
        architectures_torch.ShapesCNNConfig,
        architectures_torch.conv_block,
        architectures_torch.ShapesCNN,
        data.stratified_split,
        models.normalize,
        backbone,
        _resized,
        embed,
        colour_statistics,
        image_features,
        HeadTrainer,
    )
    return f"""import io
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import nn

CUT_POINTS = {CUT_POINTS!r}
EMBEDDINGS = {EMBEDDINGS!r}
COLOUR_LEVELS = {COLOUR_LEVELS}
MIN_FEATURE_SCALE = {MIN_FEATURE_SCALE}
COURSE_TEST_SIZE = {data.COURSE_TEST_SIZE}
COURSE_LEARNING_RATE = {COURSE_LEARNING_RATE}
COURSE_BATCH_SIZE = {COURSE_BATCH_SIZE}
_SEED_LOCK = threading.RLock()  # the app shares torch's random state between sessions (lib.nn.random_state)


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
# once per image (the backbone never changes): its features{", then the image's colour statistics" if embedding == EMBEDDINGS[0] else ""}
features = image_features(frozen, images, mean={tuple(mean)!r}, std={tuple(std)!r}, embedding={embedding!r})
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
        confusion=trainer.confusion().tolist(),
    )
"""
