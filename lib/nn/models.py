"""Models that see: our own trained weights and torchvision's ImageNet models, loaded safely, and classify.

Our weights (weights/*.pt) are state dicts listed in weights/manifest.json with their sha256; they are
loaded with torch.load(..., weights_only=True) only after the sha256 matches, so a file with a pickle
payload, a wrong architecture, a truncated file or a wrong checksum is refused with a ModelError.
torchvision's ImageNet models come through their weights enums: usable when the weights are in the torch
hub cache, or downloadable; offline they raise a ModelError that says so.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import torch
import torchvision
from torch import nn
from torchvision.transforms import functional as TF

from lib.cv.images import ImageError, to_gray
from lib.cv.shapes import SHAPE_CLASSES
from lib.nn.architectures_torch import LeNet5, ShapesCNN, ShapesCNNConfig
from lib.nn.device import default_device

WEIGHTS_DIR = Path(__file__).resolve().parents[2] / "weights"
MANIFEST_NAME = "manifest.json"
OUR_MODELS: tuple[str, ...] = ("lenet_digits", "shapes_cnn")
DIGIT_CLASSES: tuple[str, ...] = tuple(str(digit) for digit in range(10))
DIGIT_SIDE = 32  # LeNet's input: 32x32, like the digits data (8x8 scaled up 4x)
DIGIT_CELLS = 8  # the digits data: 32x32 bitmaps counted in 4x4 blocks -> 8x8
DIGIT_STROKE = 4  # thinnest stroke in the 32x32 bitmap: thinner ones (a mouse, a pen) are thickened
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
    """
    if config is not None:
        model: nn.Module = ShapesCNN(config)
    elif name == "lenet_digits":
        model = LeNet5(num_classes=len(DIGIT_CLASSES))
    elif name == "shapes_cnn":
        model = ShapesCNN(ShapesCNNConfig(num_classes=len(SHAPE_CLASSES)))
    elif name in TORCHVISION_MODELS:
        model = TORCHVISION_MODELS[name].builder(weights=None)
    else:
        raise ModelError(f"Unknown model {name!r}. Choose one of: {', '.join(ALL_MODELS)}.")
    return model.eval()


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


# ---------------------------------------------------------------------------------------------------
# CNNs trained in a session (lib.nn.cnn_training.CnnTrainer.model_entry): nothing on disk, described by an entry

TRAINED_SOURCE = "session"
TRAINED_WEIGHTS_FILE = "cnn_model.pth"  # the name the Train a CNN page downloads the state dict as


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


# ---------------------------------------------------------------------------------------------------
# Training data of our own models (shared by the training scripts and the tests)


def upscale_digits(cells: np.ndarray) -> np.ndarray:
    """8x8 digit cells in [0, 1] -> 32x32 float32 images, bilinear (the same for training and inference).

    cells: (N, 8, 8) or (8, 8) float. Returns (N, 32, 32) or (32, 32) float32.
    """
    cells = np.asarray(cells, dtype=np.float32)
    if cells.ndim == 2:
        return cv2.resize(cells, (DIGIT_SIDE, DIGIT_SIDE), interpolation=cv2.INTER_LINEAR)
    return np.stack([upscale_digits(cell) for cell in cells])


def digits_split(*, test_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, ...]:
    """scikit-learn's handwritten digits at 32x32, split stratified by class with a fixed seed.

    Returns (train_images, train_labels, test_images, test_labels): images (N, 32, 32) float32 in [0, 1]
    (bright ink on black, as in the data), labels (N,) int64.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = upscale_digits(digits.images / 16.0)
    labels = digits.target.astype(np.int64)
    train_x, test_x, train_y, test_y = train_test_split(
        images, labels, test_size=test_fraction, random_state=seed, stratify=labels
    )
    return train_x, train_y, test_x, test_y


# ---------------------------------------------------------------------------------------------------
# Preprocessing: what each model is given


@dataclass(frozen=True)
class Preprocessed:
    """A model's input and the steps that made it (for showing): steps are (caption, image) pairs."""

    tensor: torch.Tensor  # (1, C, H, W) float32 on the CPU, normalised
    steps: tuple[tuple[str, np.ndarray], ...]


def _ink_image(gray: np.ndarray) -> np.ndarray:
    """Gray uint8 -> ink bright on a black background: inverted when the border (paper) is light."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    ink = 255 - gray if np.median(border) > 127 else gray.copy()
    background = np.median(np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]]))
    return np.clip(ink.astype(np.int16) - int(background), 0, 255).astype(np.uint8)


def _ink_mask(ink: np.ndarray, *, min_contrast: int = 40) -> np.ndarray:
    """Otsu's mask of the ink, without specks (components under 5 % of the largest one's area)."""
    if int(ink.max()) < min_contrast:
        raise ImageError(
            "No digit found: the image is almost flat. Use a dark digit on light paper (or light on dark)."
        )
    _, mask = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        raise ImageError("No digit found in the image. Use a dark digit on light paper (or light on dark).")
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= 0.05 * areas.max()) + 1
    return np.isin(labels, keep)


def stroke_width(mask: np.ndarray) -> float:
    """The typical width in pixels of the strokes in a binary mask (H, W): twice the median distance from
    the strokes' middle lines (ridges of the distance transform) to the background, less one."""
    distance = cv2.distanceTransform(np.pad((mask > 0).astype(np.uint8), 1), cv2.DIST_L2, 5)  # a border
    ridge = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))
    return max(1.0, 2 * float(np.median(distance[ridge])) - 1) if ridge.any() else 0.0


def thicken_strokes(mask: np.ndarray, *, min_width: float) -> tuple[np.ndarray, int]:
    """Dilate a binary uint8 mask (H, W) by a disc so its strokes are about min_width pixels wide.

    Returns (mask padded by the disc's radius on every side, radius); radius 0 (mask unchanged) when
    the strokes are wide enough. The digits data has thick strokes; a mouse or a pen draws thin ones.
    """
    radius = round((min_width - stroke_width(mask)) / 2)
    if radius < 1:
        return mask, 0
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(np.pad(mask, radius), disc), radius


def digit_steps(image_rgb: np.ndarray, *, margin: int = 1) -> list[tuple[str, np.ndarray]]:
    """Turn a photo or drawing of one digit into LeNet's input the way the digits data was made.

    Gray -> ink bright on black (inverted if the paper is light) -> crop to the digit's bounding box ->
    strokes thinner than DIGIT_STROKE pixels (once scaled) thickened -> binary bitmap scaled into 32x32 (height filling it, `margin` pixels free, centred) -> 4x4 block
    means = the 8x8 cells of the data -> bilinear back to 32x32. image_rgb: (H, W, 3) or (H, W) uint8.
    Returns (caption, image) steps; the last is the (32, 32) float32 input in [0, 1].
    """
    if image_rgb.dtype != np.uint8 or image_rgb.ndim not in (2, 3):
        raise ImageError(f"Expected an RGB or gray uint8 image, got {image_rgb.dtype} {image_rgb.shape}.")
    gray = to_gray(image_rgb)
    ink = _ink_image(gray)
    mask = _ink_mask(ink)
    ys, xs = np.nonzero(mask)
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    inner = DIGIT_SIDE - 2 * margin
    crop, radius = thicken_strokes(
        mask[top:bottom, left:right].astype(np.uint8),
        min_width=DIGIT_STROKE * max(bottom - top, right - left) / inner,
    )
    crop = crop.astype(np.float32)
    scale = inner / max(crop.shape)
    height = max(1, min(inner, round(crop.shape[0] * scale)))
    width = max(1, min(inner, round(crop.shape[1] * scale)))
    bitmap = np.zeros((DIGIT_SIDE, DIGIT_SIDE), dtype=np.float32)
    y0, x0 = (DIGIT_SIDE - height) // 2, (DIGIT_SIDE - width) // 2
    bitmap[y0 : y0 + height, x0 : x0 + width] = cv2.resize(
        crop, (width, height), interpolation=cv2.INTER_AREA
    )
    block = DIGIT_SIDE // DIGIT_CELLS
    cells = bitmap.reshape(DIGIT_CELLS, block, DIGIT_CELLS, block).mean(axis=(1, 3))
    boxed = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
    thickness = max(1, round(max(gray.shape) / 200))
    cv2.rectangle(boxed, (int(left), int(top)), (int(right) - 1, int(bottom) - 1), (255, 64, 64), thickness)
    return [
        ("Gray, digit's bounding box", boxed),
        ("Ink (bright on black)", _padded_square(ink[top:bottom, left:right])),
        (f"32×32 bitmap{', strokes thickened' if radius else ''}", bitmap),
        ("8×8 cells (as in the data)", cells),
        ("LeNet input 32×32", upscale_digits(cells)),
    ]


def _padded_square(image: np.ndarray) -> np.ndarray:
    """A (H, W) image centred on a black square (shown beside the other steps, a thin 1 stays small)."""
    height, width = image.shape
    side = max(height, width)
    top, left = (side - height) // 2, (side - width) // 2
    return np.pad(image, ((top, side - height - top), (left, side - width - left)))


def shapes_steps(image_rgb: np.ndarray, *, side: int = SHAPES_SIDE) -> list[tuple[str, np.ndarray]]:
    """Resize an image to the shapes CNN's side x side (INTER_AREA). Returns [(caption, uint8 RGB)]."""
    rgb = _as_rgb(image_rgb)
    interpolation = cv2.INTER_AREA if max(rgb.shape[:2]) > side else cv2.INTER_LINEAR
    return [(f"Resized to {side}×{side}", cv2.resize(rgb, (side, side), interpolation=interpolation))]


def imagenet_steps(image_rgb: np.ndarray, name: str) -> list[tuple[str, np.ndarray]]:
    """The weights' own transforms step by step: resize the shorter side, centre-crop. uint8 RGB steps."""
    transforms = TORCHVISION_MODELS[name].weights.transforms()
    tensor = torch.from_numpy(np.array(_as_rgb(image_rgb), copy=True)).permute(2, 0, 1)  # writable copy
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


def _as_rgb(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ImageError(
            f"Expected an RGB (H, W, 3) or gray (H, W) uint8 image, got {image.dtype} {image.shape}."
        )
    return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB) if image.ndim == 2 else image


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
    labelled = _as_rgb(image_rgb).copy()
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


def find_digits(
    image_rgb: np.ndarray, *, min_area_fraction: float = 0.0005
) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) of the separate digits in an image, in reading order (rows, then left to right).

    Ink strokes closer than ~2 % of the image side are joined (a broken 5 stays one digit).
    """
    ink = _ink_image(to_gray(_as_rgb(image_rgb)))
    mask = _ink_mask(ink).astype(np.uint8)
    side = max(3, round(0.02 * max(mask.shape)) | 1)
    joined = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    min_area = min_area_fraction * mask.size
    boxes = [
        tuple(int(v) for v in stats[i, :4]) for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= min_area
    ]
    if not boxes:
        return []
    row_height = np.median([box[3] for box in boxes])
    return sorted(boxes, key=lambda box: (round((box[1] + box[3] / 2) / row_height), box[0]))


# ---------------------------------------------------------------------------------------------------
# Code shown to students: runnable cv2 / numpy / torch, no lib imports

_DIGIT_INPUT_SNIPPET = """
# LeNet's input, made the way scikit-learn's digits were made: ink bright on black, cropped to the
# digit, scaled into a 32x32 bitmap (height filling it), counted in 4x4 blocks (8x8), scaled back to 32x32.
gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY) if image_rgb.ndim == 3 else image_rgb
border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
ink = 255 - gray if np.median(border) > 127 else gray.copy()  # light paper: invert
paper = np.median(np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]]))
ink = np.clip(ink.astype(np.int16) - int(paper), 0, 255).astype(np.uint8)
_, mask = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
areas = stats[1:, cv2.CC_STAT_AREA]
mask = np.isin(labels, np.flatnonzero(areas >= 0.05 * areas.max()) + 1)  # drop specks
ys, xs = np.nonzero(mask)
crop = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.uint8)
# Thin strokes (a mouse, a pen) thickened to {stroke} pixels of the 32x32 bitmap: the data's strokes are thick.
distance = cv2.distanceTransform(np.pad(crop, 1), cv2.DIST_L2, 5)  # distance to the background
ridge = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))  # middle lines
width = max(1.0, 2 * float(np.median(distance[ridge])) - 1)  # stroke width in pixels
radius = round(({stroke} * max(crop.shape) / 30 - width) / 2)
if radius >= 1:
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    crop = cv2.dilate(np.pad(crop, radius), disc)
crop = crop.astype(np.float32)
scale = 30 / max(crop.shape)  # 32 pixels minus a 1-pixel margin on each side
height = max(1, min(30, round(crop.shape[0] * scale)))
width = max(1, min(30, round(crop.shape[1] * scale)))
bitmap = np.zeros((32, 32), dtype=np.float32)
y0, x0 = (32 - height) // 2, (32 - width) // 2
bitmap[y0 : y0 + height, x0 : x0 + width] = cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA)
cells = bitmap.reshape(8, 4, 8, 4).mean(axis=(1, 3))  # the 8x8 digit, values in [0, 1]
digit = cv2.resize(cells, (32, 32), interpolation=cv2.INTER_LINEAR)
inputs = ((torch.from_numpy(digit) - {mean}) / {std})[None, None]  # (1, 1, 32, 32)
"""

_SHAPES_INPUT_SNIPPET = """
interpolation = cv2.INTER_AREA if max(image_rgb.shape[:2]) > {side} else cv2.INTER_LINEAR
resized = cv2.resize(image_rgb, ({side}, {side}), interpolation=interpolation)
mean = torch.tensor({mean}).view(3, 1, 1)
std = torch.tensor({std}).view(3, 1, 1)
inputs = ((torch.from_numpy(resized).permute(2, 0, 1).float() / 255 - mean) / std)[None]  # (1, 3, {side}, {side})
"""


def _class_source(name: str) -> str:
    import inspect

    from lib.nn import architectures_torch

    if name == "lenet_digits":
        return inspect.getsource(architectures_torch.LeNet5)
    parts = (
        architectures_torch.ShapesCNNConfig,
        architectures_torch.conv_block,
        architectures_torch.ShapesCNN,
    )
    return "\n\n".join(inspect.getsource(part) for part in parts)


def model_snippet_parts(
    name: str,
    *,
    random_weights: bool = False,
    info: ModelInfo | None = None,
    config: ShapesCNNConfig | None = None,
) -> tuple[str, str, str]:
    """Code that builds the named model (imports included) and code that turns `image_rgb` into
    `inputs` (1, C, H, W): (imports, model code, input code), for the Code panels.

    info and config: a CNN trained in this session (its weights are read from TRAINED_WEIGHTS_FILE).
    """
    info = info or model_info(name)
    trained = info.source == TRAINED_SOURCE
    if trained and config is None:
        raise ValueError("a trained model's code needs its ShapesCNNConfig (config=...)")
    imports = "import cv2\nimport numpy as np\nimport torch\n"
    if name in OUR_MODELS or trained:
        imports += "from torch import nn\n"
        if name == "shapes_cnn" or trained:
            imports = "from dataclasses import dataclass\n\n" + imports
        constructor = "LeNet5(num_classes=10)" if name == "lenet_digits" else "ShapesCNN(ShapesCNNConfig())"
        weights_file = f"weights/{name}.pt"
        if trained:
            constructor = f"ShapesCNN({config!r})"
            weights_file = TRAINED_WEIGHTS_FILE  # downloaded from the Train a CNN page
        if random_weights:
            build = f"torch.manual_seed(0)  # random weights: what the network sees before training\nmodel = {constructor}.eval()"
        else:
            build = (
                f"model = {constructor}\n"
                f'state = torch.load("{weights_file}", weights_only=True, map_location="cpu")  # tensors only\n'
                "model.load_state_dict(state)\nmodel.eval()"
            )
        model_code = f"{_class_source('shapes_cnn' if trained else name)}\n\n{build}\n"
        digits = name == "lenet_digits" and not trained
        template = _DIGIT_INPUT_SNIPPET if digits else _SHAPES_INPUT_SNIPPET
        input_code = template.format(
            mean=info.mean[0] if digits else list(info.mean),
            std=info.std[0] if digits else list(info.std),
            side=info.input_size[1],
            stroke=DIGIT_STROKE,
        )
        return _used_imports(imports, model_code + input_code), model_code, input_code
    entry = TORCHVISION_MODELS[name]
    builder, weights = entry.builder.__name__, entry.weights
    enum = f"{type(weights).__name__}.{weights.name}"
    imports += f"from torchvision.models import {type(weights).__name__}, {builder}\n"
    if random_weights:
        model_code = f"torch.manual_seed(0)  # random weights: what the network sees before training\nmodel = {builder}(weights=None).eval()\n"
    else:
        model_code = f"model = {builder}(weights={enum}).eval()  # downloads once into the torch hub cache\n"
    input_code = (
        f"\npreprocess = {enum}.transforms()  # resize {weights.transforms().resize_size[0]}, "
        f"centre crop {info.input_size[1]}, normalise\n"
        "inputs = preprocess(torch.from_numpy(image_rgb).permute(2, 0, 1)).unsqueeze(0)  # (1, 3, 224, 224)\n"
    )
    return _used_imports(imports, model_code + input_code), model_code, input_code


def _used_imports(imports: str, code: str) -> str:
    """The import lines without NumPy when the code never calls np. (a downloaded script passes ruff)."""
    return imports if "np." in code else imports.replace("import numpy as np\n", "")


def classify_snippet(
    name: str, *, k: int = 5, info: ModelInfo | None = None, config: ShapesCNNConfig | None = None
) -> str:
    """Runnable code that classifies `image_rgb` with the named model; `result` = [(class, probability)].

    info and config: a CNN trained in this session (see model_snippet_parts).
    """
    info = info or model_info(name)
    imports, model_code, input_code = model_snippet_parts(name, info=info, config=config)
    k = max(1, min(k, len(info.classes)))
    if name in OUR_MODELS or info.source == TRAINED_SOURCE:
        classes = f"classes = {list(info.classes)}\n"
    else:
        weights = TORCHVISION_MODELS[name].weights
        classes = (
            f'classes = {type(weights).__name__}.{weights.name}.meta["categories"]  # 1000 ImageNet names\n'
        )
    return (
        '# image_rgb: an RGB uint8 image, e.g. cv2.cvtColor(cv2.imread("photo.jpg"), cv2.COLOR_BGR2RGB)\n'
        f"{imports}\n{model_code}{input_code}\n{classes}"
        "with torch.no_grad():\n"
        "    probabilities = torch.softmax(model(inputs)[0], dim=0)\n"
        f"k = min({k}, len(classes))  # torch.topk needs k <= the number of classes\n"
        "values, indices = torch.topk(probabilities, k)\n"
        "result = [(classes[i], float(p)) for p, i in zip(values, indices)]\n"
        "print(result)\n"
    )


def draw_readings(
    image_rgb: np.ndarray, readings: list[tuple[tuple[int, int, int, int], str, float]]
) -> np.ndarray:
    """A copy of the image with each box (x, y, w, h) outlined and its label written above it.

    readings: [((x, y, w, h), label, probability)]. Returns RGB uint8 (H, W, 3).
    """
    drawn = _as_rgb(image_rgb).copy()
    scale = max(0.5, max(drawn.shape[:2]) / 800)
    thickness = max(1, round(scale * 2))
    for (x, y, w, h), label, _ in readings:
        cv2.rectangle(drawn, (x, y), (x + w - 1, y + h - 1), (230, 40, 40), thickness)
        origin = (x, max(y - 4, int(22 * scale)))
        cv2.putText(
            drawn, label, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (230, 40, 40), thickness, cv2.LINE_AA
        )
    return drawn
