"""Index expressions (II.C) on the course's 3x3 grid, parsed by ast.parse and a whitelist, never eval."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import numpy as np
import torch

from lib.cv.programs import snippet
from lib.nn.tensors.literals import tensor_literal

COURSE_GRID: list[list[int]] = [[10, 20, 30], [40, 50, 60], [70, 80, 90]]  # II.C indexing


MAX_INDEX_CHARS = 200


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
    return snippet(f"t = torch.tensor({tensor_literal(values)})\nresult = {code}\nprint(result)\n")


def mask_count_and_sum(values: list, threshold: float) -> tuple[int, float]:
    """(values > threshold).sum() and values[values > threshold].sum(): how many pass, and their total.

    A mask is bool, and summing it counts the True cells: on the course matrix 1..9 with threshold 8 that
    is 1 (only the 9), while the masked values sum to 9.
    """
    matrix = torch.tensor(values)
    mask = matrix > threshold
    return int(mask.sum()), matrix[mask].sum().item()


# ---------------------------------------------------------------------------------------------------------
# The notes' II.C examples beyond reading: writing through an index, index_select, flip. Each is a program
# the Tensor playground shows with inspect.getsource and runs (the shown code is the code that ran).


def assign_through_an_index() -> dict[str, torch.Tensor]:
    """II.C: change one value (t[0, 1] = 25), then a whole column (t[:, 0] = [100, 200, 300])."""
    tensor = torch.tensor([[10, 20, 30], [40, 50, 60], [70, 80, 90]])
    tensor[0, 1] = 25  # one element: 20 -> 25
    one_value = tensor.clone()
    tensor[:, 0] = torch.tensor([100, 200, 300])  # every row, column 0
    return {"after t[0, 1] = 25": one_value, "after t[:, 0] = [100, 200, 300]": tensor}


def select_and_flip() -> dict[str, torch.Tensor]:
    """II.C: rows or columns by a list of positions (index_select), every second column, and reversing."""
    tensor = torch.tensor([[10, 20, 30], [40, 50, 60], [70, 80, 90]])
    indices = torch.tensor([0, 2])
    return {
        "index_select(dim=0): rows 0 and 2": torch.index_select(tensor, dim=0, index=indices),
        "index_select(dim=1): columns 0 and 2": torch.index_select(tensor, dim=1, index=indices),
        "t[:, ::2]: every second column": tensor[:, ::2],
        "flip(dims=[0]): rows reversed": torch.flip(tensor, dims=[0]),  # t[::-1] is refused by torch
        "flip(dims=[1]): columns reversed": torch.flip(tensor, dims=[1]),
    }
