"""Shape lab (II.G, I, J): reshape, view, transpose, permute, cat, stack, chunk, split, squeeze, unsqueeze."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from lib.cv.programs import snippet

# ---------------------------------------------------------------------------------------------------------
# Shape lab (II.G, I, J).

SHAPE_OPS = (
    "reshape",
    "view",
    "transpose",
    "permute",
    "cat",
    "stack",
    "chunk",
    "split",
    "squeeze",
    "unsqueeze",
)
COURSE_PAIR: tuple[list[list[int]], list[list[int]]] = ([[1, 2], [3, 4]], [[5, 6], [7, 8]])


@dataclass(frozen=True)
class ShapeStep:
    """Inputs and outputs of one shape operation, the torch error if it failed, and the code."""

    operation: str
    inputs: tuple[torch.Tensor, ...]
    outputs: tuple[torch.Tensor, ...]
    error: str | None  # torch's own message, e.g. view on a non-contiguous tensor
    fix: str | None  # what made it work, e.g. ".contiguous().view(6, 4)"
    code: str


def shape_step(
    operation: str,
    *,
    numel: int = 12,
    start_shape: tuple[int, ...] = (12,),
    transpose_first: bool = False,
    new_shape: tuple[int, ...] = (3, 4),
    dim: int | None = 0,
    dim1: int = 1,
    order: tuple[int, ...] = (2, 0, 1),
    pieces: int = 5,
    split_size: int = 7,
) -> ShapeStep:
    """One operation on torch.arange(numel).reshape(start_shape) (or the course's two 2x2 tensors for cat/stack).

    reshape/view: to new_shape (-1 allowed); with transpose_first the input is transposed first, so view
    fails with torch's message and the step shows the fix, .contiguous().view(...). transpose swaps dim and
    dim1; permute reorders by `order`; cat/stack join along dim; chunk into `pieces`; split by split_size;
    squeeze at dim (every size-1 dim when dim is None) and unsqueeze at dim.
    """
    if operation not in SHAPE_OPS:
        raise ValueError(f"unknown operation {operation!r}; choose one of {', '.join(SHAPE_OPS)}")
    if dim is None and operation != "squeeze":
        raise ValueError(f"{operation} needs a dim")
    if not 1 <= numel <= 10_000:
        raise ValueError(f"numel must be between 1 and 10,000, got {numel}")
    if operation in ("cat", "stack"):
        first, second = (torch.tensor(values) for values in COURSE_PAIR)
        join = torch.cat if operation == "cat" else torch.stack
        code = snippet(
            f"tensor1 = torch.tensor({COURSE_PAIR[0]})\ntensor2 = torch.tensor({COURSE_PAIR[1]})\n"
            f"result = torch.{operation}((tensor1, tensor2), dim={dim})\nprint(result.shape)\n"
        )
        try:
            return ShapeStep(operation, (first, second), (join((first, second), dim=dim),), None, None, code)
        except (IndexError, RuntimeError) as error:
            return ShapeStep(operation, (first, second), (), str(error), None, code)
    try:
        base = torch.arange(numel).reshape(start_shape)
    except RuntimeError as error:
        raise ValueError(f"cannot start from shape {start_shape}: {error}") from None
    source = base.transpose(0, 1) if transpose_first and base.ndim >= 2 else base
    start_code = f"torch.arange({numel})"
    if tuple(start_shape) != (numel,):
        start_code += f".reshape{_shape_args(start_shape)}"
    lines = [f"tensor = {start_code}"]
    if transpose_first and base.ndim >= 2:
        lines.append("tensor = tensor.transpose(0, 1)  # swaps strides: no longer contiguous")
        lines.append("print(tensor.is_contiguous())  # False")
    error: str | None = None
    fix: str | None = None
    outputs: tuple[torch.Tensor, ...] = ()
    try:
        if operation == "reshape":
            outputs = (source.reshape(new_shape),)
            lines.append(f"result = tensor.reshape{_shape_args(new_shape)}")
        elif operation == "view":
            try:
                outputs = (source.view(new_shape),)
                lines.append(f"result = tensor.view{_shape_args(new_shape)}")
            except RuntimeError as view_error:
                if source.is_contiguous():
                    raise
                error = str(view_error)
                fix = f".contiguous().view{_shape_args(new_shape)}"
                outputs = (source.contiguous().view(new_shape),)
                lines.append(f"# tensor.view{_shape_args(new_shape)} raises: {error}")
                lines.append(f"result = tensor.contiguous().view{_shape_args(new_shape)}  # copy, then view")
        elif operation == "transpose":
            outputs = (source.transpose(dim, dim1),)
            lines.append(f"result = tensor.transpose({dim}, {dim1})")
        elif operation == "permute":
            outputs = (source.permute(order),)
            lines.append(f"result = tensor.permute{_shape_args(order)}")
        elif operation == "chunk":
            outputs = torch.chunk(source, pieces, dim=dim)
            lines.append(f"result = torch.chunk(tensor, {pieces}, dim={dim})  # {len(outputs)} chunks")
        elif operation == "split":
            outputs = torch.split(source, split_size, dim=dim)
            lines.append(f"result = torch.split(tensor, {split_size}, dim={dim})")
        elif operation == "squeeze":
            outputs = (source.squeeze() if dim is None else source.squeeze(dim),)
            lines.append("result = tensor.squeeze()" if dim is None else f"result = tensor.squeeze({dim})")
        else:
            outputs = (source.unsqueeze(dim),)
            lines.append(f"result = tensor.unsqueeze({dim})")
    except (RuntimeError, IndexError, ValueError, TypeError) as failure:
        error = str(failure)
        outputs = ()
        lines.append(f"# raises: {error}")
    lines.append("print(result.shape if hasattr(result, 'shape') else [part.shape for part in result])")
    if error is not None and fix is None:
        lines = [line for line in lines if not line.startswith("print(result")]
    return ShapeStep(operation, (source,), outputs, error, fix, snippet("\n".join(lines) + "\n"))


def _shape_args(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(side) for side in shape) + ")"


def tensor_panels(tensor: torch.Tensor, *, max_panels: int = 8) -> list[tuple[str, np.ndarray]]:
    """A tensor as titled 2-D NumPy tables for display: 0-D/1-D as one row, 3-D+ as slices '[0, :, :]'."""
    values = tensor.detach().cpu()
    if values.ndim == 0:
        return [("scalar", values.reshape(1, 1).numpy())]
    if values.ndim == 1:
        return [(f"shape {tuple(values.shape)}", values.reshape(1, -1).numpy())]
    if values.ndim == 2:
        return [(f"shape {tuple(values.shape)}", values.numpy())]
    leading = values.shape[:-2]
    panels = []
    for flat_index in range(min(math.prod(leading), max_panels)):
        position = np.unravel_index(flat_index, leading)
        title = "[" + ", ".join(str(int(p)) for p in position) + ", :, :]"
        panels.append((title, values[tuple(int(p) for p in position)].numpy()))
    return panels


# ---------------------------------------------------------------------------------------------------------
# The notes' II.G and II.J examples the shape lab does not cover (shown with inspect.getsource and run).


def stack_vectors() -> dict[str, torch.Tensor]:
    """II.J: stacking 1-D tensors: dim=0 puts them in rows, dim=1 pairs their elements; three tensors too."""
    tensor1 = torch.tensor([1, 2, 3])
    tensor2 = torch.tensor([4, 5, 6])
    tensor3 = torch.tensor([7, 8, 9])
    return {
        "stack([t1, t2], dim=0): shape (2, 3)": torch.stack([tensor1, tensor2], dim=0),
        "stack([t1, t2], dim=1): shape (3, 2)": torch.stack([tensor1, tensor2], dim=1),
        "stack([t1, t2, t3], dim=0): shape (3, 3)": torch.stack([tensor1, tensor2, tensor3], dim=0),
        "stack([t1, t2, t3], dim=1): shape (3, 3)": torch.stack([tensor1, tensor2, tensor3], dim=1),
        "cat([t1, t2], dim=0): shape (6,), no new dim": torch.cat([tensor1, tensor2], dim=0),
    }


def clone_and_detach() -> dict[str, object]:
    """II.G: clone() copies the memory and stays in the autograd graph; detach() shares the memory, leaves it."""
    tensor = torch.ones(3, 3, requires_grad=True)  # part of the computation graph
    cloned_tensor = tensor.clone()  # new memory, still in the graph
    detached_tensor = tensor.detach()  # same memory, not in the graph
    with torch.no_grad():
        tensor[0, 0] = 5.0  # write into the original (no_grad: it is a leaf that requires grad)
    cloned_tensor.sum().backward()  # gradients flow back through clone() to tensor
    return {
        "tensor.requires_grad": tensor.requires_grad,
        "cloned.requires_grad": cloned_tensor.requires_grad,
        "detached.requires_grad": detached_tensor.requires_grad,
        "cloned shares memory": cloned_tensor.data_ptr() == tensor.data_ptr(),
        "detached shares memory": detached_tensor.data_ptr() == tensor.data_ptr(),
        "detached[0, 0] after tensor[0, 0] = 5": detached_tensor[0, 0].item(),
        "cloned[0, 0] after tensor[0, 0] = 5": cloned_tensor[0, 0].item(),
        "tensor.grad after cloned.sum().backward()": tensor.grad.tolist(),
    }
