"""CNNs trained in a session (lib.nn.cnn_training.CnnTrainer.model_entry): nothing on disk, described by an
entry (its config, class names, normalisation and state dict)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import torch

from lib.nn.architectures_torch import ShapesCNNConfig
from lib.nn.models.registry import ModelError, ModelInfo

# ---------------------------------------------------------------------------------------------------
# CNNs trained in a session (lib.nn.cnn_training.CnnTrainer.model_entry): nothing on disk, described by an entry

TRAINED_SOURCE = "session"
# The name the Train a CNN page downloads a trained CNN's checkpoint as (lib.nn.models.checkpoint: its state dict
# with its config and class names), and the file the Code panels and shipped projects of such a CNN load.
TRAINED_WEIGHTS_FILE = "cnn_model.pth"


def trained_model_config(entry: Mapping) -> ShapesCNNConfig:
    """The ShapesCNNConfig of a trained model's entry (its "config" dict, lists made tuples)."""
    if entry.get("architecture") != "ShapesCNN" or not isinstance(entry.get("config"), Mapping):
        raise ModelError(
            f"A trained model of architecture {entry.get('architecture')!r} cannot be used here: "
            "only CNNs from the Train a CNN page (ShapesCNN) can."
        )
    config = dict(entry["config"])
    try:
        config["channels"] = tuple(config["channels"])
        config["hidden"] = tuple(config["hidden"])
        return ShapesCNNConfig(**config)
    except (KeyError, TypeError) as error:
        raise ModelError(
            f"The trained model's configuration is incomplete ({error}); train it again."
        ) from None


def trained_model_info(name: str, entry: Mapping) -> ModelInfo:
    """Classes, input size (3, S, S) and normalisation of a CNN trained in this session, from its entry."""
    missing = [key for key in ("state_dict", "input_size", "mean", "std") if key not in entry]
    classes = entry.get("class_names") or entry.get("classes")
    if missing or not classes:
        raise ModelError(
            f"The trained model {name!r} lacks {', '.join(missing) or 'class names'}; train it again."
        )
    config = trained_model_config(entry)
    input_size = tuple(int(value) for value in entry["input_size"])
    if len(input_size) != 3 or len(classes) != config.num_classes:
        raise ModelError(
            f"The trained model {name!r} is inconsistent: input {input_size}, {len(classes)} class names "
            f"for {config.num_classes} outputs. Train it again."
        )
    accuracy = entry.get("val_accuracy")
    return ModelInfo(
        name=name,
        title=name,
        source=TRAINED_SOURCE,
        classes=tuple(str(label) for label in classes),
        input_size=input_size,
        mean=tuple(float(value) for value in entry["mean"]),
        std=tuple(float(value) for value in entry["std"]),
        test_accuracy=float(accuracy) if accuracy is not None else None,
    )


def state_dict_digest(state: Mapping[str, torch.Tensor]) -> str:
    """sha256 hex digest of a state dict: every parameter's name, dtype, shape and bytes, in order."""
    hasher = hashlib.sha256()
    for key, value in state.items():
        tensor = value.detach().cpu().contiguous()
        hasher.update(f"{key}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        hasher.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return hasher.hexdigest()
