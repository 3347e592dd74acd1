"""Factories (zeros, ones, arange, rand, ...) seeded like the course, and facts about a tensor and the device."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from lib.cv.programs import snippet
from lib.nn.tensors.literals import DTYPES, _torch_dtype, dtype_name

COURSE_SEED = 42


MAX_FACTORY_ELEMENTS = 1_000_000


# ---------------------------------------------------------------------------------------------------------
# Factories and facts.

FACTORIES = ("zeros", "ones", "arange", "rand", "randn", "randint", "normal")


@dataclass(frozen=True)
class FactorySpec:
    """One call to a torch factory, with the course's defaults."""

    kind: str = "rand"
    shape: tuple[int, ...] = (3, 4)
    dtype: str | None = None  # None: the factory's own default (float32, or int64 for randint / arange)
    seed: int | None = COURSE_SEED  # None: no torch.manual_seed
    low: int = 0  # randint: low inclusive, high exclusive (course: 0, 10)
    high: int = 10
    mean: float = 0.5  # normal (course: mean 0.5, std 2)
    std: float = 2.0
    start: float = 0  # arange (course: arange(12))
    end: float = 12
    step: float = 1


def make_tensor(spec: FactorySpec) -> torch.Tensor:
    """Run one factory (zeros, ones, arange, rand, randn, randint, normal) seeded like the course.

    The seed is applied to a private generator, which gives the same numbers as torch.manual_seed(seed)
    followed by the call, without touching the global random state.
    """
    if spec.kind not in FACTORIES:
        raise ValueError(f"unknown factory {spec.kind!r}; choose one of {', '.join(FACTORIES)}")
    shape = tuple(int(side) for side in spec.shape)
    if any(side < 0 for side in shape):
        raise ValueError(f"sizes cannot be negative, got {shape}")
    dtype = None if spec.dtype is None else _torch_dtype(spec.dtype)
    if spec.kind in ("rand", "randn", "normal") and dtype is not None and not dtype.is_floating_point:
        raise ValueError(f"{spec.kind} makes real numbers: choose a float dtype, not {spec.dtype}")
    if spec.kind == "arange":
        if spec.step == 0:
            raise ValueError("arange needs a step other than 0")
        count = math.ceil((spec.end - spec.start) / spec.step)
        if count > MAX_FACTORY_ELEMENTS:
            raise ValueError(f"arange would make {count:,} values; at most {MAX_FACTORY_ELEMENTS:,}")
    elif math.prod(shape) > MAX_FACTORY_ELEMENTS:
        raise ValueError(f"{math.prod(shape):,} elements is too many here; at most {MAX_FACTORY_ELEMENTS:,}")
    if spec.kind == "randint" and spec.low >= spec.high:
        raise ValueError(f"randint needs low < high (high is exclusive), got {spec.low} and {spec.high}")
    if spec.kind == "normal" and spec.std < 0:
        raise ValueError(f"std cannot be negative, got {spec.std}")
    generator = torch.Generator().manual_seed(int(spec.seed)) if spec.seed is not None else None
    try:
        if spec.kind == "zeros":
            return torch.zeros(shape, dtype=dtype)
        if spec.kind == "ones":
            return torch.ones(shape, dtype=dtype)
        if spec.kind == "arange":
            start, end, step = (_whole(value) for value in (spec.start, spec.end, spec.step))
            return torch.arange(start, end, step, dtype=dtype)
        if spec.kind == "rand":
            return torch.rand(shape, generator=generator, dtype=dtype)
        if spec.kind == "randn":
            return torch.randn(shape, generator=generator, dtype=dtype)
        if spec.kind == "randint":
            return torch.randint(spec.low, spec.high, shape, generator=generator, dtype=dtype)
        values = torch.normal(float(spec.mean), float(spec.std), shape, generator=generator)
        return values if dtype is None else values.to(dtype)
    except RuntimeError as error:
        raise ValueError(f"torch refused: {error}") from None


def _whole(value: float) -> int | float:
    """3.0 -> 3 so that arange(0, 12) stays an integer tensor, as in the course."""
    return int(value) if float(value).is_integer() else float(value)


def factory_snippet(spec: FactorySpec) -> str:
    """Runnable code that makes the same tensor as make_tensor(spec)."""
    shape = ", ".join(str(int(side)) for side in spec.shape) if spec.shape else ""
    shape_tuple = f"({shape},)" if len(spec.shape) == 1 else f"({shape})"
    dtype_argument = "" if spec.dtype is None else f", dtype=torch.{spec.dtype}"
    lines = []
    if spec.seed is not None and spec.kind in ("rand", "randn", "randint", "normal"):
        lines.append(f"torch.manual_seed({int(spec.seed)})  # same seed, same numbers")
    if spec.kind in ("zeros", "ones", "rand", "randn"):
        call = f"torch.{spec.kind}({shape_tuple}{dtype_argument})"
    elif spec.kind == "arange":
        start, end, step = (_whole(value) for value in (spec.start, spec.end, spec.step))
        call = f"torch.arange({start!r}, {end!r}, {step!r}{dtype_argument})"
    elif spec.kind == "randint":
        call = f"torch.randint(low={spec.low}, high={spec.high}, size={shape_tuple}{dtype_argument})"
    else:
        call = f"torch.normal(mean={float(spec.mean)!r}, std={float(spec.std)!r}, size={shape_tuple})"
        if spec.dtype is not None:
            call += f".to(torch.{spec.dtype})"
    lines += [f"tensor = {call}", "print(tensor.shape, tensor.dtype)", "result = tensor", ""]
    return snippet("\n".join(lines))


@dataclass(frozen=True)
class TensorFacts:
    """What the course prints about a tensor."""

    shape: tuple[int, ...]
    ndim: int
    numel: int
    dtype: str
    element_size: int  # bytes per element
    nbytes: int  # element_size * numel
    is_contiguous: bool
    device: str


def tensor_facts(tensor: torch.Tensor) -> TensorFacts:
    """shape, ndim, numel, dtype, element size and memory (element_size() * nelement()) of a tensor."""
    return TensorFacts(
        shape=tuple(tensor.shape),
        ndim=tensor.ndim,
        numel=tensor.numel(),
        dtype=dtype_name(tensor.dtype),
        element_size=tensor.element_size(),
        nbytes=tensor.element_size() * tensor.nelement(),
        is_contiguous=tensor.is_contiguous(),
        device=str(tensor.device),
    )


def memory_table(*, numel: int = 1000, dtypes: tuple[str, ...] = tuple(DTYPES)) -> list[tuple[str, int, int]]:
    """(dtype, bytes per element, bytes for numel elements) for each dtype; course: float32 4000, float64 8000."""
    rows = []
    for name in dtypes:
        element_size = torch.empty(0, dtype=_torch_dtype(name)).element_size()
        rows.append((name, element_size, element_size * numel))
    return rows


@dataclass(frozen=True)
class DeviceSummary:
    """The device panel: torch version, CUDA, the device in use."""

    torch_version: str
    cuda_available: bool
    cuda_devices: int
    device: str
    description: str


def device_summary(device: torch.device) -> DeviceSummary:
    """Facts about torch and the device every computation runs on."""
    from lib.nn.device import describe_device

    return DeviceSummary(
        torch_version=torch.__version__,
        cuda_available=torch.cuda.is_available(),
        cuda_devices=torch.cuda.device_count() if torch.cuda.is_available() else 0,
        device=str(device),
        description=describe_device(device),
    )


def move_to_device(tensor: torch.Tensor, device: torch.device) -> str:
    """Move a tensor to `device` and back; returns how the moved tensor prints (device='cuda:0' on a GPU)."""
    moved = tensor.to(device)
    return f"{moved!r}\n# .device -> {moved.device}, .is_cuda -> {moved.is_cuda}"
