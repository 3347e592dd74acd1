"""Tensors from the course (II.A–J): safe literal parsing, factories, facts, indexing, shapes, aggregation.

Everything a student types is parsed without `eval`: literals by a small hand-written parser, index
expressions by Python's `ast.parse` and a whitelist that evaluates the tree itself. Functions return CPU tensors; the code snippets reproduce each result with plain torch.

The package, one module per idea (every public name is importable from the package itself):

  literals       nested-list literals without eval; dtypes by name
  factories      zeros, ones, arange, rand, ... seeded like the course; tensor and device facts
  noise          noise images shown as plt.imshow shows them
  indexing       index expressions on the course's grid (ast.parse and a whitelist)
  shapes         the shape lab: reshape, view, transpose, cat, stack, ...
  aggregation    sum, mean, min, max, median, cumsum, cumprod
"""

from lib.nn.tensors.aggregation import (
    AGGREGATIONS,
    COURSE_MATRIX,
    Aggregate,
    aggregate,
    masked_sums_and_nonzero,
    min_max_normalise,
)
from lib.nn.tensors.factories import (
    COURSE_SEED,
    FACTORIES,
    MAX_FACTORY_ELEMENTS,
    DeviceSummary,
    FactorySpec,
    TensorFacts,
    device_summary,
    factory_snippet,
    make_tensor,
    memory_table,
    move_to_device,
    tensor_facts,
)
from lib.nn.tensors.indexing import (
    COURSE_GRID,
    INDEX_NAMES,
    MAX_INDEX_CHARS,
    IndexResult,
    assign_through_an_index,
    index_grid,
    index_snippet,
    mask_count_and_sum,
    select_and_flip,
)
from lib.nn.tensors.literals import (
    DTYPES,
    MAX_LITERAL_CHARS,
    MAX_LITERAL_DEPTH,
    MAX_LITERAL_ELEMENTS,
    dtype_name,
    parse_nested_list,
    parse_snippet,
    parse_tensor,
    tensor_literal,
)
from lib.nn.tensors.noise import (
    NOISE_KINDS,
    display_like_matplotlib,
    noise_snippet,
    noise_values,
)
from lib.nn.tensors.shapes import (
    COURSE_PAIR,
    SHAPE_OPS,
    ShapeStep,
    clone_and_detach,
    shape_step,
    stack_vectors,
    tensor_panels,
)

# The notes' examples each shown as the program it is (inspect.getsource) and run: title -> function.
COURSE_EXAMPLES = {
    "Assign through an index (II.C)": assign_through_an_index,
    "index_select, step slicing and flip (II.C)": select_and_flip,
    "clone, detach and requires_grad (II.G)": clone_and_detach,
    "Masked sums and nonzero (II.H)": masked_sums_and_nonzero,
    "Min–max normalisation (II.H)": min_max_normalise,
    "Stacking 1-D tensors, three at once (II.J)": stack_vectors,
}


def is_tensor(value: object) -> bool:
    """Whether a course example's value is a tensor (shown as a table) or a plain value (shown as text)."""
    import torch

    return isinstance(value, torch.Tensor)


__all__ = [
    "AGGREGATIONS",
    "Aggregate",
    "COURSE_EXAMPLES",
    "COURSE_GRID",
    "COURSE_MATRIX",
    "COURSE_PAIR",
    "COURSE_SEED",
    "DTYPES",
    "DeviceSummary",
    "FACTORIES",
    "FactorySpec",
    "INDEX_NAMES",
    "IndexResult",
    "MAX_FACTORY_ELEMENTS",
    "MAX_INDEX_CHARS",
    "MAX_LITERAL_CHARS",
    "MAX_LITERAL_DEPTH",
    "MAX_LITERAL_ELEMENTS",
    "NOISE_KINDS",
    "SHAPE_OPS",
    "ShapeStep",
    "TensorFacts",
    "aggregate",
    "stack_vectors",
    "select_and_flip",
    "min_max_normalise",
    "masked_sums_and_nonzero",
    "clone_and_detach",
    "assign_through_an_index",
    "device_summary",
    "display_like_matplotlib",
    "dtype_name",
    "factory_snippet",
    "index_grid",
    "is_tensor",
    "index_snippet",
    "make_tensor",
    "mask_count_and_sum",
    "memory_table",
    "move_to_device",
    "noise_snippet",
    "noise_values",
    "parse_nested_list",
    "parse_snippet",
    "parse_tensor",
    "shape_step",
    "tensor_facts",
    "tensor_literal",
    "tensor_panels",
]
