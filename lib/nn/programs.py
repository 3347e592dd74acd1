"""Code panels of the PyTorch pages as complete programs: tensors, numbers and tables out, weights and data in.

One builder, `torch_program`, on top of lib.cv.programs.script_program / image_program: the snippet, then
lines that write what the page showed so it can be compared — a tensor (or a tuple of them) with torch.save
to result.pt (dtype, shape and values), numbers, labels and tables as result.json, arrays as result.npy,
pictures as result.png. Weights come from weights/ (listed in its manifest) and ship in the bundle under
the relative path the script loads them from; data the page trained on ships as a .npz. torch is imported
only where a tensor is handled, so the calculator pages stay free of it until they need it.
"""

from __future__ import annotations

import inspect
import io
import json
import sys
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from lib.cv.programs import Program, image_program, save_result_lines, script_program

Files = Mapping[str, bytes | Callable[[], bytes]]


def _is_tensors(value: object) -> bool:
    torch = sys.modules.get("torch")  # not imported yet: the value cannot be a tensor
    if torch is None:
        return False
    if isinstance(value, torch.Tensor):
        return True
    return (
        isinstance(value, (tuple, list)) and bool(value) and all(isinstance(v, torch.Tensor) for v in value)
    )


def save_value_lines(result_name: str, value: object) -> tuple[str, dict[str, object]]:
    """(code that writes `result_name`, {output: value}): .pt for tensors, .json for plain values."""
    if _is_tensors(value):
        code = (
            f'torch.save({result_name}, "result.pt")  # exact values, dtype and shape\n'
            'print("saved result.pt")\n'
        )
        return code, {"result.pt": value}
    if isinstance(value, np.ndarray):
        return save_result_lines(result_name, value)
    json.dumps(value)  # a value the page shows must be plain numbers, strings, lists and dicts
    code = (
        f'with open("result.json", "w") as file:\n    json.dump({result_name}, file, indent=1)\n'
        'print("saved result.json")\n'
    )
    return code, {"result.json": value}


def last_epoch(history: Sequence) -> dict[str, float | int]:
    """The last epoch of a trainer's history as a training script reports it (what its panel compares)."""
    last = history[-1]
    return {
        "epochs": last.epoch,
        "train_loss": last.train_loss,
        "val_loss": last.val_loss,
        "val_accuracy": last.val_accuracy,
    }


def weights_file(name: str) -> tuple[str, Callable[[], bytes]]:
    """(relative path the script loads, a function reading its bytes) for one of our models in weights/."""
    from lib.nn.models import WEIGHTS_DIR, read_manifest

    file = read_manifest()[name]["file"]
    return f"weights/{file}", lambda: (WEIGHTS_DIR / file).read_bytes()


def checkpoint_file(entry: Mapping) -> Callable[[], bytes]:
    """A function making the checkpoint bytes of a CNN trained in this session (lib.nn.models.checkpoint_bytes:
    the file Train a CNN downloads), on demand; the weights are copied now, so retraining cannot change it."""
    from lib.nn.models.checkpoint import checkpoint_bytes, checkpoint_of

    frozen = checkpoint_of(entry)

    def make() -> bytes:
        return checkpoint_bytes(frozen)

    return make


def npz_file(**arrays: np.ndarray) -> Callable[[], bytes]:
    """A function making a compressed .npz of these arrays (the data a page trained on), on demand."""
    frozen = {key: np.array(value) for key, value in arrays.items()}

    def make() -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **frozen)
        return buffer.getvalue()

    return make


def sources(*objects: object) -> str:
    """The source of lib functions and classes, one after the other: the code a recipe's script runs."""
    return "\n\n".join(inspect.getsource(item).rstrip() + "\n" for item in objects)


def torch_program(
    snippet: str,
    *,
    reproduces: str,
    name: str,
    result: object,
    result_name: str = "result",
    image: np.ndarray | None = None,
    weights: Sequence[str] = (),
    files: Files | None = None,
) -> Program:
    """A PyTorch snippet made a complete program that writes `result_name`, compared with `result`.

    image: the page's input, shipped as input.png and read into image_rgb first (for snippets on an image).
    weights: our models whose weights the snippet loads from weights/<file>; files: more (data, a trained
    state dict). result: what the page showed (a tensor, plain values, an array, or a uint8 picture).
    """
    bundled = dict(weights_file(model) for model in weights)
    bundled.update(files or {})
    options = dict(reproduces=reproduces, name=name, result=result, result_name=result_name)
    if image is not None:
        return image_program(snippet, image, files=bundled, save=save_value_lines, **options)
    return script_program(snippet, files=bundled, save=save_value_lines, **options)
