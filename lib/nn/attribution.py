"""Why this class? Attribution maps with Captum: which input pixels made the network answer what it did.

Four methods, each a few Captum calls written as the Code panel shows them (it prints their source):
Grad-CAM on a chosen conv layer (LayerGradCam, upsampled to the input), occlusion sensitivity (Occlusion:
a window of the image's mean colour slides over the input, the drop in the class's score is the map), plain gradients
(Saliency: |d score / d pixel|) and integrated gradients (IntegratedGradients from a black image).
Every map comes back (H, W) float32 at the input's size.

The sanity check of Adebayo et al. (2018, "Sanity checks for saliency maps"): the same map for a copy of
the model whose weights are randomised, from the top layer down (cascading) or all of them; a method that
explains the model must give a different map (a low Spearman rank correlation between the two).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from captum.attr import IntegratedGradients, LayerAttribution, LayerGradCam, Occlusion, Saliency
from torch import nn

from lib.cv.display import signed_colours
from lib.nn.random_state import GLOBAL_RNG_LOCK as _SEED_LOCK

METHODS: tuple[str, ...] = ("Grad-CAM", "Occlusion", "Gradients", "Integrated gradients")
SIGNED_METHODS = frozenset({"Occlusion", "Integrated gradients"})  # maps with both signs
IG_STEPS = 32  # integrated gradients: points on the path from the black image to the input


# ---------------------------------------------------------------------------------------------------
# The four methods (each self-contained: the Code panel shows its source and runs it)


def grad_cam(model: nn.Module, inputs: torch.Tensor, target: int, *, layer: str) -> np.ndarray:
    """Grad-CAM: ReLU(sum over channels of mean(d score / d map) * map) of conv layer `layer`, upsampled
    (bilinear) to the input. inputs (1, C, H, W). Returns (H, W) float32, >= 0."""
    cam = LayerGradCam(model, model.get_submodule(layer))
    inputs = inputs.to(next(model.parameters()).device)
    coarse = cam.attribute(inputs, target=target, relu_attributions=True)  # (1, 1, h, w): the layer's size
    upsampled = LayerAttribution.interpolate(coarse, tuple(inputs.shape[2:]), interpolate_mode="bilinear")
    return upsampled[0, 0].detach().float().cpu().numpy()  # (H, W)


def occlusion(
    model: nn.Module, inputs: torch.Tensor, target: int, *, window: int, stride: int, baseline: torch.Tensor
) -> np.ndarray:
    """Occlusion sensitivity: a window x window patch of `baseline` slides over the input in steps of
    `stride`; each pixel gets the mean drop of the class's score over the windows that covered it (summed
    over channels). inputs and baseline (1, C, H, W). Returns (H, W) float32: > 0 where hiding helps the
    answer less, i.e. where the evidence is."""
    device = next(model.parameters()).device
    inputs, baseline = inputs.to(device), baseline.to(device)
    channels = inputs.shape[1]
    attributions = Occlusion(model).attribute(
        inputs,
        target=target,
        sliding_window_shapes=(channels, window, window),
        strides=(channels, stride, stride),
        baselines=baseline,
        perturbations_per_eval=16,  # 16 occluded copies per forward pass
    )  # (1, C, H, W): every channel of a pixel gets the same value
    return attributions[0].mean(dim=0).detach().float().cpu().numpy()  # (H, W)


def gradients(model: nn.Module, inputs: torch.Tensor, target: int) -> np.ndarray:
    """Plain gradients (Simonyan et al.'s saliency): |d score / d pixel|, the largest over the channels.
    inputs (1, C, H, W). Returns (H, W) float32, >= 0."""
    inputs = inputs.to(next(model.parameters()).device).requires_grad_()
    attributions = Saliency(model).attribute(inputs, target=target, abs=True)  # (1, C, H, W)
    return attributions[0].amax(dim=0).detach().float().cpu().numpy()  # (H, W)


def integrated_gradients(
    model: nn.Module, inputs: torch.Tensor, target: int, *, baseline: torch.Tensor, steps: int = 32
) -> np.ndarray:
    """Integrated gradients from `baseline` (a black image): (x - x0) * the mean gradient along the straight
    path from x0 to x, summed over the channels. The map adds up to score(x) - score(x0). inputs and baseline
    (1, C, H, W). Returns (H, W) float32, signed."""
    device = next(model.parameters()).device
    inputs, baseline = inputs.to(device), baseline.to(device)
    ig = IntegratedGradients(model)
    attributions = ig.attribute(
        inputs, baselines=baseline, target=target, n_steps=steps, internal_batch_size=8
    )
    return attributions[0].sum(dim=0).detach().float().cpu().numpy()  # (H, W)


# ---------------------------------------------------------------------------------------------------
# Choosing what to explain


def black_baseline(inputs: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """A black image normalised as the model's input is, (0 - mean) / std per channel, of inputs' shape."""
    mean_t = torch.tensor(list(mean), dtype=inputs.dtype).view(1, -1, 1, 1)
    std_t = torch.tensor(list(std), dtype=inputs.dtype).view(1, -1, 1, 1)
    return ((0.0 - mean_t) / std_t).expand_as(inputs.cpu()).clone()


def own_copy(model: nn.Module) -> nn.Module:
    """A deep copy of a model in eval mode, for attribution alone: Captum adds hooks to the layers it
    explains, which must not fire in a forward pass that another thread runs on the shared model."""
    return copy.deepcopy(model).eval()


def mean_baseline(inputs: torch.Tensor) -> torch.Tensor:
    """The input's mean colour everywhere (per channel), of inputs' shape: occlusion's patch. A black patch
    is itself a shape (a dark square) that a shapes CNN answers to; a patch of the mean colour hides, adds little."""
    return inputs.mean(dim=(2, 3), keepdim=True).expand_as(inputs).clone()


def conv_layers(model: nn.Module) -> list[str]:
    """The module paths of every Conv2d, in registration order (the last one is Grad-CAM's usual layer)."""
    return [path for path, module in model.named_modules() if isinstance(module, nn.Conv2d)]


def weighted_layers(model: nn.Module) -> list[str]:
    """Module paths of the layers that hold weights of their own (conv, linear, batch norm), input to output."""
    return [
        path for path, module in model.named_modules() if path and any(True for _ in module.parameters(False))
    ]


@dataclass(frozen=True)
class Settings:
    """What to explain and how: the method and its options (window and stride in input pixels)."""

    method: str = "Grad-CAM"
    layer: str | None = None  # Grad-CAM's conv layer; None: the last one
    window: int = 8  # occlusion
    stride: int = 4  # occlusion
    steps: int = IG_STEPS  # integrated gradients


def attribution_map(
    model: nn.Module,
    inputs: torch.Tensor,
    target: int,
    settings: Settings,
    *,
    mean: Sequence[float],
    std: Sequence[float],
) -> np.ndarray:
    """The map of `settings.method` for class `target`: (H, W) float32 at the input's size."""
    if settings.method not in METHODS:
        raise ValueError(f"unknown attribution method {settings.method!r}; choose one of {METHODS}")
    if not 0 <= target < _output_size(model, inputs):
        raise ValueError(f"target class {target} is not one of the model's classes")
    model.eval()
    if settings.method == "Grad-CAM":
        layers = conv_layers(model)
        if not layers:
            raise ValueError("this model has no Conv2d layer for Grad-CAM")
        layer = settings.layer if settings.layer in layers else layers[-1]
        return grad_cam(model, inputs, target, layer=layer)
    if settings.method == "Gradients":
        return gradients(model, inputs, target)
    if settings.method == "Occlusion":
        side = min(inputs.shape[2:])
        window = int(np.clip(settings.window, 1, side))
        stride = int(np.clip(settings.stride, 1, window))
        baseline = mean_baseline(inputs)
        return occlusion(model, inputs, target, window=window, stride=stride, baseline=baseline)
    baseline = black_baseline(inputs, mean, std)
    return integrated_gradients(model, inputs, target, baseline=baseline, steps=settings.steps)


def _output_size(model: nn.Module, inputs: torch.Tensor) -> int:
    last = [module for module in model.modules() if isinstance(module, nn.Linear)]
    if last:
        return last[-1].out_features
    with torch.no_grad():
        return int(model(inputs.to(next(model.parameters()).device)).shape[1])


# ---------------------------------------------------------------------------------------------------
# The sanity check: randomised weights must change the map


def randomised_copy(model: nn.Module, *, down_to: str | None = None, seed: int = 0) -> nn.Module:
    """A copy of the model (the original is untouched) whose weights are re-initialised from the top layer
    down to layer `down_to` included (Adebayo et al.'s cascading randomisation); None: every layer."""
    layers = weighted_layers(model)
    if down_to is not None and down_to not in layers:
        raise ValueError(f"no layer with weights named {down_to!r}; choose one of {layers}")
    start = 0 if down_to is None else layers.index(down_to)
    randomised = copy.deepcopy(model).eval()
    with _SEED_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for path in reversed(layers[start:]):  # the top first
            module = randomised.get_submodule(path)
            if hasattr(module, "reset_running_stats"):
                module.reset_running_stats()
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
            else:
                for parameter in module.parameters(False):
                    nn.init.normal_(parameter.data, std=0.01)
    return randomised


def rank(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of a 1-D array, ties given their mean rank (as scipy.stats.rankdata)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    _, first, counts = np.unique(values[order], return_index=True, return_counts=True)
    for start, count in zip(first[counts > 1], counts[counts > 1], strict=True):
        ranks[order[start : start + count]] = start + (count + 1) / 2
    return ranks


def spearman(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman's rank correlation of two maps (flattened): Pearson's r of their ranks. NaN when a map is
    flat (every value tied: no order to compare)."""
    a, b = rank(first), rank(second)
    if a.size != b.size:
        raise ValueError(f"maps of different sizes: {np.shape(first)} and {np.shape(second)}")
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


@dataclass(frozen=True)
class SanityCheck:
    randomised_map: np.ndarray  # (H, W) float32: the same method on the randomised copy
    correlation: float  # Spearman of |map| and |randomised map|; NaN when one is flat
    down_to: str | None  # the cascade's lowest randomised layer, None: the whole model

    @property
    def passed(self) -> bool:
        """The map changed: rank correlation below 0.5 (or the randomised map is flat)."""
        return not self.correlation >= 0.5


def sanity_check(
    model: nn.Module,
    inputs: torch.Tensor,
    target: int,
    settings: Settings,
    original: np.ndarray,
    *,
    mean: Sequence[float],
    std: Sequence[float],
    down_to: str | None = None,
    seed: int = 0,
) -> SanityCheck:
    """The map of `settings` for a randomised copy of the model, and its rank correlation with `original`."""
    randomised = randomised_copy(model, down_to=down_to, seed=seed)
    changed = attribution_map(randomised, inputs, target, settings, mean=mean, std=std)
    return SanityCheck(changed, spearman(np.abs(original), np.abs(changed)), down_to)


# ---------------------------------------------------------------------------------------------------
# Showing a map on the input


def overlay(image: np.ndarray, heat: np.ndarray, *, signed: bool = False, alpha: float = 0.55) -> np.ndarray:
    """A map (h, w) drawn over an image (H, W[, 3]) uint8 or float in [0, 1]: RGB uint8 (H, W, 3).

    Non-negative maps: the jet colours from 0 (blue) to the map's maximum (red), more opaque where larger.
    signed=True: the course's blue-white-red scale centred on 0 (lib.cv.display.signed_colours).
    The map is resized (bilinear) to the image when their sizes differ.
    """
    picture = np.asarray(image)
    if picture.dtype != np.uint8:
        picture = np.round(np.clip(picture.astype(np.float32), 0.0, 1.0) * 255).astype(np.uint8)
    if picture.ndim == 2:
        picture = np.repeat(picture[..., None], 3, axis=2)
    values = np.nan_to_num(np.asarray(heat, dtype=np.float32))
    if values.shape != picture.shape[:2]:
        values = cv2.resize(values, picture.shape[1::-1], interpolation=cv2.INTER_LINEAR)
    scale = max(float(np.abs(values).max()), 1e-12)
    if signed:
        colours = signed_colours(values / scale).astype(np.float32)
        weight = alpha * np.abs(values / scale)[..., None]
    else:
        levels = np.round(np.clip(values / scale, 0.0, 1.0) * 255).astype(np.uint8)
        colours = cv2.cvtColor(cv2.applyColorMap(levels, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB).astype(
            np.float32
        )
        weight = alpha * (0.35 + 0.65 * np.clip(values / scale, 0.0, 1.0))[..., None]
    blended = picture.astype(np.float32) * (1 - weight) + colours * weight
    return np.round(blended).astype(np.uint8)


def timed(function, *args, **kwargs) -> tuple[object, float]:
    """(function(*args, **kwargs), wall seconds it took)."""
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start


# ---------------------------------------------------------------------------------------------------
# The Code panel's program


def attribution_snippet(
    name: str,
    settings: Settings,
    target: int,
    *,
    layer: str | None = None,
    random_weights: bool = False,
    info=None,
    config=None,
) -> str:
    """Runnable code: the page's attribution map of class `target` for `image_rgb`, as `result` (H, W).

    The method's function is printed from this module's source (the code that ran on the page).
    layer: Grad-CAM's conv layer (the page's choice). info and config: a CNN trained in this session
    (see lib.nn.models.model_snippet_parts).
    """
    import inspect

    from lib.nn.models import model_info, model_snippet_parts

    info = info or model_info(name)
    imports, model_code, input_code = model_snippet_parts(
        name, random_weights=random_weights, info=info, config=config
    )
    method = settings.method
    if method == "Grad-CAM":
        parts, call = [grad_cam], f'result = grad_cam(model, inputs, target, layer="{layer}")'
    elif method == "Gradients":
        parts, call = [gradients], "result = gradients(model, inputs, target)"
    elif method == "Occlusion":
        parts = [mean_baseline, occlusion]
        call = (
            "baseline = mean_baseline(inputs)  # the image's mean colour everywhere\n"
            f"result = occlusion(model, inputs, target, window={settings.window}, stride={settings.stride}, "
            "baseline=baseline)"
        )
    else:
        parts = [black_baseline, integrated_gradients]
        call = (
            f"baseline = black_baseline(inputs, {list(info.mean)}, {list(info.std)})  # a black image\n"
            f"result = integrated_gradients(model, inputs, target, baseline=baseline, steps={settings.steps})"
        )
    functions = "\n\n".join(inspect.getsource(part).rstrip() for part in parts)
    used = ("IntegratedGradients", "LayerAttribution", "LayerGradCam", "Occlusion", "Saliency")
    for line in ("import numpy as np\n", "from torch import nn\n"):  # the functions' annotations
        if line not in imports:
            imports += line
    imports += f"from captum.attr import {', '.join(word for word in used if word in functions)}\n"
    if "Sequence[" in functions:
        imports = "from collections.abc import Sequence\n" + imports
    class_name = info.classes[target]
    return (
        '# image_rgb: an RGB uint8 image, e.g. cv2.cvtColor(cv2.imread("photo.jpg"), cv2.COLOR_BGR2RGB)\n'
        f"{imports}\n{model_code}{input_code}\n\n{functions}\n\n\n"
        f"target = {target}  # the class explained: {class_name!r}\n"
        f"{call}\n"
        "print(result.shape, float(result.min()), float(result.max()))\n"
    )
