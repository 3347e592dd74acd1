"""How far an input is from what a model was trained on: an out-of-distribution (OOD) score and its threshold.

A classifier always answers one of its classes: softmax makes its outputs sum to 1 whatever the input, so
LeNet calls a dahlia "4" and the shapes CNN calls a cat "star", both sure. The softmax itself says little
(max-softmax and the energy -logsumexp(logits) separate our photos from the held-out data badly, see
weights/README.md). What works here is to ask the network's own eyes: take the features its convolutions
compute (the flattened input of its first linear layer), and measure how far the input's features are from
the nearest training image's: the cosine distance 1 - max_i cos(f(x), f(train_i)) (a 1-nearest-neighbour
score, Sun et al. 2022, "Out-of-distribution detection with deep nearest neighbors").

The threshold is chosen on our own held-out data: the distance that keeps `keep` (95 %) of the model's
held-out in-distribution images (weights/manifest.json test_split); inputs further than that are called far.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lib.cv.images import ImageError
from lib.nn import models

KEEP = 0.95  # the threshold keeps this fraction of held-out in-distribution images
SCORE_NAME = "nearest training image, cosine distance of the conv features"
REFERENCE_SHAPES_PER_CLASS = 200  # the shapes CNN's reference: the first 200 per class of its training draw
REFERENCE_DRAWN_PER_STYLE = 10  # LeNet's reference: its training digits and the first 10 drawings per style
BATCH = 256
KNOWS = {
    "lenet_digits": "this model only knows digits",
    "shapes_cnn": "this model only knows these five shapes",
}


def _feature_layer(model: nn.Module) -> nn.Linear:
    linears = [module for module in model.modules() if isinstance(module, nn.Linear)]
    if not linears:
        raise ValueError("the model has no linear layer: no conv features to compare")
    return linears[0]


def features_and_logits(model: nn.Module, inputs: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """The conv features (the flattened input of the first linear layer), L2-normalised, and the logits.

    inputs: (N, C, H, W) float32 normalised as the model expects. Returns (N, D) and (N, classes) float32.
    """
    layer = _feature_layer(model)
    device = models.model_device(model)
    captured: list[torch.Tensor] = []
    hook = layer.register_forward_hook(lambda module, args, output: captured.append(args[0].detach()))
    logits = []
    try:
        with torch.inference_mode():
            for start in range(0, len(inputs), BATCH):
                logits.append(model(inputs[start : start + BATCH].to(device)).float().cpu())
    finally:
        hook.remove()
    features = torch.cat(captured).float().cpu()
    features = nn.functional.normalize(features.flatten(1), dim=1)
    return features.numpy(), torch.cat(logits).numpy()


def nearest_distance(features: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """1 - the largest cosine similarity of each row of `features` (N, D) to the rows of `reference` (M, D),
    both L2-normalised: 0 for an input whose features equal a training image's, up to 2."""
    similarity = features @ reference.T  # (N, M)
    return (1.0 - similarity.max(axis=1)).astype(np.float32)


def energy_score(logits: np.ndarray) -> np.ndarray:
    """-logsumexp(logits) per row (Liu et al. 2020): higher = less like the training data."""
    logits = np.asarray(logits, dtype=np.float64)
    top = logits.max(axis=1, keepdims=True)
    return -(top[:, 0] + np.log(np.exp(logits - top).sum(axis=1)))


def max_softmax_score(logits: np.ndarray) -> np.ndarray:
    """1 - the largest softmax probability per row (Hendrycks & Gimpel 2017): higher = less sure."""
    logits = np.asarray(logits, dtype=np.float64)
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return 1.0 - (exp / exp.sum(axis=1, keepdims=True)).max(axis=1)


def auroc(in_scores: np.ndarray, out_scores: np.ndarray) -> float:
    """Area under the ROC curve of a score (higher = more out of distribution): the probability that an
    out-of-distribution input scores higher than an in-distribution one (ties count half)."""
    inside, outside = np.asarray(in_scores, np.float64), np.asarray(out_scores, np.float64)
    if not len(inside) or not len(outside):
        raise ValueError("auroc needs scores of both kinds")
    greater = (outside[:, None] > inside[None, :]).mean()
    ties = (outside[:, None] == inside[None, :]).mean()
    return float(greater + 0.5 * ties)


def threshold_keeping(in_scores: np.ndarray, *, keep: float = KEEP) -> float:
    """The score at or below which `keep` of the in-distribution scores lie (numpy's "inverted_cdf" quantile: the smallest score with
    at least `keep` of the data at or below it, a score of the data itself)."""
    if not 0 < keep <= 1:
        raise ValueError(f"keep must be in (0, 1], got {keep}")
    return float(np.quantile(np.asarray(in_scores, np.float64), keep, method="inverted_cdf"))


# ---------------------------------------------------------------------------------------------------
# The data: what a model was trained on, its held-out split, and what it must refuse


def _digits_tensor(images: np.ndarray, entry: Mapping) -> torch.Tensor:
    return (torch.from_numpy(images).unsqueeze(1) - float(entry["mean"][0])) / float(entry["std"][0])


def _shapes_tensor(images: np.ndarray, entry: Mapping) -> torch.Tensor:
    return torch.cat([models.normalize(image, tuple(entry["mean"]), tuple(entry["std"])) for image in images])


def reference_inputs(name: str, entry: Mapping) -> torch.Tensor:
    """The training images a model's inputs are compared with, normalised: LeNet's training digits (the
    digits split's training part) and the first drawings per style of its drawn ones (the same seed draws
    the same first images), the first 200 per class of the shapes CNN's training draw (seed 0)."""
    if name == "lenet_digits":
        split = entry["test_split"]
        train_x, _, _, _ = models.digits_split(test_fraction=split["test_fraction"], seed=split["seed"])
        drawn = entry.get("drawn_training")
        if drawn:
            from lib.nn.drawn_digits import drawn_digits

            drawn_x, _, _ = drawn_digits(
                min(REFERENCE_DRAWN_PER_STYLE, drawn["per_style"]), seed=drawn["seed"]
            )
            train_x = np.concatenate([train_x, drawn_x])
        return _digits_tensor(train_x, entry)
    if name == "shapes_cnn":
        from lib.cv.shapes import make_shapes

        images, _ = make_shapes(REFERENCE_SHAPES_PER_CLASS, size=entry["input_size"][1], seed=0)
        return _shapes_tensor(images, entry)
    raise ValueError(f"no training data known for {name!r}")


def held_out_inputs(name: str, entry: Mapping) -> torch.Tensor:
    """The model's held-out in-distribution images (its manifest test_split), normalised."""
    split = entry["test_split"]
    if name == "lenet_digits":
        _, _, test_x, _ = models.digits_split(test_fraction=split["test_fraction"], seed=split["seed"])
        return _digits_tensor(test_x, entry)
    if name == "shapes_cnn":
        from lib.cv.shapes import make_shapes

        images, _ = make_shapes(split["per_class"], size=entry["input_size"][1], seed=split["seed"])
        return _shapes_tensor(images, entry)
    raise ValueError(f"no held-out data known for {name!r}")


def _crops(image: np.ndarray, count: int, rng: np.random.Generator) -> list[np.ndarray]:
    """The image and `count` random square crops of 30-90 % of its shorter side."""
    height, width = image.shape[:2]
    crops = [image]
    for _ in range(count):
        side = int(rng.uniform(0.3, 0.9) * min(height, width))
        y, x = int(rng.integers(0, height - side + 1)), int(rng.integers(0, width - side + 1))
        crops.append(image[y : y + side, x : x + side])
    return crops


def _preprocessed(name: str, images: list[np.ndarray]) -> torch.Tensor | None:
    """The page's preprocessing of each image; those the page refuses (a flat image has no digit) dropped."""
    tensors = []
    for image in images:
        try:
            tensors.append(models.preprocess(name, image).tensor)
        except ImageError:
            continue
    return torch.cat(tensors) if tensors else None


def out_of_distribution_inputs(
    name: str, photos: Mapping[str, np.ndarray], *, seed: int = 0, crops: int = 8, count: int = 30
) -> dict[str, torch.Tensor]:
    """What a model must refuse, preprocessed as the Classifier page does, by group: each photo (whole,
    `crops` random crops and, for LeNet, each separate mark the page offers to read), the other model's
    data, uniform noise and (shapes CNN) flat images.

    photos: name -> RGB uint8 image (the bundled samples). Images the page refuses are left out.
    """
    rng = np.random.default_rng(seed)
    groups: dict[str, list[np.ndarray]] = {key: _crops(photo, crops, rng) for key, photo in photos.items()}
    if name == "lenet_digits":
        from lib.nn.digit_reading import digit_image, search_digits

        for key, photo in photos.items():
            search = search_digits(photo)
            groups[key] += [digit_image(photo, search, index) for index in range(len(search.boxes))]
        from lib.cv.shapes import make_shapes

        groups["shapes"] = list(make_shapes(count // 5, size=128, seed=seed + 5)[0])
    else:
        from sklearn.datasets import load_digits

        from lib.cv.transforms import resize_to

        cells = load_digits().images[:count] / 16.0
        groups["digits"] = [
            np.repeat(
                resize_to((255 - cell * 255).astype(np.uint8), width=64, height=64)[:, :, None], 3, axis=2
            )
            for cell in cells
        ]
        groups["flat"] = [np.full((64, 64, 3), rng.integers(0, 256, 3), np.uint8) for _ in range(count)]
    groups["noise"] = [rng.integers(0, 256, (128, 128, 3), dtype=np.uint8) for _ in range(count)]
    tensors = {key: _preprocessed(name, images) for key, images in groups.items()}
    return {key: tensor for key, tensor in tensors.items() if tensor is not None}


@dataclass(frozen=True)
class Calibration:
    """A threshold chosen on held-out data and how well each score separates (AUROC, far fractions)."""

    threshold: float
    keep: float
    held_out_scores: np.ndarray  # (N,) the nearest-distance of each held-out in-distribution image
    auroc: dict[str, float]  # score -> AUROC (in-distribution held-out vs every out-of-distribution input)
    far_fraction: dict[str, float]  # group -> fraction of its inputs called far

    def manifest_entry(self, *, reference: str, held_out: str) -> dict:
        """The "ood" entry of a model in weights/manifest.json."""
        return {
            "score": SCORE_NAME,
            "threshold": round(self.threshold, 6),
            "keeps": self.keep,
            "chosen_on": held_out,
            "reference": reference,
            "auroc": {key: round(value, 4) for key, value in self.auroc.items()},
            "far_fraction": {key: round(value, 3) for key, value in self.far_fraction.items()},
        }


def calibrate(
    model: nn.Module,
    reference: torch.Tensor,
    held_out: torch.Tensor,
    outside: Mapping[str, torch.Tensor],
    *,
    keep: float = KEEP,
) -> Calibration:
    """Choose the threshold that keeps `keep` of the held-out images, and measure the three scores' AUROCs."""
    bank, _ = features_and_logits(model, reference)
    inside_features, inside_logits = features_and_logits(model, held_out)
    inside = nearest_distance(inside_features, bank)
    threshold = threshold_keeping(inside, keep=keep)
    scores = {"nearest": [], "energy": [], "max_softmax": []}
    far = {}
    for group, inputs in outside.items():
        group_features, group_logits = features_and_logits(model, inputs)
        distance = nearest_distance(group_features, bank)
        far[group] = float((distance > threshold).mean())
        scores["nearest"].append(distance)
        scores["energy"].append(energy_score(group_logits))
        scores["max_softmax"].append(max_softmax_score(group_logits))
    own = {
        "nearest": inside,
        "energy": energy_score(inside_logits),
        "max_softmax": max_softmax_score(inside_logits),
    }
    areas = {key: auroc(own[key], np.concatenate(values)) for key, values in scores.items()}
    return Calibration(threshold, keep, inside, areas, far)


# ---------------------------------------------------------------------------------------------------
# One input: how far, and is it too far


@dataclass(frozen=True)
class Distance:
    """How far one input is from the training data, and the threshold it was judged by."""

    score: float  # 1 - cosine similarity to the nearest training image's conv features
    threshold: float
    knows: str  # "this model only knows digits"

    @property
    def far(self) -> bool:
        return self.score > self.threshold


def reference_features(model: nn.Module, name: str, entry: Mapping) -> np.ndarray:
    """The conv features of the model's reference training images (M, D), L2-normalised."""
    return features_and_logits(model, reference_inputs(name, entry))[0]


def distance_from_training(
    model: nn.Module, inputs: torch.Tensor, reference: np.ndarray, *, threshold: float, knows: str
) -> Distance:
    """How far one preprocessed input (1, C, H, W) is from the nearest reference image."""
    features, _ = features_and_logits(model, inputs)
    return Distance(float(nearest_distance(features, reference)[0]), float(threshold), knows)
