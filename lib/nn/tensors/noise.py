"""Noise images (II.D–E): torch's random tensors shown as plt.imshow would show them."""

from __future__ import annotations

import numpy as np

from lib.cv.programs import snippet
from lib.nn.tensors.factories import COURSE_SEED, FactorySpec, make_tensor

# ---------------------------------------------------------------------------------------------------------
# Noise images (II.D–E).

NOISE_KINDS = ("uniform", "normal", "zeros", "ones")


def noise_values(kind: str, *, size: int = 256, rgb: bool = False, seed: int = COURSE_SEED) -> np.ndarray:
    """torch.rand / randn / zeros / ones of shape (size, size) or (size, size, 3), as float32 NumPy."""
    if kind not in NOISE_KINDS:
        raise ValueError(f"unknown noise {kind!r}; choose one of {', '.join(NOISE_KINDS)}")
    if not 1 <= size <= 2048:
        raise ValueError(f"size must be between 1 and 2048 pixels, got {size}")
    shape = (size, size, 3) if rgb else (size, size)
    factory = {"uniform": "rand", "normal": "randn", "zeros": "zeros", "ones": "ones"}[kind]
    return make_tensor(FactorySpec(kind=factory, shape=shape, seed=seed)).numpy()


def display_like_matplotlib(
    values: np.ndarray, *, vmin: float | None = None, vmax: float | None = None
) -> np.ndarray:
    """What plt.imshow shows for float data, as uint8.

    Gray (H, W): mapped linearly from [vmin, vmax] to black..white and clipped; a missing vmin / vmax is the
    data's own min / max (so a constant image, even all ones, shows black). RGB (H, W, 3): matplotlib
    ignores vmin / vmax and clips to [0, 1].
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 3:
        scaled = np.clip(values, 0.0, 1.0)
    elif values.ndim == 2:
        low = float(values.min()) if vmin is None else float(vmin)
        high = float(values.max()) if vmax is None else float(vmax)
        scaled = np.zeros_like(values) if high <= low else np.clip((values - low) / (high - low), 0.0, 1.0)
    else:
        raise ValueError(f"expected (H, W) or (H, W, 3) values, got shape {values.shape}")
    return np.round(scaled * 255.0).astype(np.uint8)


def noise_snippet(
    kind: str,
    *,
    size: int = 256,
    rgb: bool = False,
    seed: int = COURSE_SEED,
    vmin: float | None = None,
    vmax: float | None = None,
) -> str:
    """Runnable code for noise_values + display_like_matplotlib (result: the uint8 picture)."""
    factory = {"uniform": "rand", "normal": "randn", "zeros": "zeros", "ones": "ones"}[kind]
    shape = f"({size}, {size}, 3)" if rgb else f"({size}, {size})"
    lines = []
    if factory in ("rand", "randn"):
        lines.append(f"torch.manual_seed({seed})")
    lines.append(f"values = torch.{factory}{shape}.numpy()")
    if rgb:
        lines += [
            "# plt.imshow(values) -- RGB floats: vmin/vmax are ignored, values are clipped to [0, 1]",
            "shown = np.clip(values.astype(np.float64), 0, 1)",
        ]
    else:
        low = "values.min()" if vmin is None else repr(float(vmin))
        high = "values.max()" if vmax is None else repr(float(vmax))
        arguments = "" if vmin is None and vmax is None else f", vmin={vmin}, vmax={vmax}"
        lines += [
            f"# plt.imshow(values, cmap='gray'{arguments})",
            f"low, high = float({low}), float({high})",
            "values = values.astype(np.float64)",
            "shown = np.zeros_like(values) if high <= low else np.clip((values - low) / (high - low), 0, 1)",
        ]
    lines += ["result = np.round(shown * 255).astype(np.uint8)", ""]
    return snippet("\n".join(lines))
