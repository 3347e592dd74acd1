"""The Transfer learning page's own widget groups and cached wrappers (app_pages/transfer_learning.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lib.nn import features, programs, vgg_recipe
from lib.nn.image_store import STORE_SIDE, ImageStore
from ui.cache import image_cache, memo_digest
from ui.layout import code_panel
from ui.models import info, model

TRANSFER_SIDE = STORE_SIDE  # the shapes CNN's input; the user's images are kept at this size
TRANSFER_STORE = "tl_store"  # session_state: the session's lib.nn.image_store.ImageStore


@image_cache(max_entries=8)
def transfer_examples(classes: tuple[str, ...], per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """The bundled example set: new shapes (never seen by the backbone) and/or known ones, drawn fresh."""
    from lib.cv.shapes import SHAPE_CLASSES, make_shapes
    from lib.nn.transfer import make_new_shapes

    images, labels = [], []
    for label, name in enumerate(classes):
        if name in SHAPE_CLASSES:
            drawn, _ = make_shapes(per_class, size=TRANSFER_SIDE, seed=11 + label, classes=(name,))
        else:
            drawn, _ = make_new_shapes(per_class, size=TRANSFER_SIDE, seed=11 + label, classes=(name,))
        images.append(drawn)
        labels.append(np.full(per_class, label, dtype=np.int64))
    return np.concatenate(images), np.concatenate(labels)


@image_cache(max_entries=8)
def transfer_contrast(differ_by: str, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """A two-class set that differs only in colour, shape or texture (lib.nn.transfer.make_contrast_set)."""
    from lib.nn.transfer import make_contrast_set

    images, labels, _ = make_contrast_set(differ_by, per_class, size=TRANSFER_SIDE, seed=0)
    return images, labels


@image_cache(max_entries=8)
def transfer_features(images: np.ndarray, cut: str, embedding: str) -> np.ndarray:
    """What the new head sees of each image: the frozen shapes CNN's output (and, by default, the image's
    colour statistics), computed once: the backbone never changes."""
    from lib.nn.transfer import backbone, image_features

    entry = info("shapes_cnn")
    frozen = backbone(model("shapes_cnn"), cut=cut)
    return image_features(frozen, images, mean=entry.mean, std=entry.std, embedding=embedding)


def transfer_store() -> ImageStore:
    """The session's own images (a new, empty store on first use)."""
    store = st.session_state.get(TRANSFER_STORE)
    if not isinstance(store, ImageStore):
        store = st.session_state[TRANSFER_STORE] = ImageStore(side=TRANSFER_SIDE)
    return store


def add_own_image(class_name: str, data: bytes, file_id: str) -> str | None:
    """Decode an upload or snapshot into the class's images (once per file); returns an error or None."""
    return transfer_store().add(class_name, data, file_id)


def own_images_editor(class_names: list[str]) -> None:
    """Per class: upload several images or take snapshots; shows how many each class has."""
    from ui.layout import show_error

    columns = st.columns(len(class_names))
    for index, (column, name) in enumerate(zip(columns, class_names, strict=True)):
        with column:
            st.markdown(f"**{name}** — {transfer_store().count(name)} images")
            uploads = st.file_uploader(
                f"Images of {name}",
                type=["png", "jpg", "jpeg", "webp", "bmp"],
                accept_multiple_files=True,
                key=f"tl_upload_{index}",
                label_visibility="collapsed",
            )
            for upload in uploads or []:
                if error := add_own_image(name, upload.getvalue(), upload.file_id):
                    show_error(error)
            if st.toggle("Camera", False, key=f"tl_camera_on_{index}"):
                snapshot = st.camera_input(f"Snapshot of {name}", key=f"tl_camera_{index}")
                if snapshot is not None and (
                    error := add_own_image(name, snapshot.getvalue(), snapshot.file_id)
                ):
                    show_error(error)
    if st.button("Forget my images", key="tl_forget", icon=":material/delete:"):
        st.session_state.pop(TRANSFER_STORE, None)
        st.rerun()


def own_images(class_names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The session's own images of the given classes: (N, 64, 64, 3) uint8 and labels (N,)."""
    return transfer_store().arrays(class_names)


def class_thumbnails(images: np.ndarray, labels: np.ndarray, class_names: list[str], *, per_class: int = 8):
    """One row of up to per_class images for each class, as (caption, grid) pairs."""
    rows = []
    for label, name in enumerate(class_names):
        chosen = images[labels == label][:per_class]
        if len(chosen):
            grid = features.tile_images(_padded(chosen, per_class), columns=per_class, cell_side=64)
            rows.append((f"{name} ({int((labels == label).sum())})", grid))
    return rows


def _padded(images: np.ndarray, columns: int) -> np.ndarray:
    """Fill the last row with white cells, so a grid of few images keeps the cell size of a full one."""
    missing = columns - len(images) if len(images) < columns else 0
    return (
        np.concatenate([images, np.full((missing, *images.shape[1:]), 255, np.uint8)]) if missing else images
    )


def mistakes_grid(images: np.ndarray, mistakes: list) -> tuple[np.ndarray, str]:
    """The misclassified validation images in one grid, and a caption listing true -> predicted."""
    wrong = np.stack([images[m.index] for m in mistakes[:24]])
    grid = features.tile_images(_padded(wrong, 8), columns=8, cell_side=64)
    caption = ", ".join(f"{m.true_class} → {m.predicted_class} ({m.confidence:.0%})" for m in mistakes[:24])
    return grid, "Left to right: " + caption


def transfer_code(
    images: np.ndarray,
    labels: np.ndarray,
    classes: list[str],
    *,
    cut: str,
    embedding: str,
    learning_rate: float,
    epochs: int,
    trainer,
):
    """The Code panel's program: what the page trains (lib.nn.transfer.transfer_script) with the shapes CNN's
    weights and the page's images in the bundle. It must give the frozen features' shape and, once the head
    was trained to the end with these settings, its last epoch and confusion matrix."""
    from lib.nn.transfer import TRANSFER_DATA_FILE, transfer_script
    from ui.live_training import settings_of

    entry = info("shapes_cnn")
    shown: dict = {
        "features_shape": list(transfer_features(images, cut, embedding).shape),
        "classes": list(classes),
    }
    run = st.session_state.get("tl_run")
    trained_as_shown = (  # to the end with these settings, as the script trains (not stopped, no "more")
        trainer is not None
        and run is not None
        and run["settings"]
        == settings_of(data=memo_digest(images), cut=cut, embedding=embedding, lr=learning_rate)
        and len(trainer.history) == epochs
        and list(trainer.class_names) == list(classes)
    )
    if trained_as_shown:
        shown.update(programs.last_epoch(trainer.history), confusion=trainer.confusion().tolist())
    return programs.torch_program(
        transfer_script(
            mean=entry.mean,
            std=entry.std,
            cut=cut,
            embedding=embedding,
            epochs=epochs,
            learning_rate=learning_rate,
        ),
        reproduces=f"Transfer learning: the shapes CNN frozen, a new head trained on {len(images)} images.",
        name="transfer.py",
        result=shown,
        weights=("shapes_cnn",),
        files={
            TRANSFER_DATA_FILE: programs.npz_file(images=images, labels=labels, class_names=np.array(classes))
        },
    )


def train_head_live(
    images: np.ndarray,
    labels: np.ndarray,
    classes: list[str],
    *,
    cut: str,
    embedding: str,
    learning_rate: float,
    epochs: int,
):
    """Train / Train more / Stop buttons and the live curves; returns the session's HeadTrainer or None.

    The trainer remembers its images and cut, so its mistakes and new predictions stay right even after
    the controls change (a note then says the settings changed).
    """
    from lib.nn.transfer import HeadTrainer
    from ui.charts import history_figure
    from ui.live_training import run_live, settings_of, training_buttons

    frozen_features = transfer_features(
        images, cut, embedding
    )  # up front: loads the backbone, ready before Train

    def make_trainer() -> HeadTrainer:
        trainer = HeadTrainer(frozen_features, labels, classes, learning_rate=learning_rate)
        trainer.images, trainer.cut, trainer.embedding = images, cut, embedding
        return trainer

    def draw(trainer: HeadTrainer) -> None:
        if trainer.history:
            last, seconds = trainer.history[-1], sum(m.seconds for m in trainer.history)
            st.caption(
                f"Epoch {last.epoch}: validation accuracy **{last.val_accuracy:.0%}** · {seconds:.1f} s of training"
            )
        figure = history_figure(trainer.history, accuracy=True, val_name="validation")
        st.plotly_chart(figure, key=f"tl_curves_{len(trainer.history)}")

    start, more, stop = training_buttons("tl", more=True)
    settings = settings_of(data=memo_digest(images), cut=cut, embedding=embedding, lr=learning_rate)
    return run_live(
        "tl_run",
        start=start,
        stop=stop,
        more=more,
        make_trainer=make_trainer,
        epochs=epochs,
        draw=draw,
        settings=settings,
        progress=True,
    )


VGG16_COURSE_CLASSES = (2, 3)  # daisy vs dandelion, and one class more


@st.cache_data(max_entries=8, show_spinner=False)
def vgg16_counts(num_classes: int) -> tuple[int, int]:
    """(all, trainable) parameters of VGG16 frozen with a new num_classes head (built on the meta device)."""
    return vgg_recipe.parameter_counts(vgg_recipe.vgg16_new_head(num_classes))


def vgg16_recipe() -> None:
    """The course's numbers for its VGG16 recipe, computed by building the model's shapes, and their Code panel."""
    st.subheader("The course's recipe on VGG16, counted")
    st.markdown(
        "The notes freeze torchvision's `vgg16` (`for param in model.parameters(): param.requires_grad = False`) "
        "and replace its last layer, `model.classifier[6] = nn.Linear(4096, n)`. torchsummary then reports the "
        "totals below; here they are computed by building VGG16 on torch's **meta** device (shapes without "
        "storage: no memory, no download). Only the new layer learns: 4096 × n weights + n biases."
    )
    counts = {n: vgg16_counts(n) for n in VGG16_COURSE_CLASSES}
    frame = pd.DataFrame(
        {
            "classes n": list(counts),
            "all parameters": [total for total, _ in counts.values()],
            "trainable (the new head)": [trainable for _, trainable in counts.values()],
            "frozen": [total - trainable for total, trainable in counts.values()],
        }
    )
    st.dataframe(frame, hide_index=True, key="tl_vgg16_counts")
    st.caption(
        "Frozen parameters still run in every forward pass: freezing saves their gradients and optimiser "
        "state, not the forward cost."
    )
    result = {str(n): {"total": total, "trainable": trainable} for n, (total, trainable) in counts.items()}
    snippet = (
        "import torch\nimport torchvision\nfrom torch import nn\n\n"
        f"{programs.sources(vgg_recipe.vgg16_new_head, vgg_recipe.parameter_counts)}\n"
        "result = {}\n"
        f"for n in {VGG16_COURSE_CLASSES}:\n"
        "    total, trainable = parameter_counts(vgg16_new_head(n))\n"
        '    result[str(n)] = {"total": total, "trainable": trainable}\n'
        '    print(f"{n} classes: {total:,} parameters, {trainable:,} trainable")\n'
    )
    code_panel(
        programs.torch_program(
            snippet,
            reproduces="Transfer learning: VGG16 frozen with a new head, its parameters counted (course IV.L).",
            name="vgg16_head.py",
            result=result,
        )
    )
