"""The Datasets & loaders page's own widget groups and cached wrappers (app_pages/datasets_loaders.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lib.cv.shapes import SHAPE_CLASSES
from lib.nn import data as data_lib
from ui.cache import image_cache
from ui.datasets import read_zip_with_progress, shapes_images, zip_limits
from ui.layout import control_cells


@image_cache(max_entries=16)
def transform_preview(
    images: np.ndarray, spec: data_lib.TransformSpec, seed: int
) -> tuple[list[np.ndarray], object]:
    """Each image through the transforms, back to uint8 HWC for display; and the first image's tensor."""
    tensors = data_lib.apply_transforms(list(images), spec, seed=seed)
    return [data_lib.tensor_to_display(tensor, spec) for tensor in tensors], tensors[0]


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
    contrast = cells[3].slider("Contrast jitter", 0.0, 1.0, 0.0, 0.05, key="dl_contrast", bind="query-params")
    saturation = cells[3].slider(
        "Saturation jitter", 0.0, 1.0, 0.0, 0.05, key="dl_saturation", bind="query-params"
    )
    hue = cells[3].slider("Hue jitter", 0.0, 0.5, 0.0, 0.01, key="dl_hue", bind="query-params")
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


@st.cache_data(max_entries=4, show_spinner=False)
def folder_batch(batch_size: int, seed: int) -> dict:
    from lib.nn import loops

    return loops.first_image_batch(str(loops.CLASS_FOLDERS), batch_size=batch_size, seed=seed)


def image_folder_panel() -> None:
    """II.O: the notes' ImageDataset class run on samples/class_folders, the first batch's shape."""
    from lib.nn import loops
    from lib.nn.programs import sources, torch_program
    from ui.layout import code_panel

    st.markdown(
        "The notes' own class, run on the bundled folders `class_folders/circle`, `square` and `triangle` "
        "(12 generated pictures, 48×48 and 80×80): `__init__` walks `os.listdir` over the class folders, "
        "numbers them into a `class_name` dict and lists every file with its label; `__getitem__` opens one with "
        "PIL, `.convert('RGB')` (a gray or RGBA file still gives 3 channels) and applies `Resize((128, 128))` + "
        "`ToTensor()`. `num_workers` (a DataLoader argument) would start that many processes to open and "
        "resize the next batch's files while the model trains; keep `0` on Community Cloud, whose small shared "
        "container has no spare cores or memory for extra processes."
    )
    batch_size = st.select_slider(
        "DataLoader batch size", (4, 8, 32), value=32, key="dl_folder_batch", bind="query-params"
    )
    facts = folder_batch(int(batch_size), 0)
    cells = st.columns(3)
    cells[0].metric("images.shape", str(tuple(facts["images_shape"])))
    cells[1].metric("labels.shape", str(tuple(facts["labels_shape"])))
    cells[2].metric("Images in the dataset", facts["dataset_size"])
    st.markdown(
        f"`class_name` = `{ {int(k): v for k, v in facts['class_name'].items()} }` · the batch's labels: "
        f"`{facts['labels']}`"
        + (" — only 12 images, so the first batch of 32 holds all of them." if batch_size > 12 else "")
    )
    files = {
        f"class_folders/{path.parent.name}/{path.name}": path.read_bytes
        for path in sorted(loops.CLASS_FOLDERS.glob("*/*.png"))
    }
    snippet = (
        "import os\n\nimport torch\nfrom PIL import Image\nfrom torch.utils.data import DataLoader, Dataset\n"
        "from torchvision import transforms\n\n"
        f"{sources(loops.ImageDataset, loops.first_image_batch)}\n"
        f'result = first_image_batch("class_folders", batch_size={int(batch_size)}, seed=0)\n'
    )
    code_panel(
        torch_program(
            snippet,
            reproduces="The notes' ImageDataset on the class folders: the first batch's shapes and labels.",
            name="image_dataset.py",
            result=facts,
            files=files,
        )
    )
