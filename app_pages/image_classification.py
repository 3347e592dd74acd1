"""What image classification is: one label (or several) per image, the standard data sets, and how to measure it."""

import streamlit as st

from lib.nn.metrics import classification_metrics
from lib.nn.models import OUR_MODELS, ModelError
from ui import models as cm
from ui.charts import confusion_figure
from ui.layout import code_panel, control_cells, page_header, show_error
from ui.sections import image_classification as ic

page_header(
    "What image classification is",
    """
**Image classification** gives a whole image a **label** (a class): a model — almost always a CNN — extracts
features and patterns from the pixels and decides which class they belong to. It answers *what* is in the
image, not *where* (that is localisation, then object detection).

- **Single-label**: exactly one class per image. The last layer has one output per class and **softmax** makes
  them probabilities that sum to 1; the answer is the largest. Trained with **cross-entropy**. Our LeNet
  (digits) and shapes CNN are single-label, as are ImageNet, CIFAR and MNIST.
- **Multi-label**: any number of classes per image — a street photo is *person* **and** *car* **and** *bicycle*.
  Each class gets its own yes / no: a **sigmoid** per output (they need not sum to 1), trained with **binary
  cross-entropy** per class, and a threshold (say 0.5) per class decides. COCO and Open Images are multi-label.

**Metrics** on images the model never trained on (a **held-out** set): **accuracy** (the fraction right);
per class, **precision** (of the images called *c*, how many are *c*), **recall** (of the images that are *c*,
how many were found) and **F1**, their harmonic mean; **top-1** (the most probable class is right: the same as
accuracy) and **top-5** (the right class is among the five most probable); and the loss, **cross-entropy**,
$-\\frac{1}{N}\\sum \\log p_{\\text{true class}}$ — exactly logistic regression's **log loss** for many classes.
""",
    notes_fix="The notes call multi-label “multiple objects, e.g. three dogs”: three dogs is still the one label "
    "dog. Multi-label means several classes at once (a person and a dog); counting objects is detection.",
)

st.subheader("1. The standard data sets")
st.markdown(ic.DATASETS)
st.caption(ic.SOURCES)
st.info(
    "The notes' “ImageNet: more than 14 million images across 1000 categories” mixes two data sets: the full "
    "ImageNet has about 14.2 million images in 21,841 categories; the 1000-class ImageNet of the challenge "
    "(ILSVRC) and of every pretrained model has about 1.28 million training images.",
    icon=":material/rule:",
)

st.subheader("2. Measured on our own models")
left, right = st.columns([3, 2])
name = left.segmented_control(
    "Model",
    OUR_MODELS,
    default=OUR_MODELS[0],
    required=True,
    key="ic_model",
    format_func=cm.model_title,
    bind="query-params",
)
try:
    info = cm.info(name)
    model = cm.model(name)
    images, labels = ic.held_out(name)
    logits = ic.held_out_logits(name, ic.weights_digest(name), model)
except ModelError as error:
    show_error(str(error))
    st.stop()
k = right.slider(
    "k for top-k", 1, len(info.classes), min(5, len(info.classes)), key="ic_k", bind="query-params"
)
result = classification_metrics(logits, labels, classes=info.classes, k=k)

sizes = ic.dataset_sizes()
# the held-out sets' descriptions below the table, not in it: as a column they scrolled it sideways on a projector
st.dataframe(sizes.drop(columns="held-out set"), hide_index=True)
st.markdown("\n".join(f"- {row['model']}: {row['held-out set']}" for _, row in sizes.iterrows()))
cells = control_cells(4, per_row=2)  # a projector's larger type: two a row
cells[0].metric("Accuracy", f"{result['accuracy']:.2%}", f"of {result['samples']} images", delta_color="off")
cells[1].metric("Top-1", f"{result['top1']:.2%}")
cells[2].metric(f"Top-{result['k']}", f"{result['topk']:.2%}")
cells[3].metric(
    "Cross-entropy", f"{result['cross_entropy']:.4f}", f"log loss {result['log_loss']:.4f}", delta_color="off"
)
if result["k"] >= len(info.classes):
    st.caption(
        f"Top-{result['k']} with {len(info.classes)} classes lists every class, so it is always 100 %: it says "
        "nothing. Top-5 matters for ImageNet's 1000 classes, where a photo of a husky may fairly be called a malamute."
    )
else:
    st.caption(
        f"Top-1 equals accuracy. Top-{result['k']} counts an image right when its class is among the {result['k']} "
        f"most probable of {len(info.classes)}; with all {len(info.classes)} it would be 100 % by definition."
    )
st.caption(
    "Cross-entropy is torch.nn.functional.cross_entropy on the logits; log loss is scikit-learn's log_loss on "
    "the softmax probabilities: the same number, two names."
)

st.markdown("**Per class** (scikit-learn's precision_recall_fscore_support)")
st.dataframe(ic.per_class_frame(result, info.classes), hide_index=True)
st.markdown(
    "**Confusion matrix** (scikit-learn's confusion_matrix): rows are the true class, columns the answer."
)
st.plotly_chart(confusion_figure(result["confusion"], info.classes), key="ic_confusion")
code_panel(ic.metrics_code(name, k, result))
