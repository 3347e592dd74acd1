"""Train a CNN (II.P): the course's Conv→BN→ReLU→Pool network on shapes or your own folders, live."""

import numpy as np
import streamlit as st

from lib.nn import cnn_training
from lib.nn.programs import last_epoch, npz_file, torch_program
from ui.layout import code_panel, page_header, show_error
from ui.live_training import run_live, settings_of, training_buttons
from ui.sections.train_cnn import cnn_controls, cnn_dataset_controls, cnn_results, draw_cnn

page_header(
    "Train a CNN",
    """
Each **block** is Conv 3×3 (padding 1) → BatchNorm → ReLU → MaxPool 2×2: the convolution finds local
patterns, batch normalisation keeps the numbers in a steady range, ReLU adds the non-linearity and pooling
halves height and width. After the blocks the feature maps are **flattened**; a dummy image passed through
the blocks tells us how many numbers that is, so the first Linear layer fits any image size. Then fully
connected 512 → 128 → one output per class, trained with cross-entropy and Adam. `model.train()`
makes BatchNorm use each batch's statistics; `model.eval()` switches to the running averages for validation.
The training loss printed per epoch is the average over its batches (early batches had worse weights); the
validation loss is measured after the epoch, in eval mode.

**Quick defaults** (well under a minute on 2 CPU cores): 48 px images and 8-16-32-64 filters, a **one-cycle** learning rate
(climbs to 0.003 over the first quarter of the batches, then anneals to 2 % of it, so the last epochs settle
instead of jumping) and **random flips** (a mirrored star is still a star: new training images for free).
**Course settings** is the notes' recipe (64 px, 32-64-128-256 filters, Adam at a fixed 0.001): one click away,
and several times slower on a CPU (about 2–3 minutes).
""",
)

settings = cnn_controls()
try:
    dataset = cnn_dataset_controls(settings["image_size"])
except ValueError as error:
    show_error(f"{error}")
    dataset = None

if dataset is not None:
    images, labels, class_names, label = dataset
    st.caption(
        f"{len(images)} images of {settings['image_size']}×{settings['image_size']} px in {len(class_names)} classes; "
        f"a stratified 20 % is kept for validation. Blocks: 3 → {' → '.join(map(str, settings['channels']))} filters."
    )
    start, more, stop = training_buttons("tc", more=True)
    try:
        trainer = run_live(
            "tc_run",
            start=start,
            more=more,
            stop=stop,
            make_trainer=lambda: cnn_training.CnnTrainer(
                images,
                labels,
                class_names,
                channels=settings["channels"],
                learning_rate=settings["learning_rate"],
                batch_size=settings["batch_size"],
                schedule=settings["schedule"],
                planned_epochs=settings["epochs"],
                flips=settings["flips"],
                seed=settings["seed"],
            ),
            epochs=settings["epochs"],
            draw=draw_cnn,
            settings=settings_of(data=(label, len(images)), **settings),
            progress=True,
        )
    except ValueError as error:
        show_error(f"{error}")
        trainer = None
    if trainer is None:
        st.info(
            "Press **Train**. Each epoch shows the loss and accuracy of the training and validation images."
        )
    elif trainer.history:
        cnn_results(trainer, st.session_state["tc_run"], f"Your CNN ({label})")
    else:
        st.info(
            "Stopped before the first epoch ended: nothing was learned yet. Press **Train** to start again."
        )

if dataset is not None:
    run_settings = settings_of(data=(label, len(images)), **settings)
    shown: dict = {"images": len(images), "classes": list(class_names)}
    run = st.session_state.get("tc_run")
    trained_as_shown = (  # to the end with these settings, as the script trains (not stopped, no "more")
        trainer is not None and run["settings"] == run_settings and len(trainer.history) == settings["epochs"]
    )
    if trained_as_shown:
        shown.update(last_epoch(trainer.history))
    code_panel(
        torch_program(
            cnn_training.training_script(
                channels=settings["channels"],
                learning_rate=settings["learning_rate"],
                batch_size=settings["batch_size"],
                schedule=settings["schedule"],
                flips=settings["flips"],
                seed=settings["seed"],
                epochs=settings["epochs"],
            ),
            reproduces=f"Train a CNN: the page's network and training loop on its {len(images)} images ({label}).",
            name="train_cnn.py",
            result=shown,
            files={
                cnn_training.TRAINING_DATA_FILE: npz_file(
                    images=images, labels=labels, class_names=np.array(class_names)
                )
            },
        )
    )
