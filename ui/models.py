"""Models, feature maps and predictions for the Feature maps, Classifier and Transfer learning pages.

Models are st.cache_resource: loaded once per process, shared by every session, never changed.
Activations and predictions are cached by the input image's content digest (ui.cache.image_cache:
shared read-only results, so VGG's ~100 MB of maps are not copied on every rerun). Nothing is written
to disk: uploads and snapshots stay in the session's memory.

CNNs a student trains on the Train a CNN page live only in that session's st.session_state
["trained_models"] (name -> lib.nn.cnn_training entry). Here they are the choices "session:<name>"; every
function below that takes a model name accepts them, and model_source(name) is the one place that tells
the two kinds apart (StoredModel, TrainedModel). They are never cached by name: the rebuilt model is
cached by the sha256 of its state dict (and its configuration), and their activations and predictions are
not cached at all (the models are tiny), so no other session can ever see them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from lib.nn import features, models, programs
from lib.nn.device import default_device
from ui.cache import freeze, image_cache

OUR_MODELS = models.OUR_MODELS


@st.cache_data(ttl=300, show_spinner=False)
def usable_models() -> list[str]:
    """Ours, plus torchvision models that are cached or (when online) downloadable. Checked every 5 min."""
    return models.available_models(probe_network=True)


# ---------------------------------------------------------------------------------------------------
# Where a model comes from: stored (ours or torchvision's, cached by name for every session) or trained in
# this session (cached by its weights' digest, its results never shared). model_source() decides, once.

TRAINED_MODELS = "trained_models"  # st.session_state: name -> entry, written by the Train a CNN page
TRAINED_PREFIX = "session:"
TRAINED_SUFFIX = " (trained this session)"
TRAINED_DIGESTS = "trained_model_digests"  # st.session_state: id(state dict) -> (state dict, sha256)
UPLOADED_PREFIX = (
    "Uploaded: "  # a checkpoint from Train a CNN uploaded in a later session: "Uploaded: <file>"
)
UPLOADED_SUFFIX = " (this session)"
MAX_UPLOADED = 3  # uploaded models a session keeps (the oldest goes first)


@dataclass(frozen=True)
class StoredModel:
    """One of ALL_MODELS: weights on disk (or downloadable), everything about it cached by name."""

    name: str
    shared = True  # its results may be cached for every session
    trained = False

    @property
    def choice(self) -> str:
        return self.name

    @property
    def title(self) -> str:
        if self.name in models.OUR_TITLES:
            return models.OUR_TITLES[self.name]
        return f"{models.TORCHVISION_MODELS[self.name].title} (ImageNet)"

    @property
    def key_part(self) -> str:
        return self.name

    def info(self) -> models.ModelInfo:
        return _stored_info(self.name)

    def model(self):
        return _stored_model(self.name)

    def twin(self):
        return _stored_twin(self.name)

    def extractor(self, random_weights: bool):
        return _stored_extractor(self.name, random_weights)

    def snippet_options(self) -> dict:
        """Extra keyword arguments of the lib snippet builders (classify_snippet, feature_maps_snippet)."""
        return {}

    def code_bundle(self) -> dict:
        return {"weights": (self.name,)} if self.name in models.OUR_MODELS else {}


@dataclass(frozen=True)
class TrainedModel:
    """A CNN trained on the Train a CNN page in this session: its name and its lib.nn.cnn_training entry.

    Never cached by name: the rebuilt model is cached by the sha256 of its state dict and its configuration,
    and its activations and predictions are not cached at all (tiny models), so no other session sees them.
    """

    name: str  # as the Train a CNN page saved it, e.g. "Your CNN (shapes, 5 classes)"
    entry: dict = field(compare=False, repr=False)
    shared = False
    trained = True

    @property
    def choice(self) -> str:
        return TRAINED_PREFIX + self.name

    @property
    def title(self) -> str:
        return trained_title(self.name)

    @property
    def key_part(self) -> str:
        return "trained"  # every trained CNN has the same layer names

    @property
    def config(self):
        return models.trained_model_config(self.entry)

    def info(self) -> models.ModelInfo:
        return models.trained_model_info(self.name, self.entry)

    def model(self):
        return _trained_model(self.weights_key(), self.entry)

    def twin(self):
        config = self.config
        return _trained_twin(repr(config), config)

    def extractor(self, random_weights: bool):
        key = f"twin {self.config!r}" if random_weights else f"weights {self.weights_key()}"
        built = self.twin() if random_weights else self.model()
        return _trained_extractor(key, built, self.info().input_size)

    def snippet_options(self) -> dict:
        return {"info": self.info(), "config": self.config}

    def code_bundle(self) -> dict:
        return {"files": {models.TRAINED_WEIGHTS_FILE: programs.checkpoint_file(self.entry)}}

    def weights_key(self) -> str:
        """The cache key: its state dict's sha256 and its configuration (never its name).

        The digest (~15 ms for the course's widths) is remembered in the session for the state dicts of its
        current entries (each entry gets a new state dict when it is trained again)."""
        state = self.entry["state_dict"]
        memo = st.session_state.get(TRAINED_DIGESTS, {})
        hit = memo.get(id(state))
        if hit is None or hit[0] is not state:
            live = {
                id(other.get("state_dict")) for other in trained_entries().values() if isinstance(other, dict)
            }
            memo = {key: value for key, value in memo.items() if key in live}
            hit = memo[id(state)] = (state, models.state_dict_digest(state))
            st.session_state[TRAINED_DIGESTS] = memo
        return f"{hit[1]} {self.config!r}"


ModelSource = StoredModel | TrainedModel


def model_source(name: str) -> ModelSource:
    """The model behind a choice: "session:<name>" is this session's trained CNN (ModelError when the
    session does not have it), any other name one of ALL_MODELS."""
    if not name.startswith(TRAINED_PREFIX):
        return StoredModel(name)
    trained_name = name.removeprefix(TRAINED_PREFIX)
    entry = trained_entries().get(trained_name)
    if entry is None:
        raise models.ModelError(
            f"{trained_name!r} is not trained in this session: train it on the Train a CNN page."
        )
    return TrainedModel(trained_name, entry)


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
    """Whether a model choice names a CNN trained in a session (whether or not this session has it)."""
    return name.startswith(TRAINED_PREFIX)


def trained_title(name: str) -> str:
    """The title of a trained model: Your CNN (shapes, 5 classes) -> Your CNN: shapes, 5 classes (trained ...);
    an uploaded one: Uploaded: cnn_model.pth (this session)."""
    if name.startswith(UPLOADED_PREFIX):
        return f"{name}{UPLOADED_SUFFIX}"
    inner = name[len("Your CNN (") : -1] if name.startswith("Your CNN (") and name.endswith(")") else name
    return f"Your CNN: {inner}{TRAINED_SUFFIX}"


def _title_name(title: str) -> str | None:
    """The trained model a title names (the inverse of trained_title), or None for another model's title."""
    if title.startswith(UPLOADED_PREFIX) and title.endswith(UPLOADED_SUFFIX):
        return title.removesuffix(UPLOADED_SUFFIX)
    if title.endswith(TRAINED_SUFFIX):
        return title.removesuffix(TRAINED_SUFFIX).removeprefix("Your CNN: ")
    return None


def _missing_trained(key: str, choices: list[str]) -> str | None:
    """The name of a trained model that the session state or (first run) the URL asks for and this session
    does not have, or None. A bound selectbox's URL value is its title."""
    wanted = st.session_state.get(key)
    if wanted is None:
        title = st.query_params.get(key)
        if title and _title_name(title) and title not in map(model_title, choices):
            return _title_name(title)
        return None
    if isinstance(wanted, str) and is_trained(wanted) and wanted not in choices:
        return wanted.removeprefix(TRAINED_PREFIX)
    return None


def model_picker(container, options, key: str) -> str:
    """The "Model" selectbox: `options`, then this session's trained CNNs. A trained model this session does
    not have (a link from another session, a reloaded page) falls back to the first option with a note."""
    choices = [*options, *trained_choices()]
    if missing := _missing_trained(key, choices):
        where = (
            "an uploaded model lives only in the session it was uploaded in: upload it again"
            if missing.startswith(UPLOADED_PREFIX)
            else "a model trained on the Train a CNN page lives only in the session that trained it "
            "(download it there, then upload it here in a later session)"
        )
        st.info(
            f"“{missing}” is not in this session: {where}. Showing {model_title(choices[0])} instead.",
            icon=":material/info:",
        )
        st.session_state[key] = choices[0]
    return container.selectbox("Model", choices, format_func=model_title, key=key, bind="query-params")


def uploaded_name(file_name: str) -> str:
    """The name an uploaded checkpoint gets: "Uploaded: <file name>" (no folders, plain characters, at most 60)."""
    base = re.split(r"[\\/]", str(file_name))[-1]
    cleaned = re.sub(r"[^\w .()+-]", "_", base).strip(" .") or "model.pth"
    return UPLOADED_PREFIX + cleaned[:60]


def accept_upload(file_name: str, data: bytes, picker_key: str) -> str:
    """Check an uploaded checkpoint (lib.nn.models.read_checkpoint: ModelError saying why when it is refused),
    keep it in this session's trained models as uploaded_name(file_name), replacing one of that name (at most
    MAX_UPLOADED are kept, the oldest goes), and select it in the model picker `picker_key`. Returns its name."""
    entry = models.read_checkpoint(data)
    name = uploaded_name(file_name)
    entries = st.session_state.get(TRAINED_MODELS)
    if not isinstance(entries, dict):
        entries = st.session_state[TRAINED_MODELS] = {}
    entries.pop(name, None)
    entries[name] = entry
    for old in [other for other in entries if other.startswith(UPLOADED_PREFIX)][:-MAX_UPLOADED]:
        del entries[old]
    st.session_state[picker_key] = TRAINED_PREFIX + name
    return name


def _plain(text: str) -> str:
    """Text from a file shown in Markdown as it is: every Markdown character escaped."""
    return re.sub(r"([\\`*_\[\]#|<>~$])", r"\\\1", text)


def _take_upload(uploader_key: str, picker_key: str) -> None:
    """The uploader's on_change: accept the new file, or keep why it was refused (shown under the uploader)."""
    uploaded = st.session_state.get(uploader_key)
    st.session_state.pop(f"{uploader_key}_error", None)
    st.session_state.pop(f"{uploader_key}_name", None)
    if uploaded is None:
        return
    try:
        st.session_state[f"{uploader_key}_name"] = accept_upload(
            uploaded.name, uploaded.getvalue(), picker_key
        )
    except models.ModelError as error:
        shown = uploaded_name(uploaded.name).removeprefix(UPLOADED_PREFIX)
        st.session_state[f"{uploader_key}_error"] = f"“{shown}” was not used. {error}"


def upload_trained_model(container, picker_key: str) -> None:
    """A small "Use a model you trained earlier (.pt)" expander in `container`: the checkpoint Train a CNN
    downloads, uploaded in a later session, joins this session's trained models (accept_upload) and is picked
    in the model picker `picker_key`, so the page and its attribution section use it as a CNN trained here.
    A refused file gets its reason under the uploader (ui.layout.show_error); the page goes on."""
    from ui.layout import show_error

    uploader_key = f"{picker_key}_upload"
    limit = models.MAX_CHECKPOINT_BYTES // 1_000_000
    with container.expander("Use a model you trained earlier (.pt)", icon=":material/upload_file:"):
        st.file_uploader(
            f"The `{models.TRAINED_WEIGHTS_FILE}` that Train a CNN downloads",
            type=["pt", "pth"],
            key=uploader_key,
            on_change=_take_upload,
            args=(uploader_key, picker_key),
            max_upload_size=limit,
            help=f"A checkpoint (weights, configuration, class names), at most {limit} MB. It is read with "
            "torch.load(..., weights_only=True) into the Train a CNN network only: a file with pickled code is "
            "refused unopened. It stays in this session's memory.",
        )
        holds_file = st.session_state.get(uploader_key) is not None
        name = st.session_state.get(f"{uploader_key}_name")
        if holds_file and name in trained_entries():
            info = models.trained_model_info(name, trained_entries()[name])
            accuracy = (
                f", validation accuracy {info.test_accuracy:.0%}" if info.test_accuracy is not None else ""
            )
            st.success(
                f"**{_plain(name)}**: {len(info.classes)} classes ({_plain(', '.join(info.classes[:6]))}"
                f"{' …' if len(info.classes) > 6 else ''}), {info.input_size[1]}×{info.input_size[2]} px"
                f"{accuracy}. Chosen as the model above.",
                icon=":material/check_circle:",
            )
    message = st.session_state.get(f"{uploader_key}_error")
    if message and st.session_state.get(uploader_key) is not None:
        with container:
            show_error(message)


def is_usable(name: str) -> bool:
    """A trained CNN, or a model whose weights are here or downloadable."""
    return is_trained(name) or name in usable_models()


def key_part(name: str) -> str:
    """The model's part of widget keys (every trained CNN has the same layer names)."""
    return "trained" if is_trained(name) else name


@st.cache_resource(max_entries=4, show_spinner="Rebuilding your CNN…")
def _trained_model(weights_key: str, _entry: dict):
    """A trained CNN rebuilt from its entry, cached by its weights' digest, warmed up."""
    from lib.nn.cnn_training import model_from_entry

    rebuilt = model_from_entry(_entry)
    # the second pass is still slower than the steady state on a CPU
    features.warm_up(rebuilt, _entry["input_size"], passes=2)
    return rebuilt


@st.cache_resource(max_entries=4, show_spinner=False)
def _trained_twin(config_key: str, _config):
    """A trained CNN's architecture with random weights (seed 0): depends only on the configuration."""
    return features.random_twin("trained", config=_config, device=default_device())


@st.cache_resource(max_entries=8, show_spinner=False)
def _trained_extractor(model_key: str, _model, input_size: tuple[int, ...]):
    graph = features.layer_extractor(_model)
    features.warm_up(graph, input_size)
    return graph


# ---------------------------------------------------------------------------------------------------
# Every model, by name


def model_title(name: str) -> str:
    return trained_title(name.removeprefix(TRAINED_PREFIX)) if is_trained(name) else StoredModel(name).title


def offline_note(names: list[str]) -> str | None:
    """A line saying which torchvision models are missing and why, or None when all are usable."""
    missing = [
        models.TORCHVISION_MODELS[name].title for name in models.TORCHVISION_MODELS if name not in names
    ]
    if not missing:
        return None
    return (
        f"{', '.join(missing)}: their ImageNet weights are not on this machine and it cannot download them "
        "(offline). Online — on Streamlit Community Cloud, say — torchvision downloads them once, on first use. "
        "Our own models work everywhere."
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
    return model_source(name).model()


@st.cache_resource(max_entries=6, show_spinner="Loading the model…")
def _stored_model(name: str):
    """One of ALL_MODELS with its weights, once per process."""
    loaded = models.load_model(name)
    features.warm_up(loaded, info(name).input_size)
    return loaded


def twin(name: str):
    """The same architecture with random weights (seed 0)."""
    return model_source(name).twin()


@st.cache_resource(max_entries=6, show_spinner=False)
def _stored_twin(name: str):
    return features.random_twin(name, device=default_device())


def extractor(name: str, random_weights: bool):
    """The traced graph that returns every layer's output in one forward pass (warmed up once, so the
    time shown is a steady-state forward pass, not the first call's one-off set-up)."""
    return model_source(name).extractor(random_weights)


@st.cache_resource(max_entries=6, show_spinner=False)
def _stored_extractor(name: str, random_weights: bool):
    graph = features.layer_extractor(twin(name) if random_weights else model(name))
    features.warm_up(graph, info(name).input_size)
    return graph


def info(name: str) -> models.ModelInfo:
    """Classes, input size and normalisation of a model (ModelError for a trained one this session lacks)."""
    return model_source(name).info()


@st.cache_resource(max_entries=4, show_spinner=False)
def _stored_info(name: str) -> models.ModelInfo:
    return models.model_info(name)


def code_bundle(name: str, random_weights: bool = False) -> dict:
    """What a model's Code panel ships: our weights (weights/<file>), a trained CNN's state dict, or nothing
    (random weights; torchvision weights, which the script downloads itself: online only)."""
    return {} if random_weights else model_source(name).code_bundle()


def snippet_options(name: str) -> dict:
    """Extra keyword arguments of lib's model snippet builders: a trained CNN's info and configuration."""
    return model_source(name).snippet_options()


def feature_run(name: str, random_weights: bool, image: np.ndarray) -> features.FeatureRun:
    """Preprocess an image and extract all activations in one forward pass (cached by image digest,
    except for a trained CNN: tiny, computed again, never shared)."""
    if model_source(name).shared:
        return _stored_feature_run(name, random_weights, image)
    return freeze(_feature_run(name, random_weights, image))


@image_cache(max_entries=6)  # VGG16: ~120 MB of maps per input
def _stored_feature_run(name: str, random_weights: bool, image: np.ndarray) -> features.FeatureRun:
    return _feature_run(name, random_weights, image)


def _feature_run(name: str, random_weights: bool, image: np.ndarray) -> features.FeatureRun:
    described = info(name)
    prepared = models.preprocess(described.name, image, info=described)
    return features.feature_run(extractor(name, random_weights), prepared)


def prediction(name: str, image: np.ndarray, k: int) -> tuple[models.Prediction, tuple]:
    """Top-k prediction and preprocessing steps for one image (cached by image digest, except for a
    trained CNN: computed again, never shared)."""
    source = model_source(name)
    if source.shared:
        return _stored_prediction(name, image, k)
    described = source.info()
    result, prepared = models.predict(described.name, image, k=k, model=source.model(), info=described)
    return freeze((result, prepared.steps))


@image_cache(max_entries=24)
def _stored_prediction(name: str, image: np.ndarray, k: int) -> tuple[models.Prediction, tuple]:
    result, prepared = models.predict(name, image, k=k, model=model(name))
    return result, prepared.steps


# Digits in a picture: one search (lib.nn.digit_reading) decides what the page reads and says


@image_cache(max_entries=24)
def digit_search(image: np.ndarray):
    """lib.nn.digit_reading.search_digits: the readable digits' boxes, or the whole picture, or why none."""
    from lib.nn.digit_reading import search_digits

    return search_digits(image)


@image_cache(max_entries=12)
def readings_image(image: np.ndarray) -> np.ndarray:
    """Every digit boxed with what LeNet read."""
    return models.draw_readings(image, read_digits(image))


@image_cache(max_entries=12)
def read_digits(image: np.ndarray) -> list[tuple[tuple[int, int, int, int], str, float]]:
    """Every digit in an image: (box, label, probability), in reading order (none for a flat image)."""
    from lib.nn import digit_reading

    return digit_reading.read_digits(image, model=model("lenet_digits"), search=digit_search(image))


def digit_boxes(image: np.ndarray) -> tuple[tuple[int, int, int, int], ...]:
    """The readable digits' boxes (x, y, w, h) in reading order when there are several, else none."""
    return digit_search(image).boxes


@image_cache(max_entries=24)
def digit_crop(image: np.ndarray, index: int) -> np.ndarray:
    """The index-th digit (reading order) of an image with several digits, or the image itself."""
    from lib.nn.digit_reading import digit_image

    return digit_image(image, digit_search(image), index)


# ---------------------------------------------------------------------------------------------------
# How far an input is from the training data (lib.nn.ood): our models, with the manifest's threshold


def ood_threshold(name: str) -> float | None:
    """The out-of-distribution threshold recorded for one of our models, or None (other models have none)."""
    if name not in OUR_MODELS:
        return None
    threshold = models.read_manifest().get(name, {}).get("ood", {}).get("threshold")
    return float(threshold) if threshold is not None else None


@st.cache_resource(max_entries=2, show_spinner="Measuring the training data once…")
def _ood_reference(name: str) -> np.ndarray:
    """The conv features of the model's reference training images (once per process)."""
    from lib.nn import ood

    return ood.reference_features(model(name), name, models.read_manifest()[name])


def distance(name: str, image: np.ndarray):
    """lib.nn.ood.Distance of an input from the model's training data, or None (no threshold recorded)."""
    if ood_threshold(name) is None:
        return None
    return _stored_distance(name, image)


@image_cache(max_entries=24)
def _stored_distance(name: str, image: np.ndarray):
    from lib.nn import ood

    prepared = models.preprocess(name, image)
    reference = _ood_reference(name)
    return ood.distance_from_training(
        model(name), prepared.tensor, reference, threshold=ood_threshold(name), knows=ood.KNOWS[name]
    )


def classify_code(name: str, k: int, image: np.ndarray, top: list[tuple[str, float]]):
    """The Code panel's program: lib.nn.models.classify_snippet for any model on the page's image, with its
    weights; it writes the top-k (class, probability) pairs the page showed (`top`)."""
    snippet = models.classify_snippet(info(name).name, k=k, **snippet_options(name))
    return programs.torch_program(
        snippet,
        reproduces=f"The classifier demo: the top {len(top)} classes of {info(name).title} for the page's image.",
        name="classify.py",
        result=[list(pair) for pair in top],
        image=image,
        **code_bundle(name),
    )
