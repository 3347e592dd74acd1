"""Which models there are, their architectures, the manifest of our weights, safe loading, torchvision's
weights (hub cache, download, offline), and the public API: available_models, model_info, load_model."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
import torchvision
from torch import nn

from lib.cv.shapes import SHAPE_CLASSES
from lib.nn.architectures_torch import DigitsLeNet5, ShapesCNN, ShapesCNNConfig
from lib.nn.device import default_device
from lib.nn.random_state import GLOBAL_RNG_LOCK as _SEED_LOCK

WEIGHTS_DIR = Path(__file__).resolve().parents[3] / "weights"
MANIFEST_NAME = "manifest.json"
OUR_MODELS: tuple[str, ...] = ("lenet_digits", "shapes_cnn")
DIGIT_CLASSES: tuple[str, ...] = tuple(str(digit) for digit in range(10))
DIGIT_SIDE = 32  # LeNet's input: 32x32, like the digits data (8x8 scaled up 4x)
DIGIT_CELLS = 8  # the digits data: 32x32 bitmaps counted in 4x4 blocks -> 8x8


SHAPES_SIDE = 64
DOWNLOAD_HOST = "download.pytorch.org"


class ModelError(ValueError):
    """A model could not be loaded or used; the message says what was wrong and what to do."""


@dataclass(frozen=True)
class TorchvisionEntry:
    title: str
    builder: Callable[..., nn.Module]
    weights: torchvision.models.WeightsEnum


def _torchvision_entries() -> dict[str, TorchvisionEntry]:
    models = torchvision.models
    return {
        "mobilenet_v3_small": TorchvisionEntry(
            "MobileNetV3 small", models.mobilenet_v3_small, models.MobileNet_V3_Small_Weights.IMAGENET1K_V1
        ),
        "resnet18": TorchvisionEntry("ResNet18", models.resnet18, models.ResNet18_Weights.IMAGENET1K_V1),
        "alexnet": TorchvisionEntry("AlexNet", models.alexnet, models.AlexNet_Weights.IMAGENET1K_V1),
        "vgg16": TorchvisionEntry("VGG16", models.vgg16, models.VGG16_Weights.IMAGENET1K_V1),
    }


TORCHVISION_MODELS: dict[str, TorchvisionEntry] = _torchvision_entries()
ALL_MODELS: tuple[str, ...] = (*OUR_MODELS, *TORCHVISION_MODELS)
OUR_TITLES = {"lenet_digits": "LeNet-5 on handwritten digits (ours)", "shapes_cnn": "Shapes CNN (ours)"}


@dataclass(frozen=True)
class ModelInfo:
    """What a model expects and predicts: input (C, H, W), normalisation and class names."""

    name: str
    title: str
    source: str  # "ours" or "torchvision"
    classes: tuple[str, ...]
    input_size: tuple[int, int, int]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    test_accuracy: float | None = None


# ---------------------------------------------------------------------------------------------------
# Architectures (random weights until loaded)


def build_architecture(name: str, *, config: ShapesCNNConfig | None = None) -> nn.Module:
    """The named model's architecture with freshly initialised (random) weights, in eval mode.

    config: build a ShapesCNN of this configuration instead (a CNN trained on the Train a CNN page).
    Building draws the random weights inside lib.nn.random_state's lock, leaving the global state as it was.
    """
    if config is None and name not in ("lenet_digits", "shapes_cnn", *TORCHVISION_MODELS):
        raise ModelError(f"Unknown model {name!r}. Choose one of: {', '.join(ALL_MODELS)}.")
    with _SEED_LOCK, torch.random.fork_rng(devices=[]):
        if config is not None:
            model: nn.Module = ShapesCNN(config)
        elif name == "lenet_digits":
            model = DigitsLeNet5(num_classes=len(DIGIT_CLASSES))
        elif name == "shapes_cnn":
            model = ShapesCNN(ShapesCNNConfig(num_classes=len(SHAPE_CLASSES)))
        else:
            model = TORCHVISION_MODELS[name].builder(weights=None)
    return model.eval()


# The class each "architecture" in weights/manifest.json names. The digits model's entry says "LeNet5", its
# class's name before the two LeNets got distinct ones (lib.nn.cnn_torch.ClassicLeNet5 is the 1998 paper's).
MANIFEST_ARCHITECTURES: dict[str, type[nn.Module]] = {
    "LeNet5": DigitsLeNet5,
    "DigitsLeNet5": DigitsLeNet5,
    "ShapesCNN": ShapesCNN,
}


def check_manifest_architecture(name: str, entry: Mapping, model: nn.Module) -> None:
    """Raise ModelError when a manifest entry's "architecture" (if it has one) is not the model's class."""
    architecture = entry.get("architecture")
    if architecture is not None and MANIFEST_ARCHITECTURES.get(architecture) is not type(model):
        raise ModelError(
            f"weights/{MANIFEST_NAME} says {name!r} is a {architecture!r}, but {name!r} is a "
            f"{type(model).__name__}. Run `python scripts/train_{name}.py` to make its weights again."
        )


# ---------------------------------------------------------------------------------------------------
# The manifest of our weights


def sha256_bytes(data: bytes) -> str:
    """The sha256 hex digest of some bytes."""
    return hashlib.sha256(data).hexdigest()


def read_manifest(weights_dir: Path | None = None) -> dict[str, dict]:
    """weights/manifest.json as a dict name -> entry (file, sha256, classes, input_size, mean, std, ...)."""
    path = (weights_dir or WEIGHTS_DIR) / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ModelError(f"{path} is not valid JSON ({error}); re-run the training scripts.") from None
    if not isinstance(manifest, dict):
        raise ModelError(f"{path} should hold a JSON object name -> entry.")
    return manifest


def write_manifest_entry(name: str, entry: dict, *, weights_dir: Path | None = None) -> None:
    """Add or replace one model's entry in weights/manifest.json (used by the training scripts)."""
    weights_dir = weights_dir or WEIGHTS_DIR
    manifest = read_manifest(weights_dir)
    manifest[name] = entry
    text = json.dumps(dict(sorted(manifest.items())), indent=2) + "\n"
    (weights_dir / MANIFEST_NAME).write_text(text)


def _manifest_entry(name: str, weights_dir: Path | None = None) -> dict:
    entry = read_manifest(weights_dir).get(name)
    script = f"scripts/train_{name}.py"
    if entry is None:
        raise ModelError(
            f"The weights of {name!r} are not in weights/{MANIFEST_NAME}. Run `python {script}`."
        )
    return entry


# ---------------------------------------------------------------------------------------------------
# Safe loading


def load_state_dict_bytes(
    data: bytes, *, expected_sha256: str, device: torch.device | None = None, label: str = "weights file"
) -> dict[str, torch.Tensor]:
    """Check the sha256 of a weights file's bytes, then load its state dict with weights_only=True.

    expected_sha256: the full hex digest, or the leading digits torchvision puts in its file names.
    Returns a dict parameter name -> tensor on `device`. Raises ModelError for a wrong checksum,
    a pickle payload (anything but tensors), a truncated or damaged file, or something not a state dict.
    """
    actual = sha256_bytes(data)
    if not expected_sha256 or not actual.startswith(expected_sha256.lower()):
        raise ModelError(
            f"The {label} does not match its recorded sha256 (expected {expected_sha256[:12]}…, "
            f"got {actual[:12]}…): it was changed or damaged. Re-run the training script or restore the file."
        )
    try:
        state = torch.load(io.BytesIO(data), weights_only=True, map_location=device or "cpu")
    except Exception as error:  # torch raises UnpicklingError, RuntimeError, EOFError, ... by cause
        message = str(error)
        if "weights_only" in message or "Unsupported global" in message or "Unpickl" in type(error).__name__:
            raise ModelError(
                f"The {label} holds Python objects, not just tensors (a pickle payload). "
                "It was refused unopened: only plain state dicts are loaded."
            ) from None
        raise ModelError(
            f"The {label} is truncated or damaged and cannot be read ({type(error).__name__}). "
            "Re-run the training script or download it again."
        ) from None
    if not isinstance(state, dict) or not all(
        isinstance(key, str) and isinstance(value, torch.Tensor) for key, value in state.items()
    ):
        raise ModelError(f"The {label} is not a state dict (a dict of parameter name -> tensor).")
    return state


def load_state_into(model: nn.Module, state: dict[str, torch.Tensor], *, label: str = "weights") -> nn.Module:
    """Load a state dict into a model strictly; a wrong architecture raises ModelError naming the mismatch."""
    expected = model.state_dict()
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    wrong_shapes = [
        f"{key}: file {tuple(state[key].shape)} vs model {tuple(expected[key].shape)}"
        for key in expected
        if key in state and state[key].shape != expected[key].shape
    ]
    if missing or unexpected or wrong_shapes:
        details = []
        if missing:
            details.append(f"missing keys {missing[:3]}{' …' if len(missing) > 3 else ''}")
        if unexpected:
            details.append(f"unexpected keys {unexpected[:3]}{' …' if len(unexpected) > 3 else ''}")
        if wrong_shapes:
            details.append(f"wrong shapes {wrong_shapes[:2]}{' …' if len(wrong_shapes) > 2 else ''}")
        raise ModelError(
            f"The {label} were saved from a different architecture: {'; '.join(details)}. "
            "Use the weights file that was trained for this model."
        )
    model.load_state_dict(state, strict=True)
    return model


# ---------------------------------------------------------------------------------------------------
# torchvision weights: the torch hub cache, downloads, the offline path


def hub_checkpoints_dir() -> Path:
    """Where torch hub keeps downloaded weights ($TORCH_HOME/hub/checkpoints by default)."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def cached_weights_path(name: str) -> Path:
    """The file the named torchvision model's weights have (or would have) in the torch hub cache."""
    url = TORCHVISION_MODELS[name].weights.url
    return hub_checkpoints_dir() / os.path.basename(url)


def _hash_prefix(path: Path) -> str | None:
    """torchvision file names end in the first hex digits of their sha256: resnet18-f37072fd.pth."""
    match = re.search(r"-([a-f0-9]{6,})\.", path.name)
    return match.group(1) if match else None


def _open_url(url: str, timeout: float):  # the one place that touches the network (tests replace it)
    return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 (fixed https URLs from torchvision)


def network_reachable(*, host: str = DOWNLOAD_HOST, timeout: float = 2.0) -> bool:
    """True when a TCP connection to `host`:443 opens within `timeout` seconds."""
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def download_weights(
    name: str, *, on_progress: Callable[[float], None] | None = None, timeout: float = 30.0
) -> Path:
    """Download a torchvision model's weights into the torch hub cache once; returns the cached path.

    on_progress(fraction in [0, 1]) is called as bytes arrive. Raises ModelError when offline.
    """
    entry = TORCHVISION_MODELS[name]
    destination = cached_weights_path(name)
    if destination.is_file():
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f"{destination.name}.{os.getpid()}.partial")
    hasher = hashlib.sha256()
    try:
        with _open_url(entry.weights.url, timeout) as response, open(partial, "wb") as file:
            total = int(response.headers.get("Content-Length") or 0)
            received = 0
            while chunk := response.read(1 << 20):
                file.write(chunk)
                hasher.update(chunk)
                received += len(chunk)
                if on_progress and total:
                    on_progress(min(1.0, received / total))
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        partial.unlink(missing_ok=True)
        reason = getattr(error, "reason", error)
        raise ModelError(
            f"{entry.title}'s ImageNet weights are not on this machine (looked in {destination.parent}) "
            f"and could not be downloaded from {entry.weights.url} ({reason}). "
            f"This machine seems to be offline: use our own models ({', '.join(OUR_MODELS)}) instead."
        ) from None
    prefix = _hash_prefix(destination)
    if prefix and not hasher.hexdigest().startswith(prefix):
        partial.unlink(missing_ok=True)
        raise ModelError(
            f"The download of {entry.title}'s weights was corrupted (sha256 mismatch). Try again."
        )
    os.replace(partial, destination)
    return destination


# ---------------------------------------------------------------------------------------------------
# The public API: which models, load one, what it expects


def available_models(*, probe_network: bool = False) -> list[str]:
    """Models usable now: ours whose weights are present, torchvision ones whose weights are cached.

    With probe_network=True, torchvision models are also listed when their weights can be downloaded.
    """
    names = []
    manifest = read_manifest()
    for name in OUR_MODELS:
        if name in manifest and (WEIGHTS_DIR / manifest[name].get("file", "")).is_file():
            names.append(name)
    online = probe_network and network_reachable()
    names += [name for name in TORCHVISION_MODELS if online or cached_weights_path(name).is_file()]
    return names


def model_info(name: str) -> ModelInfo:
    """Classes, input size and normalisation of a model (needs no weights for torchvision models)."""
    if name in OUR_MODELS:
        entry = _manifest_entry(name)
        return ModelInfo(
            name=name,
            title=OUR_TITLES[name],
            source="ours",
            classes=tuple(entry["classes"]),
            input_size=tuple(entry["input_size"]),
            mean=tuple(entry["mean"]),
            std=tuple(entry["std"]),
            test_accuracy=entry.get("test_accuracy"),
        )
    if name in TORCHVISION_MODELS:
        entry = TORCHVISION_MODELS[name]
        transforms = entry.weights.transforms()
        crop = transforms.crop_size[0]
        accuracy = entry.weights.meta.get("_metrics", {}).get("ImageNet-1K", {}).get("acc@1")
        return ModelInfo(
            name=name,
            title=f"{entry.title} (torchvision, ImageNet)",
            source="torchvision",
            classes=tuple(entry.weights.meta["categories"]),
            input_size=(3, crop, crop),
            mean=tuple(transforms.mean),
            std=tuple(transforms.std),
            test_accuracy=accuracy / 100 if accuracy is not None else None,
        )
    raise ModelError(f"Unknown model {name!r}. Choose one of: {', '.join(ALL_MODELS)}.")


def load_model(
    name: str, *, device: torch.device | None = None, on_progress: Callable[[float], None] | None = None
) -> nn.Module:
    """The named model with its trained weights, in eval mode on `device` (default_device() by default).

    Raises ModelError when the weights are missing, damaged, unsafe, of another architecture, or
    (torchvision) neither cached nor downloadable. on_progress reports a download's progress.
    """
    device = device or default_device()
    if name not in ALL_MODELS:
        raise ModelError(f"Unknown model {name!r}. Choose one of: {', '.join(ALL_MODELS)}.")
    if name in OUR_MODELS:
        entry = _manifest_entry(name)
        path = WEIGHTS_DIR / entry["file"]
        if not path.is_file():
            raise ModelError(f"{path} is missing. Run `python scripts/train_{name}.py` to make it.")
        model = build_architecture(name)
        check_manifest_architecture(name, entry, model)
        state = load_state_dict_bytes(
            path.read_bytes(),
            expected_sha256=entry["sha256"],
            device=device,
            label=f"weights file {path.name}",
        )
    else:
        path = download_weights(name, on_progress=on_progress)
        state = load_state_dict_bytes(
            path.read_bytes(),
            expected_sha256=_hash_prefix(path) or "",
            device=device,
            label=f"cached weights file {path}",
        )
        model = build_architecture(name)
    load_state_into(model, state, label=f"weights of {name}")
    return model.to(device).eval()


@lru_cache(maxsize=8)
def get_model(name: str, device: str | None = None) -> nn.Module:
    """load_model, once per process and device: the shared, read-only instance (do not train it)."""
    return load_model(name, device=torch.device(device) if device else None)


def warm_thread(device: torch.device) -> None:
    """Run one tiny convolution on `device` from this thread, before a forward pass is timed.

    torch sets up its thread pool on a thread's first call (milliseconds to tens of them), and a web
    server may run every request in a new thread: that set-up is not the forward pass being timed.
    """
    with torch.inference_mode():
        # big enough (8 channels, 64 x 64) for torch to run it on all its threads
        nn.functional.conv2d(torch.zeros(1, 8, 64, 64, device=device), torch.zeros(8, 8, 3, 3, device=device))


def model_device(model: nn.Module) -> torch.device:
    """The device a model's parameters live on."""
    return next(model.parameters()).device
