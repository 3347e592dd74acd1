"""Datasets & loaders (II.N–O): a custom Dataset, DataLoader arithmetic, image folders and transforms."""

import streamlit as st

from lib.nn import data
from lib.nn.programs import torch_program
from ui.layout import code_panel, image_grid, page_header, show_error
from ui.sections.datasets_loaders import (
    image_dataset_controls,
    image_folder_panel,
    loader_controls,
    loader_panel,
    transform_controls,
    transform_preview,
)

page_header(
    "Datasets & loaders",
    """
A **Dataset** says how to get one example: `__len__` returns how many there are, `__getitem__(i)` returns
example *i* (features and target, or image and label), loading and transforming it on demand. A **DataLoader**
wraps it and hands the model **batches**: with $N$ rows and batch size $B$ an epoch has $\\lceil N / B \\rceil$
batches (the last one smaller), or $\\lfloor N / B \\rfloor$ with `drop_last=True`; `shuffle=True` draws a new
order every epoch. The weights are updated once per batch, so iterations = batches per epoch × epochs.
""",
    notes_fix="The notes say os.listdir returns the class folders in alphabetical order; it does not promise any "
    "order (the notes' own run gave person, cat, dog). Sort the names, as torchvision's ImageFolder does, so "
    "label 0 means the same class on every machine.",
)

st.subheader("From a table to batches")
settings = loader_controls()
try:
    batch_sizes = loader_panel(settings)
except ValueError as error:
    show_error(str(error))
    batch_sizes = None
n_train = (
    data.split_sizes(settings["rows"], test_size=settings["test_size"])[0] if settings["rows"] >= 2 else 0
)
loader_code = data.loader_snippet(
    max(n_train, 1),
    batch_size=settings["batch_size"],
    shuffle=settings["shuffle"],
    drop_last=settings["drop_last"],
)
if batch_sizes is None:  # no real epoch ran on the page: nothing to compare
    code_panel(loader_code, filename="dataloader.py")
else:
    code_panel(
        torch_program(
            loader_code,
            reproduces=f"One epoch of a DataLoader over {n_train:,} rows: the size of every batch.",
            name="dataloader.py",
            result=batch_sizes,
        )
    )

st.subheader("The notes' ImageDataset class, run on folders (II.O)")
image_folder_panel()

st.subheader("An image dataset: one folder per class")
try:
    dataset = image_dataset_controls()
except ValueError as error:
    show_error(f"{error}")
    dataset = None
if dataset is not None:
    images, labels, class_names, notes = dataset
    counts = data.class_counts(labels, class_names)
    st.markdown(
        f"**{len(images)} images in {len(class_names)} classes** — labels are the sorted folder names:"
    )
    st.bar_chart(counts, horizontal=True, height=40 + 28 * len(class_names))
    if notes:
        with st.expander(f"{len(notes)} note(s) about files that were skipped"):
            st.markdown("\n".join(f"- {note}" for note in notes))

    st.subheader("Transforms, previewed on one shuffled batch")
    spec = transform_controls()
    cells = st.columns(2)
    batch_size = cells[0].select_slider(
        "Batch size", (4, 8, 16, 32), value=16, key="dl_grid_batch", bind="query-params"
    )
    seed = cells[1].number_input(
        "Seed (shuffle and random transforms)", 0, 10_000, 0, key="dl_seed", bind="query-params"
    )
    try:
        order = data.loader_batches(len(images), batch_size=int(batch_size), shuffle=True, seed=int(seed))[0]
        shown, first_tensor = transform_preview(images[order], spec, int(seed))
    except ValueError as error:
        show_error(str(error))
    else:
        captions = [f"{class_names[labels[i]]} ({labels[i]})" for i in order]
        st.markdown(f"The batch as stored ({images.shape[1]}×{images.shape[2]} px):")
        image_grid(list(images[order]), captions)
        height, width = shown[0].shape[:2]
        st.markdown(
            f"After the transforms — the loader hands the model a tensor of shape **({len(order)}, 3, {height}, {width})**:"
        )
        image_grid(shown, captions)
        code_panel(
            torch_program(
                data.transform_snippet(spec, seed=int(seed)),
                reproduces="The transforms on the batch's first image: the tensor the loader hands the model.",
                name="transforms.py",
                result=first_tensor,
                image=images[order[0]],
            )
        )
