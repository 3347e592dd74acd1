"""Models, feature maps and predictions for the Feature maps, Classifier and Transfer learning pages.

Models are st.cache_resource: loaded once per process, shared by every session, never changed.
Activations and predictions are cached by the input image's content digest (ui.cache.image_cache:
shared read-only results, so VGG's ~100 MB of maps are not copied on every rerun). Nothing is written
to disk: uploads and snapshots stay in the session's memory.

CNNs a student trains on the Train a CNN page live only in that session's st.session_state
["trained_models"] (name -> lib.nn.cnn_training entry). Here they are the choices "session:<name>"; every
function below that takes a model name accepts them. They are never cached by name: the rebuilt model is
cached by the sha256 of its state dict (and its configuration), and their activations and predictions are
not cached at all (the models are tiny), so no other session can ever see them.
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

from lib.nn import features, models, programs
from lib.nn.device import default_device, describe_device
from ui.cache import freeze, image_cache, memo_digest

OUR_MODELS = models.OUR_MODELS


@st.cache_data(ttl=300, show_spinner=False)
def usable_models() -> list[str]:
    """Ours, plus torchvision models that are cached or (when online) downloadable. Checked every 5 min."""
    return models.available_models(probe_network=True)


# ---------------------------------------------------------------------------------------------------
# This session's trained CNNs

TRAINED_MODELS = "trained_models"  # st.session_state: name -> entry, written by the Train a CNN page
TRAINED_PREFIX = "session:"
TRAINED_SUFFIX = " (trained this session)"
TRAINED_DIGESTS = "trained_model_digests"  # st.session_state: id(state dict) -> (state dict, sha256)


def trained_entries() -> dict[str, dict]:
    """This session's trained models: name -> lib.nn.cnn_training entry (empty when none)."""
    entries = st.session_state.get(TRAINED_MODELS)
    return entries if isinstance(entries, dict) else {}


def trained_choices() -> list[str]:
    """This session's usable trained models as model choices ("session:<name>")."""
    return [TRAINED_PREFIX + name for name, entry in trained_entries().items() if _valid(name, entry)]


def _valid(name: str, entry: object) -> bool:
    try:
        models.trained_model_info(name, entry)
    except (models.ModelError, AttributeError, TypeError, ValueError):
        return False
    return True


def is_trained(name: str) -> bool:
    return name.startswith(TRAINED_PREFIX)


def _trained_entry(name: str) -> dict:
    entry = trained_entries().get(name.removeprefix(TRAINED_PREFIX))
    if entry is None:
        raise models.ModelError(
            f"{name.removeprefix(TRAINED_PREFIX)!r} is not trained in this session: train it on the Train a CNN page."
        )
    return entry


def _trained_title(name: str) -> str:
    """The title of a trained model: Your CNN (shapes, 5 classes) -> Your CNN: shapes, 5 classes (trained ...)."""
    inner = name[len("Your CNN (") : -1] if name.startswith("Your CNN (") and name.endswith(")") else name
    return f"Your CNN: {inner}{TRAINED_SUFFIX}"


def _missing_trained(key: str, choices: list[str]) -> str | None:
    """The name of a trained model that the session state or (first run) the URL asks for and this session
    does not have, or None. A bound selectbox's URL value is its title."""
    wanted = st.session_state.get(key)
    if wanted is None:
        title = st.query_params.get(key)
        if title and title.endswith(TRAINED_SUFFIX) and title not in map(model_title, choices):
            return title.removesuffix(TRAINED_SUFFIX).removeprefix("Your CNN: ")
        return None
    if isinstance(wanted, str) and is_trained(wanted) and wanted not in choices:
        return wanted.removeprefix(TRAINED_PREFIX)
    return None


def model_picker(container, options, key: str) -> str:
    """The "Model" selectbox: `options`, then this session's trained CNNs. A trained model this session does
    not have (a link from another session, a reloaded page) falls back to the first option with a note."""
    choices = [*options, *trained_choices()]
    if missing := _missing_trained(key, choices):
        st.info(
            f"Your CNN “{missing}” is not in this session: a model trained on the Train a CNN page lives only "
            f"in the session that trained it. Showing {model_title(choices[0])} instead.",
            icon=":material/info:",
        )
        st.session_state[key] = choices[0]
    return container.selectbox("Model", choices, format_func=model_title, key=key, bind="query-params")


def is_usable(name: str) -> bool:
    """A trained CNN, or a model whose weights are here or downloadable."""
    return is_trained(name) or name in usable_models()


def key_part(name: str) -> str:
    """The model's part of widget keys (every trained CNN has the same layer names)."""
    return "trained" if is_trained(name) else name


def _trained_config(name: str):
    return models.trained_model_config(_trained_entry(name))


def _weights_key(name: str) -> str:
    """A trained model's cache key: its state dict's sha256 and its configuration (never its name).

    The digest (~15 ms for the course's widths) is remembered in the session for the state dicts of its
    current entries (each entry gets a new state dict when it is trained again)."""
    entry = _trained_entry(name)
    state = entry["state_dict"]
    memo = st.session_state.get(TRAINED_DIGESTS, {})
    hit = memo.get(id(state))
    if hit is None or hit[0] is not state:
        live = {
            id(other.get("state_dict")) for other in trained_entries().values() if isinstance(other, dict)
        }
        memo = {key: value for key, value in memo.items() if key in live}
        hit = memo[id(state)] = (state, models.state_dict_digest(state))
        st.session_state[TRAINED_DIGESTS] = memo
    return f"{hit[1]} {models.trained_model_config(entry)!r}"


@st.cache_resource(max_entries=4, show_spinner="Rebuilding your CNN…")
def _trained_model(weights_key: str, _entry: dict):
    """A trained CNN rebuilt from its entry, cached by its weights' digest, warmed up."""
    from lib.nn.cnn_training import model_from_entry

    rebuilt = model_from_entry(_entry)
    with torch.inference_mode():
        for _ in range(2):  # the second pass is still slower than the steady state on a CPU
            rebuilt(torch.zeros(1, *_entry["input_size"], device=models.model_device(rebuilt)))
    return rebuilt


@st.cache_resource(max_entries=4, show_spinner=False)
def _trained_twin(config_key: str, _config):
    """A trained CNN's architecture with random weights (seed 0): depends only on the configuration."""
    return features.random_twin("trained", config=_config, device=default_device())


@st.cache_resource(max_entries=8, show_spinner=False)
def _trained_extractor(model_key: str, _model, input_size: tuple[int, ...]):
    graph = features.layer_extractor(_model)
    features.extract_activations(graph, torch.zeros(1, *input_size))
    return graph


# ---------------------------------------------------------------------------------------------------
# Every model, by name


def model_title(name: str) -> str:
    if is_trained(name):
        return _trained_title(name.removeprefix(TRAINED_PREFIX))
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
    if name in OUR_MODELS or is_trained(name) or models.cached_weights_path(name).is_file():
        return
    bar = st.progress(0.0, text=f"Downloading {models.TORCHVISION_MODELS[name].title}'s weights (once)…")
    try:
        models.download_weights(name, on_progress=lambda fraction: bar.progress(fraction))
    finally:
        bar.empty()


def model(name: str):
    """The trained model (raises lib.nn.models.ModelError when unavailable); warmed up by one forward pass,
    so the times shown are steady-state ones."""
    if is_trained(name):
        return _trained_model(_weights_key(name), _trained_entry(name))
    return _stored_model(name)


@st.cache_resource(max_entries=6, show_spinner="Loading the model…")
def _stored_model(name: str):
    """One of ALL_MODELS with its weights, once per process."""
    loaded = models.load_model(name)
    with torch.inference_mode():
        loaded(torch.zeros(1, *info(name).input_size, device=models.model_device(loaded)))
    return loaded


def twin(name: str):
    """The same architecture with random weights (seed 0)."""
    if is_trained(name):
        config = _trained_config(name)
        return _trained_twin(repr(config), config)
    return _stored_twin(name)


@st.cache_resource(max_entries=6, show_spinner=False)
def _stored_twin(name: str):
    return features.random_twin(name, device=default_device())


def extractor(name: str, random_weights: bool):
    """The traced graph that returns every layer's output in one forward pass (warmed up once, so the
    time shown is a steady-state forward pass, not the first call's one-off set-up)."""
    if is_trained(name):
        key = f"twin {_trained_config(name)!r}" if random_weights else f"weights {_weights_key(name)}"
        built = twin(name) if random_weights else model(name)
        return _trained_extractor(key, built, info(name).input_size)
    return _stored_extractor(name, random_weights)


@st.cache_resource(max_entries=6, show_spinner=False)
def _stored_extractor(name: str, random_weights: bool):
    graph = features.layer_extractor(twin(name) if random_weights else model(name))
    features.extract_activations(graph, torch.zeros(1, *info(name).input_size))
    return graph


def info(name: str) -> models.ModelInfo:
    """Classes, input size and normalisation of a model (ModelError for a trained one this session lacks)."""
    if is_trained(name):
        return models.trained_model_info(name.removeprefix(TRAINED_PREFIX), _trained_entry(name))
    return _stored_info(name)


@st.cache_resource(max_entries=4, show_spinner=False)
def _stored_info(name: str) -> models.ModelInfo:
    return models.model_info(name)


def _bundle(name: str, random_weights: bool = False) -> dict:
    """What a model's Code panel ships: our weights (weights/<file>), a trained CNN's state dict, or nothing
    (random weights; torchvision weights, which the script downloads itself: online only)."""
    if random_weights:
        return {}
    if is_trained(name):
        state = _trained_entry(name)["state_dict"]
        return {"files": {models.TRAINED_WEIGHTS_FILE: programs.state_dict_file(state)}}
    return {"weights": (name,)} if name in models.OUR_MODELS else {}


def classify_code(name: str, k: int, image: np.ndarray, top: list[tuple[str, float]]):
    """The Code panel's program: lib.nn.models.classify_snippet for any model on the page's image, with its
    weights; it writes the top-k (class, probability) pairs the page showed (`top`)."""
    if is_trained(name):
        trained = info(name)
        snippet = models.classify_snippet(trained.name, k=k, info=trained, config=_trained_config(name))
    else:
        snippet = models.classify_snippet(name, k=k)
    return programs.torch_program(
        snippet,
        reproduces=f"The classifier demo: the top {len(top)} classes of {info(name).title} for the page's image.",
        name="classify.py",
        result=[list(pair) for pair in top],
        image=image,
        **_bundle(name),
    )


def feature_maps_code(name: str, layer: str, random_weights: bool, image: np.ndarray, maps: np.ndarray):
    """The Code panel's program: lib.nn.features.feature_maps_snippet for any model on the page's image; it
    saves every map of `layer` (`maps`, what the page showed) to result.npy."""
    if is_trained(name):
        trained = info(name)
        snippet = features.feature_maps_snippet(
            trained.name, layer, random_weights=random_weights, info=trained, config=_trained_config(name)
        )
    else:
        snippet = features.feature_maps_snippet(name, layer, random_weights=random_weights)
    weights = "random weights" if random_weights else "its weights"
    return programs.torch_program(
        snippet,
        reproduces=f"Feature maps: every map of {layer} in {info(name).title} ({weights}) for the page's image.",
        name="feature_maps.py",
        result=maps,
        image=image,
        **_bundle(name, random_weights),
    )


def normalisation_note(name: str) -> str:
    """How the last image becomes the network's input: (x - mean) / std per channel."""
    described = info(name)
    mean = ", ".join(f"{value:.3f}" for value in described.mean)
    std = ", ".join(f"{value:.3f}" for value in described.std)
    return f"Then each channel is scaled to [0, 1] and normalised, (x − mean) / std, with mean ({mean}) and std ({std})."


@dataclass(frozen=True)
class FeatureRun:
    """Every layer's output for one input, with the input and what it cost."""

    steps: tuple  # preprocessing (caption, image) pairs; the last is the model's input as an image
    layers: list[features.LayerActivation]
    probabilities: np.ndarray
    seconds: float
    device: str


def feature_run(name: str, random_weights: bool, image: np.ndarray) -> FeatureRun:
    """Preprocess an image and extract all activations in one forward pass (cached by image digest,
    except for a trained CNN: tiny, computed again, never shared)."""
    if is_trained(name):
        return freeze(_feature_run(name, random_weights, image))
    return _stored_feature_run(name, random_weights, image)


@image_cache(max_entries=6)  # VGG16: ~120 MB of maps per input
def _stored_feature_run(name: str, random_weights: bool, image: np.ndarray) -> FeatureRun:
    return _feature_run(name, random_weights, image)


def _feature_run(name: str, random_weights: bool, image: np.ndarray) -> FeatureRun:
    described = info(name)
    prepared = models.preprocess(described.name, image, info=described)
    graph = extractor(name, random_weights)
    models.warm_thread(models.model_device(graph))
    start = time.perf_counter()
    layers = features.extract_activations(graph, prepared.tensor)
    seconds = time.perf_counter() - start
    logits = features.final_logits(layers).astype(np.float64)
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    device = describe_device(models.model_device(graph))
    return FeatureRun(prepared.steps, layers, probabilities.astype(np.float32), seconds, device)


def prediction(name: str, image: np.ndarray, k: int) -> tuple[models.Prediction, tuple]:
    """Top-k prediction and preprocessing steps for one image (cached by image digest, except for a
    trained CNN: computed again, never shared)."""
    if is_trained(name):
        described = info(name)
        result, prepared = models.predict(described.name, image, k=k, model=model(name), info=described)
        return freeze((result, prepared.steps))
    return _stored_prediction(name, image, k)


@image_cache(max_entries=24)
def _stored_prediction(name: str, image: np.ndarray, k: int) -> tuple[models.Prediction, tuple]:
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
    from lib.cv.images import ImageError

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


@image_cache(max_entries=24)
def map_with_unit(values: np.ndarray, channel: int, row: int, col: int) -> np.ndarray:
    """One map of a layer (C, H, W) enlarged as map_grid draws it, the unit (row, col) outlined in black."""
    grid = map_grid(values, (channel,), 1, False)
    scale = grid.shape[0] // values.shape[1]  # one map: whole-pixel enlargement, no gaps
    return features.outline_unit(grid, row, col, scale)


def set_unit(row_key: str, col_key: str, map_shape: tuple[int, int], shown_shape: tuple[int, ...]):
    """A click callback for ui.clickable on map_with_unit's picture: the unit sliders take the clicked unit."""

    def write(point: tuple[int, int]) -> None:
        st.session_state[row_key] = point[1] * map_shape[0] // shown_shape[0]
        st.session_state[col_key] = point[0] * map_shape[1] // shown_shape[1]

    return write


def probability_figure(
    classes: tuple[str, ...], probabilities: np.ndarray, *, k: int, font_size: int | None = None
) -> go.Figure:
    """Horizontal bars of the k most likely classes, best on top (k clamped to the number of classes).

    font_size: the figure's base size (default: ui.layout.plot_font_size(), larger in presentation mode).
    """
    from ui.layout import plot_font_size

    font_size = font_size or plot_font_size()
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
        height=80 + (font_size + 20) * k,  # 32 px a bar at plotly's 12 px
        margin=dict(l=10, r=10, t=10, b=10),
        font_size=font_size,
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


def kernel_figure(weights: np.ndarray, bias: float, *, font_size: int | None = None) -> go.Figure:
    """A kernel's weights (I, k, k) as heatmaps, one per input channel (at most 8), numbers on small ones.

    font_size: as probability_figure's.
    """
    from ui.layout import plot_font_size

    font_size = font_size or plot_font_size()
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
                texttemplate="%{z:.2f}" if small else None,  # float32 -> JSON would print 0.0700000003
                textfont=dict(size=font_size),
            ),
            row=1,
            col=index + 1,
        )
        figure.update_yaxes(autorange="reversed", showticklabels=False, row=1, col=index + 1)
        figure.update_xaxes(showticklabels=False, row=1, col=index + 1)
    figure.update_layout(
        height=230 + 4 * (font_size - 12),
        margin=dict(l=10, r=10, t=40, b=10),
        title=f"bias {bias:+.3f}",
        font_size=font_size,
    )
    return figure


# ---------------------------------------------------------------------------------------------------
# Inputs: an example for each model, the current image, a camera snapshot, or a drawing

INPUTS = ("Example", "Current image", "Camera", "Draw")
PHOTO_EXAMPLES = ("cat", "coffee", "portrait", "flower", "china")


@st.cache_data(max_entries=8, show_spinner=False)
def decoded(data: bytes) -> np.ndarray:
    """A snapshot or upload decoded and scaled to the working size (raises ImageError)."""
    from lib.cv.images import decode_image, fit_to_working_size

    return fit_to_working_size(decode_image(data))


@image_cache(max_entries=8)
def shape_example(shape: str, seed: int) -> np.ndarray:
    """A 128x128 drawing of a known shape (lib.cv.shapes) or of a new one (lib.nn.transfer)."""
    from lib.cv.shapes import SHAPE_CLASSES, draw_shape
    from lib.nn.transfer import make_new_shapes

    if shape in SHAPE_CLASSES:
        return draw_shape(shape, np.random.default_rng(seed), size=128)
    return make_new_shapes(1, size=128, seed=seed, classes=(shape,))[0][0]


def _drawable_shapes() -> tuple[str, ...]:
    from lib.cv.shapes import SHAPE_CLASSES
    from lib.nn.transfer import NEW_SHAPE_CLASSES

    return (*SHAPE_CLASSES, *NEW_SHAPE_CLASSES)


def _example(
    name: str, prefix: str, container, shapes: tuple[str, ...] | None
) -> tuple[np.ndarray, str, np.ndarray]:
    from lib.cv.shapes import SHAPE_CLASSES
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


DRAW_TIPS = {
    "lenet_digits": "Draw one digit, large, with the mouse. LeNet learned from the UCI digits, whose writers "
    "crossed their 7s: a 7 without the bar often reads as a 3 — what the data taught it.",
    "shapes_cnn": "The shapes CNN learned filled circles, squares, triangles, stars and hexagons: draw one with "
    "the Circle, Rectangle or Polygon tool (click the corners, then the first one again), or scribble it full.",
}
# The canvas's tools: drawing_mode of streamlit-drawable-canvas. Shapes are drawn filled with the ink.
DRAW_TOOLS = {"Pen": "freedraw", "Circle": "circle", "Rectangle": "rect", "Polygon": "polygon"}


def canvas_drawing(container, key: str, *, tool: str = "Pen") -> np.ndarray | None:
    """The canvas, in `container`: what was drawn as RGBA (H, W, 4) uint8, None before the first stroke.

    tool: one of DRAW_TOOLS. Sent when a stroke or shape ends; raises ImageError for anything else.
    (Tests replace this function: AppTest cannot draw.)
    """
    from streamlit_drawable_canvas import st_canvas

    from lib.cv.canvas_input import CANVAS_SIDE, INK, PAPER, STROKE_WIDTH, decode_drawing, hex_colour
    from lib.cv.images import ImageError

    with container:
        result = st_canvas(
            fill_color=hex_colour(INK),  # shape tools draw filled shapes; the pen ignores it
            stroke_width=STROKE_WIDTH if tool == "Pen" else 2,
            stroke_color=hex_colour(INK),
            background_color=hex_colour(PAPER),
            height=CANVAS_SIDE,
            width=CANVAS_SIDE,
            drawing_mode=DRAW_TOOLS.get(tool, "freedraw"),
            return_image_data=True,
            key=key,
        )
    try:
        png = result.image_bytes  # checked before it is decoded (result.image_data would not)
    except ValueError:  # not a base64 data: URL
        raise ImageError("The canvas sent something that is not an image.") from None
    return None if png is None else decode_drawing(png)


def drawn_input(name: str, prefix: str, tip: str, *, tools: bool = False) -> np.ndarray | None:
    """The canvas and, beside it, what the model is given; the drawing as RGB uint8, or None (blank).

    tools: offer the shape tools (circle, rectangle, polygon) beside the pen.
    """
    from lib.cv.canvas_input import CANVAS_SIDE, drawing_image
    from lib.cv.images import ImageError
    from ui.layout import display_url, show_error

    canvas_column, view_column = st.columns(2)
    tool = "Pen"
    if tools:
        tool = canvas_column.segmented_control(
            "Tool", tuple(DRAW_TOOLS), default="Pen", required=True, key=f"{prefix}_tool"
        )
    canvas_column.caption("Draw here; the bin above the canvas clears it.")
    try:
        image = drawing_image(canvas_drawing(canvas_column, f"{prefix}_canvas", tool=tool))
    except ImageError as error:
        show_error(f"The drawing could not be used: {error}")
        image = None
    if image is None:
        view_column.caption(f"{tip} Until you draw, the example below is shown.")
        return None
    try:
        described = info(name)
        caption, view = models.preprocess(described.name, image, info=described).steps[-1]
    except (models.ModelError, ImageError):
        return image  # the page says what is wrong
    view_column.image(
        display_url(view, CANVAS_SIDE), caption=f"The model is given: {caption}", width=CANVAS_SIDE
    )
    view_column.caption(tip)
    return image


def input_picker(
    name: str, prefix: str, *, shapes: tuple[str, ...] | None = None
) -> tuple[np.ndarray, str, np.ndarray]:
    """The input controls: the model's example, the current image, a camera snapshot or a drawing.

    Returns (image for the model, what it is, the whole picture it came from). `shapes`: the shapes the
    shapes CNN's example offers (default: the five it was trained on). LeNet reads one digit at a
    time: from a picture with several digits, a slider picks one (the image is its crop); a drawing
    is always one digit. A blank canvas or a missing snapshot shows the example.
    """
    from lib.cv.images import ImageError
    from ui.image_source import current_image, current_label
    from ui.layout import show_error

    model_name = name
    if is_trained(name):  # its own classes' shapes when it learned shapes, else the photos
        classes = info(name).classes
        name, shapes = ("shapes_cnn", classes) if set(classes) <= set(_drawable_shapes()) else ("photo", None)
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
    elif source == "Draw":
        tip = DRAW_TIPS.get(name, "Draw anything: whatever is on the canvas is the input.")
        image, label = drawn_input(model_name, prefix, tip, tools=name == "shapes_cnn"), "your drawing"
        if image is not None:
            return image, label, image  # the canvas holds one digit: never split into several
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


def transfer_store() -> dict:
    return st.session_state.setdefault(TRANSFER_STORE, {"images": {}, "seen": set()})


def add_own_image(class_name: str, data: bytes, file_id: str) -> str | None:
    """Decode an upload or snapshot into the class's images (once per file); returns an error or None."""
    from lib.cv.images import ImageError
    from lib.cv.transforms import resize_to

    store = transfer_store()
    if file_id in store["seen"]:
        return None
    store["seen"].add(file_id)
    try:
        image = decoded(data)
    except ImageError as error:
        return f"{class_name}: {error}"
    small = resize_to(image, width=TRANSFER_SIDE, height=TRANSFER_SIDE, interpolation="area")
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
    from ui.cached_torch_course import settings_of

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
    from ui.cached_torch_course import history_figure, run_live, settings_of, training_buttons

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


HAND_MADE_KERNELS = ("sobel right", "sobel bottom", "outline", "gaussian")


def first_layer_filters(
    name: str, random_weights: bool
) -> tuple[tuple[str, np.ndarray], tuple[str, np.ndarray]]:
    """The first convolution's learned filters as one image, and hand-made kernels of a similar size:
    two (caption, grid) pairs for show_row."""
    if is_trained(name):
        return freeze(_filters_of(twin(name) if random_weights else model(name)))
    return _stored_first_layer_filters(name, random_weights)


@st.cache_resource(max_entries=12, show_spinner=False)
def _stored_first_layer_filters(
    name: str, random_weights: bool
) -> tuple[tuple[str, np.ndarray], tuple[str, np.ndarray]]:
    return _filters_of(twin(name) if random_weights else model(name))


def _filters_of(network) -> tuple[tuple[str, np.ndarray], tuple[str, np.ndarray]]:
    from lib.cv.filters import preset_kernel

    path, conv = features.first_conv(network)
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
