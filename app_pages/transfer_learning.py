"""Transfer learning: freeze a trained CNN, give it a new last layer, train only that on your own classes."""

import streamlit as st

from lib.cv.images import ImageError
from lib.cv.shapes import SHAPE_CLASSES
from lib.nn.models import ModelError
from lib.nn.records import confusion_matrix, examples_in_cell
from lib.nn.transfer import (
    CONTRAST_SETS,
    CUT_POINTS,
    DEFAULT_EPOCHS,
    DEFAULT_LEARNING_RATE,
    EMBEDDINGS,
    NEW_SHAPE_CLASSES,
)
from ui.charts import probability_figure
from ui.confusion import confusion_cell, show_cell_images
from ui.layout import code_panel, download_button, page_header, show_error, show_image, show_row
from ui.model_input import input_picker
from ui.sections.transfer_learning import (
    class_thumbnails,
    mistakes_grid,
    own_images,
    own_images_editor,
    train_head_live,
    transfer_code,
    transfer_contrast,
    transfer_examples,
    transfer_features,
    vgg16_recipe,
)

page_header(
    "Transfer learning",
    """
A network trained on one task already knows useful features: edges, corners, curves, holes. **Transfer learning**
keeps that knowledge **frozen** and trains only a **new last layer** for your classes. The course does it with
VGG16: `for p in model.parameters(): p.requires_grad = False`, then `model.classifier[6] = nn.Linear(4096, n)`.
Here the backbone is our shapes CNN (trained on circles, squares, triangles, stars, hexagons): its last layer is
replaced, and the new head learns **your** classes from a few dozen images in seconds. Since the frozen part never
changes, each image goes through it **once**; only the small head is trained, epoch after epoch.

**What a frozen backbone can and cannot tell apart.** The head only sees what the backbone passes on. Our shapes
CNN learned outlines drawn in random colours, so its features answer "which outline, which edges" and hardly
change with colour: on its own it cannot tell a red disc from a yellow one. So by default the head also gets
the image's **colour statistics** (mean and spread of R, G, B, and the share of pixels in each of 27 colour
boxes). Texture (stripes vs checks) it sees only partly: edges in new directions, never trained for. Try the
*One difference* sets below with and without colour. Each number is centred and scaled on the training images
(so 0–1 colour shares weigh as much as the CNN's features), and the head **starts from the class means**
(nearest mean wins), so a dozen images per class are enough to begin well.
""",
    notes_fix="The notes' infer() calls torch.topk(probs, 5) on their 2-class daisy/dandelion model: topk needs "
    "k ≤ the number of classes, so it fails. Use k = min(5, number of classes).",
)

st.subheader("1. Your classes and their images")
source = st.segmented_control(
    "Images",
    ["Example set", "One difference", "My own images"],
    default="Example set",
    required=True,
    key="tl_source",
    bind="query-params",
)
if source == "Example set":
    classes = st.segmented_control(
        "Classes (2 or more): new shapes the backbone never saw, and shapes it knows",
        NEW_SHAPE_CLASSES + SHAPE_CLASSES,
        selection_mode="multi",
        default=["cross", "ring", "pentagon"],
        key="tl_classes",
        bind="query-params",
    )
    per_class = st.slider("Images per class", 10, 100, 50, step=5, key="tl_per_class", bind="query-params")
    classes = list(classes)
    images, labels = transfer_examples(tuple(classes), per_class) if len(classes) >= 2 else (None, None)
elif source == "One difference":
    differ_by = st.segmented_control(
        "Two classes drawn alike but for one thing",
        list(CONTRAST_SETS),
        default="colour",
        required=True,
        key="tl_differ",
        bind="query-params",
        format_func=lambda name: f"{name}: {' vs '.join(CONTRAST_SETS[name])}",
    )
    per_class = st.slider("Images per class", 10, 100, 30, step=5, key="tl_contrast_n", bind="query-params")
    classes = list(CONTRAST_SETS[differ_by])
    images, labels = transfer_contrast(differ_by, per_class)
else:
    names = st.text_input(
        "Class names, separated by commas", "class A, class B", key="tl_names", bind="query-params"
    )
    classes = list(dict.fromkeys(name.strip() for name in names.split(",") if name.strip()))[:6]
    if len(classes) >= 2:
        own_images_editor(classes)
    images, labels = own_images(classes)
if len(classes) < 2 or images is None or len(images) == 0:
    st.info("Define at least 2 classes and give each a few images (about 20 or more each is best).")
    st.stop()
for caption, grid in class_thumbnails(images, labels, classes):
    show_image(grid, caption=caption)

st.subheader("2. Train the new head (the backbone stays frozen)")
embedding = st.segmented_control(
    "What the head sees",
    EMBEDDINGS,
    default=EMBEDDINGS[0],
    required=True,
    key="tl_embedding",
    bind="query-params",
    help="shapes CNN + colour: the frozen features and 33 colour numbers; shapes CNN only: the course's recipe.",
)
cells = st.columns(3)
cut = cells[0].segmented_control(
    "Replace",
    CUT_POINTS,
    default="last layer",
    required=True,
    key="tl_cut",
    bind="query-params",
    help="last layer: the course's recipe (classifier[6] on VGG). all dense layers: keep only the conv features.",
)
rates = [0.0001, 0.001, 0.01, 0.1]
learning_rate = cells[1].select_slider(
    "Learning rate (Adam)",
    rates,
    DEFAULT_LEARNING_RATE,
    key="tl_lr",
    bind="query-params",
    help="The course uses 0.001 for VGG's 4096 inputs; one layer on ~100 scaled numbers learns well at 0.01.",
)
epochs = cells[2].slider("Epochs", 1, 100, DEFAULT_EPOCHS, key="tl_epochs", bind="query-params")
try:
    trainer = train_head_live(
        images, labels, classes, cut=cut, embedding=embedding, learning_rate=learning_rate, epochs=epochs
    )
except (ModelError, ImageError, ValueError) as error:
    show_error(str(error))
    st.stop()

# the Code panel's program: what this page trains (shown before training and after it)
code = transfer_code(
    images,
    labels,
    classes,
    cut=cut,
    embedding=embedding,
    learning_rate=learning_rate,
    epochs=epochs,
    trainer=trainer,
)
if trainer is None or not trainer.history:
    st.info(
        "Press **Train**: the head learns live; **Stop** halts it and keeps what it learned.",
        icon=":material/play_arrow:",
    )
    code_panel(code)
    vgg16_recipe()  # the page's closing section (below), shown before training too
    st.stop()

st.subheader("3. Its mistakes on the validation images")
true, predicted, probabilities = trainer.validation_predictions()
matrix = confusion_matrix(true, predicted, len(trainer.class_names))
cell = confusion_cell(matrix, trainer.class_names, key="tl_confusion", trainer=trainer)
if cell is not None:  # the clicked cell's images; else every mistake, as one grid
    positions = examples_in_cell(true, predicted, probabilities, cell)
    held_out = trainer.images[trainer.val_index]
    show_cell_images(held_out, probabilities, positions, cell, trainer.class_names, columns=8)
elif mistakes := trainer.mistakes():
    grid, caption = mistakes_grid(trainer.images, mistakes)
    show_image(grid, caption=caption)
else:
    st.caption("No mistakes on the validation images.")

st.subheader("4. Try it on a new image")
image, label, _ = input_picker("shapes_cnn", "tl", shapes=NEW_SHAPE_CLASSES + SHAPE_CLASSES)
probabilities = trainer.probabilities(transfer_features(image[None], trainer.cut, trainer.embedding))[0]
left, right = st.columns([1, 2])
with left:
    show_row((label, image))
right.plotly_chart(probability_figure(trainer.class_names, probabilities, k=5), key="tl_try")
download_button(
    "Download the new head (state dict, .pt)",
    trainer.head_bytes(),
    file_name="transfer_head.pt",
    mime="application/octet-stream",
    icon=":material/download:",
)
code_panel(code)

# IV.L: the course's own recipe on VGG16, its parameters counted (ui/sections/transfer_learning.py)
vgg16_recipe()
