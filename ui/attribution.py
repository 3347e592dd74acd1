"""The "Why this class?" section of the Classifier and Feature maps pages: attribution maps (lib.nn.attribution,
Captum) over the model's input, for the predicted class or any other, with Adebayo et al.'s sanity check.

Captum (and matplotlib, which it imports) is loaded the first time a map is computed, never by the OpenCV
pages. Stored models are explained on a copy of their own (st.cache_resource, one per model and process,
behind a lock): Captum puts hooks on the layers while it works, and the shared model serves every session's
predictions at the same time. Maps of stored models are cached by the input's digest; a CNN trained in this
session is explained on its own model, never cached.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import streamlit as st

from lib.nn import programs
from ui import models
from ui.cache import freeze, image_cache
from ui.layout import code_panel, show_row, to_display_uint8

METHODS = ("Grad-CAM", "Occlusion", "Gradients", "Integrated gradients")  # lib.nn.attribution.METHODS
PREDICTED = "the predicted class"
WHOLE_MODEL = " (the whole model)"
WINDOW_PERCENT = (5, 50, 25)  # occlusion window: min, max, default, in % of the input's side
STRIDE_PERCENT = (5, 50, 12)

EXPLAINED = {
    "Grad-CAM": "**Grad-CAM** takes the maps of one conv layer, weights each by the mean gradient of the "
    "class's score over it, adds them and keeps the positive part: $\\text{ReLU}(\\sum_c \\bar g_c A_c)$, then "
    "scales it up to the input. Coarse (the layer's resolution), but about the class.",
    "Occlusion": "**Occlusion** hides a window at every position (stride apart) and records how much the class's "
    "score drops: red where hiding hurts the answer (the evidence), blue where it helps. The window is filled "
    "with the image's mean colour, not black: a black square is itself a shape the network answers to. One "
    "forward pass per position: the slowest method, and the easiest to trust.",
    "Gradients": "**Plain gradients** (saliency): $|\\partial\\,\\text{score} / \\partial\\,\\text{pixel}|$, "
    "how much a tiny change of each pixel would change the score. Sharp and noisy.",
    "Integrated gradients": "**Integrated gradients** average the gradient along the straight path from a "
    "black image to the input and multiply by (input − black): red adds to the score, blue takes away, and "
    "the map adds up to score(input) − score(black).",
}


@dataclass(frozen=True)
class Explained:
    """One map and its sanity check, as the section shows them."""

    heat: np.ndarray  # (H, W) float32 at the model input's size
    target: int
    layer: str | None  # Grad-CAM's layer
    settings: object  # lib.nn.attribution.Settings
    randomised: np.ndarray | None  # the sanity check's map, None when not run
    correlation: float | None
    seconds: float


_locks: dict[str, threading.Lock] = {}
_locks_lock = threading.Lock()


def _lock(key: str) -> threading.Lock:
    with _locks_lock:
        return _locks.setdefault(key, threading.Lock())


@st.cache_resource(max_entries=3, show_spinner=False)
def _stored_copy(name: str, random_weights: bool):
    """A stored model's (or its twin's) own copy for attribution: Captum's hooks never touch the shared one."""
    from lib.nn.attribution import own_copy

    return own_copy(models.twin(name) if random_weights else models.model(name))


def _explained_model(name: str, random_weights: bool):
    if models.model_source(name).shared:
        return _stored_copy(name, random_weights)
    return models.twin(name) if random_weights else models.model(name)


def layer_names(name: str, random_weights: bool) -> tuple[list[str], list[str]]:
    """(conv layers for Grad-CAM, layers with weights for the sanity check's cascade), input to output."""
    from lib.nn.attribution import conv_layers, weighted_layers

    network = _explained_model(name, random_weights)
    return conv_layers(network), weighted_layers(network)


def _explain(name, random_weights, image, settings, target, down_to, check) -> Explained:
    from lib.nn import attribution
    from lib.nn import models as nn_models

    described = models.info(name)
    network = _explained_model(name, random_weights)
    prepared = nn_models.preprocess(described.name, image, info=described)
    options = dict(mean=described.mean, std=described.std)
    with _lock(f"{name} {random_weights}"):
        heat, seconds = attribution.timed(
            attribution.attribution_map, network, prepared.tensor, target, settings, **options
        )
        sanity = None
        if check:
            sanity = attribution.sanity_check(
                network, prepared.tensor, target, settings, heat, down_to=down_to, **options
            )
    return Explained(
        heat,
        target,
        settings.layer,
        settings,
        None if sanity is None else sanity.randomised_map,
        None if sanity is None else sanity.correlation,
        seconds,
    )


@image_cache(max_entries=12)
def _stored_explain(name, random_weights, image, settings, target, down_to, check) -> Explained:
    return _explain(name, random_weights, image, settings, target, down_to, check)


def explain(name, random_weights, image, settings, target, down_to, check) -> Explained:
    """The map (and the sanity check's) of one input: cached for stored models, computed for a trained CNN."""
    if models.model_source(name).shared:
        return _stored_explain(name, random_weights, image, settings, target, down_to, check)
    return freeze(_explain(name, random_weights, image, settings, target, down_to, check))


@image_cache(max_entries=24)
def overlaid(picture: np.ndarray, heat: np.ndarray, signed: bool) -> np.ndarray:
    from lib.nn.attribution import overlay

    return overlay(picture, heat, signed=signed)


def why_this_class(
    name: str,
    image: np.ndarray,
    model_input: np.ndarray,
    probabilities: np.ndarray,
    *,
    prefix: str,
    random_weights: bool = False,
) -> None:
    """The section: controls, the map over the model's input, the sanity check, its Code panel.

    model_input: the last preprocessing step (what the network is given, as a picture); probabilities:
    the softmax the page showed (the predicted class is its largest)."""
    st.subheader("Why this class?")
    st.markdown(
        "An **attribution map** colours each input pixel by how much it counted for one class's score. "
        "Four ways to ask, all with [Captum](https://captum.ai), PyTorch's interpretability library. "
        "Then the **sanity check** of Adebayo et al. (2018): the same map for the model with its weights "
        "randomised. A map that explains the *model* must change; one that barely changes only shows the "
        "input's edges (Spearman's rank correlation, ρ, says how alike the two are)."
    )
    if not models.is_usable(name):
        st.info(
            f"**Why this class? needs the trained model.** {models.offline_note(models.usable_models())}",
            icon=":material/cloud_off:",
        )
        return
    from lib.nn.attribution import SIGNED_METHODS, Settings

    key = models.key_part(name)
    classes = list(models.info(name).classes)
    convs, weighted = layer_names(name, random_weights)
    cells = st.columns([2, 2, 2])
    method = cells[0].segmented_control(
        "Method", METHODS, default="Grad-CAM", required=True, key=f"{prefix}_why_method", bind="query-params"
    )
    predicted = int(np.argmax(probabilities))
    chosen = cells[
        1
    ].selectbox(
        "Explain the class",
        [PREDICTED, *classes],
        key=f"{prefix}_why_class_{key}",  # fixed labels (the URL holds the label): the prediction is in the caption
        bind="query-params",
    )
    target = predicted if chosen == PREDICTED else classes.index(chosen)
    side = int(min(model_input.shape[:2]))
    layer = None
    settings = Settings(method=method)
    if method == "Grad-CAM":
        layer = cells[2].selectbox(
            "Conv layer", convs, index=len(convs) - 1, key=f"{prefix}_why_layer_{key}", bind="query-params"
        )
        settings = Settings(method=method, layer=layer)
    elif method == "Occlusion":
        window_percent = cells[2].slider(
            "Window (% of the side)", *WINDOW_PERCENT, step=1, key=f"{prefix}_why_window", bind="query-params"
        )
        stride_percent = cells[2].slider(
            "Stride (% of the side)", *STRIDE_PERCENT, step=1, key=f"{prefix}_why_stride", bind="query-params"
        )
        window = max(1, round(side * window_percent / 100))
        stride = max(1, min(window, round(side * stride_percent / 100)))
        positions = ((side - window) // stride + 1) ** 2
        cells[2].caption(f"{window}×{window} pixels every {stride}: {positions} forward passes.")
        settings = Settings(method=method, window=window, stride=stride)
    st.markdown(EXPLAINED[method])

    check = not random_weights
    down_to = None
    if check:
        cascade = list(reversed(weighted))  # top first; the last entry randomises every layer
        down_to = st.selectbox(
            "Sanity check: randomise the weights from the top layer down to",
            cascade,
            index=len(cascade) - 1,
            format_func=lambda path: path + (WHOLE_MODEL if path == weighted[0] else ""),
            key=f"{prefix}_why_random_{key}",
            bind="query-params",
        )
    try:
        with st.spinner(f"{method} on {models.model_title(name)}…"):
            result = explain(name, random_weights, image, settings, target, down_to, check)
    except (ValueError, RuntimeError) as error:
        st.error(f"This map could not be computed: {error}")
        return
    signed = method in SIGNED_METHODS
    picture = to_display_uint8(np.asarray(model_input))
    shown = [
        ("Model input", picture),
        (
            f"{method} for “{classes[target]}” · {result.seconds * 1000:.0f} ms",
            overlaid(picture, result.heat, signed),
        ),
    ]
    if result.randomised is not None:
        rho = result.correlation
        shown.append(
            (
                f"Randomised down to {down_to}: ρ = {'undefined (flat map)' if rho != rho else f'{rho:.2f}'}",
                overlaid(picture, result.randomised, signed),
            )
        )
    show_row(*shown)
    scale = "blue − · white 0 · red +" if signed else "blue 0 → red the largest"
    st.caption(f"Colours: {scale} (each map on its own scale).")
    if result.randomised is not None:
        rho = result.correlation
        if rho != rho or rho < 0.5:
            verdict = "the map changed with the weights: it depends on what the model learned (passed)."
        else:
            verdict = (
                "the map barely changed with the weights: it follows the input's own structure more than "
                "what the model learned (Adebayo et al. found this for several methods, gradient × input among them)."
            )
        st.caption(
            f"Sanity check, Spearman's ρ of |map| and |randomised map| = {rho:.2f} (under 0.5 counts as "
            f"changed here): {verdict}"
        )
    elif random_weights:
        st.caption("These are the untrained twin's maps: turn random weights off for the sanity check.")
    code_panel(attribution_code(name, random_weights, image, settings, result))


def attribution_code(name: str, random_weights: bool, image: np.ndarray, settings, result: Explained):
    """The Code panel's program: lib.nn.attribution.attribution_snippet on the page's image; it saves the map
    (the page's `result.heat`) to result.npy."""
    from lib.nn.attribution import attribution_snippet

    snippet = attribution_snippet(
        models.info(name).name,
        settings,
        result.target,
        layer=result.layer,
        random_weights=random_weights,
        **models.snippet_options(name),
    )
    return programs.torch_program(
        snippet,
        reproduces=f"Why this class? {settings.method} of {models.info(name).title} for the page's image.",
        name="attribution.py",
        result=result.heat,
        image=image,
        **models.code_bundle(name, random_weights),
    )
