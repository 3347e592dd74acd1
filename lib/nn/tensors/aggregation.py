"""Aggregation (II.H): sum, mean, min, max, median, cumsum, cumprod over everything or one dim."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lib.cv.programs import snippet
from lib.nn.tensors.literals import dtype_name, tensor_literal

COURSE_MATRIX: list[list[int]] = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]  # II.H aggregation


# ---------------------------------------------------------------------------------------------------------
# Aggregation (II.H).

AGGREGATIONS = ("sum", "mean", "min", "max", "median", "cumsum", "cumprod")


@dataclass(frozen=True)
class Aggregate:
    """The result of one aggregation, with argmin/argmax-style indices where torch returns them."""

    values: torch.Tensor
    indices: torch.Tensor | None
    note: str | None
    code: str


def aggregate(matrix: torch.Tensor, operation: str, *, dim: int | None = None) -> Aggregate:
    """sum / mean / min / max / median / cumsum / cumprod of a tensor over everything (dim=None) or a dim.

    Course: [[1, 2, 3], [4, 5, 6], [7, 8, 9]] -> sum 45, sum(dim=0) [12, 15, 18], sum(dim=1) [6, 15, 24].
    mean needs floats, so an integer tensor is converted first (the note says so). cumsum/cumprod with
    dim=None run over the flattened tensor. min/max/median with a dim also return the indices.
    """
    if operation not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {operation!r}; choose one of {', '.join(AGGREGATIONS)}")
    if matrix.numel() == 0:
        raise ValueError("the tensor is empty: there is nothing to aggregate")
    if dim is not None and not -matrix.ndim <= dim < max(matrix.ndim, 1):
        raise ValueError(f"dim={dim} does not exist for a {matrix.ndim}-D tensor (dims 0..{matrix.ndim - 1})")
    note = None
    source = matrix
    prefix = "matrix"
    if operation == "mean" and not (matrix.is_floating_point() or matrix.is_complex()):
        source = matrix.float()
        prefix = "matrix.float()"
        note = (
            "mean() needs a floating-point tensor, so these integers are converted with .float() first "
            "(the notes' matrix holds floats, 1., 2., …, so their matrix.mean() works and gives 5.0)."
        )
    if operation == "median" and (
        dim is None and matrix.numel() % 2 == 0 or dim is not None and matrix.shape[dim] % 2 == 0
    ):
        note = "With an even count, torch.median returns the lower of the two middle values (no averaging)."
    if matrix.dtype == torch.bool and operation in ("sum", "cumsum"):
        note = "True counts as 1 and False as 0."
    if matrix.dtype == torch.bool and operation == "median":
        raise ValueError("median is not defined for a bool tensor; convert it with .int() or .float() first")
    indices = None
    if operation in ("cumsum", "cumprod"):
        if dim is None:
            values = getattr(source.flatten(), operation)(dim=0)
            call = f"{prefix}.flatten().{operation}(dim=0)"
        else:
            values = getattr(source, operation)(dim=dim)
            call = f"{prefix}.{operation}(dim={dim})"
    elif dim is None:
        values = getattr(source, operation)()
        call = f"{prefix}.{operation}()"
    elif operation in ("min", "max", "median"):
        values, indices = getattr(source, operation)(dim=dim)
        call = f"{prefix}.{operation}(dim={dim}).values"
    else:
        values = getattr(source, operation)(dim=dim)
        call = f"{prefix}.{operation}(dim={dim})"
    matrix_code = tensor_literal(matrix.tolist())
    dtype_code = (
        ""
        if matrix.dtype in (torch.int64, torch.float32, torch.bool)
        else f", dtype=torch.{dtype_name(matrix.dtype)}"
    )
    code = snippet(f"matrix = torch.tensor({matrix_code}{dtype_code})\nresult = {call}\nprint(result)\n")
    return Aggregate(values, indices, note, code)


# ---------------------------------------------------------------------------------------------------------
# The notes' II.H examples beyond the plain aggregations (shown with inspect.getsource and run on the page).


def masked_sums_and_nonzero() -> dict[str, torch.Tensor]:
    """II.H: sum only the values above 5 (the notes' 30), count a mask, and count and find the non-zeros."""
    matrix = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    with_zeros = matrix.clone()
    with_zeros[0, 0] = with_zeros[1, 1] = with_zeros[2, 2] = 0  # three zeros: 6 non-zero values left
    return {
        "matrix[matrix > 5].sum(): 6 + 7 + 8 + 9": matrix[matrix > 5].sum(),
        "(matrix > 8).sum(): how many are above 8": (matrix > 8).sum(),
        "matrix.nonzero(): where the non-zeros are": matrix.nonzero(),
        "matrix.nonzero().size(0)": torch.tensor(matrix.nonzero().size(0)),
        "with three zeros: nonzero().size(0)": torch.tensor(with_zeros.nonzero().size(0)),
    }


def min_max_normalise() -> dict[str, torch.Tensor]:
    """II.H: rescale to 0..1 with (value - min) / (max - min): 1 -> 0, 9 -> 1, 5 -> 0.5."""
    matrix = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    max_v = matrix.max()
    min_v = matrix.min()
    normalized = (matrix - min_v) / (max_v - min_v)
    return {"(matrix - min) / (max - min)": normalized}
