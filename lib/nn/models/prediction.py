"""Classify: preprocess, one forward pass, softmax, top-k; and a label written on an image."""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import nn

from lib.cv.images import to_rgb
from lib.nn.models.preprocessing import Preprocessed, preprocess
from lib.nn.models.registry import ModelError, ModelInfo, get_model, model_device, model_info, warm_thread
from lib.nn.models.session import TRAINED_SOURCE

# ---------------------------------------------------------------------------------------------------
# Classify


@dataclass(frozen=True)
class Prediction:
    """Class probabilities for one image, best first, with what it took."""

    top: list[tuple[str, float]]  # (class name, probability), best first, k entries
    probabilities: np.ndarray  # (num_classes,) float32, sums to 1
    seconds: float  # the forward pass alone
    device: str


def predict(
    name: str,
    image_rgb: np.ndarray,
    *,
    k: int = 5,
    model: nn.Module | None = None,
    info: ModelInfo | None = None,
) -> tuple[Prediction, Preprocessed]:
    """Preprocess, run the model once, softmax; k is clamped to the number of classes (k >= 1).

    model and info: a model that is not one of ALL_MODELS (a trained CNN) and its ModelInfo.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    info = info or model_info(name)
    if model is None and info.source == TRAINED_SOURCE:
        raise ModelError(f"{name!r} was trained in a session: pass its model.")
    model = model if model is not None else get_model(name)
    prepared = preprocess(name, image_rgb, info=info)
    device = model_device(model)
    inputs = prepared.tensor.to(device)
    warm_thread(device)
    with torch.inference_mode():
        start = time.perf_counter()
        logits = model(inputs)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
    probabilities = torch.softmax(logits[0].float(), dim=0).cpu().numpy()
    k = min(k, len(info.classes))  # torch.topk needs k <= number of classes
    values, indices = torch.topk(torch.from_numpy(probabilities), k)
    top = [(info.classes[int(index)], float(value)) for value, index in zip(values, indices, strict=True)]
    return Prediction(top=top, probabilities=probabilities, seconds=seconds, device=str(device)), prepared


def classify(name: str, image_rgb: np.ndarray, *, k: int = 5) -> list[tuple[str, float]]:
    """The k most likely classes of an image as (class name, probability), best first (k clamped)."""
    return predict(name, image_rgb, k=k)[0].top


def label_image(image_rgb: np.ndarray, text: str, *, font_scale: float | None = None) -> np.ndarray:
    """A copy of the image with `text` written in its top-left corner on a dark band (cv2.putText).

    image_rgb: (H, W, 3) or (H, W) uint8. Returns RGB uint8 (H, W, 3).
    """
    labelled = to_rgb(image_rgb).copy()
    height, width = labelled.shape[:2]
    scale = font_scale if font_scale is not None else max(0.4, min(width, height) / 400)
    thickness = max(1, round(scale * 2))
    font = cv2.FONT_HERSHEY_SIMPLEX
    (text_width, text_height), baseline = cv2.getTextSize(text, font, scale, thickness)
    pad = max(2, text_height // 3)
    band_bottom = min(height, text_height + baseline + 2 * pad)
    band_right = min(width, text_width + 2 * pad)
    labelled[:band_bottom, :band_right] = (labelled[:band_bottom, :band_right] * 0.35).astype(np.uint8)
    origin = (pad, pad + text_height)
    cv2.putText(labelled, text, origin, font, scale, (255, 255, 255), thickness, cv2.LINE_AA)
    return labelled
