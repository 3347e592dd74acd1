"""Tensor playground (II.A–J): create, inspect, index, reshape and aggregate tensors, computed by torch."""

import streamlit as st

from lib.nn import tensors
from lib.nn.programs import torch_program
from ui.charts import heatmap
from ui.layout import code_panel, page_header, show_error
from ui.sections.tensor_playground import (
    aggregation_panel,
    before_after,
    course_example_panel,
    device_panel,
    factory_controls,
    facts_dtype,
    facts_row,
    memory_table,
    noise_panel,
    shape_lab_controls,
    shape_label,
    show_tensor,
)

page_header(
    "Tensor playground",
    """
A **tensor** is a multidimensional array — a scalar (0-D), a vector (1-D), a matrix (2-D) or more — that
can live on a GPU. Its **shape** lists the size of every dimension, **ndim** counts them, **numel** multiplies
them, and its memory is `element_size() × nelement()` bytes: 1000 float32 numbers take 4000 bytes, float64
8000. Index it like NumPy: `t[row, column]`, slices `start:stop:step` (step > 0: reverse with `torch.flip`),
lists of positions, boolean masks. `view` needs contiguous memory; `reshape` copies when it must. `dim=0` aggregates *down* the rows (one
result per column), `dim=1` *across* each row.
""",
    notes_fix="The notes say joining two 2×2 tensors with `torch.cat(dim=0)` gives '2 + 3 = 5 rows'; it gives "
    "2 + 2 = 4 rows (and `dim=1` 4 columns). Their `torch.stack(dim=1)` of the same two is not "
    "[[1, 2, 5, 6], [3, 4, 7, 8]] — that is `cat(dim=1)`; stack adds a dimension (Shape lab). And "
    "`(matrix > 8).sum()` on the matrix 1…9 is 1, not 9: summing a mask counts its True cells (Indexing).",
)

st.subheader("Device")
device_panel()

st.subheader("Create a tensor")
source = st.segmented_control(
    "From",
    ["A typed list", "A factory"],
    default="A typed list",
    required=True,
    key="tp_source",
    bind="query-params",
)
dtype_choice = st.selectbox("dtype", ["auto", *tensors.DTYPES], key="tp_dtype", bind="query-params")
dtype = None if dtype_choice == "auto" else dtype_choice
try:
    if source == "A typed list":
        text = st.text_area(
            "Nested list", "[[1.5, 2.5, 3.5], [4, 5, 6]]", key="tp_literal", bind="query-params"
        )
        tensor, snippet = tensors.parse_tensor(text, dtype=dtype), tensors.parse_snippet(text, dtype=dtype)
    else:
        spec = factory_controls(dtype)
        tensor, snippet = tensors.make_tensor(spec), tensors.factory_snippet(spec)
except ValueError as error:
    show_error(f"{error}. Fix the input to see the tensor.")
else:
    facts_row(tensor)
    if tensor.numel() and facts_dtype(tensor) != "bool":
        st.plotly_chart(heatmap(tensor), key="tp_heatmap")
    code_panel(
        torch_program(
            snippet, reproduces="The tensor the Tensor playground made.", name="tensor.py", result=tensor
        )
    )
with st.expander("Memory of 1000 elements in each dtype: element_size() × nelement()"):
    memory_table()

st.subheader("Noise images")
noise_panel()

st.subheader("Indexing the course's grid")
expression = st.text_input(
    "Index expression on t",
    "t[t > 50]",
    key="tp_index",
    bind="query-params",
    help="Try: 0, 1 · t[:, 0] · t[1, 1:3] · t[[0, 2], [1, 2]] · (t > 20) & (t < 80) · t[:, ::2] · t[..., -1]",
)
try:
    picked = tensors.index_grid(expression)
except ValueError as error:
    show_error(str(error))
else:
    left, right = st.columns(2)
    with left:
        st.markdown("`t` — the cells the expression picks are highlighted")
        show_tensor(tensors.parse_tensor(str(tensors.COURSE_GRID)), selected=picked.selected)
    with right:
        st.markdown(f"`{picked.code}` → shape {shape_label(picked.result)}")
        show_tensor(picked.result)
    code_panel(
        torch_program(
            tensors.index_snippet(expression),
            reproduces=f"What {picked.code} picks from the course's grid t.",
            name="indexing.py",
            result=picked.result,
        )
    )

count, total = tensors.mask_count_and_sum(tensors.COURSE_MATRIX, 8)
st.caption(
    f"A mask is True/False, and True counts as 1. On the aggregation matrix 1…9, `(matrix > 8).sum()` is "
    f"**{count}** (one cell is above 8), not the notes' 9; the values above 8 add up with "
    f"`matrix[matrix > 8].sum()` = **{total:g}**."
)

st.subheader("Shape lab")
operation = st.selectbox("Operation", tensors.SHAPE_OPS, index=1, key="tp_op", bind="query-params")
try:
    step = tensors.shape_step(operation, **shape_lab_controls(operation))
except ValueError as error:
    show_error(str(error))
else:
    before_after(step.inputs, step.outputs)
    if operation == "stack":
        st.caption(
            "`stack` is not `cat`: it adds a new dimension, so two 2×2 tensors become 2×2×2. "
            "`stack(dim=1)` gives [[[1, 2], [5, 6]], [[3, 4], [7, 8]]]; the notes' [[1, 2, 5, 6], [3, 4, 7, 8]] "
            "is `cat(dim=1)`."
        )
    if step.fix:
        st.warning(
            f"`view` fails — torch says: {step.error}\n\nThe fix: `{step.fix}` copies into contiguous memory first."
        )
    elif step.error:
        show_error(f"torch says: {step.error}")
    if step.outputs:
        code_panel(
            torch_program(
                step.code,
                reproduces=f"The Shape lab's {operation}: the tensor(s) it gives.",
                name="shapes.py",
                result=step.outputs[0] if len(step.outputs) == 1 else tuple(step.outputs),
            )
        )
    else:  # torch refused: the script shows the call and the error it raises, there is no result to save
        code_panel(step.code, filename="shapes.py")

st.subheader("Aggregation")
aggregation_panel()

st.subheader("More from the notes: assignment, index_select, clone and detach, masks, normalising, stacking")
st.markdown(
    "Each example is the program below it, run as shown: write through an index (`t[0, 1] = 25`, a whole "
    "column), pick rows with `index_select`, reverse with `torch.flip`, copy with `clone()` or leave the "
    "autograd graph with `detach()`, sum under a mask (the notes' 30), count `nonzero()`, rescale to 0..1."
)
course_example_panel()
