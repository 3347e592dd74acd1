"""Run the torch paths of lib on CPU and on CUDA, compare the results and the times, print a short table.

    .venv/bin/python scripts/device_check.py                 # full size: a 1024 px image, batches of 32
    .venv/bin/python scripts/device_check.py --size 64 --batch 4 --repeat 1   # a quick look
    .venv/bin/python scripts/device_check.py --strict        # TF32 off on CUDA, tight tolerances

Checks (each timed as the median of --repeat runs after one warm-up, CUDA synchronised):
- kernel: lib.cv.filters.apply_kernel(image, kernel, device=...) vs cv2.filter2D (CV_32F, BORDER_REFLECT_101)
  on an RGB image of --size x --size and a 5x5 kernel with negative weights;
- classify: a forward pass of a batch through lenet_digits / shapes_cnn (lib.nn.models.load_model; an
  untrained torch.nn.Sequential conv net if neither loads): the logits, and the top-1 classes;
- feature maps: every layer of a trained CNN (lib.nn.features.layer_extractor, extract_activations), and
  with --torchvision of ResNet18 and VGG16 (random weights, one 224 px input);
- train step: one SGD step of the course's CNN (lib.nn.cnn_training.course_cnn, narrow widths) from the same
  weights on the same batch: the loss and the parameter update.
The torch checks compare float32 on each device with the same computation in float64 on the CPU, so the
CPU column shows float32's own error and the CUDA column adds what the GPU changes.

On CUDA, PyTorch lets cuDNN run float32 convolutions in TF32 (10-bit mantissa) by default, as the app
does; the tolerances allow for it (relative 1e-2 of the largest value compared). --strict turns TF32 off
and asks for 1e-4. On a machine without CUDA the script says "CUDA: not available" and runs the CPU
columns; --second-device cpu compares CPU with itself (a check of the script). Exit code 0 when every
result agrees within its tolerance.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
import torchvision
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lib.cv import filters  # noqa: E402
from lib.nn import cnn_training, features, models  # noqa: E402

KERNEL_RTOL = 1e-5  # float32 sums of 25 products, another order: relative to sum(|kernel|) * 255
TF32_RTOL = 1e-2  # CUDA convolutions in TF32 vs float32 on CPU: relative to the largest value compared
STRICT_RTOL = 1e-4  # TF32 off: float32 on both devices, summation order differs
UPDATE_TF32_RTOL = 5e-2  # one SGD step's update (gradients go through twice the convolutions)
UPDATE_STRICT_RTOL = 1e-3
CNN_MODELS = ("lenet_digits", "shapes_cnn")
TORCHVISION_MODELS = ("resnet18", "vgg16")  # --torchvision: their feature maps at 224 x 224, random weights


@dataclass
class Row:
    """One check: what was compared with what, times per column, the largest differences, the verdict."""

    check: str
    reference: str
    times_ms: dict[str, float | None] = field(default_factory=dict)  # "reference", "cpu", second device
    diffs: dict[str, float] = field(default_factory=dict)  # column -> max |result - reference|
    tolerances: dict[str, float] = field(default_factory=dict)  # column -> the largest difference allowed
    note: str = ""

    @property
    def ok(self) -> bool:
        return all(diff <= self.tolerances[column] for column, diff in self.diffs.items())


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(function: Callable[[], object], device: torch.device, repeat: int) -> tuple[object, float]:
    """(the last result, median milliseconds of `repeat` calls after one warm-up call)."""
    result = function()
    synchronize(device)
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = function()
        synchronize(device)
        times.append((time.perf_counter() - start) * 1000)
    return result, statistics.median(times)


def max_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) if a.size else 0.0


def test_image(size: int) -> np.ndarray:
    """A reproducible RGB uint8 image with edges, gradients and noise: (size, size, 3)."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 255, size, dtype=np.float32)
    image = np.stack(
        [ramp[None, :].repeat(size, 0), ramp[:, None].repeat(size, 1), np.full((size, size), 90.0)], -1
    )
    image[size // 4 : size // 2, size // 4 : size // 2] = (250, 20, 120)
    image += rng.normal(0, 12, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------------------
# The checks. `devices` maps a column ("cpu", "second") to a torch.device.


def check_kernel(devices: dict[str, torch.device], size: int, repeat: int) -> Row:
    image = test_image(size)
    kernel = (
        np.array(
            [[0, 1, 2, 1, 0], [1, -2, -4, -2, 1], [2, -4, 12, -4, 2], [1, -2, -4, -2, 1], [0, 1, 2, 1, 0]],
            np.float32,
        )
        / 4
    )
    reference, reference_ms = timed(
        lambda: cv2.filter2D(image.astype(np.float32), cv2.CV_32F, kernel, borderType=cv2.BORDER_REFLECT_101),
        torch.device("cpu"),
        repeat,
    )
    row = Row(f"kernel 5×5, {size}×{size} RGB: apply_kernel", "cv2.filter2D")
    row.times_ms["reference"] = reference_ms
    for column, device in devices.items():
        row.tolerances[column] = KERNEL_RTOL * float(np.abs(kernel).sum()) * 255
        result, row.times_ms[column] = timed(
            lambda device=device: filters.apply_kernel(image, kernel, device=device), device, repeat
        )
        row.diffs[column] = max_abs(result, reference)
    return row


def load_cnn(name: str, device: torch.device) -> tuple[nn.Module, tuple[int, int, int], str]:
    """(model on device in eval mode, input (C, H, W), how it was made): our trained weights, else a Sequential."""
    if name in models.OUR_MODELS:
        try:
            model = models.load_model(name, device=device)
            return model, tuple(models.model_info(name).input_size), f"{name} (trained)"
        except (models.ModelError, OSError, RuntimeError) as error:
            print(
                f"{name}: weights not loaded ({error}); using an untrained Sequential conv net",
                file=sys.stderr,
            )
    if name in TORCHVISION_MODELS:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = getattr(torchvision.models, name)(weights=None)  # random weights: nothing is downloaded
        return model.to(device).eval(), (3, 224, 224), f"{name} (random weights)"
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4),
            nn.Flatten(), nn.Linear(16 * 16, 5),
        )  # fmt: skip
    return model.to(device).eval(), (3, 32, 32), "Sequential conv net (untrained)"


def cnn_inputs(shape: tuple[int, int, int], batch: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return torch.randn((batch, *shape), generator=generator)


def relative_tolerance(device: torch.device, strict: bool, *, update: bool = False) -> float:
    """Relative to the largest value compared: float32 everywhere, unless CUDA may use TF32 (not --strict)."""
    tf32 = device.type == "cuda" and not strict
    if update:
        return UPDATE_TF32_RTOL if tf32 else UPDATE_STRICT_RTOL
    return TF32_RTOL if tf32 else STRICT_RTOL


def float64_twin(model: nn.Module) -> nn.Module:
    """The same model in float64 on the CPU: the reference every device is compared with."""
    return copy.deepcopy(model).cpu().double()


def check_classify(name: str, devices: dict[str, torch.device], batch: int, repeat: int, strict: bool) -> Row:
    cpu_model, shape, label = load_cnn(name, torch.device("cpu"))
    inputs = cnn_inputs(shape, batch)
    reference_model = float64_twin(cpu_model)

    def forward(model: nn.Module, data: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return model(data)

    reference, reference_ms = timed(
        lambda: forward(reference_model, inputs.double()), torch.device("cpu"), repeat
    )
    reference = reference.numpy()
    scale = float(np.abs(reference).max()) or 1.0
    row = Row(f"classify: {label}, batch {batch}", "torch CPU float64")
    row.times_ms["reference"] = reference_ms
    agreements = []
    for column, device in devices.items():
        model = cpu_model if device.type == "cpu" else load_cnn(name, device)[0]
        data = inputs.to(device)
        logits, row.times_ms[column] = timed(
            lambda model=model, data=data: forward(model, data), device, repeat
        )
        logits = logits.float().cpu().numpy()
        row.diffs[column] = max_abs(logits, reference)
        row.tolerances[column] = relative_tolerance(device, strict) * scale
        agreements.append(f"{column} {float((logits.argmax(1) == reference.argmax(1)).mean()):.0%}")
    row.note = f"top-1 equal to the float64 reference: {', '.join(agreements)}; max |logit| {scale:.3g}"
    return row


def check_feature_maps(name: str, devices: dict[str, torch.device], repeat: int, strict: bool) -> Row:
    cpu_model, shape, label = load_cnn(name, torch.device("cpu"))
    inputs = cnn_inputs(shape, 1)
    reference_extractor = features.layer_extractor(float64_twin(cpu_model))
    layers, reference_ms = timed(
        lambda: features.extract_activations(reference_extractor, inputs.double()),
        torch.device("cpu"),
        repeat,
    )
    reference = {layer.name: layer.values for layer in layers}
    scale = max((float(np.abs(values).max()) for values in reference.values() if values.size), default=1.0)
    row = Row(
        f"feature maps: {label}, {len(reference)} layers",
        "torch CPU float64",
        note=f"max |activation| {scale:.3g}",
    )
    row.times_ms["reference"] = reference_ms
    for column, device in devices.items():
        model = cpu_model if device.type == "cpu" else load_cnn(name, device)[0]
        extractor = features.layer_extractor(model)
        data = inputs.to(device)
        layers, row.times_ms[column] = timed(
            lambda extractor=extractor, data=data: features.extract_activations(extractor, data),
            device,
            repeat,
        )
        values = {layer.name: layer.values for layer in layers}
        row.tolerances[column] = relative_tolerance(device, strict) * scale
        if set(values) != set(reference):
            row.diffs[column] = float("inf")
            row.note = f"layers differ on {column}: {sorted(set(values) ^ set(reference))[:4]}"
            continue
        row.diffs[column] = max(max_abs(values[key], reference[key]) for key in reference)
    return row


def check_train_step(devices: dict[str, torch.device], batch: int, repeat: int, strict: bool) -> Row:
    """One SGD step of the course CNN from the same weights on the same batch; the update is compared."""
    base = cnn_training.course_cnn(
        5, image_size=32, channels=cnn_training.LIGHT_CHANNELS, hidden=(64, 32), seed=0
    )
    start_state = {key: value.clone() for key, value in base.state_dict().items()}
    generator = torch.Generator().manual_seed(1)
    images = torch.rand((batch, 3, 32, 32), generator=generator)
    labels = torch.randint(0, 5, (batch,), generator=generator)

    def stepper(model: nn.Module, device: torch.device, dtype: torch.dtype) -> Callable[[], tuple]:
        state = {
            key: value.to(dtype) if value.is_floating_point() else value for key, value in start_state.items()
        }

        def step() -> tuple[float, dict[str, np.ndarray]]:
            model.load_state_dict(state)  # every timed call starts from the same weights
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(images.to(device, dtype)), labels.to(device))
            loss.backward()
            optimizer.step()
            updates = {
                key: (value.detach().cpu().double() - start_state[key].double()).numpy()
                for key, value in model.named_parameters()
            }
            return loss.item(), updates

        return step

    reference_model = copy.deepcopy(base).double().train()
    (reference_loss, reference), reference_ms = timed(
        stepper(reference_model, torch.device("cpu"), torch.float64), torch.device("cpu"), repeat
    )
    scale = max(float(np.abs(update).max()) for update in reference.values()) or 1.0
    row = Row(
        f"train step (SGD): course CNN, batch {batch}",
        "torch CPU float64",
    )
    row.times_ms["reference"] = reference_ms
    losses = [f"float64 {reference_loss:.6f}"]
    for column, device in devices.items():
        model = copy.deepcopy(base).to(device).train()
        (loss, updates), row.times_ms[column] = timed(stepper(model, device, torch.float32), device, repeat)
        row.diffs[column] = max(max_abs(updates[key], reference[key]) for key in reference)
        row.tolerances[column] = relative_tolerance(device, strict, update=True) * scale
        losses.append(f"{column} {loss:.6f}")
    row.note = f"loss {', '.join(losses)}; differences are of the parameter update (max |update| {scale:.3g})"
    return row


# ---------------------------------------------------------------------------------------------------
# Report


def format_number(value: float | None, form: str) -> str:
    return "–" if value is None else form.format(value)


def table(rows: list[Row], second: str | None) -> str:
    """A markdown table; `second` is the second device's name, None when only the CPU ran."""
    other = (second or "cuda").upper()
    header = ["check", "reference", "ref ms", "CPU ms", f"{other} ms", "CPU / " + other,
              "max|Δ| CPU", f"max|Δ| {other}", "tolerance CPU / " + other, "ok"]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cpu_ms, other_ms = row.times_ms.get("cpu"), row.times_ms.get("second")
        cells = [
            row.check,
            row.reference,
            format_number(row.times_ms.get("reference"), "{:.1f}"),
            format_number(cpu_ms, "{:.1f}"),
            format_number(other_ms, "{:.1f}"),
            format_number(cpu_ms / other_ms if cpu_ms and other_ms else None, "{:.1f}×"),
            format_number(row.diffs.get("cpu"), "{:.2e}"),
            format_number(row.diffs.get("second"), "{:.2e}"),
            " / ".join(format_number(row.tolerances.get(key), "{:.1e}") for key in ("cpu", "second")),
            "ok" if row.ok else "FAIL",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def describe_cuda() -> str:
    if not torch.cuda.is_available():
        return (
            f"CUDA: not available (torch {torch.__version__}, built for CUDA {torch.version.cuda or 'none'})"
        )
    return (
        f"CUDA: {torch.cuda.get_device_name(0)} (torch {torch.__version__}, CUDA {torch.version.cuda}, "
        f"cuDNN {torch.backends.cudnn.version()}, TF32 convolutions {'on' if torch.backends.cudnn.allow_tf32 else 'off'})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1024, help="image side for the kernel check (px)")
    parser.add_argument("--batch", type=int, default=32, help="batch size for the CNN checks")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (median)")
    parser.add_argument("--strict", action="store_true", help="TF32 off on CUDA, tolerances 100x tighter")
    parser.add_argument(
        "--second-device",
        default="cuda",
        help="the device compared with CPU (default cuda; 'cpu' checks the script)",
    )
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument(
        "--torchvision",
        action="store_true",
        help=f"also time the feature maps of {', '.join(TORCHVISION_MODELS)} (random weights, 224 px)",
    )
    args = parser.parse_args(argv)
    if not 8 <= args.size <= 8192 or not 1 <= args.batch <= 1024 or not 1 <= args.repeat <= 100:
        parser.error("--size 8..8192, --batch 1..1024, --repeat 1..100")
    if args.strict:
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False

    print(f"Python {platform.python_version()}, torch {torch.__version__}, OpenCV {cv2.__version__}, "
          f"CPU: {torch.get_num_threads()} threads")  # fmt: skip
    print(describe_cuda())
    second = torch.device(args.second_device)
    devices = {"cpu": torch.device("cpu")}
    second_name = None
    if second.type == "cuda" and not torch.cuda.is_available():
        print("Running the CPU columns only.")
    else:
        devices["second"], second_name = second, second.type
    rows = [check_kernel(devices, args.size, args.repeat)]
    available = models.available_models()
    names = [name for name in CNN_MODELS if name in available] or ["sequential"]
    for name in names:
        rows.append(check_classify(name, devices, args.batch, args.repeat, args.strict))
    rows.append(check_feature_maps(names[-1], devices, args.repeat, args.strict))
    if args.torchvision:
        rows += [check_feature_maps(name, devices, args.repeat, args.strict) for name in TORCHVISION_MODELS]
    rows.append(check_train_step(devices, args.batch, args.repeat, args.strict))
    print()
    print(table(rows, second_name))
    for row in rows:
        if row.note:
            print(f"- {row.check}: {row.note}")
    failed = [row.check for row in rows if not row.ok]
    print()
    print("FAIL: " + "; ".join(failed) if failed else "All results agree within tolerance.")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"cuda": describe_cuda(), "rows": [asdict(row) | {"ok": row.ok} for row in rows]}, indent=2
            )
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
