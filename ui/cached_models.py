"""Models, feature maps and predictions for the Feature maps, Classifier and Transfer learning pages.

Models are st.cache_resource: loaded once per process, shared by every session, never changed.
Activations and predictions are cached by the input image's content digest (ui.cache.image_cache:
shared read-only results, so VGG's ~100 MB of maps are not copied on every rerun). Nothing is written
to disk: uploads and snapshots stay in the session's memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch
from plotly.subplots import make_subplots

from lib import features, models
from lib.device import default_device, describe_device
from ui.cache import image_cache, memo_digest

OUR_MODELS = models.OUR_MODELS


@st.cache_data(ttl=300, show_spinner=False)
def usable_models() -> list[str]:
    """Ours, plus torchvision models that are cached or (when online) downloadable. Checked every 5 min."""
    return models.available_models(probe_network=True)


def model_title(name: str) -> str:
    if name in models.OUR_TITLES:
        return models.OUR_TITLES[name]
    return f"{models.TORCHVISION_MODELS[name].title} (ImageNet)"


def offline_note(names: list[str]) -> str | None:
    """A line saying which torchvision models are missing and why, or None when all are usable."""
    missing = [
        models.TORCHVISION_MODELS[name].title for name in models.TORCHVISION_MODELS if name not in names
    ]
    if not missing:
        return None
    return (
        f"{', '.join(missing)}: their ImageNet weights are not on this machine and it cannot download them "
        "(offline). Our own models work everywhere."
    )


def ensure_weights(name: str) -> None:
    """Download a torchvision model's weights once, with a progress bar (no-op for ours or when cached)."""
    if name in OUR_MODELS or models.cached_weights_path(name).is_file():
        return
    bar = st.progress(0.0, text=f"Downloading {models.TORCHVISION_MODELS[name].title}'s weights (once)…")
    try:
        models.download_weights(name, on_progress=lambda fraction: bar.progress(fraction))
    finally:
        bar.empty()


@st.cache_resource(max_entries=6, show_spinner="Loading the model…")
def model(name: str):
    """The trained model, once per process (raises lib.models.ModelError when unavailable); warmed up by
    one forward pass, so the times shown are steady-state ones."""
    loaded = models.load_model(name)
    with torch.inference_mode():
        loaded(torch.zeros(1, *info(name).input_size, device=models.model_device(loaded)))
    return loaded


@st.cache_resource(max_entries=6, show_spinner=False)
def twin(name: str):
    """The same architecture with random weights (seed 0)."""
    return features.random_twin(name, device=default_device())


@st.cache_resource(max_entries=6, show_spinner=False)
def extractor(name: str, random_weights: bool):
    """The traced graph that returns every layer's output in one forward pass (warmed up once, so the
    time shown is a steady-state forward pass, not the first call's one-off set-up)."""
    graph = features.layer_extractor(twin(name) if random_weights else model(name))
    features.extract_activations(graph, torch.zeros(1, *info(name).input_size))
    return graph


@st.cache_resource(max_entries=4, show_spinner=False)
def info(name: str) -> models.ModelInfo:
    return models.model_info(name)


@dataclass(frozen=True)
class FeatureRun:
    """Every layer's output for one input, with the input and what it cost."""

    steps: tuple  # preprocessing (caption, image) pairs; the last is the model's input as an image
    layers: list[features.LayerActivation]
    probabilities: np.ndarray
    seconds: float
    device: str


@image_cache(max_entries=6)  # VGG16: ~120 MB of maps per input
def feature_run(name: str, random_weights: bool, image: np.ndarray) -> FeatureRun:
    """Preprocess an image and extract all activations in one forward pass (cached by image digest)."""
    prepared = models.preprocess(name, image)
    graph = extractor(name, random_weights)
    start = time.perf_counter()
    layers = features.extract_activations(graph, prepared.tensor)
    seconds = time.perf_counter() - start
    logits = features.final_logits(layers).astype(np.float64)
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    device = describe_device(models.model_device(graph))
    return FeatureRun(prepared.steps, layers, probabilities.astype(np.float32), seconds, device)


@image_cache(max_entries=24)
def prediction(name: str, image: np.ndarray, k: int) -> tuple[models.Prediction, tuple]:
    """Top-k prediction and preprocessing steps for one image (cached by image digest)."""
    result, prepared = models.predict(name, image, k=k, model=model(name))
    return result, prepared.steps


@image_cache(max_entries=24)
def labelled(image: np.ndarray, text: str) -> np.ndarray:
    """The image with its predicted label written on it (cv2.putText)."""
    return models.label_image(image, text)


@image_cache(max_entries=12)
def readings_image(image: np.ndarray) -> np.ndarray:
    """Every digit boxed with what LeNet read."""
    return models.draw_readings(image, read_digits(image))


@image_cache(max_entries=12)
def read_digits(image: np.ndarray) -> list[tuple[tuple[int, int, int, int], str, float]]:
    """Every digit in an image: (box, label, probability), in reading order."""
    found = []
    for x, y, w, h in digit_boxes(image):
        result, _ = models.predict(
            "lenet_digits", image[y : y + h, x : x + w], k=1, model=model("lenet_digits")
        )
        found.append(((x, y, w, h), *result.top[0]))
    return found


@image_cache(max_entries=24)
def digit_boxes(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The digits' boxes (x, y, w, h) in reading order; none for a flat image."""
    from lib.images import ImageError

    try:
        return models.find_digits(image)
    except ImageError:
        return []


@image_cache(max_entries=24)
def digit_crop(image: np.ndarray, index: int) -> np.ndarray:
    """The index-th digit (reading order) of an image with several digits, or the image itself."""
    boxes = digit_boxes(image)
    if len(boxes) < 2:
        return image
    x, y, w, h = boxes[min(index, len(boxes) - 1)]
    return image[y : y + h, x : x + w]


@image_cache(max_entries=24)
def map_grid(values: np.ndarray, order: tuple[int, ...], columns: int, shared_scale: bool) -> np.ndarray:
    return features.tile_maps(values[list(order)], columns=columns, cell_side=72, shared_scale=shared_scale)


def probability_figure(classes: tuple[str, ...], probabilities: np.ndarray, *, k: int) -> go.Figure:
    """Horizontal bars of the k most likely classes, best on top (k clamped to the number of classes)."""
    k = min(k, len(classes))
    order = np.argsort(-probabilities)[:k][::-1]
    figure = go.Figure(
        go.Bar(
            x=probabilities[order],
            y=[classes[i] for i in order],
            orientation="h",
            text=[f"{probabilities[i]:.1%}" for i in order],
            textposition="auto",
            marker_color="#4c78a8",
        )
    )
    figure.update_layout(
        height=80 + 32 * k,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(range=[0, 1], title="probability"),
        yaxis=dict(type="category"),  # class names such as "3" are labels, not numbers
    )
    return figure


def statistics_frame(values: np.ndarray, order: np.ndarray) -> pd.DataFrame:
    """Per-channel statistics of a layer, in the order shown (most active first)."""
    stats = features.channel_statistics(values)
    frame = pd.DataFrame({key: stats[key][order] for key in ("mean", "std", "min", "max", "active_fraction")})
    frame.insert(0, "channel", order)
    return frame.rename(columns={"active_fraction": "fraction > 0"})


def kernel_figure(weights: np.ndarray, bias: float) -> go.Figure:
    """A kernel's weights (I, k, k) as heatmaps, one per input channel (at most 8), numbers on small ones."""
    shown = weights[:8]
    limit = float(np.abs(shown).max()) or 1.0
    figure = make_subplots(rows=1, cols=len(shown), subplot_titles=[f"input {i}" for i in range(len(shown))])
    for index, kernel in enumerate(shown):
        small = kernel.size <= 49
        figure.add_trace(
            go.Heatmap(
                z=kernel,
                zmin=-limit,
                zmax=limit,
                colorscale="RdBu_r",
                showscale=index == 0,
                text=np.round(kernel, 2) if small else None,
                texttemplate="%{text}" if small else None,
                textfont=dict(size=12),
            ),
            row=1,
            col=index + 1,
        )
        figure.update_yaxes(autorange="reversed", showticklabels=False, row=1, col=index + 1)
        figure.update_xaxes(showticklabels=False, row=1, col=index + 1)
    figure.update_layout(height=230, margin=dict(l=10, r=10, t=40, b=10), title=f"bias {bias:+.3f}")
    return figure


# ---------------------------------------------------------------------------------------------------
# Inputs: an example for each model, the current image, or a camera snapshot

INPUTS = ("Example", "Current image", "Camera")
PHOTO_EXAMPLES = ("cat", "coffee", "portrait", "flower", "china")


@st.cache_data(max_entries=8, show_spinner=False)
def decoded(data: bytes) -> np.ndarray:
    """A snapshot or upload decoded and scaled to the working size (raises ImageError)."""
    from lib.images import decode_image, fit_to_working_size

    return fit_to_working_size(decode_image(data))


@image_cache(max_entries=8)
def shape_example(shape: str, seed: int) -> np.ndarray:
    """A 128x128 drawing of a known shape (lib.shapes) or of a new one (lib.transfer)."""
    from lib.shapes import SHAPE_CLASSES, draw_shape
    from lib.transfer import make_new_shapes

    if shape in SHAPE_CLASSES:
        return draw_shape(shape, np.random.default_rng(seed), size=128)
    return make_new_shapes(1, size=128, seed=seed, classes=(shape,))[0][0]


def _example(
    name: str, prefix: str, container, shapes: tuple[str, ...] | None
) -> tuple[np.ndarray, str, np.ndarray]:
    from lib.shapes import SHAPE_CLASSES
    from ui.image_source import sample_image

    if name == "lenet_digits":
        digit = container.slider(
            "Digit from the digits sample", 0, 9, 3, key=f"{prefix}_digit", bind="query-params"
        )
        sheet = sample_image("digits")
        return digit_crop(sheet, digit), f"digit {digit} from the digits sample", sheet
    if name == "shapes_cnn":
        options = shapes or SHAPE_CLASSES
        shape = container.selectbox(
            "Shape", options, index=0 if shapes else 3, key=f"{prefix}_shape", bind="query-params"
        )
        image = shape_example(shape, 7)
        return image, f"a generated {shape}", image
    photo = container.selectbox("Photo", PHOTO_EXAMPLES, key=f"{prefix}_photo", bind="query-params")
    image = sample_image(photo)
    return image, f"sample: {photo}", image


def input_picker(
    name: str, prefix: str, *, shapes: tuple[str, ...] | None = None
) -> tuple[np.ndarray, str, np.ndarray]:
    """The input controls: the model's example, the current image or a camera snapshot.

    Returns (image for the model, what it is, the whole picture it came from). `shapes`: the shapes the
    shapes CNN's example offers (default: the five it was trained on). LeNet reads one digit at a
    time: from a picture with several digits, a slider picks one (the image is its crop).
    """
    from lib.images import ImageError
    from ui.image_source import current_image, current_label
    from ui.layout import show_error

    left, right = st.columns([2, 3])
    source = left.segmented_control(
        "Input", INPUTS, default="Example", required=True, key=f"{prefix}_input", bind="query-params"
    )
    image = None
    if source == "Camera":
        snapshot = right.camera_input("Snapshot", key=f"{prefix}_camera")
        if snapshot is None:
            right.caption("Take a snapshot; until then the example is shown.")
        else:
            try:
                image, label = decoded(snapshot.getvalue()), "camera snapshot"
            except ImageError as error:
                show_error(f"The snapshot could not be used: {error}")
    elif source == "Current image":
        image, label = current_image(), current_label()
    if image is None:
        return _example(name, prefix, right, shapes)
    if name == "lenet_digits":
        count = len(digit_boxes(image))
        if count > 1:
            which = right.slider(f"{count} digits found: which one", 1, count, 1, key=f"{prefix}_which")
            return digit_crop(image, which - 1), f"{label}, digit {which}", image
    return image, label, image


# ---------------------------------------------------------------------------------------------------
# Transfer learning: example sets, the user's own images, frozen features

TRANSFER_SIDE = 64  # the shapes CNN's input; the user's images are kept at this size
TRANSFER_STORE = (
    "tl_store"  # session_state: {"images": {class: [uint8 (64, 64, 3)]}, "seen": set of file ids}
)


@image_cache(max_entries=8)
def transfer_examples(classes: tuple[str, ...], per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """The bundled example set: new shapes (never seen by the backbone) and/or known ones, drawn fresh."""
    from lib.shapes import SHAPE_CLASSES, make_shapes
    from lib.transfer import make_new_shapes

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
def transfer_features(images: np.ndarray, cut: str) -> np.ndarray:
    """The frozen shapes CNN's output for each image (computed once: the backbone never changes)."""
    from lib.transfer import backbone, embed

    entry = info("shapes_cnn")
    return embed(backbone(model("shapes_cnn"), cut=cut), images, mean=entry.mean, std=entry.std)


def transfer_store() -> dict:
    return st.session_state.setdefault(TRANSFER_STORE, {"images": {}, "seen": set()})


def add_own_image(class_name: str, data: bytes, file_id: str) -> str | None:
    """Decode an upload or snapshot into the class's images (once per file); returns an error or None."""
    import cv2

    from lib.images import ImageError

    store = transfer_store()
    if file_id in store["seen"]:
        return None
    store["seen"].add(file_id)
    try:
        image = decoded(data)
    except ImageError as error:
        return f"{class_name}: {error}"
    small = cv2.resize(image, (TRANSFER_SIDE, TRANSFER_SIDE), interpolation=cv2.INTER_AREA)
    store["images"].setdefault(class_name, []).append(small)
    return None


def own_images_editor(class_names: list[str]) -> None:
    """Per class: upload several images or take snapshots; shows how many each class has."""
    from ui.layout import show_error

    columns = st.columns(len(class_names))
    for index, (column, name) in enumerate(zip(columns, class_names, strict=True)):
        with column:
            st.markdown(f"**{name}** — {len(transfer_store()['images'].get(name, []))} images")
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
    stored = transfer_store()["images"]
    images = [image for name in class_names for image in stored.get(name, [])]
    labels = [label for label, name in enumerate(class_names) for _ in stored.get(name, [])]
    if not images:
        return np.zeros((0, TRANSFER_SIDE, TRANSFER_SIDE, 3), np.uint8), np.zeros(0, np.int64)
    return np.stack(images), np.array(labels, dtype=np.int64)


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


def train_head_live(
    images: np.ndarray, labels: np.ndarray, classes: list[str], *, cut: str, learning_rate: float, epochs: int
):
    """Train / Train more / Stop buttons and the live curves; returns the session's HeadTrainer or None.

    The trainer remembers its images and cut, so its mistakes and new predictions stay right even after
    the controls change (a note then says the settings changed).
    """
    from lib.transfer import HeadTrainer
    from ui.cached_torch_course import history_figure, run_live, settings_of, training_buttons

    frozen_features = transfer_features(images, cut)  # up front: loads the backbone, ready before Train

    def make_trainer() -> HeadTrainer:
        trainer = HeadTrainer(frozen_features, labels, classes, learning_rate=learning_rate)
        trainer.images, trainer.cut = images, cut
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
    settings = settings_of(data=memo_digest(images), cut=cut, lr=learning_rate)
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


HAND_MADE_KERNELS = ("sobel right", "sobel bottom", "outline", "gaussian")


@st.cache_resource(max_entries=12, show_spinner=False)
def first_layer_filters(
    name: str, random_weights: bool
) -> tuple[tuple[str, np.ndarray], tuple[str, np.ndarray]]:
    """The first convolution's learned filters as one image, and hand-made kernels of a similar size:
    two (caption, grid) pairs for show_row."""
    from lib.filters import preset_kernel

    path, conv = features.first_conv(twin(name) if random_weights else model(name))
    learned = features.filters_as_images(conv.weight.detach().cpu().numpy())
    side = 3 if conv.kernel_size[0] <= 3 else 5
    hand = np.stack([preset_kernel(kernel, size=side) for kernel in HAND_MADE_KERNELS])[:, None]
    size = "×".join(map(str, conv.kernel_size))
    return (
        (
            f"{path}: {len(learned)} learned {size} filters",
            features.tile_images(learned, columns=8, cell_side=48),
        ),
        (
            f"Hand-made {side}×{side}: {', '.join(HAND_MADE_KERNELS)}",
            features.tile_images(
                np.concatenate([features.filters_as_images(k[None]) for k in hand]), columns=4, cell_side=48
            ),
        ),
    )
