"""The Tensor playground page's own widget groups and cached wrappers (app_pages/tensor_playground.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from lib.nn.shape_text import parse_shape


def show_tensor(
    tensor, *, selected: np.ndarray | None = None, max_side: int = 24, key: str | None = None
) -> None:
    """A tensor as tables (3-D+ as 2-D slices); `selected` cells of a 2-D tensor are highlighted."""
    from lib.nn.tensors import tensor_panels

    panels = tensor_panels(tensor)
    for title, values in panels:
        shown = values[:max_side, :max_side]
        frame = pd.DataFrame(shown)
        if selected is not None and selected.shape == values.shape:
            mask = selected[:max_side, :max_side]
            styled = frame.style.apply(
                lambda _, mask=mask: np.where(mask, "background-color: #ffd54f; font-weight: bold", ""),
                axis=None,
            )
            st.dataframe(
                styled, hide_index=False, width="content", key=None if key is None else f"{key}_{title}"
            )
        else:
            st.dataframe(frame, hide_index=False, width="content")
        clipped = " (first rows and columns)" if shown.shape != values.shape else ""
        if len(panels) > 1 or clipped:
            st.caption(f"{title}{clipped}")


def shape_label(tensor) -> str:
    return str(tuple(tensor.shape)) if tensor.ndim else "() scalar"


def device_panel() -> None:
    """torch version, CUDA, the device in use, and a tensor moved to it."""
    from lib.nn import tensors
    from lib.nn.device import default_device

    device = default_device()
    summary = tensors.device_summary(device)
    cells = st.columns(3)
    cells[0].metric("torch", summary.torch_version)
    cells[1].metric("CUDA available", "yes" if summary.cuda_available else "no")
    cells[2].metric("Device in use", summary.device, help=summary.description)
    moved = tensors.move_to_device(tensors.parse_tensor("[1, 2, 3]"), device)
    st.code(f"vector = torch.tensor([1, 2, 3])\nvector.to('{device}')\n{moved}", language="python")


def factory_controls(dtype: str | None):
    """The factory, shape, seed and range inputs -> a FactorySpec (course defaults: rand, seed 42)."""
    from lib.nn import tensors

    cells = st.columns(4)
    kind = cells[0].selectbox("Factory", tensors.FACTORIES, index=3, key="tp_factory", bind="query-params")
    shape = parse_shape(cells[1].text_input("Shape", "3, 4", key="tp_shape", bind="query-params"))
    seed = cells[2].number_input(
        "Seed", 0, 2**31 - 1, tensors.COURSE_SEED, key="tp_seed", bind="query-params"
    )
    low, high, mean, std = 0, 10, 0.5, 2.0
    if kind in ("randint", "arange"):
        low = cells[3].number_input("low / start", -1000, 1000, 0, key="tp_low")
        high = cells[3].number_input(
            "high / end (excluded)", -1000, 1000, 10 if kind == "randint" else 12, key="tp_high"
        )
    elif kind == "normal":
        mean = cells[3].number_input("mean", -100.0, 100.0, 0.5, key="tp_mean")
        std = cells[3].number_input("std", 0.0, 100.0, 2.0, key="tp_std")
    return tensors.FactorySpec(
        kind=kind,
        shape=shape,
        dtype=dtype,
        seed=int(seed),
        low=int(low),
        high=int(high),
        mean=float(mean),
        std=float(std),
        start=low,
        end=high,
    )


def facts_row(tensor) -> None:
    """shape, ndim, numel, dtype, element size and memory as metrics."""
    from lib.nn.tensors import tensor_facts

    facts = tensor_facts(tensor)
    items = [
        ("shape", shape_label(tensor)),
        ("ndim", facts.ndim),
        ("numel", f"{facts.numel:,}"),
        ("dtype", facts.dtype),
        ("element size", f"{facts.element_size} B"),
        ("memory", f"{facts.nbytes:,} B"),
    ]
    cells = [*st.columns(3), *st.columns(3)]
    for cell, (label, value) in zip(cells, items, strict=True):
        cell.metric(label, value)


def facts_dtype(tensor) -> str:
    """'float32', 'bool', ... of a tensor."""
    from lib.nn.tensors import dtype_name

    return dtype_name(tensor.dtype)


def noise_panel() -> None:
    """Uniform / normal / zeros / ones as a gray or RGB 256x256 picture, with and without vmin / vmax."""
    from lib.nn import tensors
    from lib.nn.programs import torch_program
    from ui.layout import code_panel, show_image

    cells = st.columns(3)
    kind = cells[0].selectbox("Values", tensors.NOISE_KINDS, key="tp_noise", bind="query-params")
    rgb = cells[1].toggle("RGB (256×256×3)", key="tp_rgb", bind="query-params")
    fixed = cells[2].toggle("vmin=0, vmax=1", key="tp_vrange", bind="query-params")
    values = tensors.noise_values(kind, rgb=rgb)
    vmin, vmax = (0.0, 1.0) if fixed else (None, None)
    shown = tensors.display_like_matplotlib(values, vmin=vmin, vmax=vmax)
    picture, explanation = st.columns([1, 2])
    with picture:
        show_image(
            shown,
            caption=f"{kind} {values.shape}: min {values.min():.3f}, max {values.max():.3f}",
            columns_in_row=3,
        )
    explanation.markdown(
        "Without vmin/vmax, `plt.imshow` stretches the data's own min..max to black..white, so an all-ones "
        "image shows **black**; with `vmin=0, vmax=1` it is white. RGB floats ignore vmin/vmax and are clipped "
        "to [0, 1], so normal noise (values below 0 and above 1) saturates."
    )
    code_panel(
        torch_program(
            tensors.noise_snippet(kind, rgb=rgb, vmin=vmin, vmax=vmax),
            reproduces=f"The {kind} noise picture, as plt.imshow shows it.",
            name="noise.py",
            result=shown,
        )
    )


def memory_table() -> None:
    """What 1000 elements cost in each dtype."""
    from lib.nn.tensors import memory_table as table

    rows = table(numel=1000)
    st.dataframe(
        pd.DataFrame(rows, columns=["dtype", "bytes per element", "bytes for 1000"]),
        hide_index=True,
        width="content",
    )


def aggregation_panel() -> None:
    """A matrix, an operation (sum, mean, max...) and a dim (URL-bound); the result, its indices and its code."""
    from lib.nn import tensors
    from lib.nn.programs import torch_program
    from ui.layout import code_panel, show_error

    matrix_text = st.text_input("Matrix", str(tensors.COURSE_MATRIX), key="tp_matrix", bind="query-params")
    aggregation = st.segmented_control(
        "Operation", tensors.AGGREGATIONS, default="sum", required=True, key="tp_agg", bind="query-params"
    )
    dim_choice = st.segmented_control(
        "dim", ["None", "0", "1"], default="None", required=True, key="tp_aggdim", bind="query-params"
    )
    try:
        dim = None if dim_choice == "None" else int(dim_choice)
        result = tensors.aggregate(tensors.parse_tensor(matrix_text), aggregation, dim=dim)
    except ValueError as error:
        show_error(str(error))
    else:
        st.markdown(f"`{result.code.splitlines()[-2].removeprefix('result = ')}` →")
        show_tensor(result.values)
        if result.indices is not None:
            st.caption(f"indices (where each value was found): {result.indices.tolist()}")
        if result.note:
            st.info(result.note)
        code_panel(
            torch_program(
                result.code,
                reproduces=f"The {aggregation} of the matrix (dim={dim}).",
                name="aggregate.py",
                result=result.values,
            )
        )


SHAPE_PRESETS = {  # operation -> (n, starting shape, transpose first, new shape): the course's examples
    "view": (24, "12, 2", True, "6, 4"),
    "transpose": (24, "12, 2", False, ""),
    "permute": (24, "2, 3, 4", False, ""),
    "squeeze": (12, "1, 12, 1", False, ""),
}


def shape_lab_controls(operation: str) -> dict:
    """Inputs of one shape operation -> keyword arguments of lib.nn.tensors.shape_step (course presets)."""
    numel, start, transpose_default, target = SHAPE_PRESETS.get(operation, (12, "12", False, "3, 4"))
    cells = st.columns(3)
    options: dict = {
        "numel": int(cells[0].number_input("torch.arange(n)", 1, 10_000, numel, key=f"tp_numel_{operation}")),
        "start_shape": parse_shape(cells[1].text_input(".reshape(…)", start, key=f"tp_start_{operation}")),
    }
    if operation in ("reshape", "view"):
        options["new_shape"] = parse_shape(
            cells[2].text_input(f".{operation}(…)", target, key=f"tp_new_{operation}")
        )
        label = "Transpose first (the result is not contiguous)"
        options["transpose_first"] = st.checkbox(label, transpose_default, key=f"tp_t_{operation}")
    elif operation == "transpose":
        options["dim"] = int(cells[2].number_input("dim0", -3, 3, 0, key="tp_dim0"))
        options["dim1"] = int(cells[2].number_input("dim1", -3, 3, 1, key="tp_dim1"))
    elif operation == "permute":
        options["order"] = parse_shape(cells[2].text_input("order", "2, 0, 1", key="tp_order"))
    elif operation == "squeeze":
        every = st.checkbox("Squeeze every size-1 dim", True, key="tp_all")
        options["dim"] = None if every else int(cells[2].number_input("dim", -3, 3, 0, key="tp_sq_dim"))
    else:
        options["dim"] = int(cells[2].number_input("dim", -3, 3, 0, key=f"tp_dim_{operation}"))
        if operation == "chunk":
            options["pieces"] = int(st.number_input("chunks", 1, 50, 5, key="tp_pieces"))
        elif operation == "split":
            options["split_size"] = int(st.number_input("split size", 1, 50, 7, key="tp_split"))
    return options


def before_after(inputs: Sequence[Any], outputs: Sequence[Any]) -> None:
    """Inputs and outputs of a shape operation side by side (one above the other when wide), with their shapes."""
    # a 2×12 tensor's table is wider than half a 1280×720 screen: it scrolled sideways there
    wide = any(len(t.shape) >= 2 and t.shape[-1] > 6 for t in (*inputs, *outputs))
    before, after = (st.container(), st.container()) if wide else st.columns(2)
    with before:
        st.markdown("**Before** " + " and ".join(shape_label(t) for t in inputs))
        for part in inputs:
            show_tensor(part)
    with after:
        st.markdown("**After** " + (" · ".join(shape_label(t) for t in outputs) or "—"))
        for part in outputs:
            show_tensor(part)


def course_example_panel() -> None:
    """One of the notes' examples (assignment, index_select, clone/detach, ...): its code, what it gives, its panel."""
    from lib.nn import tensors
    from lib.nn.programs import sources, torch_program
    from ui.layout import code_panel

    title = st.selectbox("Example", list(tensors.COURSE_EXAMPLES), key="tp_example", bind="query-params")
    function = tensors.COURSE_EXAMPLES[title]
    values = function()
    all_tensors = all(tensors.is_tensor(value) for value in values.values())
    for name, value in values.items():
        if tensors.is_tensor(value):
            st.markdown(f"`{name}` → shape {shape_label(value)}")
            show_tensor(value)
        else:
            st.markdown(f"`{name}` → **{value}**")
    collect = "tuple(values.values())" if all_tensors else "values"
    snippet = (
        f"import torch\n\n{sources(function)}\n"
        f"values = {function.__name__}()\n"
        "for name, value in values.items():\n"
        '    print(name, "->", value)\n'
        f"result = {collect}\n"
    )
    code_panel(
        torch_program(
            snippet,
            reproduces=f"The notes' example: {title}.",
            name="course_example.py",
            result=tuple(values.values()) if all_tensors else values,
        )
    )
