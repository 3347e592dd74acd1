"""Preprocessing: what each model is given (the digit pipeline, the shapes resize, ImageNet's transforms),
step by step for showing."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torchvision.transforms import functional as TF

from lib.cv.images import ImageError, to_gray, to_rgb
from lib.nn.models.registry import (
    DIGIT_CELLS,
    DIGIT_SIDE,
    SHAPES_SIDE,
    TORCHVISION_MODELS,
    ModelInfo,
    model_info,
)
from lib.nn.models.session import TRAINED_SOURCE
from lib.nn.models.training_data import upscale_digits

DIGIT_STROKE = 4  # thinnest stroke in the 32x32 bitmap: thinner ones (a mouse, a pen) are thickened


# ---------------------------------------------------------------------------------------------------
# Preprocessing: what each model is given


@dataclass(frozen=True)
class Preprocessed:
    """A model's input and the steps that made it (for showing): steps are (caption, image) pairs."""

    tensor: torch.Tensor  # (1, C, H, W) float32 on the CPU, normalised
    steps: tuple[tuple[str, np.ndarray], ...]


def ink_image(gray):
    """Gray uint8 -> ink bright on a black background: inverted when the border (paper) is light."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    ink = 255 - gray if np.median(border) > 127 else gray.copy()  # light paper: invert
    paper = np.median(np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]]))
    return np.clip(ink.astype(np.int16) - int(paper), 0, 255).astype(np.uint8)


def ink_mask(ink, *, min_contrast=40):
    """Otsu's mask (bool) of the ink, without specks (components under 5 % of the largest one's area)."""
    if int(ink.max()) < min_contrast:
        raise ValueError(
            "No digit found: the image is almost flat. Use a dark digit on light paper (or light on dark)."
        )
    _, mask = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        raise ValueError("No digit found in the image. Use a dark digit on light paper (or light on dark).")
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= 0.05 * areas.max()) + 1  # drop specks
    return np.isin(labels, keep)


def stroke_width(mask):
    """The typical width in pixels of the strokes in a binary mask (H, W): twice the median distance from
    the strokes' middle lines (ridges of the distance transform) to the background, less one."""
    distance = cv2.distanceTransform(np.pad((mask > 0).astype(np.uint8), 1), cv2.DIST_L2, 5)  # a border
    ridge = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))  # middle lines
    return max(1.0, 2 * float(np.median(distance[ridge])) - 1) if ridge.any() else 0.0


def thicken_strokes(mask, *, min_width):
    """Dilate a binary uint8 mask (H, W) by a disc so its strokes are about min_width pixels wide.

    Returns (mask padded by the disc's radius on every side, radius); radius 0 (mask unchanged) when
    the strokes are wide enough. The digits data has thick strokes; a mouse or a pen draws thin ones.
    """
    radius = round((min_width - stroke_width(mask)) / 2)
    if radius < 1:
        return mask, 0
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(np.pad(mask, radius), disc), radius


def prepare_digit(image_rgb, *, side=32, cells=8, stroke=4, margin=1):
    """LeNet's input, made the way scikit-learn's digits were made: ink bright on black, cropped to the
    digit, strokes thinner than `stroke` pixels (once scaled) thickened, scaled into a side x side bitmap
    (its longer side filling it, `margin` pixels free, centred), counted in blocks (cells x cells), scaled
    back to side x side.

    image_rgb: (H, W, 3) or (H, W) uint8. Returns every step by name; "digit" is the (side, side) float32
    input in [0, 1], "cells" the cells x cells digit as in the data, "box" (left, top, right, bottom).
    """
    gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY) if image_rgb.ndim == 3 else image_rgb
    ink = ink_image(gray)
    mask = ink_mask(ink)
    ys, xs = np.nonzero(mask)
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    inner = side - 2 * margin
    # thin strokes (a mouse, a pen) thickened to `stroke` pixels of the bitmap: the data's strokes are thick
    min_width = stroke * max(bottom - top, right - left) / inner
    crop, radius = thicken_strokes(mask[top:bottom, left:right].astype(np.uint8), min_width=min_width)
    crop = crop.astype(np.float32)
    scale = inner / max(crop.shape)
    height = max(1, min(inner, round(crop.shape[0] * scale)))
    width = max(1, min(inner, round(crop.shape[1] * scale)))
    bitmap = np.zeros((side, side), dtype=np.float32)
    y0, x0 = (side - height) // 2, (side - width) // 2
    bitmap[y0 : y0 + height, x0 : x0 + width] = cv2.resize(
        crop, (width, height), interpolation=cv2.INTER_AREA
    )
    block = side // cells
    digit_cells = bitmap.reshape(cells, block, cells, block).mean(axis=(1, 3))  # values in [0, 1]
    digit = cv2.resize(digit_cells, (side, side), interpolation=cv2.INTER_LINEAR)
    return {
        "gray": gray, "ink": ink, "box": (left, top, right, bottom), "bitmap": bitmap, "radius": radius,
        "cells": digit_cells, "digit": digit,
    }  # fmt: skip


def digit_steps(image_rgb: np.ndarray, *, margin: int = 1) -> list[tuple[str, np.ndarray]]:
    """Turn a photo or drawing of one digit into LeNet's input the way the digits data was made
    (prepare_digit, the function the Code panels show), as (caption, image) steps for showing.

    image_rgb: (H, W, 3) or (H, W) uint8. The last step is the (32, 32) float32 input in [0, 1].
    """
    gray = to_gray(image_rgb)
    try:
        stages = prepare_digit(gray, side=DIGIT_SIDE, cells=DIGIT_CELLS, stroke=DIGIT_STROKE, margin=margin)
    except ValueError as error:  # no digit: ImageError, so the page shows its message
        raise ImageError(str(error)) from None
    left, top, right, bottom = (int(v) for v in stages["box"])
    boxed = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
    thickness = max(1, round(max(gray.shape) / 200))
    cv2.rectangle(boxed, (left, top), (right - 1, bottom - 1), (255, 64, 64), thickness)
    return [
        ("Gray, digit's bounding box", boxed),
        ("Ink (bright on black)", _padded_square(stages["ink"][top:bottom, left:right])),
        (f"32×32 bitmap{', strokes thickened' if stages['radius'] else ''}", stages["bitmap"]),
        ("8×8 cells (as in the data)", stages["cells"]),
        ("LeNet input 32×32", upscale_digits(stages["cells"])),
    ]


def _padded_square(image: np.ndarray) -> np.ndarray:
    """A (H, W) image centred on a black square (shown beside the other steps, a thin 1 stays small)."""
    height, width = image.shape
    side = max(height, width)
    top, left = (side - height) // 2, (side - width) // 2
    return np.pad(image, ((top, side - height - top), (left, side - width - left)))


def shapes_steps(image_rgb: np.ndarray, *, side: int = SHAPES_SIDE) -> list[tuple[str, np.ndarray]]:
    """Resize an image to the shapes CNN's side x side (INTER_AREA). Returns [(caption, uint8 RGB)]."""
    rgb = to_rgb(image_rgb)
    interpolation = cv2.INTER_AREA if max(rgb.shape[:2]) > side else cv2.INTER_LINEAR
    return [(f"Resized to {side}×{side}", cv2.resize(rgb, (side, side), interpolation=interpolation))]


def imagenet_steps(image_rgb: np.ndarray, name: str) -> list[tuple[str, np.ndarray]]:
    """The weights' own transforms step by step: resize the shorter side, centre-crop. uint8 RGB steps."""
    transforms = TORCHVISION_MODELS[name].weights.transforms()
    tensor = torch.from_numpy(np.array(to_rgb(image_rgb), copy=True)).permute(2, 0, 1)  # writable copy
    resized = TF.resize(
        tensor, transforms.resize_size, interpolation=transforms.interpolation, antialias=True
    )
    cropped = TF.center_crop(resized, transforms.crop_size)
    return [
        (f"Shorter side resized to {transforms.resize_size[0]}", resized.permute(1, 2, 0).numpy()),
        (
            f"Centre crop {transforms.crop_size[0]}×{transforms.crop_size[0]}",
            cropped.permute(1, 2, 0).numpy(),
        ),
    ]


def normalize(image: np.ndarray, mean: tuple[float, ...], std: tuple[float, ...]) -> torch.Tensor:
    """(H, W) or (H, W, C) image (uint8 0..255 or float 0..1) -> (1, C, H, W) float32 (x - mean) / std."""
    values = image.astype(np.float32) / 255.0 if image.dtype == np.uint8 else image.astype(np.float32)
    tensor = torch.from_numpy(np.ascontiguousarray(values))
    tensor = tensor[None] if tensor.ndim == 2 else tensor.permute(2, 0, 1)
    mean_t = torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1)
    std_t = torch.tensor(std, dtype=torch.float32).view(-1, 1, 1)
    return ((tensor - mean_t) / std_t).unsqueeze(0)


def preprocess(name: str, image_rgb: np.ndarray, *, info: ModelInfo | None = None) -> Preprocessed:
    """The named model's input for an image, with the steps that made it (see *_steps above).

    info: the model's ModelInfo when it is not one of ALL_MODELS (a trained CNN: resized like the shapes CNN).
    """
    info = info or model_info(name)
    if info.source == TRAINED_SOURCE:
        steps = shapes_steps(image_rgb, side=info.input_size[1])
    elif name == "lenet_digits":
        steps = digit_steps(image_rgb)
    elif name == "shapes_cnn":
        steps = shapes_steps(image_rgb, side=info.input_size[1])
    else:
        steps = imagenet_steps(image_rgb, name)
    tensor = normalize(steps[-1][1], info.mean, info.std)
    return Preprocessed(tensor=tensor, steps=tuple(steps))
