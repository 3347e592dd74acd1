"""Train the course's CNN on a custom image dataset (II.P), epoch by epoch.

The network is lib.nn.architectures_torch.ShapesCNN (Conv->BN->ReLU->MaxPool blocks, flatten size found with a
dummy input, then fully connected 512 -> 128 -> classes), so a model trained here can be rebuilt anywhere
from its entry (model_from_entry) — the classifier and feature-map pages use that.
"""

from __future__ import annotations

import dataclasses
import io
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lib.nn.architectures_torch import ShapesCNN, ShapesCNNConfig, count_parameters
from lib.nn.data import stratified_split
from lib.nn.device import default_device

COURSE_CHANNELS = (32, 64, 128, 256)  # filters: 3 -> 32 -> 64 -> 128 -> 256
LIGHT_CHANNELS = (8, 16, 32, 64)  # the same design, narrower: trains in seconds on a laptop CPU
COURSE_HIDDEN = (512, 128)  # flattened -> 512 -> 128 -> classes
COURSE_LEARNING_RATE = 0.001  # Adam
COURSE_BATCH_SIZE = 32
COURSE_SEED = 42

_SEED_LOCK = threading.Lock()


def course_cnn(
    num_classes: int,
    *,
    image_size: int = 64,
    channels: Sequence[int] = COURSE_CHANNELS,
    hidden: Sequence[int] = COURSE_HIDDEN,
    dropout: float = 0.0,
    seed: int | None = COURSE_SEED,
) -> ShapesCNN:
    """The course's CNN for square RGB images of image_size; seeded without touching the global random state.

    Each entry of `channels` is one Conv3x3(padding 1) -> BatchNorm -> ReLU -> MaxPool2x2 block, so the
    image must survive len(channels) halvings (at least 2**len(channels) pixels).
    """
    if num_classes < 2:
        raise ValueError(f"a classifier needs at least 2 classes, got {num_classes}")
    if not channels or any(width < 1 or width > 1024 for width in channels):
        raise ValueError(f"channels must be between 1 and 1024, got {tuple(channels)}")
    if image_size < 2 ** len(channels):
        raise ValueError(
            f"a {image_size}-pixel image is too small for {len(channels)} pooling blocks "
            f"(each halves the size); use at least {2 ** len(channels)} pixels or fewer blocks"
        )
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    config = ShapesCNNConfig(
        num_classes=num_classes,
        image_size=image_size,
        channels=tuple(channels),
        hidden=tuple(hidden),
        dropout=dropout,
    )
    with _SEED_LOCK, torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        return ShapesCNN(config)


def flatten_size(model: ShapesCNN) -> int:
    """How many numbers the conv blocks hand to the first Linear layer (found, as in the course, with a dummy input)."""
    return model.classifier[0].in_features


def images_to_tensor(images: np.ndarray) -> torch.Tensor:
    """(N, H, W, 3) uint8 -> (N, 3, H, W) float32 in [0, 1] (what ToTensor() does per image)."""
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(f"images must be (N, H, W, 3) uint8, got {images.shape} {images.dtype}")
    return torch.from_numpy(np.array(images, dtype=np.float32)).permute(0, 3, 1, 2).contiguous() / 255.0


@dataclass(frozen=True)
class CnnEpoch:
    """One epoch of CNN training."""

    epoch: int
    train_loss: float  # mean over the epoch's batches (running loss / batches, as the course prints)
    train_accuracy: float  # share of training images right during the epoch (weights changing as it goes)
    val_loss: float
    val_accuracy: float
    seconds: float


@dataclass(frozen=True)
class Misclassified:
    """A validation image the network got wrong."""

    index: int  # into the dataset's images
    true_class: str
    predicted_class: str
    confidence: float  # softmax probability of the predicted class


class CnnTrainer:
    """The course's training loop for images: DataLoader batches, Adam, CrossEntropyLoss; `epochs(n)` yields.

    images (N, H, W, 3) uint8 (square; resized when image_size differs), labels (N,) int64 into class_names.
    A stratified 80/20 split gives the validation images. Inputs are normalised with the training images'
    per-channel mean and std, which the model entry records.
    """

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        class_names: Sequence[str],
        *,
        image_size: int | None = None,
        channels: Sequence[int] = COURSE_CHANNELS,
        hidden: Sequence[int] = COURSE_HIDDEN,
        dropout: float = 0.0,
        learning_rate: float = COURSE_LEARNING_RATE,
        batch_size: int = COURSE_BATCH_SIZE,
        val_fraction: float = 0.2,
        seed: int = COURSE_SEED,
        device: torch.device | None = None,
    ) -> None:
        labels = np.array(labels, dtype=np.int64)  # a private, writable copy
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        if len(images) < 4:
            raise ValueError(f"only {len(images)} images; at least 4 are needed to train and validate")
        if labels.min() < 0 or labels.max() >= len(class_names):
            raise ValueError("labels must index class_names")
        if not 0 < learning_rate <= 1:
            raise ValueError(f"learning rate must be in (0, 1], got {learning_rate}")
        if batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {batch_size}")
        size = int(image_size or images.shape[1])
        if images.shape[1] != size or images.shape[2] != size:
            images = np.stack(
                [cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA) for image in images]
            )
        self.images = images
        self.labels = labels
        self.class_names = tuple(class_names)
        self.image_size = size
        self.batch_size = batch_size
        self.seed = seed
        self.device = device or default_device()
        self.train_index, self.val_index = stratified_split(labels, test_size=val_fraction, seed=seed)
        pixels = images_to_tensor(images)
        train_pixels = pixels[torch.from_numpy(self.train_index)]
        self.mean = tuple(float(value) for value in train_pixels.mean(dim=(0, 2, 3)))
        self.std = tuple(max(float(value), 1e-3) for value in train_pixels.std(dim=(0, 2, 3)))
        normalised = (pixels - torch.tensor(self.mean).view(1, 3, 1, 1)) / torch.tensor(self.std).view(
            1, 3, 1, 1
        )
        all_labels = torch.from_numpy(labels)
        self.x_train = normalised[torch.from_numpy(self.train_index)]
        self.y_train = all_labels[torch.from_numpy(self.train_index)]
        self.x_val = normalised[torch.from_numpy(self.val_index)]
        self.y_val = all_labels[torch.from_numpy(self.val_index)]
        self.model = course_cnn(
            len(self.class_names),
            image_size=size,
            channels=channels,
            hidden=hidden,
            dropout=dropout,
            seed=seed,
        ).to(self.device)
        self.criterion = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=learning_rate)
        self.loader = DataLoader(
            TensorDataset(self.x_train, self.y_train),
            batch_size=batch_size,
            shuffle=True,
            generator=torch.Generator().manual_seed(seed),
        )
        self.history: list[CnnEpoch] = []

    @property
    def parameters(self) -> int:
        return count_parameters(self.model)

    @property
    def batches_per_epoch(self) -> int:
        return len(self.loader)

    def epochs(self, count: int, *, on_batch: Callable[[int, int], None] | None = None) -> Iterator[CnnEpoch]:
        """Train `count` more epochs, yielding each epoch's metrics; on_batch(done, total) after every batch."""
        if count < 0:
            raise ValueError(f"epochs cannot be negative, got {count}")
        for _ in range(count):
            start = time.perf_counter()
            self.model.train()  # BatchNorm uses batch statistics, Dropout drops
            running_loss, correct, seen = 0.0, 0, 0
            for done, (images, labels) in enumerate(self.loader, start=1):
                images, labels = images.to(self.device), labels.to(self.device)
                self.optimizer.zero_grad()
                outputs = self.model(images)
                loss = self.criterion(outputs, labels)
                loss.backward()
                self.optimizer.step()
                running_loss += loss.item()
                correct += int((outputs.argmax(dim=1) == labels).sum())
                seen += len(labels)
                if on_batch is not None:
                    on_batch(done, len(self.loader))
            val_loss, val_accuracy = self._validate()
            metrics = CnnEpoch(
                epoch=len(self.history) + 1,
                train_loss=running_loss / len(self.loader),
                train_accuracy=correct / max(seen, 1),
                val_loss=val_loss,
                val_accuracy=val_accuracy,
                seconds=time.perf_counter() - start,
            )
            self.history.append(metrics)
            yield metrics

    def train(self, count: int) -> list[CnnEpoch]:
        """Run `count` epochs to the end."""
        return list(self.epochs(count))

    @torch.no_grad()
    def _outputs(self, images: torch.Tensor) -> torch.Tensor:
        self.model.eval()  # BatchNorm uses its running statistics
        chunks = [
            self.model(images[start : start + 256].to(self.device)).cpu()
            for start in range(0, len(images), 256)
        ]
        return torch.cat(chunks) if chunks else torch.empty(0, len(self.class_names))

    def _validate(self) -> tuple[float, float]:
        outputs = self._outputs(self.x_val)
        loss = float(self.criterion(outputs, self.y_val))
        accuracy = float((outputs.argmax(dim=1) == self.y_val).float().mean())
        return loss, accuracy

    def validation_predictions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(true labels, predicted labels, probabilities (n, classes)) on the validation images."""
        probabilities = torch.softmax(self._outputs(self.x_val), dim=1).numpy()
        return self.y_val.numpy(), probabilities.argmax(axis=1), probabilities

    def confusion(self) -> np.ndarray:
        """Validation confusion matrix (classes, classes) int64: rows true, columns predicted."""
        true, predicted, _ = self.validation_predictions()
        matrix = np.zeros((len(self.class_names), len(self.class_names)), dtype=np.int64)
        np.add.at(matrix, (true, predicted), 1)
        return matrix

    def misclassified(self, *, limit: int = 12) -> list[Misclassified]:
        """Wrong validation predictions, most confident first (at most `limit`)."""
        true, predicted, probabilities = self.validation_predictions()
        wrong = np.flatnonzero(true != predicted)
        order = wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")][:limit]
        return [
            Misclassified(
                index=int(self.val_index[i]),
                true_class=self.class_names[true[i]],
                predicted_class=self.class_names[predicted[i]],
                confidence=float(probabilities[i, predicted[i]]),
            )
            for i in order
        ]

    def model_entry(self) -> dict:
        """What the session keeps of a trained model: state dict, class names, input size, normalisation."""
        config = self.model.config
        return {
            "architecture": "ShapesCNN",
            "config": dataclasses.asdict(config),
            "state_dict": {
                name: value.detach().cpu().clone() for name, value in self.model.state_dict().items()
            },
            "class_names": list(self.class_names),
            "classes": list(self.class_names),
            "input_size": [3, self.image_size, self.image_size],
            "mean": list(self.mean),
            "std": list(self.std),
            "val_accuracy": self.history[-1].val_accuracy if self.history else None,
            "epochs": len(self.history),
        }


def model_from_entry(entry: dict, *, device: torch.device | None = None) -> ShapesCNN:
    """Rebuild a trained model from model_entry(): the architecture from its config, then its weights; eval mode."""
    if entry.get("architecture") != "ShapesCNN":
        raise ValueError(f"unknown architecture {entry.get('architecture')!r}")
    config = dict(entry["config"])
    config["channels"] = tuple(config["channels"])
    config["hidden"] = tuple(config["hidden"])
    model = ShapesCNN(ShapesCNNConfig(**config))
    model.load_state_dict(entry["state_dict"])
    return model.to(device or default_device()).eval()


def classify_with_entry(entry: dict, image_rgb: np.ndarray, *, k: int = 5) -> list[tuple[str, float]]:
    """Top-k (class, probability) for one RGB uint8 image with a session-trained model; k <= number of classes."""
    classes = entry["class_names"]
    k = min(k, len(classes))
    size = entry["input_size"][1]
    if image_rgb.ndim == 2:
        image_rgb = cv2.cvtColor(image_rgb, cv2.COLOR_GRAY2RGB)
    resized = cv2.resize(image_rgb, (size, size), interpolation=cv2.INTER_AREA)
    tensor = images_to_tensor(resized[None])
    tensor = (tensor - torch.tensor(entry["mean"]).view(1, 3, 1, 1)) / torch.tensor(entry["std"]).view(
        1, 3, 1, 1
    )
    model = model_from_entry(entry)
    with torch.no_grad():
        probabilities = torch.softmax(model(tensor.to(next(model.parameters()).device)), dim=1)[0].cpu()
    values, indices = torch.topk(probabilities, k)
    return [(classes[int(i)], float(v)) for v, i in zip(values, indices, strict=True)]


def state_dict_bytes(model: nn.Module) -> bytes:
    """The model's state dict as torch.save bytes (a .pth file to download; load with weights_only=True)."""
    buffer = io.BytesIO()
    torch.save({name: value.detach().cpu() for name, value in model.state_dict().items()}, buffer)
    return buffer.getvalue()


TRAINING_DATA_FILE = "training_data.npz"  # the images the page trained on, in the Code panel's bundle


def training_script(
    *,
    channels: Sequence[int] = COURSE_CHANNELS,
    learning_rate: float = COURSE_LEARNING_RATE,
    batch_size: int = COURSE_BATCH_SIZE,
    seed: int = COURSE_SEED,
    epochs: int = 5,
) -> str:
    """The page's training as a script: this module's own code (course_cnn, CnnTrainer and what they use,
    shown with inspect.getsource), run on the images in TRAINING_DATA_FILE with these settings.

    `result` holds the data's size and classes and, after the last epoch, its losses and validation accuracy.
    """
    from lib.nn import architectures_torch, data, device
    from lib.nn.programs import sources

    code = sources(
        device.default_device,
        architectures_torch.ShapesCNNConfig,
        architectures_torch.conv_block,
        architectures_torch.ShapesCNN,
        architectures_torch.count_parameters,
        data.stratified_split,
        course_cnn,
        images_to_tensor,
        CnnEpoch,
        Misclassified,
        CnnTrainer,
    )
    return f"""import dataclasses
import math
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

COURSE_CHANNELS = {COURSE_CHANNELS}
COURSE_HIDDEN = {COURSE_HIDDEN}
COURSE_LEARNING_RATE = {COURSE_LEARNING_RATE}
COURSE_BATCH_SIZE = {COURSE_BATCH_SIZE}
COURSE_SEED = {COURSE_SEED}
COURSE_TEST_SIZE = {data.COURSE_TEST_SIZE}
_SEED_LOCK = threading.Lock()


{code}

data = np.load("{TRAINING_DATA_FILE}")  # the images the page trained on
images, labels = data["images"], data["labels"]
class_names = [str(name) for name in data["class_names"]]
trainer = CnnTrainer(
    images,
    labels,
    class_names,
    channels={tuple(channels)},
    learning_rate={learning_rate!r},
    batch_size={batch_size},
    seed={seed},
)
print(f"{{len(images)}} images, {{trainer.parameters:,}} parameters, {{trainer.batches_per_epoch}} batches per epoch")
for epoch in trainer.epochs({epochs}):
    print(
        f"Epoch {{epoch.epoch}}: train loss {{epoch.train_loss:.4f}}, accuracy {{epoch.train_accuracy:.1%}}; "
        f"validation loss {{epoch.val_loss:.4f}}, accuracy {{epoch.val_accuracy:.1%}}"
    )
torch.save(trainer.model.state_dict(), "cnn_model.pth")  # the weights the page lets you download

result = {{"images": len(images), "classes": class_names}}
if trainer.history:
    last = trainer.history[-1]
    result.update(
        epochs=last.epoch, train_loss=last.train_loss, val_loss=last.val_loss, val_accuracy=last.val_accuracy
    )
"""
