"""Train the course's CNN on a custom image dataset (II.P), epoch by epoch.

The network is lib.nn.architectures_torch.ShapesCNN (Conv->BN->ReLU->MaxPool blocks, flatten size found with a
dummy input, then fully connected 512 -> 128 -> classes), so a model trained here can be rebuilt anywhere
from its entry (model_from_entry) — the classifier and feature-map pages use that.
"""

from __future__ import annotations

import dataclasses
import math
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
from lib.nn.random_state import GLOBAL_RNG_LOCK as _SEED_LOCK
from lib.nn.records import BatchProgress, EpochRecord, Mistake, confusion_matrix, find_mistakes

COURSE_CHANNELS = (32, 64, 128, 256)  # filters: 3 -> 32 -> 64 -> 128 -> 256
LIGHT_CHANNELS = (8, 16, 32, 64)  # the same design, narrower: trains in seconds on a laptop CPU
COURSE_HIDDEN = (512, 128)  # flattened -> 512 -> 128 -> classes
COURSE_LEARNING_RATE = 0.001  # Adam
COURSE_BATCH_SIZE = 32
COURSE_SEED = 42
SCHEDULES = ("constant", "one-cycle")  # the course keeps lr fixed; one-cycle warms up, then anneals
WARMUP_SHARE = 0.25  # one-cycle: the first quarter of the planned batches climbs to the peak rate
FINAL_SHARE = 0.02  # ...and the rate ends (and stays, for "Train more") at 2 % of the peak


@dataclass(frozen=True)
class CnnPreset:
    """A set of Train a CNN settings: the page's quick defaults, or the course's own."""

    image_size: int  # square input, pixels
    channels: tuple[int, ...]  # filters per Conv->BN->ReLU->MaxPool block
    epochs: int
    batch_size: int
    learning_rate: float  # Adam's (the one-cycle peak)
    schedule: str  # one of SCHEDULES
    flips: bool  # random flips of the training images
    per_class: int  # shapes drawn per class
    seconds: float  # measured wall time to train it (benchmarks/README.md), to state on the page


# Measured on a shared 2-core machine, torch 2 threads (benchmarks/README.md, "Train a CNN").
QUICK = CnnPreset(48, LIGHT_CHANNELS, 15, 64, 0.003, "one-cycle", True, 500, 30.0)
COURSE = CnnPreset(
    64, COURSE_CHANNELS, 10, COURSE_BATCH_SIZE, COURSE_LEARNING_RATE, "constant", False, 500, 150.0
)


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


def one_cycle_rate(step: int, total_steps: int, peak: float) -> float:
    """The learning rate of batch `step` (0-based) in a one-cycle plan of `total_steps` batches.

    A straight climb from FINAL_SHARE * peak to peak over the first WARMUP_SHARE of the batches, then a cosine
    down to FINAL_SHARE * peak at the last one; after the plan ("Train more") it stays there.
    """
    low = peak * FINAL_SHARE
    warmup = max(1, round(total_steps * WARMUP_SHARE))
    if step >= total_steps:
        return low
    if step < warmup:
        return low + (peak - low) * step / warmup
    progress = (step - warmup) / max(1, total_steps - 1 - warmup)
    return low + (peak - low) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))


def random_flips(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """(N, C, H, W): each image flipped left-right with probability 1/2, and upside down with probability 1/2
    (RandomHorizontalFlip + RandomVerticalFlip): a flipped star is still a star, so it is new data for free."""
    left_right, upside_down = (torch.rand(len(images), generator=generator) < 0.5 for _ in range(2))
    images = torch.where(left_right.view(-1, 1, 1, 1), images.flip(3), images)
    return torch.where(upside_down.view(-1, 1, 1, 1), images.flip(2), images)


class CnnTrainer:
    """The course's training loop for images: DataLoader batches, Adam, CrossEntropyLoss; `epochs(n)` yields.

    images (N, H, W, 3) uint8 (square; resized when image_size differs), labels (N,) int64 into class_names.
    A stratified 80/20 split gives the validation images. Inputs are normalised with the training images'
    per-channel mean and std, which the model entry records. flips: mirror training images at random
    (random_flips; for shapes a flip keeps the class). schedule "constant" keeps Adam's learning rate
    (the course); "one-cycle" plans `planned_epochs` epochs: warm up to learning_rate, then anneal (after
    the plan, "Train more" goes on at the final, small rate).
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
        schedule: str = "constant",
        planned_epochs: int = 10,
        flips: bool = False,
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
        if schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
        if planned_epochs < 1:
            raise ValueError(f"planned epochs must be at least 1, got {planned_epochs}")
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
        self.learning_rate = learning_rate
        self.schedule = schedule
        self.flips = flips
        self.seed = seed
        self._flip_generator = torch.Generator().manual_seed(seed + 1)
        self.device = device or default_device()
        self.train_index, self.val_index = stratified_split(labels, test_size=val_fraction, seed=seed)
        # kept as uint8 (N, 3, H, W), a quarter of float32's memory; normalise() makes each batch the model's input
        pixels = torch.tensor(images).permute(0, 3, 1, 2).contiguous()  # a copy: the images may be read-only
        self.train_pixels = pixels[torch.from_numpy(self.train_index)]
        self.val_pixels = pixels[torch.from_numpy(self.val_index)]
        train_values = self.train_pixels.float() / 255.0
        self.mean = tuple(float(value) for value in train_values.mean(dim=(0, 2, 3)))
        self.std = tuple(max(float(value), 1e-3) for value in train_values.std(dim=(0, 2, 3)))
        all_labels = torch.from_numpy(labels)
        self.y_train = all_labels[torch.from_numpy(self.train_index)]
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
            TensorDataset(self.train_pixels, self.y_train),
            batch_size=batch_size,
            shuffle=True,
            generator=torch.Generator().manual_seed(seed),
        )
        self.planned_steps = planned_epochs * len(self.loader)
        self.steps = 0  # batches trained so far, over every call of epochs()
        self.history: list[EpochRecord] = []

    def normalise(self, pixels: torch.Tensor) -> torch.Tensor:
        """uint8 (N, 3, H, W) -> the model's input: values / 255, minus the training images' mean, over their
        std, per channel."""
        values = pixels.float() / 255.0
        return (values - torch.tensor(self.mean).view(1, 3, 1, 1)) / torch.tensor(self.std).view(1, 3, 1, 1)

    @property
    def x_train(self) -> torch.Tensor:
        """The training images as the model sees them (normalised float32)."""
        return self.normalise(self.train_pixels)

    @property
    def x_val(self) -> torch.Tensor:
        """The validation images as the model sees them (normalised float32)."""
        return self.normalise(self.val_pixels)

    @property
    def parameters(self) -> int:
        return count_parameters(self.model)

    @property
    def batches_per_epoch(self) -> int:
        return len(self.loader)

    def rate(self) -> float:
        """The learning rate the next batch uses."""
        if self.schedule == "constant":
            return self.learning_rate
        return one_cycle_rate(self.steps, self.planned_steps, self.learning_rate)

    def epochs(
        self, count: int, *, on_batch: Callable[[BatchProgress], None] | None = None
    ) -> Iterator[EpochRecord]:
        """Train `count` more epochs, yielding each epoch's record; on_batch(progress) after every batch."""
        if count < 0:
            raise ValueError(f"epochs cannot be negative, got {count}")
        for _ in range(count):
            start = time.perf_counter()
            self.model.train()  # BatchNorm uses batch statistics, Dropout drops
            running_loss, correct, seen = 0.0, 0, 0
            for done, (images, labels) in enumerate(self.loader, start=1):
                batch_start = time.perf_counter()
                if self.flips:  # each training image mirrored left-right and/or upside down, at random
                    images = random_flips(images, self._flip_generator)
                images, labels = self.normalise(images).to(self.device), labels.to(self.device)
                for group in self.optimizer.param_groups:
                    group["lr"] = self.rate()
                self.optimizer.zero_grad()
                outputs = self.model(images)
                loss = self.criterion(outputs, labels)
                loss.backward()
                self.optimizer.step()
                self.steps += 1
                running_loss += loss.item()
                correct += int((outputs.argmax(dim=1) == labels).sum())
                seen += len(labels)
                if on_batch is not None:
                    now = time.perf_counter()
                    on_batch(
                        BatchProgress(
                            len(self.history) + 1, done, len(self.loader), now - batch_start, now - start
                        )
                    )
            val_loss, val_accuracy = self._validate()
            record = EpochRecord(
                epoch=len(self.history) + 1,
                train_loss=running_loss / len(self.loader),
                train_accuracy=correct / max(seen, 1),
                val_loss=val_loss,
                val_accuracy=val_accuracy,
                seconds=time.perf_counter() - start,
            )
            self.history.append(record)
            yield record

    def train(self, count: int) -> list[EpochRecord]:
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
        return confusion_matrix(true, predicted, len(self.class_names))

    def mistakes(self, *, limit: int | None = 12) -> list[Mistake]:
        """Wrong validation predictions, most confident first (at most `limit`)."""
        true, _, probabilities = self.validation_predictions()
        return find_mistakes(self.val_index, true, probabilities, self.class_names, limit=limit)

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


TRAINING_DATA_FILE = "training_data.npz"  # the images the page trained on, in the Code panel's bundle


def training_script(
    *,
    channels: Sequence[int] = COURSE_CHANNELS,
    learning_rate: float = COURSE_LEARNING_RATE,
    batch_size: int = COURSE_BATCH_SIZE,
    schedule: str = "constant",
    flips: bool = False,
    seed: int = COURSE_SEED,
    epochs: int = 5,
) -> str:
    """The page's training as a script: this module's own code (course_cnn, CnnTrainer and what they use,
    shown with inspect.getsource), run on the images in TRAINING_DATA_FILE with these settings.

    `result` holds the data's size and classes and, after the last epoch, its losses and validation accuracy.
    """
    from lib.nn import architectures_torch, data, device, records
    from lib.nn.models import checkpoint
    from lib.nn.programs import sources

    code = sources(
        device.default_device,
        records.EpochRecord,
        records.BatchProgress,
        records.Mistake,
        records.confusion_matrix,
        records.find_mistakes,
        architectures_torch.ShapesCNNConfig,
        architectures_torch.conv_block,
        architectures_torch.ShapesCNN,
        architectures_torch.count_parameters,
        data.stratified_split,
        course_cnn,
        one_cycle_rate,
        random_flips,
        CnnTrainer,
        checkpoint.checkpoint_of,
    )
    return f"""import dataclasses
import math
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
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
SCHEDULES = {SCHEDULES!r}
WARMUP_SHARE = {WARMUP_SHARE}
FINAL_SHARE = {FINAL_SHARE}
CHECKPOINT_FORMAT = {checkpoint.CHECKPOINT_FORMAT!r}
CHECKPOINT_VERSION = {checkpoint.CHECKPOINT_VERSION}
_SEED_LOCK = threading.RLock()  # the app shares torch's random state between sessions (lib.nn.random_state)


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
    schedule={schedule!r},
    planned_epochs={epochs},
    flips={flips!r},
    seed={seed},
)
print(f"{{len(images)}} images, {{trainer.parameters:,}} parameters, {{trainer.batches_per_epoch}} batches per epoch")
for epoch in trainer.epochs({epochs}):
    print(
        f"Epoch {{epoch.epoch}}: train loss {{epoch.train_loss:.4f}}, accuracy {{epoch.train_accuracy:.1%}}; "
        f"validation loss {{epoch.val_loss:.4f}}, accuracy {{epoch.val_accuracy:.1%}}"
    )
# what the page lets you download: the weights with their config and class names (tensors, numbers, names only)
torch.save(checkpoint_of(trainer.model_entry()), "cnn_model.pth")

result = {{"images": len(images), "classes": class_names}}
if trainer.history:
    last = trainer.history[-1]
    result.update(
        epochs=last.epoch, train_loss=last.train_loss, val_loss=last.val_loss, val_accuracy=last.val_accuracy
    )
"""
