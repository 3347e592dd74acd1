"""Train the course's Conv->BN->ReLU->Pool CNN on generated shapes (lib.cv.shapes) -> weights/shapes_cnn.pt.

    python scripts/train_shapes_cnn.py [--epochs 8] [--per-class 800]

Data: lib.cv.shapes.make_shapes draws circles, squares, triangles, stars and hexagons with random colour,
size, position, rotation, background and noise at 64x64: seed 0 for training, seed 1 for the test set
(a separate draw, never seen in training). Hyper-parameters are the course's: Adam, learning rate 0.001,
cross-entropy, batch size 64, with a one-cycle learning-rate schedule (peak 0.003) so the last epoch
settles; inputs normalised per channel with the training set's mean and std.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from weights_record import machine, save_weights

from lib.cv.shapes import SHAPE_CLASSES, make_shapes
from lib.nn.architectures_torch import ShapesCNN, ShapesCNNConfig, count_parameters

NAME = "shapes_cnn"
SIDE = 64
TRAIN_SEED, TEST_SEED = 0, 1
TEST_PER_CLASS = 200


def evaluate(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Accuracy in [0, 1] of a model on a tensor data set, in batches of 256."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(labels), 256):
            predicted = model(images[start : start + 256]).argmax(dim=1)
            correct += int((predicted == labels[start : start + 256]).sum())
    return correct / len(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--per-class", type=int, default=800)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.001)
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(TRAIN_SEED)

    train_x, train_y = make_shapes(args.per_class, size=SIDE, seed=TRAIN_SEED)
    test_x, test_y = make_shapes(TEST_PER_CLASS, size=SIDE, seed=TEST_SEED)
    as_float = lambda images: torch.from_numpy(images).permute(0, 3, 1, 2).contiguous().float() / 255.0  # noqa: E731  (N, 3, 64, 64)
    train_float = as_float(train_x)
    mean = train_float.mean(dim=(0, 2, 3))
    std = train_float.std(dim=(0, 2, 3))
    normalise = lambda images: (images - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)  # noqa: E731
    train_images, test_images = normalise(train_float), normalise(as_float(test_x))
    train_labels, test_labels = torch.from_numpy(train_y), torch.from_numpy(test_y)
    loader = DataLoader(
        TensorDataset(train_images, train_labels),
        batch_size=args.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(TRAIN_SEED),
    )

    config = ShapesCNNConfig(num_classes=len(SHAPE_CLASSES), image_size=SIDE)
    model = ShapesCNN(config)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr * 3, epochs=args.epochs, steps_per_epoch=len(loader)
    )
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        running_loss = 0.0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            scheduler.step()
            running_loss += loss.item()
        test_accuracy = evaluate(model, test_images, test_labels)
        print(
            f"epoch {epoch + 1:2d}  loss {running_loss / len(loader):.4f}  test {test_accuracy:.4f}  {time.perf_counter() - start:.0f} s"
        )
    seconds = time.perf_counter() - start
    accuracy = evaluate(model, test_images, test_labels)
    print(f"test accuracy {accuracy:.4f} on {len(test_y)} images; {seconds:.1f} s")

    mean_list = [round(float(value), 6) for value in mean]
    std_list = [round(float(value), 6) for value in std]
    entry = {
        "architecture": "ShapesCNN",
        "classes": list(SHAPE_CLASSES),
        "input_size": [3, SIDE, SIDE],
        "mean": mean_list,
        "std": std_list,
        "test_accuracy": round(accuracy, 4),
        "test_split": {"data": "lib.cv.shapes.make_shapes", "per_class": TEST_PER_CLASS, "seed": TEST_SEED},
        "test_samples": len(test_y),
        "epochs": args.epochs,
        "train_seconds": round(seconds, 1),
    }
    section = f"""## shapes_cnn.pt — the course's Conv→BN→ReLU→Pool CNN on generated shapes

- Architecture: `lib.nn.architectures_torch.ShapesCNN` with its default config: blocks of 8-16-32-64 filters
  (the course's 32-64-128-256, a quarter as wide, to train in minutes on 2 CPU cores), then 256-64 hidden units; {count_parameters(model):,} parameters.
- Data: `lib.cv.shapes.make_shapes` at {SIDE}×{SIDE}, classes {", ".join(SHAPE_CLASSES)}:
  {args.per_class} per class with seed {TRAIN_SEED} for training, {TEST_PER_CLASS} per class with seed {TEST_SEED} for the test.
  Normalised per channel with the training set's mean {mean_list} and std {std_list}.
- Command: `python scripts/train_shapes_cnn.py --epochs {args.epochs} --per-class {args.per_class}` (Adam, one-cycle schedule peaking at lr {args.lr * 3:g}, batch {args.batch_size}).
- Epochs: {args.epochs}; {seconds:.0f} s on this machine ({machine()}).
- Test accuracy: **{accuracy * 100:.2f} %** on {len(test_y)} freshly drawn shapes.
- sha256: `{{sha256}}`
"""
    digest = save_weights(NAME, model, entry, section)
    print(f"wrote weights/{NAME}.pt sha256 {digest}")


if __name__ == "__main__":
    main()
