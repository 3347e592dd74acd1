"""Train a CNN and Transfer learning at the pages' defaults: accuracy, wall time and process CPU time.

    python benchmarks/train_cnn.py quick [--seeds 42 1 2]   # the page's QUICK preset, one run per seed
    python benchmarks/train_cnn.py course [--epochs 1]       # the COURSE preset: seconds per epoch
    python benchmarks/train_cnn.py transfer                  # colour / shape / texture sets, with and without colour

Each run draws the shapes as the page does (lib.cv.shapes.make_shapes, seed 0), trains with torch on 2 threads
and prints one JSON line: validation accuracy per epoch, wall seconds and process CPU seconds (drawing the
data included). The machine may be shared: compare CPU seconds, not only wall time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from lib.cv.shapes import SHAPE_CLASSES, make_shapes  # noqa: E402
from lib.nn import cnn_training  # noqa: E402


def train_preset(preset: cnn_training.CnnPreset, *, seed: int, epochs: int) -> dict:
    """One run of a preset as the page trains it; the clock includes drawing the images."""
    wall, cpu = time.perf_counter(), time.process_time()
    images, labels = make_shapes(preset.per_class, size=preset.image_size, seed=0)
    trainer = cnn_training.CnnTrainer(
        images,
        labels,
        SHAPE_CLASSES,
        channels=preset.channels,
        learning_rate=preset.learning_rate,
        batch_size=preset.batch_size,
        schedule=preset.schedule,
        planned_epochs=preset.epochs,
        flips=preset.flips,
        seed=seed,
        device=torch.device("cpu"),
    )
    history = trainer.train(epochs)
    return {
        "seed": seed,
        "epochs": epochs,
        "images": len(images),
        "val_accuracy": [round(record.val_accuracy, 4) for record in history],
        "wall_s": round(time.perf_counter() - wall, 1),
        "cpu_s": round(time.process_time() - cpu, 1),
        "epoch_s": [round(record.seconds, 1) for record in history],
    }


def transfer_accuracies() -> list[dict]:
    """The Transfer learning page's defaults on each one-difference set, with and without colour."""
    from lib.nn.models import load_model, model_info
    from lib.nn.transfer import (
        CONTRAST_SETS,
        DEFAULT_EPOCHS,
        DEFAULT_LEARNING_RATE,
        EMBEDDINGS,
        HeadTrainer,
        backbone,
        image_features,
        make_contrast_set,
    )

    info = model_info("shapes_cnn")
    frozen = backbone(load_model("shapes_cnn", device=torch.device("cpu")))
    rows = []
    for differ_by in CONTRAST_SETS:
        for per_class in (12, 30):
            for embedding in EMBEDDINGS:
                accuracies = []
                for seed in range(5):  # the set's seed; seed 0 is the page's
                    images, labels, names = make_contrast_set(differ_by, per_class, seed=seed)
                    features = image_features(
                        frozen, images, mean=info.mean, std=info.std, embedding=embedding
                    )
                    trainer = HeadTrainer(features, labels, names, learning_rate=DEFAULT_LEARNING_RATE)
                    accuracies.append(round(trainer.train(DEFAULT_EPOCHS)[-1].val_accuracy, 3))
                rows.append(
                    {
                        "differ_by": differ_by,
                        "per_class": per_class,
                        "embedding": embedding,
                        "val_accuracy": accuracies,
                    }
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("quick", "course", "transfer"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 2])
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.what == "transfer":
        for row in transfer_accuracies():
            print(json.dumps(row), flush=True)
        return
    preset = cnn_training.QUICK if args.what == "quick" else cnn_training.COURSE
    seeds = args.seeds if args.what == "quick" else args.seeds[:1]
    for seed in seeds:
        print(json.dumps(train_preset(preset, seed=seed, epochs=args.epochs or preset.epochs)), flush=True)


if __name__ == "__main__":
    main()
