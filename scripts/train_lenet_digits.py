"""Train the course's LeNet-5 on scikit-learn's handwritten digits (8x8 scaled to 32x32) -> weights/lenet_digits.pt.

    python scripts/train_lenet_digits.py [--epochs 30]
    python scripts/train_lenet_digits.py --evaluate   # the current weights' accuracies, nothing written

Data: sklearn.datasets.load_digits (1,797 images of 10 digits, bundled with scikit-learn), split 80/20
stratified by class with seed 0 (lib.nn.models.digits_split), plus digits drawn as the Classifier's canvas
draws them (lib.nn.drawn_digits: sevens without the bar, ones without a base, open fours, ...; seed 100 for
training, seed 200 for the held-out drawn set). Hyper-parameters are the course's: Adam, learning rate 0.001,
batch size 64, cross-entropy; inputs normalised with the training set's mean and std; training batches
randomly shifted (±2 px), rotated (±10°) and scaled (±10 %). The out-of-distribution threshold is chosen
again afterwards (scripts/ood_threshold.py): it depends on the weights.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from ood_threshold import choose_threshold
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from weights_record import machine, save_weights

from lib.nn.architectures_torch import DigitsLeNet5, count_parameters
from lib.nn.drawn_digits import STYLES, drawn_digits
from lib.nn.models import DIGIT_CLASSES, DIGIT_SIDE, digits_split, load_model, read_manifest

NAME = "lenet_digits"
SEED = 0
TEST_FRACTION = 0.2
DRAWN_SEED, DRAWN_PER_STYLE = 100, 60  # drawn training digits: 60 of each of the styles
DRAWN_TEST_SEED, DRAWN_TEST_PER_STYLE = 200, 20  # the held-out drawn digits (another seed)


def augment(
    images: torch.Tensor, generator: torch.Generator, *, shift: float = 2.0, degrees: float = 10.0
) -> torch.Tensor:
    """Random small shifts (pixels), rotations and scalings of a (N, 1, H, W) batch: handwriting varies."""
    count, side = images.shape[0], images.shape[-1]
    angle = (torch.rand(count, generator=generator) * 2 - 1) * np.deg2rad(degrees)
    scale = 1 + (torch.rand(count, generator=generator) * 2 - 1) * 0.1
    offset = (torch.rand(count, 2, generator=generator) * 2 - 1) * (2 * shift / side)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, offset[:, 0]], 1), torch.stack([sin, cos, offset[:, 1]], 1)], 1
    )
    grid = nn.functional.affine_grid(theta, list(images.shape), align_corners=False)
    background = images.amin(dim=(1, 2, 3), keepdim=True)  # normalised black
    return nn.functional.grid_sample(images - background, grid, align_corners=False) + background


def evaluate(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Accuracy in [0, 1] of a model on a whole tensor data set."""
    model.eval()
    with torch.no_grad():
        return (model(images).argmax(dim=1) == labels).float().mean().item()


def style_accuracies(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, styles: list[str]) -> dict:
    """Accuracy of a model on each drawing style ("7 no bar": 0.95, ...)."""
    model.eval()
    with torch.no_grad():
        correct = (model(images).argmax(dim=1) == labels).numpy()
    return {
        style: round(float(correct[[s == style for s in styles]].mean()), 4)
        for style in dict.fromkeys(styles)
    }


def report(model: nn.Module, mean: float, std: float, test: tuple, drawn_test: tuple) -> dict:
    """Print and return the accuracies on the digits test split and on the held-out drawn digits."""
    to_tensor = lambda images: (torch.from_numpy(images).unsqueeze(1) - mean) / std  # noqa: E731
    test_x, test_y = test
    drawn_x, drawn_y, styles = drawn_test
    digits = evaluate(model, to_tensor(test_x), torch.from_numpy(test_y))
    drawn = evaluate(model, to_tensor(drawn_x), torch.from_numpy(drawn_y))
    per_style = style_accuracies(model, to_tensor(drawn_x), torch.from_numpy(drawn_y), styles)
    print(
        f"digits test split: {digits:.4f} on {len(test_y)}; held-out drawn digits: {drawn:.4f} on {len(drawn_y)}"
    )
    print("  by style: " + ", ".join(f"{style} {value:.2f}" for style, value in per_style.items()))
    return {"digits": digits, "drawn": drawn, "per_style": per_style}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--evaluate", action="store_true", help="only report the current weights' accuracies")
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(SEED)

    train_x, train_y, test_x, test_y = digits_split(test_fraction=TEST_FRACTION, seed=SEED)
    drawn_test = drawn_digits(DRAWN_TEST_PER_STYLE, seed=DRAWN_TEST_SEED)
    if args.evaluate:
        entry = read_manifest()[NAME]
        model = load_model(NAME, device=torch.device("cpu"))
        report(model, entry["mean"][0], entry["std"][0], (test_x, test_y), drawn_test)
        return
    drawn_x, drawn_y, _ = drawn_digits(DRAWN_PER_STYLE, seed=DRAWN_SEED)
    digits_count = len(train_y)
    train_x, train_y = np.concatenate([train_x, drawn_x]), np.concatenate([train_y, drawn_y])
    mean, std = float(train_x.mean()), float(train_x.std())
    to_tensor = lambda images: (torch.from_numpy(images).unsqueeze(1) - mean) / std  # noqa: E731  (N, 1, 32, 32)
    train_images, test_images = to_tensor(train_x), to_tensor(test_x)
    train_labels, test_labels = torch.from_numpy(train_y), torch.from_numpy(test_y)
    loader = DataLoader(
        TensorDataset(train_images, train_labels),
        batch_size=args.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(SEED),
    )

    model = DigitsLeNet5(num_classes=len(DIGIT_CLASSES))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    augment_generator = torch.Generator().manual_seed(SEED + 1)
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        running_loss = 0.0
        for images, labels in loader:
            images = augment(images, augment_generator)
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        print(
            f"epoch {epoch + 1:2d}  loss {running_loss / len(loader):.4f}  test {evaluate(model, test_images, test_labels):.4f}"
        )
    seconds = time.perf_counter() - start
    accuracy = evaluate(model, test_images, test_labels)
    print(f"test accuracy {accuracy:.4f} on {len(test_y)} images; {seconds:.1f} s")
    held_out = report(model, mean, std, (test_x, test_y), drawn_test)
    drawn_accuracy = held_out["drawn"]
    styles_note = "; ".join(f"{digit}: {', '.join(STYLES[digit])}" for digit in STYLES)

    entry = {
        "architecture": "LeNet5",
        "classes": list(DIGIT_CLASSES),
        "input_size": [1, DIGIT_SIDE, DIGIT_SIDE],
        "mean": [round(mean, 6)],
        "std": [round(std, 6)],
        "test_accuracy": round(accuracy, 4),
        "test_split": {"data": "sklearn.datasets.load_digits", "test_fraction": TEST_FRACTION, "seed": SEED},
        "test_samples": len(test_y),
        "drawn_training": {"module": "lib.nn.drawn_digits", "per_style": DRAWN_PER_STYLE, "seed": DRAWN_SEED},
        "drawn_test": {
            "per_style": DRAWN_TEST_PER_STYLE,
            "seed": DRAWN_TEST_SEED,
            "samples": len(drawn_test[1]),
        },
        "drawn_test_accuracy": round(drawn_accuracy, 4),
        "drawn_test_by_style": held_out["per_style"],
        "epochs": args.epochs,
        "train_seconds": round(seconds, 1),
    }
    section = f"""## lenet_digits.pt — LeNet-5 on handwritten digits

- Architecture: `lib.nn.architectures_torch.DigitsLeNet5` (the course's definition; conv1 without padding since the
  input is 32×32), {count_parameters(model):,} parameters.
- Data: scikit-learn's `load_digits` (1,797 8×8 digits, values 0–16), scaled to [0, 1] and bilinearly to
  32×32; stratified 80/20 split, seed {SEED} ({digits_count} train / {len(test_y)} test).
- Drawn digits: {len(drawn_y)} more training images drawn as the Classifier's canvas draws them
  (`lib.nn.drawn_digits`, {DRAWN_PER_STYLE} per style, seed {DRAWN_SEED}; thick polylines on the 280×280 canvas,
  then the page's preprocessing). Styles — {styles_note}. The UCI writers crossed their 7s and based their 1s;
  students mostly do not.
  Normalised with the training set's mean {mean:.4f} and std {std:.4f} (digits and drawings together).
- Augmentation: random shifts (±2 px), rotations (±10°) and scalings (±10 %) of each training batch.
- Command: `python scripts/train_lenet_digits.py --epochs {args.epochs}` (Adam, lr {args.lr}, batch {args.batch_size}).
- Epochs: {args.epochs}; {seconds:.0f} s on this machine ({machine()}).
- Test accuracy: **{accuracy * 100:.2f} %** on the {len(test_y)} held-out digits.
- Held-out drawn digits ({len(drawn_test[1])}, {DRAWN_TEST_PER_STYLE} per style, seed {DRAWN_TEST_SEED}):
  **{drawn_accuracy * 100:.2f} %**; sevens without the bar {held_out["per_style"]["7 no bar"] * 100:.0f} %,
  ones without a base {held_out["per_style"]["1 with a flag, no base"] * 100:.0f} %.
- sha256: `{{sha256}}`
"""
    digest = save_weights(NAME, model, entry, section)
    print(f"wrote weights/{NAME}.pt sha256 {digest}")
    choose_threshold(NAME)  # the out-of-distribution threshold depends on the weights


if __name__ == "__main__":
    main()
