"""Seconds per image for each attribution method (lib.nn.attribution, Captum) on each of our models.

    .venv/bin/python benchmarks/attribution.py [--repeats 5] [--torchvision]

Our LeNet and shapes CNN with their weights, a CNN as the Train a CNN page trains it (its default
configuration, random weights: the time does not depend on the values), and with --torchvision ResNet18
and MobileNetV3 small (random weights offline: the architecture is what costs). The page's defaults:
Grad-CAM on the last conv layer, occlusion with a window of 25 % of the side every 12 %, integrated gradients
with 32 steps. Prints the median wall and process-CPU seconds of `repeats` runs (after one warm-up), per
image, without the sanity check (which costs one more map).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from lib.cv.shapes import draw_shape  # noqa: E402
from lib.nn import attribution, models  # noqa: E402
from lib.nn.architectures_torch import ShapesCNN, ShapesCNNConfig  # noqa: E402


def subjects(with_torchvision: bool):
    """(label, model, inputs, mean, std) for each model timed."""
    cpu = torch.device("cpu")
    shape = draw_shape("star", np.random.default_rng(7), size=128)
    for name in models.OUR_MODELS:
        info = models.model_info(name)
        image = models.preprocess("shapes_cnn", shape).tensor if name == "shapes_cnn" else None
        if image is None:  # a digit: the digits sample's 3
            from lib.cv.images import decode_image
            from lib.nn.digit_reading import digit_image, search_digits

            sheet = decode_image((ROOT / "samples" / "digits.png").read_bytes())
            image = models.preprocess(name, digit_image(sheet, search_digits(sheet), 3)).tensor
        yield info.title, models.load_model(name, device=cpu), image, info.mean, info.std
    config = ShapesCNNConfig()  # Train a CNN's default: the shapes CNN's architecture, 64x64
    trained = ShapesCNN(config).eval()
    yield (
        "CNN trained this session (default config)",
        trained,
        torch.randn(1, 3, 64, 64),
        (0.5,) * 3,
        (0.25,) * 3,
    )
    if with_torchvision:
        for name in ("mobilenet_v3_small", "resnet18"):
            info = models.model_info(name)
            model = models.build_architecture(name).to(cpu)
            yield f"{info.title} (random weights)", model, torch.randn(1, 3, 224, 224), info.mean, info.std


def settings_for(method: str, side: int) -> attribution.Settings:
    window = max(1, round(side * 0.25))
    return attribution.Settings(method=method, window=window, stride=max(1, min(window, round(side * 0.12))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--torchvision", action="store_true")
    arguments = parser.parse_args()
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f}"
    )
    print("| model | method | wall s (median) | CPU s (median) |\n|---|---|---|---|")
    for label, model, inputs, mean, std in subjects(arguments.torchvision):
        with torch.no_grad():
            target = int(model(inputs).argmax())
        for method in attribution.METHODS:
            settings = settings_for(method, inputs.shape[-1])
            walls, cpus = [], []
            for repeat in range(arguments.repeats + 1):
                wall, cpu = time.perf_counter(), time.process_time()
                attribution.attribution_map(model, inputs, target, settings, mean=mean, std=std)
                if repeat:  # the first run warms up
                    walls.append(time.perf_counter() - wall)
                    cpus.append(time.process_time() - cpu)
            print(
                f"| {label} | {method} | {statistics.median(walls):.3f} | {statistics.median(cpus):.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
