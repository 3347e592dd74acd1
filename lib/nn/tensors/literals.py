"""Nested-list literals: "[[1, 2], [3, 4]]" -> tensor, without eval; dtypes by name."""

from __future__ import annotations

import math
import re

import numpy as np
import torch

from lib.cv.programs import snippet

DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float64": torch.float64,
    "float16": torch.float16,
    "int64": torch.int64,
    "int32": torch.int32,
    "int16": torch.int16,
    "int8": torch.int8,
    "uint8": torch.uint8,
    "bool": torch.bool,
}

MAX_LITERAL_CHARS = 20_000
MAX_LITERAL_ELEMENTS = 1_000
MAX_LITERAL_DEPTH = 4


def dtype_name(dtype: torch.dtype) -> str:
    """torch.float32 -> 'float32'."""
    return str(dtype).removeprefix("torch.")


def _torch_dtype(name: str) -> torch.dtype:
    if name not in DTYPES:
        raise ValueError(f"unknown dtype {name!r}; choose one of {', '.join(DTYPES)}")
    return DTYPES[name]


# ---------------------------------------------------------------------------------------------------------
# Nested-list literals: "[[1, 2], [3, 4]]" -> tensor, without eval.

_LITERAL_TOKEN = re.compile(
    r"\s*(?:(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<word>[A-Za-z_]\w*)|(?P<punct>[\[\],]))"
)


def parse_nested_list(
    text: str, *, max_elements: int = MAX_LITERAL_ELEMENTS, max_depth: int = MAX_LITERAL_DEPTH
) -> int | float | bool | list:
    """Parse a typed nested list such as "[[1, 2.5], [true, -3e2]]" into Python lists of numbers.

    Accepts numbers, true/false (any case), brackets and commas; a bare number is a scalar. Rejects
    anything else, ragged rows, more than max_elements numbers or more than max_depth levels.
    """
    if len(text) > MAX_LITERAL_CHARS:
        raise ValueError(f"the text is too long ({len(text):,} characters; at most {MAX_LITERAL_CHARS:,})")
    tokens: list[tuple[str, str, int]] = []
    position = 0
    stripped_end = len(text.rstrip())
    while position < stripped_end:
        match = _LITERAL_TOKEN.match(text, position)
        if match is None or match.end() == position:
            char = text[position:].lstrip()[:1]
            where = position + (len(text[position:]) - len(text[position:].lstrip()))
            raise ValueError(
                f"unexpected {char!r} at position {where + 1}: write numbers (3, -1.5, 2e3), "
                "true/false, square brackets and commas only"
            )
        kind = match.lastgroup or ""
        if kind == "word" and match.group(kind).lower() not in ("true", "false"):
            raise ValueError(
                f"{match.group(kind)!r} at position {match.start(kind) + 1} is not a number: "
                "names are not allowed, only numbers and true/false"
            )
        tokens.append((kind, match.group(kind), match.start(kind) + 1))
        position = match.end()
    if not tokens:
        raise ValueError("type a number or a list, e.g. [[1, 2], [3, 4]]")

    count = 0
    index = 0

    def parse_value(depth: int) -> int | float | bool | list:
        nonlocal index, count
        if index >= len(tokens):
            raise ValueError("the list ends too early: a ']' or a value is missing")
        kind, value, column = tokens[index]
        if kind == "punct" and value == "[":
            if depth >= max_depth:
                raise ValueError(f"too deeply nested: at most {max_depth} levels of brackets")
            index += 1
            items: list = []
            if index < len(tokens) and tokens[index][1] == "]":
                index += 1
                return items
            while True:
                items.append(parse_value(depth + 1))
                if index >= len(tokens):
                    raise ValueError("a closing ']' is missing")
                kind, value, column = tokens[index]
                index += 1
                if value == "]":
                    return items
                if value != ",":
                    raise ValueError(f"expected ',' or ']' at position {column}, found {value!r}")
                if index < len(tokens) and tokens[index][1] == "]":  # trailing comma
                    index += 1
                    return items
        index += 1
        if kind == "number":
            count += 1
            if count > max_elements:
                raise ValueError(f"too many numbers: at most {max_elements:,} in a typed tensor")
            is_float = any(mark in value for mark in ".eE")
            number = float(value) if is_float else int(value)
            if is_float and not math.isfinite(number):
                raise ValueError(f"{value} is too large for a float")
            return number
        if kind == "word" and value.lower() in ("true", "false"):
            count += 1
            if count > max_elements:
                raise ValueError(f"too many numbers: at most {max_elements:,} in a typed tensor")
            return value.lower() == "true"
        if kind == "word":
            raise ValueError(f"{value!r} at position {column} is not a number: names are not allowed")
        raise ValueError(f"unexpected {value!r} at position {column}")

    result = parse_value(0)
    if index != len(tokens):
        raise ValueError(f"unexpected {tokens[index][1]!r} at position {tokens[index][2]} after the value")
    _check_rectangular(result)
    return result


def _check_rectangular(value: int | float | bool | list, path: str = "") -> tuple[int, ...]:
    """The shape of a nested list; ValueError naming the first ragged row."""
    if not isinstance(value, list):
        return ()
    shapes = [_check_rectangular(item, f"{path}[{i}]") for i, item in enumerate(value)]
    for i, shape in enumerate(shapes[1:], start=1):
        if shape != shapes[0]:
            raise ValueError(
                f"ragged list: row {path}[{i}] has shape {list(shape)} but {path}[0] has shape {list(shapes[0])}; "
                "every row must have the same length"
            )
    return (len(value), *(shapes[0] if shapes else ()))


def parse_tensor(text: str, *, dtype: str | None = None) -> torch.Tensor:
    """Parse a typed nested list into a tensor, as torch.tensor(...) would build it.

    dtype: None lets torch infer it (ints -> int64, any float -> float32, all bools -> bool), or a name
    from DTYPES. Floats cast to an integer dtype are truncated, as in the course (1.5 -> 1).
    """
    values = parse_nested_list(text)
    torch_dtype = None if dtype is None else _torch_dtype(dtype)
    if torch_dtype is not None and not torch_dtype.is_floating_point and torch_dtype != torch.bool:
        info = torch.iinfo(torch_dtype)
        low, high = _extremes(values)
        if low is not None and (low < info.min or high > info.max):
            raise ValueError(
                f"{dtype} holds whole numbers from {info.min} to {info.max}; the list has values "
                f"from {low:g} to {high:g}"
            )
    try:
        return torch.tensor(values, dtype=torch_dtype)
    except (RuntimeError, OverflowError, TypeError) as error:
        raise ValueError(f"torch could not build the tensor: {error}") from None


def _extremes(values: int | float | bool | list) -> tuple[float | None, float | None]:
    flat = np.asarray(values, dtype=np.float64).ravel()
    if flat.size == 0:
        return None, None
    return float(flat.min()), float(flat.max())


def tensor_literal(values: int | float | bool | list) -> str:
    """Python source for a parsed nested list (the argument of torch.tensor in a snippet)."""
    if isinstance(values, list):
        return "[" + ", ".join(tensor_literal(item) for item in values) + "]"
    return repr(values)


def parse_snippet(text: str, *, dtype: str | None = None) -> str:
    """Runnable code that builds the same tensor as parse_tensor(text, dtype=dtype)."""
    values = parse_nested_list(text)
    if dtype is not None:
        _torch_dtype(dtype)  # unknown names raise here
    dtype_argument = "" if dtype is None else f", dtype=torch.{dtype}"
    return snippet(
        f"tensor = torch.tensor({tensor_literal(values)}{dtype_argument})\n"
        "print(tensor.shape, tensor.ndim, tensor.numel(), tensor.dtype)\n"
        'print("bytes:", tensor.element_size() * tensor.nelement())\n'
        "result = tensor\n"
    )
