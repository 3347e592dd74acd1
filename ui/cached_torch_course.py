"""Cached data, tables, charts and the live training loop for the PyTorch course pages (II.A–P).

Live training: the trainer lives in st.session_state; `run_live` trains the epochs still to do and redraws
a placeholder as it goes. Clicking Stop (or any widget) makes Streamlit rerun the script, which interrupts
the loop at its next redraw; the trainer keeps every finished epoch, and the rerun sees the Stop flag.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.cv.shapes import SHAPE_CLASSES, make_shapes
from lib.nn import data as data_lib
from lib.nn import training as training_lib
from ui.cache import freeze, image_cache
from ui.layout import control_cells, download_button, plot_font_size

REDRAW_SECONDS = 0.3  # redraw the live chart at most this often (and after the last epoch)


# ---------------------------------------------------------------------------------------------------------
# Cached data.


@st.cache_data(max_entries=2, show_spinner=False)
def iris_data() -> tuple[pd.DataFrame, tuple[str, ...]]:
    return training_lib.iris_frame()


@st.cache_data(max_entries=2, show_spinner=False)
def diabetes_data() -> pd.DataFrame:
    return training_lib.diabetes_frame()


@st.cache_data(max_entries=8, show_spinner=False)
def read_csv(data: bytes) -> pd.DataFrame:
    return training_lib.read_csv_table(data)


@image_cache(max_entries=8)
def shapes_images(n_per_class: int, size: int, seed: int, classes: tuple[str, ...] = SHAPE_CLASSES):
    return make_shapes(n_per_class, size=size, seed=seed, classes=classes)


def zip_limits() -> str:
    """The limits read_image_zip applies, in words, for an upload's help."""
    return (
        f"Upload limit {st.get_option('server.maxUploadSize')} MB. At most {data_lib.MAX_ZIP_FILES:,} files "
        f"and {data_lib.MAX_CLASSES} class folders; each image at most "
        f"{data_lib.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels, all together at most "
        f"{data_lib.MAX_TOTAL_PIXELS / 1e6:,.0f} megapixels; reading stops after "
        f"{data_lib.MAX_READ_SECONDS:.0f} s. Each photo is scaled to the training size as it is read."
    )


ZIP_READS = "zip_reads"  # session_state: {(content digest, image size): ZipImages}, the last few zips read
ZIP_READS_KEPT = 2


def read_zip_with_progress(data: bytes, image_size: int) -> data_lib.ZipImages:
    """read_image_zip once per zip and size in this session, with a progress bar while images are decoded.

    Kept in session state, not st.cache_*: a cached function's progress bar would be replayed on later runs.
    """
    key = (hashlib.blake2b(data, digest_size=16).hexdigest(), image_size)
    reads = st.session_state.setdefault(ZIP_READS, {})
    if key in reads:
        return reads[key]
    bar = st.progress(0.0, text="Reading the zip…")

    def show(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Reading and scaling image {done} of {total}…")

    try:
        result = freeze(data_lib.read_image_zip(data, image_size=image_size, progress=show))
    finally:
        bar.empty()
    while len(reads) >= ZIP_READS_KEPT:
        reads.pop(next(iter(reads)))
    reads[key] = result
    return result


@image_cache(max_entries=16)
def transform_preview(
    images: np.ndarray, spec: data_lib.TransformSpec, seed: int
) -> tuple[list[np.ndarray], object]:
    """Each image through the transforms, back to uint8 HWC for display; and the first image's tensor."""
    tensors = data_lib.apply_transforms(list(images), spec, seed=seed)
    return [data_lib.tensor_to_display(tensor, spec) for tensor in tensors], tensors[0]


@st.cache_data(max_entries=16, show_spinner="Training a network on two features…")
def boundary(
    feature_x: str, feature_y: str, hidden: tuple[int, ...], learning_rate: float, epochs: int, seed: int
):
    frame, names = iris_data()
    return training_lib.decision_boundary(
        frame,
        target="target",
        feature_x=feature_x,
        feature_y=feature_y,
        class_names=names,
        hidden_sizes=hidden,
        learning_rate=learning_rate,
        epochs=epochs,
        seed=seed,
        resolution=100,
    )


# ---------------------------------------------------------------------------------------------------------
# Tensors on screen.


def parse_shape(text: str) -> tuple[int, ...]:
    """'3, 4' or '(3, 4)' -> (3, 4); ValueError with a message for anything else."""
    cleaned = text.strip().strip("()[]").replace("×", ",").replace("x", ",")
    parts = [part.strip() for part in cleaned.split(",") if part.strip()]
    if not parts or len(parts) > 4 or not all(part.lstrip("-").isdigit() for part in parts):
        raise ValueError(
            f"write a shape as up to 4 whole numbers separated by commas, e.g. 3, 4 (got {text!r})"
        )
    shape = tuple(int(part) for part in parts)
    if any(side < 1 or side > 100_000 for side in shape if side != -1):
        raise ValueError(f"every size must be between 1 and 100,000 (or -1 for 'work it out'), got {shape}")
    return shape


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


def heatmap(tensor, *, title: str = "", font_size: int | None = None) -> go.Figure:
    """Values of a 0-D to 2-D tensor (or the first slice of a bigger one) as a heatmap with numbers on small ones.

    font_size: the figure's base size (default: ui.layout.plot_font_size(), larger in presentation mode).
    """
    from lib.nn.tensors import tensor_panels

    _, values = tensor_panels(tensor, max_panels=1)[0]
    if values.shape[0] > 100 or values.shape[1] > 100:  # a browser chart of a million cells helps nobody
        values = values[:100, :100]
        title = title or "the first 100 × 100 values"
    values = values.astype(np.float64)
    figure = go.Figure(
        go.Heatmap(
            z=values,
            colorscale="Viridis",
            text=np.round(values, 3) if values.size <= 144 else None,
            texttemplate="%{text}" if values.size <= 144 else None,
        )
    )
    figure.update_yaxes(autorange="reversed", title="row (dim 0)", dtick=1 if values.shape[0] <= 20 else None)
    figure.update_xaxes(title="column (dim 1)", dtick=1 if values.shape[1] <= 20 else None)
    figure.update_layout(
        height=min(420, 120 + 28 * values.shape[0]),
        margin=dict(l=10, r=10, t=30, b=10),
        title=title,
        font_size=font_size or plot_font_size(),
    )
    return figure


def shape_label(tensor) -> str:
    return str(tuple(tensor.shape)) if tensor.ndim else "() scalar"


# ---------------------------------------------------------------------------------------------------------
# Charts for training.


def history_figure(
    history: Sequence[Any], *, accuracy: bool, val_name: str = "test", font_size: int | None = None
) -> go.Figure:
    """Loss (and accuracy) per epoch, for training and held-out data (font_size: as heatmap's)."""
    epochs = [m.epoch for m in history]
    figure = go.Figure()
    figure.add_scatter(x=epochs, y=[m.train_loss for m in history], name="train loss", mode="lines")
    held_out = [m.test_loss if hasattr(m, "test_loss") else m.val_loss for m in history]
    figure.add_scatter(x=epochs, y=held_out, name=f"{val_name} loss", mode="lines")
    if accuracy:
        train_accuracy = [m.train_accuracy for m in history]
        held_accuracy = [m.test_accuracy if hasattr(m, "test_accuracy") else m.val_accuracy for m in history]
        figure.add_scatter(
            x=epochs, y=train_accuracy, name="train accuracy", yaxis="y2", line=dict(dash="dot")
        )
        figure.add_scatter(
            x=epochs, y=held_accuracy, name=f"{val_name} accuracy", yaxis="y2", line=dict(dash="dot")
        )
        figure.update_layout(yaxis2=dict(title="accuracy", overlaying="y", side="right", range=[0, 1.02]))
    figure.update_layout(
        height=340,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis_title="epoch",
        yaxis_title="loss",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        font_size=font_size or plot_font_size(),
    )
    return figure


def confusion_figure(
    matrix: np.ndarray, class_names: Sequence[str], *, font_size: int | None = None
) -> go.Figure:
    """Rows: the true class; columns: what the network said (font_size: as heatmap's)."""
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=list(class_names),
            y=list(class_names),
            colorscale="Blues",
            text=matrix,
            texttemplate="%{text}",
        )
    )
    figure.update_yaxes(autorange="reversed", title="true class")
    figure.update_xaxes(title="predicted class")
    figure.update_layout(
        height=140 + 40 * len(class_names),
        margin=dict(l=10, r=10, t=10, b=10),
        font_size=font_size or plot_font_size(),
    )
    return figure


def boundary_figure(result: training_lib.DecisionBoundary, *, font_size: int | None = None) -> go.Figure:
    """The plane coloured by the predicted class, with every flower on top (font_size: as heatmap's)."""
    palette = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#b279a2"]
    n = len(result.class_names)
    scale = [[i / max(n - 1, 1), palette[i % len(palette)]] for i in range(n)]
    figure = go.Figure(
        go.Heatmap(
            x=result.xs,
            y=result.ys,
            z=result.predicted,
            colorscale=scale,
            opacity=0.35,
            showscale=False,
            hoverinfo="skip",
        )
    )
    for index, name in enumerate(result.class_names):
        points = result.points[result.labels == index]
        figure.add_scatter(
            x=points[:, 0],
            y=points[:, 1],
            mode="markers",
            name=name,
            marker=dict(color=palette[index % len(palette)], line=dict(color="white", width=1)),
        )
    figure.update_layout(
        height=420,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis_title=result.feature_x,
        yaxis_title=result.feature_y,
        font_size=font_size or plot_font_size(),
    )
    return figure


# ---------------------------------------------------------------------------------------------------------
# The live training loop.


def training_buttons(prefix: str, *, more: bool = False) -> tuple[bool, bool, bool]:
    """Train (from scratch), optionally Train more, and Stop buttons in a row: (start, more, stop)."""
    cells = st.columns(3 if more else 2)
    start = cells[0].button("Train", key=f"{prefix}_train", type="primary", icon=":material/play_arrow:")
    again = (
        cells[1].button("Train more", key=f"{prefix}_more", icon=":material/fast_forward:") if more else False
    )
    stop = cells[-1].button("Stop", key=f"{prefix}_stop", icon=":material/stop:")
    return start, again, stop


def run_live(
    state_key: str,
    *,
    start: bool,
    stop: bool,
    make_trainer: Callable[[], Any],
    epochs: int,
    draw: Callable[[Any], None],
    settings: Any = None,
    more: bool = False,
    progress: bool = False,
) -> Any | None:
    """Train the epochs still to do while redrawing `draw(trainer)` in one placeholder; returns the trainer.

    start: a new trainer from make_trainer(); more: `epochs` more on the current one; stop: halt here.
    A run interrupted by another widget resumes on the next rerun, unless Stop was pressed.
    """
    run = st.session_state.get(state_key)
    if start:
        run = {"trainer": make_trainer(), "target": epochs, "stopped": False, "settings": settings}
        st.session_state[state_key] = run
    elif more and run is not None:
        run["target"] = len(run["trainer"].history) + epochs
        run["stopped"] = False
    if run is None:
        return None
    if stop:
        run["stopped"] = True
    trainer = run["trainer"]
    bar = (
        st.progress(0.0) if progress and not run["stopped"] and len(trainer.history) < run["target"] else None
    )
    placeholder = st.empty()
    remaining = run["target"] - len(trainer.history)
    if remaining > 0 and not run["stopped"]:
        last_draw = 0.0
        first = len(trainer.history)
        kwargs = {}
        if bar is not None:
            from lib.nn.records import seconds_left

            started, shown = time.monotonic(), [0.0]

            def on_batch(progress: Any) -> None:  # a lib.nn.records.BatchProgress after every batch
                done = (progress.epoch - 1 - first) * progress.batches + progress.batch
                total = (run["target"] - first) * progress.batches
                now = time.monotonic()
                if now - shown[0] < REDRAW_SECONDS / 2 and done < total:
                    return
                shown[0] = now
                left = seconds_left(now - started, done, total)
                bar.progress(
                    min(done / total, 1.0),
                    text=f"Epoch {progress.epoch} of {run['target']} · batch {progress.batch} of "
                    f"{progress.batches} · about {left:.0f} s left (measured: {(now - started) / done:.2f} s a batch)",
                )

            kwargs["on_batch"] = on_batch
        for metrics in trainer.epochs(remaining, **kwargs):
            if time.monotonic() - last_draw > REDRAW_SECONDS or metrics.epoch == run["target"]:
                with placeholder.container():
                    draw(trainer)
                last_draw = time.monotonic()
    else:
        with placeholder.container():
            draw(trainer)
    if bar is not None:
        bar.empty()
    if settings is not None and run.get("settings") != settings:
        st.info("The settings changed since this network was trained: press **Train** to use them.")
    return trainer


def settings_of(**values: Any) -> tuple:
    """A hashable record of the settings a network was trained with."""
    return tuple(sorted(values.items()))


# ---------------------------------------------------------------------------------------------------------
# Tensor playground controls.


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
    """Inputs and outputs of a shape operation side by side, with their shapes."""
    before, after = st.columns(2)
    with before:
        st.markdown("**Before** " + " and ".join(shape_label(t) for t in inputs))
        for part in inputs:
            show_tensor(part)
    with after:
        st.markdown("**After** " + (" · ".join(shape_label(t) for t in outputs) or "—"))
        for part in outputs:
            show_tensor(part)


# ---------------------------------------------------------------------------------------------------------
# Train a network: controls and panels.

LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)


def network_controls(prefix: str, *, hidden: tuple[int, int], epochs: int, max_epochs: int) -> dict:
    """Hidden sizes, learning rate, epochs and seed (URL-bound), with the course's defaults."""
    cells = st.columns(5)
    first = cells[0].number_input(
        "Hidden layer 1", 1, 1024, hidden[0], key=f"{prefix}_h1", bind="query-params"
    )
    second = cells[1].number_input(
        "Hidden layer 2 (0: none)", 0, 1024, hidden[1], key=f"{prefix}_h2", bind="query-params"
    )
    rate = cells[2].select_slider(
        "Learning rate (Adam)", LEARNING_RATES, value=0.01, key=f"{prefix}_lr", bind="query-params"
    )
    count = cells[3].number_input(
        "Epochs", 1, max_epochs, epochs, key=f"{prefix}_epochs", bind="query-params"
    )
    seed = cells[4].number_input("Seed", 0, 2**31 - 1, 42, key=f"{prefix}_seed", bind="query-params")
    sizes = (int(first),) if int(second) == 0 else (int(first), int(second))
    return {"hidden": sizes, "learning_rate": float(rate), "epochs": int(count), "seed": int(seed)}


def draw_history(trainer: Any, *, accuracy: bool, key: str, val_name: str = "test") -> None:
    """The live curves (the key changes with every epoch so each redraw is a new element)."""
    st.plotly_chart(
        history_figure(trainer.history, accuracy=accuracy, val_name=val_name),
        key=f"{key}_{len(trainer.history)}",
    )
    if trainer.history:
        last = trainer.history[-1]
        held = getattr(last, "test_loss", None)
        held = last.val_loss if held is None else held
        st.caption(f"Epoch {last.epoch}: train loss {last.train_loss:.4f}, {val_name} loss {held:.4f}")


def trained_as_set(trainer: Any, settings: dict, split: training_lib.TableSplit) -> bool:
    """Whether the session's network was trained, to the end, with these settings on this table (so the Code
    panel's script, which trains with them, reproduces its numbers)."""
    return (
        trainer is not None
        and len(trainer.history) == settings["epochs"]
        and trainer.hidden_sizes == tuple(settings["hidden"])
        and trainer.learning_rate == settings["learning_rate"]
        and trainer.seed == settings["seed"]
        and trainer.split.feature_names == split.feature_names
        and trainer.split.target_name == split.target_name
        and len(trainer.split.y_train) == len(split.y_train)
    )


def train_table_live(
    prefix: str, split: training_lib.TableSplit, settings: dict, *, accuracy: bool, table: Any = None
) -> Any | None:
    """Train / Stop buttons and the live curves for one table; the trainer (or None before the first Train)."""
    start, _, stop = training_buttons(prefix)
    return run_live(
        f"{prefix}_run",
        start=start,
        stop=stop,
        make_trainer=lambda: training_lib.TableTrainer(
            split,
            hidden_sizes=settings["hidden"],
            learning_rate=settings["learning_rate"],
            seed=settings["seed"],
        ),
        epochs=settings["epochs"],
        draw=lambda trainer: draw_history(trainer, accuracy=accuracy, key=f"{prefix}_chart"),
        settings=settings_of(table=table, **settings),
    )


def prediction_form(split: training_lib.TableSplit, *, key: str) -> dict:
    """An input per feature (category select or number, starting at the training median) -> raw values."""
    values: dict = {}
    cells = st.columns(min(4, len(split.feature_names)))
    for index, name in enumerate(split.feature_names):
        cell = cells[index % len(cells)]
        if name in split.categories:
            values[name] = cell.selectbox(name, split.categories[name], key=f"{key}_{index}")
        else:
            column = split.raw_train[:, index]
            values[name] = cell.number_input(
                name,
                value=float(np.median(column)),
                format="%.4g",
                key=f"{key}_{index}",
                help=f"Training rows range from {column.min():.4g} to {column.max():.4g}",
            )
    return values


def regression_table_controls() -> tuple[pd.DataFrame, str, list[str], str] | None:
    """Pick the table: scikit-learn's diabetes data or an uploaded CSV with target and feature columns."""
    source = st.segmented_control(
        "Data",
        ["Diabetes (scikit-learn)", "Your CSV"],
        default="Diabetes (scikit-learn)",
        required=True,
        key="tn_source",
        bind="query-params",
    )
    if source != "Your CSV":
        frame = diabetes_data()
        st.caption(
            "442 patients: age, sex, body-mass index, blood pressure and six blood-serum values; "
            "target: how far the disease progressed one year later."
        )
        target = training_lib.DIABETES_TARGET
        return frame, target, [c for c in frame.columns if c != target], "diabetes"
    uploaded = st.file_uploader("A CSV table, e.g. the course's insurance.csv", type=["csv"], key="tn_csv")
    if uploaded is None:
        st.info("Upload a CSV to train on it; until then nothing is trained here.")
        return None
    frame = read_csv(uploaded.getvalue())
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    if not numeric:
        raise ValueError("the CSV has no numeric column to predict")
    target = st.selectbox(
        "Predict (target)", list(frame.columns), index=list(frame.columns).index(numeric[-1]), key="tn_target"
    )
    others = [c for c in frame.columns if c != target]
    features = st.multiselect("From (features)", others, default=others, key=f"tn_features_{target}")
    return frame, target, features, "csv"


def table_csv(frame: pd.DataFrame):
    """The uploaded table as your_table.csv for the Code panel's bundle (made when the download is clicked)."""
    frozen = frame.copy()
    return lambda: frozen.to_csv(index=False).encode("utf-8")


def regression_results(trainer: training_lib.TableTrainer) -> dict[str, float]:
    """Test metrics, the best epoch, and a one-row prediction form; returns the metrics shown (rmse, mae, r2)."""
    report, best = trainer.regression_report(), trainer.regression_report(best=True)
    cells = st.columns(3)
    cells[0].metric("RMSE (test)", f"{report['rmse']:.4g}")
    cells[1].metric("MAE (test)", f"{report['mae']:.4g}")
    cells[2].metric("R² (test)", f"{report['r2']:.3f}")
    st.caption(
        f"Lowest test loss at epoch {trainer.best_epoch}: R² {best['r2']:.3f} with that epoch's weights."
    )
    target = trainer.split.target_name
    st.markdown(f"**Predict {target}** for one new row:")
    values = prediction_form(trainer.split, key="tn_reg_form")
    st.metric(f"Predicted {target}", f"{trainer.predict_row(values):.4g}")
    return report


def iris_results(trainer: training_lib.TableTrainer, settings: dict) -> tuple[tuple[float, ...], str]:
    """Accuracy, confusion matrix, the four-slider flower, and the decision boundary on two features.

    Returns the flower's four values and the species predicted for it (for the Code panel).
    """
    split = trainer.split
    cells = st.columns(3)
    cells[0].metric("Test accuracy", f"{trainer.test_accuracy():.1%}")
    cells[1].metric("Train accuracy", f"{trainer.history[-1].train_accuracy:.1%}")
    cells[2].metric("Epochs", len(trainer.history))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Confusion matrix** ({len(split.y_test)} test flowers)")
        st.plotly_chart(confusion_figure(trainer.confusion(), split.class_names), key="tn_confusion")
    with right:
        st.markdown("**Predict a flower** (course: 5.1, 3.5, 1.4, 0.2 → setosa)")
        flower = {
            name: st.slider(name, 0.0, 8.0, value, 0.1, key=f"tn_flower_{index}")
            for index, (name, value) in enumerate(
                zip(split.feature_names, training_lib.COURSE_IRIS_FLOWER, strict=True)
            )
        }
        species, probabilities = trainer.predict_row(flower)
        st.metric("Predicted species", species, f"{probabilities.max():.1%} sure", delta_color="off")
    shown = (tuple(float(value) for value in flower.values()), species)
    st.markdown("**Decision boundary**: the same network trained on two features only")
    cells = st.columns(2)
    feature_x = cells[0].selectbox("x", split.feature_names, index=2, key="tn_bx", bind="query-params")
    feature_y = cells[1].selectbox("y", split.feature_names, index=3, key="tn_by", bind="query-params")
    if feature_x == feature_y:
        st.error("Choose two different features.", icon=":material/error:")
        return shown
    result = boundary(
        feature_x,
        feature_y,
        settings["hidden"],
        settings["learning_rate"],
        settings["epochs"],
        settings["seed"],
    )
    st.plotly_chart(boundary_figure(result), key="tn_boundary")
    st.caption(
        f"On these two features alone the network gets {result.test_accuracy:.1%} of the test flowers right."
    )
    return shown


# ---------------------------------------------------------------------------------------------------------
# Datasets & loaders.


def loader_controls() -> dict:
    """Rows in the table, test share, batch size, shuffle, drop_last, epochs (course: 1338 rows, batch 32)."""
    cells = control_cells(6)
    return {
        "rows": int(
            cells[0].number_input(
                "Rows in the table", 2, 1_000_000, data_lib.COURSE_ROWS, key="dl_rows", bind="query-params"
            )
        ),
        "test_size": float(
            cells[1].select_slider(
                "Test share", (0.1, 0.2, 0.25, 0.3, 0.5), value=0.2, key="dl_test", bind="query-params"
            )
        ),
        "batch_size": int(
            cells[2].number_input(
                "Batch size", 1, 100_000, data_lib.COURSE_BATCH_SIZE, key="dl_batch", bind="query-params"
            )
        ),
        "shuffle": cells[3].toggle("shuffle", True, key="dl_shuffle", bind="query-params"),
        "drop_last": cells[4].toggle("drop_last", False, key="dl_drop", bind="query-params"),
        "epochs": int(cells[5].number_input("Epochs", 1, 100_000, 100, key="dl_epochs", bind="query-params")),
    }


def loader_panel(settings: dict) -> list[int] | None:
    """The split, the arithmetic, and one real epoch of a DataLoader: which rows each batch holds.

    Returns the sizes of the batches that epoch gave (None when the real run is skipped for a huge table).
    """
    n_train, n_test = data_lib.split_sizes(settings["rows"], test_size=settings["test_size"])
    facts = data_lib.loader_facts(
        n_train, batch_size=settings["batch_size"], drop_last=settings["drop_last"], epochs=settings["epochs"]
    )
    cells = control_cells(6)
    cells[0].metric("Training rows", f"{n_train:,}")
    cells[1].metric("Test rows", f"{n_test:,}")
    cells[2].metric("Batches per epoch", f"{facts.batches_per_epoch:,}")
    cells[3].metric("Last batch", f"{facts.last_batch_size:,} rows")
    cells[4].metric("Rows dropped", f"{facts.dropped_rows:,}")
    cells[5].metric(f"Iterations in {facts.epochs:,} epochs", f"{facts.iterations:,}")
    if n_train > 200_000:
        st.caption("(The real DataLoader run below is skipped for more than 200,000 rows.)")
        return None
    batches = data_lib.loader_batches(
        n_train,
        batch_size=settings["batch_size"],
        shuffle=settings["shuffle"],
        drop_last=settings["drop_last"],
    )
    shown = [*range(min(4, len(batches))), *range(max(4, len(batches) - 2), len(batches))]
    rows = [
        {
            "batch": i + 1,
            "rows in it": len(batches[i]),
            "its first row ids": ", ".join(map(str, batches[i][:8])) + " …",
        }
        for i in shown
    ]
    st.markdown(
        f"One epoch of a real `DataLoader` over the {n_train:,} training rows gave **{len(batches)}** batches:"
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    return [len(batch) for batch in batches]


def image_dataset_controls() -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...]] | None:
    """The bundled shapes or the student's zip -> (images, labels, class names, notes); None until a zip comes."""
    source = st.segmented_control(
        "Images",
        ["Shapes (bundled)", "Your zip"],
        default="Shapes (bundled)",
        required=True,
        key="dl_images",
        bind="query-params",
    )
    if source == "Shapes (bundled)":
        per_class = st.slider("Images per class", 4, 200, 20, key="dl_per_class", bind="query-params")
        images, labels = shapes_images(per_class, 96, 0)
        return images, labels, SHAPE_CLASSES, ()
    uploaded = st.file_uploader(
        "A zip of class folders: cats/1.jpg, cats/2.jpg, dogs/1.jpg …",
        type=["zip"],
        key="dl_zip",
        help=zip_limits(),
    )
    if uploaded is None:
        st.info("Upload a zip with one folder per class. It is read in memory; nothing is extracted to disk.")
        return None
    result = read_zip_with_progress(uploaded.getvalue(), 128)
    return result.images, result.labels, result.class_names, result.notes


def image_grid(images: Sequence[np.ndarray], captions: Sequence[str], *, columns: int = 8) -> None:
    """Small images in rows of `columns`, each with its caption."""
    from ui.layout import display_url

    for start in range(0, len(images), columns):
        cells = st.columns(columns)
        for cell, image, caption in zip(
            cells, images[start : start + columns], captions[start : start + columns], strict=False
        ):
            cell.image(display_url(np.ascontiguousarray(image), 256), caption=caption, width="stretch")


def transform_controls() -> data_lib.TransformSpec:
    """The transforms builder (course: Resize((128, 128)) + ToTensor; the rest off)."""
    cells = st.columns(4)
    resize = cells[0].select_slider(
        "Resize to", (32, 64, 96, 128, 160, 224), value=128, key="dl_resize", bind="query-params"
    )
    crop_kind = cells[1].selectbox("Crop", ["none", "center", "random"], key="dl_crop", bind="query-params")
    crop = None
    if crop_kind != "none":
        crop = cells[1].slider(
            "Crop size", 8, int(resize), int(resize) * 7 // 8, key=f"dl_crop_size_{resize}"
        )
    flip = cells[2].slider(
        "Horizontal flip probability", 0.0, 1.0, 0.0, 0.1, key="dl_flip", bind="query-params"
    )
    rotation = cells[2].slider("Rotation ± degrees", 0, 180, 0, key="dl_rotation", bind="query-params")
    brightness = cells[3].slider(
        "Brightness jitter", 0.0, 1.0, 0.0, 0.05, key="dl_brightness", bind="query-params"
    )
    contrast = cells[3].slider("Contrast jitter", 0.0, 1.0, 0.0, 0.05, key="dl_contrast")
    saturation = cells[3].slider("Saturation jitter", 0.0, 1.0, 0.0, 0.05, key="dl_saturation")
    hue = cells[3].slider("Hue jitter", 0.0, 0.5, 0.0, 0.01, key="dl_hue")
    normalise = st.segmented_control(
        "Normalize",
        ["off", "course (0.5, 0.5)", "ImageNet"],
        default="off",
        required=True,
        key="dl_norm",
        bind="query-params",
    )
    mean, std = data_lib.IMAGENET_NORMALIZE if normalise == "ImageNet" else data_lib.COURSE_NORMALIZE
    return data_lib.TransformSpec(
        resize=int(resize),
        crop=None if crop is None else int(crop),
        random_crop=crop_kind == "random",
        flip_probability=float(flip),
        rotation_degrees=float(rotation),
        brightness=float(brightness),
        contrast=float(contrast),
        saturation=float(saturation),
        hue=float(hue),
        normalize=normalise != "off",
        mean=mean,
        std=std,
    )


# ---------------------------------------------------------------------------------------------------------
# Train a CNN.

CNN_WIDTHS = {  # filters per block; the course's network is the widest, the others train faster on a CPU
    "medium: 16-32-64-128": (16, 32, 64, 128),
    "light: 8-16-32-64": (8, 16, 32, 64),
    "course: 32-64-128-256": (32, 64, 128, 256),
}


def _use_cnn_preset(preset: Any) -> None:
    """Set the Train a CNN controls to a lib.nn.cnn_training.CnnPreset (a button's on_click)."""
    st.session_state.update(
        tc_size=preset.image_size,
        tc_width=next(label for label, widths in CNN_WIDTHS.items() if widths == preset.channels),
        tc_epochs=preset.epochs,
        tc_batch=preset.batch_size,
        tc_lr=preset.learning_rate,
        tc_schedule=preset.schedule,
        tc_flips=preset.flips,
        tc_per_class=preset.per_class,
    )


def cnn_controls() -> dict:
    """Two presets (quick defaults, the course's settings), then image size, width, epochs, batch size,
    learning rate, schedule, flips and seed."""
    from lib.nn import cnn_training

    quick, course = cnn_training.QUICK, cnn_training.COURSE
    left, right = st.columns(2)
    left.button(
        f"Quick defaults (about {quick.seconds:.0f} s)",
        key="tc_quick",
        on_click=_use_cnn_preset,
        args=(quick,),
        help="48 px, 8-16-32-64 filters, one-cycle Adam peaking at 0.003, random flips: ≥ 95 % on the shapes.",
    )
    right.button(
        f"Course settings (about {course.seconds / 60:.0f} min on 2 CPU cores)",
        key="tc_course",
        on_click=_use_cnn_preset,
        args=(course,),
        help="The notes' network: 64 px, 32-64-128-256 filters, Adam 0.001 fixed, batch 32, no flips.",
    )
    cells = control_cells(4) + control_cells(4)
    return {
        "image_size": int(
            cells[0].select_slider(
                "Image size", (32, 48, 64), value=quick.image_size, key="tc_size", bind="query-params"
            )
        ),
        "channels": CNN_WIDTHS[
            cells[1].selectbox(
                "Filters per block",
                list(CNN_WIDTHS),
                index=list(CNN_WIDTHS.values()).index(quick.channels),
                key="tc_width",
                bind="query-params",
            )
        ],
        "epochs": int(
            cells[2].number_input("Epochs", 1, 100, quick.epochs, key="tc_epochs", bind="query-params")
        ),
        "batch_size": int(
            cells[3].select_slider(
                "Batch size",
                (8, 16, 32, 64, 128),
                value=quick.batch_size,
                key="tc_batch",
                bind="query-params",
            )
        ),
        "learning_rate": float(
            cells[4].select_slider(
                "Learning rate (Adam)",
                LEARNING_RATES,
                value=quick.learning_rate,
                key="tc_lr",
                bind="query-params",
            )
        ),
        "schedule": cells[5].selectbox(
            "Schedule",
            cnn_training.SCHEDULES,
            index=cnn_training.SCHEDULES.index(quick.schedule),
            key="tc_schedule",
            bind="query-params",
            help="one-cycle: warm up to the rate, then anneal to 2 % of it; constant: the course's fixed rate.",
        ),
        "flips": bool(
            cells[6].toggle(
                "Random flips",
                quick.flips,
                key="tc_flips",
                bind="query-params",
                help="Mirror training images.",
            )
        ),
        "seed": int(cells[7].number_input("Seed", 0, 2**31 - 1, 42, key="tc_seed", bind="query-params")),
    }


def cnn_dataset_controls(image_size: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], str] | None:
    """Shapes (choose classes and how many) or the student's zip of class folders, at image_size."""
    source = st.segmented_control(
        "Data",
        ["Shapes (bundled)", "Your zip"],
        default="Shapes (bundled)",
        required=True,
        key="tc_source",
        bind="query-params",
    )
    if source == "Shapes (bundled)":
        cells = st.columns([3, 1])
        classes = cells[0].multiselect(
            "Classes", SHAPE_CLASSES, default=list(SHAPE_CLASSES), key="tc_classes"
        )
        from lib.nn.cnn_training import QUICK

        per_class = cells[1].number_input(
            "Images per class", 4, 1000, QUICK.per_class, key="tc_per_class", bind="query-params"
        )
        if len(classes) < 2:
            raise ValueError("choose at least two shape classes")
        chosen = tuple(name for name in SHAPE_CLASSES if name in classes)
        images, labels = shapes_images(int(per_class), image_size, 0, chosen)
        return images, labels, chosen, f"shapes, {len(chosen)} classes"
    uploaded = st.file_uploader(
        "A zip of class folders (cats/1.jpg, dogs/1.jpg, …)", type=["zip"], key="tc_zip", help=zip_limits()
    )
    if uploaded is None:
        st.info("Upload a zip with one folder per class (see Datasets & loaders); it is read in memory.")
        st.caption(zip_limits())
        return None
    result = read_zip_with_progress(uploaded.getvalue(), image_size)
    if result.notes:
        st.caption(
            f"{len(result.notes)} file(s) skipped: "
            + "; ".join(result.notes[:3])
            + (" …" if len(result.notes) > 3 else "")
        )
    return (
        result.images,
        result.labels,
        result.class_names,
        f"{uploaded.name}, {len(result.class_names)} classes",
    )


def draw_cnn(trainer: Any) -> None:
    draw_history(trainer, accuracy=True, key="tc_chart", val_name="validation")
    if trainer.history:
        last = trainer.history[-1]
        st.caption(
            f"Validation accuracy {last.val_accuracy:.1%} after epoch {last.epoch} ({last.seconds:.1f} s per epoch)"
        )


def cnn_results(trainer: Any, run: dict, name: str) -> None:
    """Metrics, confusion matrix, misclassified images, the download, and the session's trained_models entry."""
    from lib.nn.cnn_training import flatten_size, state_dict_bytes

    last = trainer.history[-1]
    cells = st.columns(4)
    cells[0].metric("Validation accuracy", f"{last.val_accuracy:.1%}")
    cells[1].metric("Epochs trained", len(trainer.history))
    cells[2].metric("Parameters", f"{trainer.parameters:,}")
    cells[3].metric("Flattened size (dummy input)", f"{flatten_size(trainer.model):,}")
    if run.get("saved_epochs") != len(trainer.history):
        st.session_state.setdefault("trained_models", {})[name] = trainer.model_entry()
        run["weights"] = state_dict_bytes(trainer.model)
        run["saved_epochs"] = len(trainer.history)
    st.success(f"Saved for this session as **{name}**: pick it on the Classifier and Feature maps pages.")
    download_button(
        f"Download the state dict ({len(run['weights']) / 1e6:.1f} MB)",
        run["weights"],
        file_name="cnn_model.pth",
        mime="application/octet-stream",
        icon=":material/download:",
    )
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Confusion matrix** ({len(trainer.val_index)} validation images)")
        st.plotly_chart(confusion_figure(trainer.confusion(), trainer.class_names), key="tc_confusion")
    with right:
        wrong = trainer.mistakes(limit=12)
        st.markdown(f"**Misclassified** ({len(wrong)} shown, most confident first)")
        if wrong:
            image_grid(
                [trainer.images[item.index] for item in wrong],
                [f"{item.true_class} → {item.predicted_class} {item.confidence:.0%}" for item in wrong],
                columns=4,
            )
        else:
            st.caption("None: every validation image is right.")
