"""Classifier demo: an image in, a label out — the course's Gradio app, with the preprocessing shown."""

import streamlit as st

from lib.cv.images import ImageError
from lib.nn.models import ModelError
from ui import models
from ui.attribution import why_this_class
from ui.charts import probability_figure
from ui.layout import code_panel, page_header, show_error, show_image, show_row
from ui.model_input import input_picker
from ui.sections.classifier import labelled, normalisation_note

page_header(
    "Classifier demo",
    """
The course's Gradio app (II.V) **preprocessed** the image as its CNN had been trained: `Resize((128, 128))`,
`ToTensor()` and `Normalize((0.5,), (0.5,))`, which maps 0–1 to −1–1 (no crop, no training-set mean and std).
It ran **one forward pass**, took the largest logit (`torch.max(output, 1)`) and wrote that label on the image
with `cv2.putText`. Here each model gets its own preprocessing, shown step by step; **softmax** turns the logits
into the top-k probabilities (it never changes which class wins), and you see how long the forward pass took.
Our own models work everywhere: **LeNet-5** reads one handwritten digit (it was trained on 8×8 digits, so the
photo is cropped and reduced the same way); the **shapes CNN** knows circles, squares, triangles, stars and
hexagons. ImageNet models (1000 classes) appear when their weights are on the machine or can be downloaded.
A CNN you trained on the **Train a CNN** page is listed too, for as long as this session lasts; one you
downloaded there in an earlier session comes back through **Use a model you trained earlier**.

**A classifier always answers one of its classes**: softmax shares 100 % among them whatever the input, so a
digit reader calls a flower "4" and is sure of it. For our own models the page also measures **how far the
input is from the training data**: the distance between the features the convolutions compute for it and those
of the nearest training image (1 − cosine similarity). The threshold was chosen on held-out data — it keeps
95 % of the held-out digits (or shapes) — and an input beyond it gets no answer, just what the model knows.
""",
    notes_fix="The notes' daisy-vs-dandelion transfer model calls torch.topk(probs, 5) on 2 classes, which "
    "raises an error: topk needs k ≤ the number of classes (LeNet has 10, the shapes CNN 5), so k is clamped here.",
)

names = models.usable_models()
left, right = st.columns([3, 2])
name = models.model_picker(left, names, "cls_model")
models.upload_trained_model(left, "cls_model")  # a checkpoint downloaded from Train a CNN earlier
k = right.slider("Top k", 1, 10, 5, key="cls_k", bind="query-params")
if note := models.offline_note(names):
    st.info(f"**Photo classifier (ImageNet models).** {note}", icon=":material/cloud_off:")
image, label, whole = input_picker(name, "cls")

try:
    models.ensure_weights(name)
    result, steps = models.prediction(name, image, k)
except (ModelError, ImageError) as error:
    show_error(str(error))
    st.stop()

best, probability = result.top[0]
distance = models.distance(name, image)  # None for models without a recorded threshold
far = distance is not None and distance.far
cells = st.columns(4 if distance is not None else 3)
if far:
    cells[0].metric("Prediction", "none", distance.knows, delta_color="off")
else:
    cells[0].metric("Prediction", best, f"{probability:.1%} sure", delta_color="off")
cells[1].metric("Forward pass", f"{result.seconds * 1000:.1f} ms")
cells[2].metric("Device", result.device.upper())
if distance is not None:
    verdict = f"far: > {distance.threshold:.3f}" if far else f"near: ≤ {distance.threshold:.3f}"
    cells[3].metric("Distance from training data", f"{distance.score:.3f}", verdict, delta_color="off")
shown_label = "far from its training data" if far else f"{best} {probability:.0%}"
show_row(("Input with its label", labelled(image, shown_label)), *steps)
st.caption(
    f"{label}. Preprocessing, left to right; the last image is what the network is given. {normalisation_note(name)}"
)
if far:
    st.warning(
        f"**{distance.knows[0].upper()}{distance.knows[1:]}.** This input is {distance.score:.3f} from the nearest "
        f"training image, beyond the {distance.threshold:.3f} that 95 % of the held-out test "
        f"{'digits' if name == 'lenet_digits' else 'shapes'} stay within: "
        f"it is not like anything the model learned from, so its “{best} · {probability:.1%}” means nothing. "
        "Softmax shares 100 % among the classes it knows, whatever the input.",
        icon=":material/help:",
    )

info = models.info(name)
st.caption(
    "What the model would answer if it had to: softmax always shares 100 % among its classes."
    if far
    else "Top-k probabilities (softmax of the logits)."
)
st.plotly_chart(probability_figure(info.classes, result.probabilities, k=k), key="cls_bars")
if k > len(info.classes):
    st.caption(f"This model knows {len(info.classes)} classes: k = {k} was clamped to {len(info.classes)}.")

if name == "lenet_digits" and st.toggle("Read every digit in the whole image", False, key="cls_every"):
    readings = models.read_digits(whole)  # the same search as the input's: nothing on a flat picture
    if readings:
        show_image(
            models.readings_image(whole), caption=f"{len(readings)} digits read, left to right, row by row"
        )

code_panel(models.classify_code(name, k, image, result.top))

why_this_class(name, image, steps[-1][1], result.probabilities, prefix="cls")
