"""Tensors from the course (II.A–J): safe literal parsing, factories, facts, indexing, shapes, aggregation.

Everything a student types is parsed without `eval`: literals by a small hand-written parser, index
expressions by Python's `ast.parse` and a whitelist that evaluates the tree itself. Functions return CPU tensors; the code snippets reproduce each result with plain torch.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass

import numpy as np
import torch

# The course's tensors.
COURSE_GRID: list[list[int]] = [[10, 20, 30], [40, 50, 60], [70, 80, 90]]  # II.C indexing
COURSE_MATRIX: list[list[int]] = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]  # II.H aggregation
COURSE_SEED = 42

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
MAX_FACTORY_ELEMENTS = 1_000_000
MAX_INDEX_CHARS = 200


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
    return (
        "import torch\n\n"
        f"tensor = torch.tensor({tensor_literal(values)}{dtype_argument})\n"
        "print(tensor.shape, tensor.ndim, tensor.numel(), tensor.dtype)\n"
        'print("bytes:", tensor.element_size() * tensor.nelement())\n'
        "result = tensor\n"
    )


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
    lines = ["import torch", ""]
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
    return "\n".join(lines)


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
    lines = ["import numpy as np", "import torch", ""]
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
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# Index expressions (II.C), on the course's 3x3 grid. Python's own parser reads them (ast.parse, never eval);
# a whitelist walks the tree and evaluates it on the grid. What is allowed:
#
#   items      what goes between t[ and ]; typed bare they index t ("0, 1" means t[0, 1]); "t[0, 1]" is one item
#   item       ... | slice of ints (step > 0) | list of ints | whole number | mask | t[...] (alone)
#   mask       t > 50 (> >= < <= == != between t, or a part of it, and a number) | (m) & (m) | (m) | (m) | ~(m)
#   names      only t (or tensor); numbers are plain digits (50, 2.5), signed where Python allows
#
# A character scan first refuses, with a message, everything else a student might type (strings, attributes,
# assignment, other names) and checks the brackets; then the text is parsed as the subscript `_[text]`.

INDEX_NAMES = ("t", "tensor")
_INDEX_TOKEN = re.compile(
    r"(?P<number>\d+\.\d*|\.\d+|\d+)|(?P<name>[A-Za-z_]\w*)|(?P<op>\.\.\.|>=|<=|==|!=|[><&|~\-+\[\](),:])",
    re.ASCII,
)
_SPACE = re.compile(r"\s*", re.ASCII)
_CLOSING = {"[": "]", "(": ")"}
_COMPARE = {
    ast.Gt: torch.gt,
    ast.GtE: torch.ge,
    ast.Lt: torch.lt,
    ast.LtE: torch.le,
    ast.Eq: torch.eq,
    ast.NotEq: torch.ne,
}
_MIRRORED = {
    ast.Gt: ast.Lt,
    ast.GtE: ast.LtE,
    ast.Lt: ast.Gt,
    ast.LtE: ast.GtE,
    ast.Eq: ast.Eq,
    ast.NotEq: ast.NotEq,
}
_INDEX_NODES = (
    (ast.Subscript, ast.Name, ast.Load, ast.Constant, ast.Slice, ast.Tuple, ast.List, ast.Compare)
    + (ast.UnaryOp, ast.USub, ast.UAdd, ast.Invert, ast.BinOp, ast.BitAnd, ast.BitOr)
    + tuple(_COMPARE)
)
_NESTED_LISTS = "lists inside lists are not supported; use one list per dimension: [0, 2], [1, 2]"


@dataclass(frozen=True)
class IndexResult:
    """An index expression evaluated on a grid."""

    result: torch.Tensor  # what t[...] (or the mask expression) gives
    selected: np.ndarray  # bool, the grid's shape: the cells the expression picks
    code: str  # the expression in canonical Python, e.g. "t[(t > 20) & (t < 80)]"
    is_mask: bool  # the result is a boolean mask of the grid, not picked values


@dataclass(frozen=True)
class _Value:
    """A value during evaluation: grid values with the grid positions they came from, a mask, or a number."""

    kind: str  # "grid", "mask", "number"
    values: torch.Tensor | None = None
    positions: torch.Tensor | None = None
    number: int | float | None = None


def _scan_index(text: str) -> None:
    """Refuse any character or word the grammar has no use for, with a message; check the brackets pair up."""
    open_brackets: list[str] = []
    position, value = 0, ""
    while (position := _SPACE.match(text, position).end()) < len(text):
        match = _INDEX_TOKEN.match(text, position)
        column = position + 1
        if match is None:
            char = text[position]
            if char in "'\"":
                raise ValueError(
                    f"strings are not allowed (position {column}): an index is numbers, ':' and t"
                )
            if char == ".":
                raise ValueError(
                    f"'.' at position {column} is not allowed: attributes and method calls such as t.numpy() "
                    "are not index expressions (only '...' is)"
                )
            if char == "=":
                raise ValueError(f"'=' at position {column}: assignment is not allowed; compare with '=='")
            raise ValueError(f"{char!r} at position {column} is not part of an index expression")
        value, previous = match.group(), value
        if match.lastgroup == "name" and value not in INDEX_NAMES:
            if value in ("True", "False", "None"):
                raise ValueError(
                    f"{value} is not supported here; use ints, slices, lists of ints or masks like t > 50"
                )
            raise ValueError(
                f"{value!r} is not allowed: the only name in an index is t (the grid); "
                "no functions, modules or other variables"
            )
        if value in _CLOSING:
            open_brackets.append(value)
            if len(open_brackets) > 20:
                raise ValueError("too deeply nested")
        elif value in ")]":
            if not open_brackets or previous == open_brackets[-1]:  # nothing to close, or nothing inside
                raise ValueError(f"unexpected {value!r} at position {column}")
            expected = _CLOSING[open_brackets.pop()]
            if value != expected:
                raise ValueError(f"expected {expected!r} at position {column}, found {value!r}")
        position = match.end()
    if open_brackets:
        raise ValueError(f"the expression ends too early: {_CLOSING[open_brackets[-1]]!r} is missing")


class _IndexTree:
    """Evaluates the whitelisted tree of `_[text]` on a grid. Positions in messages count from 1 in text."""

    def __init__(self, source: str, grid: torch.Tensor) -> None:
        self.source = source
        self.grid = grid
        self.positions = torch.arange(grid.numel()).reshape(grid.shape)

    def position(self, node: ast.expr) -> int:
        return node.col_offset - 1  # "_[" comes first

    def text(self, node: ast.expr) -> str:
        return self.source[node.col_offset : node.end_col_offset]

    def check(self, tree: ast.Subscript) -> None:
        """Only the node types of the grammar; every name becomes t (the canonical code says t)."""
        for node in ast.walk(tree.slice):
            if isinstance(node, ast.Call):
                raise ValueError("calls are not allowed: t is a tensor, not a function")
            if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.BitAnd | ast.BitOr):
                between = self.source[node.left.end_col_offset : node.right.col_offset]
                operator = between.strip(" )")[:1]
                column = node.left.end_col_offset + between.index(operator) - 1
                raise ValueError(f"{operator!r} at position {column} is not part of an index expression")
            if not isinstance(node, _INDEX_NODES):
                raise ValueError(f"{ast.unparse(node)!r} is not part of an index expression")
            if isinstance(node, ast.Name):
                node.id = "t"

    def signed_number(self, node: ast.expr) -> int | float:
        operand, sign = node, 1
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand, sign = node.operand, -1 if isinstance(node.op, ast.USub) else 1
        if not isinstance(operand, ast.Constant) or type(operand.value) not in (int, float):
            raise ValueError(
                f"expected a number at position {self.position(node)}, found {self.text(node)!r}"
            )
        if len(self.text(operand)) > 12:
            raise ValueError(f"{self.text(operand)} is too long a number")
        return sign * operand.value

    def whole(self, node: ast.expr) -> int:
        number = self.signed_number(node)
        if isinstance(number, float):
            raise ValueError(
                f"{self.text(node)} at position {self.position(node)}: indices must be whole numbers"
            )
        if abs(number) >= 1_000_000:
            raise ValueError(f"{self.text(node)} is far too large to index a {tuple(self.grid.shape)} grid")
        return number

    def items(self, node: ast.expr) -> list:
        """What goes between [ and ]: each item as Ellipsis, a slice, a list of ints or a _Value."""
        return [self.item(item) for item in _elements(node)]

    def item(self, node: ast.expr):
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            return Ellipsis
        if isinstance(node, ast.Slice):
            start, stop, step = (
                None if part is None else self.whole(part) for part in (node.lower, node.upper, node.step)
            )
            if step is not None and step <= 0:
                raise ValueError(
                    f"slice step {step}: PyTorch slices need a step greater than zero; "
                    "to reverse, use torch.flip(t, dims=[0]) instead of t[::-1]"
                )
            return slice(start, stop, step)
        if isinstance(node, ast.List):
            if any(isinstance(element, ast.List | ast.Tuple) for element in node.elts):
                raise ValueError(_NESTED_LISTS)
            return [self.whole(element) for element in node.elts]
        if isinstance(node, ast.Tuple):
            raise ValueError(
                f"a tuple inside an index (position {self.position(node)}): use a list, e.g. [0, 2]"
            )
        return self.value(node)

    def value(self, node: ast.expr) -> _Value:
        """An expression: the grid t (or a part of it), a mask, or a number."""
        if isinstance(node, ast.Name):
            return _Value("grid", self.grid, self.positions)
        if isinstance(node, ast.Subscript):
            return self.subscript(self.value(node.value), node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BinOp):  # & or |: check() refused the rest
            operator = "&" if isinstance(node.op, ast.BitAnd) else "|"
            left, right = self.value(node.left), self.value(node.right)
            if left.kind != "mask" or right.kind != "mask":
                raise ValueError(
                    f"'{operator}' combines masks such as (t > 20) and (t < 80), not numbers or values"
                )
            if left.values.shape != right.values.shape:
                raise ValueError(
                    f"masks of shapes {tuple(left.values.shape)} and {tuple(right.values.shape)} cannot combine"
                )
            values = left.values & right.values if operator == "&" else left.values | right.values
            return _Value("mask", values, left.positions)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
            operand = self.value(node.operand)
            if operand.kind != "mask":
                raise ValueError("write ~ before a bracketed mask, e.g. ~(t > 50)")
            return _Value("mask", ~operand.values, operand.positions)
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            raise ValueError(f"unexpected '...' at position {self.position(node)}: it goes only inside t[ ]")
        return _Value("number", number=self.signed_number(node))

    def compare(self, node: ast.Compare) -> _Value:
        for operand in (node.left, *node.comparators):
            if isinstance(operand, ast.BinOp) and isinstance(operand.op, ast.BitAnd | ast.BitOr):
                operator = "&" if isinstance(operand.op, ast.BitAnd) else "|"
                raise ValueError(
                    f"put each comparison in brackets: (t > 20) {operator} (t < 80). In Python '{operator}' "
                    f"binds tighter than '>' and '<', so without brackets it means something else"
                )
        if len(node.ops) > 1:
            raise ValueError(
                "chained comparisons like 20 < t < 80 do not work on tensors; write (t > 20) & (t < 80)"
            )
        left, right, operator = self.value(node.left), self.value(node.comparators[0]), type(node.ops[0])
        if left.kind == "grid" and right.kind == "number":
            return _Value("mask", _COMPARE[operator](left.values, right.number), left.positions)
        if left.kind == "number" and right.kind == "grid":
            return _Value("mask", _COMPARE[_MIRRORED[operator]](right.values, left.number), right.positions)
        raise ValueError("compare the grid with a number, e.g. t > 50")

    def subscript(self, value: _Value, node: ast.Subscript, items: list | None = None) -> _Value:
        if value.kind != "grid":
            raise ValueError("only the grid t (or a part of it) can be indexed")
        index: list = []
        items = self.items(node.slice) if items is None else items
        for item, item_node in zip(items, _elements(node.slice), strict=True):
            if item is Ellipsis or isinstance(item, slice | list):
                index.append(item)
            elif item.kind == "number":
                if isinstance(item.number, float):
                    raise ValueError(f"{self.text(item_node)}: indices must be whole numbers")
                index.append(item.number)
            elif item.kind == "mask":
                index.append(item.values)
            else:
                raise ValueError(
                    f"{ast.unparse(item_node)} is not an index: index with numbers, slices, lists or a mask "
                    "such as t > 50"
                )
        key = tuple(index) if len(index) != 1 else index[0]
        try:
            return _Value("grid", value.values[key], value.positions[key])
        except (IndexError, ValueError, RuntimeError, TypeError) as error:
            raise ValueError(
                f"{ast.unparse(node)} does not work on shape {tuple(value.values.shape)}: {error}"
            ) from None


def _elements(node: ast.expr) -> list[ast.expr]:
    return node.elts if isinstance(node, ast.Tuple) else [node]


def index_grid(expression: str, *, grid: torch.Tensor | None = None) -> IndexResult:
    """Evaluate a safe index expression on a grid (default: the course's 3x3 grid 10..90).

    Accepts ints, negative ints, slices with steps, '...', lists of ints, boolean masks (t > 50,
    (t > 20) & (t < 80), ~(t > 50)), written bare ("0, 1") or on t ("t[0, 1]"). Anything else — names,
    calls, attributes, strings, assignments — raises ValueError with a message. Never uses eval.
    """
    if len(expression) > MAX_INDEX_CHARS:
        raise ValueError(f"the expression is too long (at most {MAX_INDEX_CHARS} characters)")
    if not expression.strip():
        raise ValueError("type an index, e.g. 0, 1 or :, 0 or t > 50")
    _scan_index(expression)  # from here on: ASCII numbers, t, operators and brackets that pair up
    source = "_[" + re.sub(r"\s", " ", expression, flags=re.ASCII) + "]"
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as error:
        column = (error.offset or len(source)) - 2
        if column > len(expression.rstrip()):
            raise ValueError("the expression ends too early") from None
        if "comma" in error.msg:  # Python's "Perhaps you forgot a comma?", over the two items
            items = source[error.offset - 1 : (error.end_offset or error.offset + 1) - 1]
            raise ValueError(f"a comma is missing in {items!r} (position {column})") from None
        token = _INDEX_TOKEN.match(expression, column - 1)
        found = token.group() if token else expression[column - 1]
        raise ValueError(f"unexpected {found!r} at position {column}") from None
    if not (isinstance(tree, ast.Subscript) and isinstance(tree.value, ast.Name)):  # the brackets pair up
        raise ValueError("type an index, e.g. 0, 1 or :, 0 or t > 50")
    grid = torch.tensor(COURSE_GRID) if grid is None else grid
    evaluator = _IndexTree(source, grid)
    evaluator.check(tree)
    items = evaluator.items(tree.slice)
    if len(items) == 1 and isinstance(items[0], _Value) and items[0].kind in ("grid", "mask"):
        value, code = items[0], ast.unparse(tree.slice)
    else:
        tree.value.id = "t"  # bare items index t
        value, code = evaluator.subscript(evaluator.value(tree.value), tree, items), ast.unparse(tree)
    selected = np.zeros(grid.numel(), dtype=bool)
    is_mask = value.kind == "mask"
    selected[(value.positions[value.values] if is_mask else value.positions).numpy().ravel()] = True
    return IndexResult(value.values, selected.reshape(grid.shape), code, is_mask)


def index_snippet(expression: str, *, grid_values: list | None = None) -> str:
    """Runnable code for index_grid(expression): the grid, then `result = <canonical expression>`."""
    code = index_grid(expression, grid=None if grid_values is None else torch.tensor(grid_values)).code
    values = COURSE_GRID if grid_values is None else grid_values
    return f"import torch\n\nt = torch.tensor({tensor_literal(values)})\nresult = {code}\nprint(result)\n"


def mask_count_and_sum(values: list, threshold: float) -> tuple[int, float]:
    """(values > threshold).sum() and values[values > threshold].sum(): how many pass, and their total.

    A mask is bool, and summing it counts the True cells: on the course matrix 1..9 with threshold 8 that
    is 1 (only the 9), while the masked values sum to 9.
    """
    matrix = torch.tensor(values)
    mask = matrix > threshold
    return int(mask.sum()), matrix[mask].sum().item()


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
        code = (
            "import torch\n\n"
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
    lines = ["import torch", "", f"tensor = {start_code}"]
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
    return ShapeStep(operation, (source,), outputs, error, fix, "\n".join(lines) + "\n")


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
    code = (
        f"import torch\n\nmatrix = torch.tensor({matrix_code}{dtype_code})\nresult = {call}\nprint(result)\n"
    )
    return Aggregate(values, indices, note, code)
