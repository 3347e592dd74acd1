"""A CNN trained on the Train a CNN page as one file: its weights with everything needed to use it again.

The checkpoint is a dict of only tensors, str, int, float, None and lists, so torch.load(..., weights_only=True)
reads it without running any code:

    {"format": "cv-skills-lab/cnn", "version": 1, "architecture": "ShapesCNN", "config": {...},
     "class_names": [...], "input_size": [3, S, S], "mean": [...], "std": [...], "val_accuracy": 0.97,
     "epochs": 15, "state_dict": {...}}

read_checkpoint turns a student's upload back into the entry CnnTrainer.model_entry() makes, so every page
that takes a CNN trained this session takes it too. A file is outside input: it is checked before anything is
built (its size before it is read, its configuration before a network is made of it) and refused with a
ModelError that says what was wrong.
"""

from __future__ import annotations

import dataclasses
import io
import math
import pickle
import re
import zipfile
from collections.abc import Mapping

import torch

from lib.nn.architectures_torch import ShapesCNN, ShapesCNNConfig
from lib.nn.models.registry import ModelError, load_state_into
from lib.nn.random_state import GLOBAL_RNG_LOCK as _SEED_LOCK

CHECKPOINT_FORMAT = "cv-skills-lab/cnn"
CHECKPOINT_VERSION = 1
MAX_CHECKPOINT_BYTES = 20_000_000  # the widest network allowed below is about 16 MB; the course's is 10 MB

# What Train a CNN can make (and a little room around it); a file asking for more is refused before a network
# is built from it, so a few bytes of configuration cannot make the server allocate gigabytes.
MAX_BLOCKS = 4  # Conv->BN->ReLU->MaxPool blocks (the page always uses 4)
IMAGE_SIDES = (2**MAX_BLOCKS, 64)  # square input, pixels (the page trains at 32, 48 or 64)
MAX_CHANNELS = 256  # filters in a block (the course's widest: 32-64-128-256)
MAX_HIDDEN_LAYERS = 2  # fully connected layers before the output (the course: 512 -> 128)
MAX_HIDDEN = 512
MAX_CLASSES = 50  # lib.nn.data.MAX_CLASSES: class folders in a zip
MAX_CLASS_NAME = 100  # characters
MAX_PARAMETERS = 4_000_000  # the course's network at 64 px has 2.6 million

_ZIP_MAGIC = b"PK\x03\x04"  # torch.save writes a zip archive


def checkpoint_of(entry: Mapping) -> dict:
    """A trained CNN's entry (CnnTrainer.model_entry) as a checkpoint: only tensors, str, int, float, None, lists."""
    accuracy = entry.get("val_accuracy")
    return {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "architecture": str(entry["architecture"]),
        "config": {
            key: list(value) if isinstance(value, (tuple, list)) else value
            for key, value in dict(entry["config"]).items()
        },
        "class_names": [str(name) for name in entry["class_names"]],
        "input_size": [int(value) for value in entry["input_size"]],
        "mean": [float(value) for value in entry["mean"]],
        "std": [float(value) for value in entry["std"]],
        "val_accuracy": None if accuracy is None else float(accuracy),
        "epochs": int(entry.get("epochs") or 0),
        "state_dict": {name: value.detach().cpu().clone() for name, value in entry["state_dict"].items()},
    }


def checkpoint_bytes(entry: Mapping) -> bytes:
    """The checkpoint of a trained CNN's entry as torch.save bytes (the .pth file Train a CNN downloads)."""
    buffer = io.BytesIO()
    torch.save(checkpoint_of(entry), buffer)
    return buffer.getvalue()


def read_checkpoint(data: bytes, *, max_bytes: int = MAX_CHECKPOINT_BYTES) -> dict:
    """A checkpoint's bytes -> the entry CnnTrainer.model_entry() makes (config, class names, state dict, ...).

    Loaded with torch.load(weights_only=True) into our ShapesCNN only, strictly (every key and shape).
    Raises ModelError, saying what was wrong, for: a file over max_bytes (checked before reading), something
    not a torch file, a truncated one, pickled code, a bare state dict, another format, version or architecture,
    a configuration outside what Train a CNN makes, class names not matching the output layer, NaN or inf weights.
    """
    if len(data) > max_bytes:
        raise ModelError(
            f"This file is {len(data) / 1e6:.1f} MB; a checkpoint may be at most {max_bytes / 1e6:g} MB "
            "(the course's network is about 10 MB). It was not read."
        )
    if not data.startswith(_ZIP_MAGIC):
        raise ModelError(
            "This is not a PyTorch checkpoint: torch.save writes a zip archive, and this file is not one. "
            "Upload the .pth file the Train a CNN page downloads."
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ModelError(
            "This checkpoint is truncated or damaged: it starts as a PyTorch file but its end is missing. "
            "Download it again from the Train a CNN page."
        )
    try:
        loaded = torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as error:  # weights_only met something it does not allow; nothing ran
        if "global" in str(error).lower():  # a GLOBAL opcode: a function or class to call, i.e. code
            raise ModelError(
                "This file holds pickled code, not just tensors: refused unopened. A checkpoint from Train a CNN "
                "holds only tensors, numbers and names."
            ) from None
        raise ModelError(
            "This checkpoint is damaged: what it holds cannot be read as tensors, numbers and names (refused "
            "unopened). Download it again from the Train a CNN page."
        ) from None
    except Exception as error:  # torch raises RuntimeError, EOFError, KeyError, ... for a damaged archive
        raise ModelError(
            f"This checkpoint is damaged and cannot be read ({type(error).__name__}). "
            "Download it again from the Train a CNN page."
        ) from None
    if isinstance(loaded, Mapping) and loaded and all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise ModelError(
            "This is a bare state dict (weights only): download the checkpoint from Train a CNN "
            "(it carries the config and class names)."
        )
    if not isinstance(loaded, Mapping) or "format" not in loaded:
        raise ModelError(
            f"This file holds a {type(loaded).__name__}, not a CV Skills Lab checkpoint "
            f"(a dict with format {CHECKPOINT_FORMAT!r}). Download the checkpoint from Train a CNN."
        )
    if loaded["format"] != CHECKPOINT_FORMAT:
        raise ModelError(
            f"This checkpoint's format is {_shown(loaded['format'])}, not {CHECKPOINT_FORMAT!r}: it was not made "
            "by CV Skills Lab's Train a CNN page."
        )
    if loaded.get("version") != CHECKPOINT_VERSION:
        raise ModelError(
            f"This checkpoint is version {_shown(loaded.get('version'))}; this app reads version "
            f"{CHECKPOINT_VERSION}. Train the model again here and download it."
        )
    if loaded.get("architecture") != "ShapesCNN":
        raise ModelError(
            f"This checkpoint holds a {_shown(loaded.get('architecture'))}; only the Train a CNN page's "
            "network (ShapesCNN) can be used here."
        )
    config = _checked_config(loaded.get("config"))
    class_names = _checked_class_names(loaded.get("class_names"), config)
    input_size, mean, std = _checked_input(loaded, config)
    accuracy, epochs = loaded.get("val_accuracy"), loaded.get("epochs", 0)
    if accuracy is not None and not (_is_number(accuracy) and 0 <= accuracy <= 1):
        raise ModelError(
            f"This checkpoint's validation accuracy {_shown(accuracy)} is not a number in [0, 1]."
        )
    if not _is_int(epochs) or epochs < 0:
        raise ModelError(f"This checkpoint's epoch count {_shown(epochs)} is not a whole number ≥ 0.")
    state = _checked_state(loaded.get("state_dict"), len(class_names))
    with _SEED_LOCK, torch.random.fork_rng(devices=[]):  # building draws random weights: leave the state be
        model = ShapesCNN(config)
    expected = model.state_dict()
    load_state_into(
        model, state, label="checkpoint's weights"
    )  # strict: every key and shape, or which differ
    wrong_types = [
        f"{key}: {state[key].dtype} (expected {expected[key].dtype})"
        for key in expected
        if state[key].dtype != expected[key].dtype
    ]
    if wrong_types:
        raise ModelError(f"This checkpoint's weights have the wrong type: {', '.join(wrong_types[:3])}.")
    return {
        "architecture": "ShapesCNN",
        "config": dataclasses.asdict(config),
        "state_dict": {key: state[key].detach().clone().contiguous() for key in expected},
        "class_names": list(class_names),
        "classes": list(class_names),
        "input_size": input_size,
        "mean": mean,
        "std": std,
        "val_accuracy": None if accuracy is None else float(accuracy),
        "epochs": int(epochs),
    }


def _shown(value: object) -> str:
    """A value from a file, shown in a message: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def config_parameters(config: ShapesCNNConfig) -> int:
    """How many parameters a ShapesCNN of this configuration has, counted without building it."""
    widths = (config.in_channels, *config.channels)
    count = sum(9 * a * b + b + 2 * b for a, b in zip(widths[:-1], widths[1:], strict=True))  # conv + BN
    side = config.image_size
    for _ in config.channels:
        side //= 2  # MaxPool2d(2, 2)
    sizes = (config.channels[-1] * side * side, *config.hidden, config.num_classes)
    return count + sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def _checked_config(raw: object) -> ShapesCNNConfig:
    """The checkpoint's config as a ShapesCNNConfig, refused when it is not one Train a CNN could make."""
    fields = [field.name for field in dataclasses.fields(ShapesCNNConfig)]
    if not isinstance(raw, Mapping) or set(raw) != set(fields):
        keys = sorted(map(str, raw)) if isinstance(raw, Mapping) else type(raw).__name__
        raise ModelError(f"This checkpoint's config should have the keys {fields}, it has {_shown(keys)}.")
    channels, hidden = raw["channels"], raw["hidden"]
    low, high = IMAGE_SIDES
    problems = []
    if not _is_int(raw["num_classes"]) or not 2 <= raw["num_classes"] <= MAX_CLASSES:
        problems.append(f"num_classes {_shown(raw['num_classes'])} (2 to {MAX_CLASSES})")
    if raw["in_channels"] != 3 or not _is_int(raw["in_channels"]):
        problems.append(f"in_channels {_shown(raw['in_channels'])} (3: RGB)")
    if not _is_int(raw["image_size"]) or not low <= raw["image_size"] <= high:
        problems.append(f"image_size {_shown(raw['image_size'])} ({low} to {high} pixels)")
    if (
        not isinstance(channels, (list, tuple))
        or not 1 <= len(channels) <= MAX_BLOCKS
        or not all(_is_int(width) and 1 <= width <= MAX_CHANNELS for width in channels)
    ):
        problems.append(
            f"channels {_shown(channels)} (1 to {MAX_BLOCKS} blocks of 1 to {MAX_CHANNELS} filters)"
        )
    if (
        not isinstance(hidden, (list, tuple))
        or len(hidden) > MAX_HIDDEN_LAYERS
        or not all(_is_int(width) and 1 <= width <= MAX_HIDDEN for width in hidden)
    ):
        problems.append(
            f"hidden {_shown(hidden)} (at most {MAX_HIDDEN_LAYERS} layers of 1 to {MAX_HIDDEN} units)"
        )
    if not _is_number(raw["dropout"]) or not 0 <= raw["dropout"] < 1:
        problems.append(f"dropout {_shown(raw['dropout'])} (0 to 1)")
    if problems:
        raise ModelError(
            f"This checkpoint's network is not one Train a CNN makes: {'; '.join(problems)}. It was not built."
        )
    # IMAGE_SIDES[0] = 2 ** MAX_BLOCKS: every allowed input survives every allowed number of 2x2 poolings
    config = ShapesCNNConfig(**{**raw, "channels": tuple(channels), "hidden": tuple(hidden)})
    parameters = config_parameters(config)
    if parameters > MAX_PARAMETERS:
        raise ModelError(
            f"This checkpoint's network would have {parameters:,} parameters; at most {MAX_PARAMETERS:,} are "
            "allowed (the course's network has about 2.6 million). It was not built."
        )
    return config


def _checked_class_names(raw: object, config: ShapesCNNConfig) -> tuple[str, ...]:
    if (
        not isinstance(raw, (list, tuple))
        or not all(isinstance(name, str) and 0 < len(name) <= MAX_CLASS_NAME for name in raw)
        or len(set(raw)) != len(raw)
    ):
        raise ModelError(
            f"This checkpoint's class names should be a list of different, non-empty names of at most "
            f"{MAX_CLASS_NAME} characters; it has {_shown(raw)}."
        )
    if len(raw) != config.num_classes:
        raise ModelError(
            f"This checkpoint names {len(raw)} classes, but its network has {config.num_classes} outputs."
        )
    return tuple(raw)


def _checked_input(loaded: Mapping, config: ShapesCNNConfig) -> tuple[list[int], list[float], list[float]]:
    side = config.image_size
    input_size, mean, std = loaded.get("input_size"), loaded.get("mean"), loaded.get("std")
    if not isinstance(input_size, (list, tuple)) or list(input_size) != [3, side, side]:
        raise ModelError(
            f"This checkpoint's input size {_shown(input_size)} should be [3, {side}, {side}] (its config's)."
        )
    for label, values in (("mean", mean), ("std", std)):
        if not isinstance(values, (list, tuple)) or len(values) != 3 or not all(map(_is_number, values)):
            raise ModelError(
                f"This checkpoint's {label} {_shown(values)} should be 3 finite numbers (R, G, B)."
            )
    if not all(value > 0 for value in std):
        raise ModelError(f"This checkpoint's std {_shown(std)} should be positive (it divides the input).")
    return [3, side, side], [float(value) for value in mean], [float(value) for value in std]


def _checked_state(raw: object, classes: int) -> dict[str, torch.Tensor]:
    """The checkpoint's state dict: parameter name -> finite, plain tensor; its output layer `classes` wide."""
    if (
        not isinstance(raw, Mapping)
        or not raw
        or not all(isinstance(key, str) and isinstance(value, torch.Tensor) for key, value in raw.items())
    ):
        raise ModelError("This checkpoint's state_dict is not a dict of parameter name -> tensor.")
    odd = [key for key, value in raw.items() if value.layout != torch.strided or value.is_quantized]
    if odd:
        raise ModelError(f"This checkpoint's weights are not plain tensors: {odd[:3]}.")
    outputs = sorted(
        (int(match.group(1)), key)
        for key in raw
        if (match := re.fullmatch(r"classifier\.(\d+)\.weight", key))
    )
    if outputs and raw[outputs[-1][1]].ndim == 2 and raw[outputs[-1][1]].shape[0] != classes:
        key = outputs[-1][1]
        raise ModelError(
            f"This checkpoint names {classes} classes, but its output layer ({key}) has "
            f"{raw[key].shape[0]} outputs."
        )
    not_finite = [
        key
        for key, value in raw.items()
        if value.is_floating_point() and not bool(torch.isfinite(value).all())
    ]
    if not_finite:
        raise ModelError(
            f"This checkpoint's weights hold NaN or infinite values ({', '.join(not_finite[:3])}): training "
            "diverged. Train again with a smaller learning rate."
        )
    return dict(raw)
