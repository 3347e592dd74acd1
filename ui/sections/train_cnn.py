"""The Train a CNN page's own widget groups and cached wrappers (app_pages/train_cnn.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from lib.cv.shapes import SHAPE_CLASSES
from lib.nn.records import confusion_matrix, examples_in_cell
from ui.confusion import confusion_cell, show_cell_images
from ui.datasets import read_zip_with_progress, shapes_images, zip_limits
from ui.layout import control_cells, download_button, image_grid
from ui.live_training import LEARNING_RATES, draw_history

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
    from lib.nn.cnn_training import flatten_size
    from lib.nn.models import TRAINED_WEIGHTS_FILE, checkpoint_bytes

    last = trainer.history[-1]
    cells = st.columns(4)
    cells[0].metric("Validation accuracy", f"{last.val_accuracy:.1%}")
    cells[1].metric("Epochs trained", len(trainer.history))
    cells[2].metric("Parameters", f"{trainer.parameters:,}")
    cells[3].metric("Flattened size (dummy input)", f"{flatten_size(trainer.model):,}")
    if run.get("saved_epochs") != len(trainer.history):
        entry = trainer.model_entry()
        st.session_state.setdefault("trained_models", {})[name] = entry
        run["weights"] = checkpoint_bytes(entry)
        run["saved_epochs"] = len(trainer.history)
    st.success(f"Saved for this session as **{name}**: pick it on the Classifier and Feature maps pages.")
    download_button(
        f"Download your model ({len(run['weights']) / 1e6:.1f} MB)",
        run["weights"],
        file_name=TRAINED_WEIGHTS_FILE,
        mime="application/octet-stream",
        icon=":material/download:",
    )
    st.caption(
        f"`{TRAINED_WEIGHTS_FILE}` is a checkpoint: the weights with the network's configuration, class names and "
        "normalisation (tensors, numbers and names only: `torch.load(..., weights_only=True)` reads it). In a later "
        "session, upload it on the Classifier or Feature maps page under “Use a model you trained earlier”."
    )
    true, predicted, probabilities = trainer.validation_predictions()
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Confusion matrix** ({len(trainer.val_index)} validation images)")
        matrix = confusion_matrix(true, predicted, len(trainer.class_names))
        cell = confusion_cell(matrix, trainer.class_names, key="tc_confusion", trainer=trainer)
    with right:
        if cell is not None:
            positions = examples_in_cell(true, predicted, probabilities, cell)
            held_out = trainer.images[trainer.val_index]
            show_cell_images(held_out, probabilities, positions, cell, trainer.class_names)
        else:
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
