"""What every layer of a CNN sees: all activations from one forward pass, their statistics, the filters.

Activations come from torchvision's create_feature_extractor (one traced graph, one forward pass for every
layer). Each activation is cloned the moment it is computed, so an in-place ReLU (VGG, AlexNet, ResNet use
ReLU(inplace=True)) cannot overwrite the convolution output before we read it: pre-ReLU maps stay pre-ReLU.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch import fx, nn
from torchvision.models.feature_extraction import create_feature_extractor, get_graph_node_names

from lib.cv.display import signed_colours
from lib.nn import cnn_math
from lib.nn.architectures_torch import ShapesCNNConfig
from lib.nn.device import describe_device
from lib.nn.models import (
    ModelInfo,
    Preprocessed,
    build_architecture,
    model_device,
    model_snippet_parts,
    warm_thread,
)
from lib.nn.random_state import GLOBAL_RNG_LOCK as _SEED_LOCK


@dataclass(frozen=True)
class LayerActivation:
    """One layer's output for one image."""

    name: str  # node name: "conv1", "relu_1" (second call of the module relu), "features.0.0", "flatten"
    kind: str  # the module's class ("Conv2d", "ReLU") or the function's name ("flatten", "add")
    module_path: str | None  # the module that computed it (for its weights), None for functions
    values: np.ndarray  # (C, H, W) feature maps or (F,) vector, float32

    @property
    def is_spatial(self) -> bool:
        return self.values.ndim == 3

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)


def clone_if_tensor(value: object) -> object:
    """Graph helper: a copy of a tensor taken right after it is computed (ints and tuples pass through)."""
    return value.clone() if isinstance(value, torch.Tensor) else value


def layer_extractor(model: nn.Module) -> fx.GraphModule:
    """A traced copy of the model's graph that returns every node's output (cloned), keyed by node name.

    Shares the model's parameters (no copy of the weights). Build once per model and reuse it.
    """
    train_nodes, eval_nodes = get_graph_node_names(model)
    extractor = create_feature_extractor(
        model,
        train_return_nodes=[name for name in train_nodes if name != train_nodes[0]],
        eval_return_nodes=[name for name in eval_nodes if name != eval_nodes[0]],
    )
    graph = extractor.graph
    output = next(node for node in graph.nodes if node.op == "output")
    returned: dict = output.args[0]
    cloned = {}
    for key, node in returned.items():
        with graph.inserting_after(node):
            cloned[key] = graph.call_function(clone_if_tensor, (node,))
    output.args = (cloned,)
    graph.lint()
    extractor.recompile()
    extractor.eval()
    return extractor


def _node_modules(extractor: fx.GraphModule) -> dict[str, tuple[str, str | None]]:
    """Output name -> (kind, module path) from the extractor's graph."""
    output = next(node for node in extractor.graph.nodes if node.op == "output")
    info = {}
    for key, clone in output.args[0].items():
        node = clone.args[0]
        if node.op == "call_module":
            module = extractor.get_submodule(node.target)
            info[key] = (type(module).__name__, str(node.target))
        elif node.op == "call_function":
            info[key] = (getattr(node.target, "__name__", str(node.target)), None)
        else:
            info[key] = (str(node.target), None)
    return info


def layer_outputs(extractor: fx.GraphModule, inputs: torch.Tensor) -> dict[str, torch.Tensor]:
    """One forward pass: every layer's output for `inputs` (N, C, H, W), by node name, in forward order.

    Only tensor outputs with a batch axis are kept (sizes and shapes computed on the way are not layers).
    """
    with torch.inference_mode():
        outputs = extractor(inputs)
    return {
        name: value
        for name, value in outputs.items()
        if isinstance(value, torch.Tensor) and value.ndim >= 2 and value.shape[0] == inputs.shape[0]
    }


def extract_activations(extractor: fx.GraphModule, inputs: torch.Tensor) -> list[LayerActivation]:
    """Every layer's output for the first image of `inputs` (N, C, H, W), in forward order, one pass
    (layer_outputs on the extractor's device), each with the kind of layer that computed it."""
    outputs = layer_outputs(extractor, inputs.to(model_device(extractor)))
    kinds = _node_modules(extractor)
    return [
        LayerActivation(name, *kinds[name], value[0].float().cpu().numpy()) for name, value in outputs.items()
    ]


def activations_by_hooks(model: nn.Module, inputs: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every leaf module's output (cloned in the hook) for `inputs`, named like the feature extractor:
    a module called a second time gets "_1", a third time "_2" (LeNet's one ReLU is called four times)."""
    captured: dict[str, torch.Tensor] = {}
    calls: dict[str, int] = {}
    handles = []

    def make_hook(path: str):
        def hook(module: nn.Module, args: tuple, output: torch.Tensor) -> None:
            count = calls.get(path, 0)
            calls[path] = count + 1
            captured[path if count == 0 else f"{path}_{count}"] = output.detach().clone()

        return hook

    for path, module in model.named_modules():
        if path and not list(module.children()):
            handles.append(module.register_forward_hook(make_hook(path)))
    try:
        with torch.inference_mode():
            model(inputs)
    finally:
        for handle in handles:
            handle.remove()
    return captured


def final_logits(layers: Sequence[LayerActivation]) -> np.ndarray:
    """The last layer's output: the logits (num_classes,) float32."""
    return layers[-1].values


def warm_up(module: nn.Module, input_size: Sequence[int], *, passes: int = 1) -> None:
    """Forward `passes` zero inputs (1, *input_size) on the module's device, so the next (timed) pass is a
    steady-state one: torch's one-off set-up happens here. Works for a model and for its layer_extractor."""
    with torch.inference_mode():
        for _ in range(passes):
            module(torch.zeros(1, *input_size, device=model_device(module)))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Class probabilities from logits (K,): exp(z - max z) / sum, computed in float64, returned float32."""
    z = np.asarray(logits, dtype=np.float64)
    probabilities = np.exp(z - z.max())
    probabilities /= probabilities.sum()
    return probabilities.astype(np.float32)


@dataclass(frozen=True)
class FeatureRun:
    """Every layer's output for one input, with the input and what it cost."""

    steps: tuple  # preprocessing (caption, image) pairs; the last is the model's input as an image
    layers: list[LayerActivation]
    probabilities: np.ndarray  # softmax of the last layer, (K,) float32
    seconds: float  # the forward pass alone (the thread warmed up first)
    device: str
    inputs: np.ndarray | None = None  # the model's input tensor (C, H, W) float32, normalised as it saw it


def feature_run(extractor: fx.GraphModule, prepared: Preprocessed) -> FeatureRun:
    """All activations of a preprocessed input in one timed forward pass, and the softmax of the last."""
    device = model_device(extractor)
    warm_thread(device)
    start = time.perf_counter()
    layers = extract_activations(extractor, prepared.tensor)
    seconds = time.perf_counter() - start
    inputs = prepared.tensor[0].detach().float().cpu().numpy()
    return FeatureRun(
        prepared.steps, layers, softmax(final_logits(layers)), seconds, describe_device(device), inputs
    )


def channel_statistics(values: np.ndarray) -> dict[str, np.ndarray]:
    """Per-channel statistics of feature maps (C, H, W): mean, std, min, max, mean |a| and the fraction > 0.

    Returns a dict of (C,) float32 arrays (a vector (F,) counts as F channels of one value).
    """
    flat = values.reshape(values.shape[0], -1).astype(np.float32)
    return {
        "mean": flat.mean(axis=1),
        "std": flat.std(axis=1),
        "min": flat.min(axis=1),
        "max": flat.max(axis=1),
        "mean_abs": np.abs(flat).mean(axis=1),
        "active_fraction": (flat > 0).mean(axis=1).astype(np.float32),
    }


def order_by_activity(values: np.ndarray) -> np.ndarray:
    """Channel indices (C,) int64, most active first: by mean |activation|, ties by index."""
    activity = channel_statistics(values)["mean_abs"]
    return np.argsort(-activity, kind="stable").astype(np.int64)


def colorize(maps: np.ndarray, *, shared_scale: bool = True) -> np.ndarray:
    """Feature maps (N, H, W) float -> (N, H, W, 3) uint8 colour images.

    Maps with negative values (pre-ReLU) get the course's signed blue-white-red map (lib.cv.display.
    signed_colours) centred on 0; non-negative maps get viridis from 0 to the maximum. shared_scale: one scale for all maps, else one per map.
    """
    maps = np.asarray(maps, dtype=np.float32)
    signed = bool((maps < 0).any())
    axes = None if shared_scale else (1, 2)
    if signed:
        scale = np.abs(maps).max(axis=axes, keepdims=True)
        return signed_colours(maps / np.maximum(scale, 1e-12))
    scale = maps.max(axis=axes, keepdims=True)
    levels = np.round(maps / np.maximum(scale, 1e-12) * 255).astype(np.uint8)
    coloured = cv2.applyColorMap(levels.reshape(-1, maps.shape[-1]), cv2.COLORMAP_VIRIDIS)
    return cv2.cvtColor(coloured, cv2.COLOR_BGR2RGB).reshape(*maps.shape, 3)


def tile_images(images: np.ndarray, *, columns: int = 8, cell_side: int = 64, gap: int = 2) -> np.ndarray:
    """Small images (N, h, w) or (N, h, w, 3), uint8 or float in [0, 1], as one grid: each enlarged with
    nearest neighbour to about cell_side pixels, `gap` white pixels between. Returns RGB uint8."""
    if images.ndim not in (3, 4) or images.shape[0] == 0:
        raise ValueError(f"expected images (N, h, w) or (N, h, w, 3) with N >= 1, got shape {images.shape}")
    if images.dtype != np.uint8:
        images = np.round(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8)
    if images.ndim == 3:
        images = np.repeat(images[..., None], 3, axis=3)
    columns = max(1, min(columns, images.shape[0]))
    scale = max(1, cell_side // max(images.shape[1:3]))
    cell_h, cell_w = images.shape[1] * scale, images.shape[2] * scale
    rows = -(-images.shape[0] // columns)
    grid = np.full((rows * (cell_h + gap) - gap, columns * (cell_w + gap) - gap, 3), 255, dtype=np.uint8)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        y, x = row * (cell_h + gap), column * (cell_w + gap)
        grid[y : y + cell_h, x : x + cell_w] = np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)
    return grid


def outline_unit(picture: np.ndarray, row: int, col: int, scale: int) -> np.ndarray:
    """A copy of one map enlarged `scale` times (H*scale, W*scale[, 3]) with unit (row, col) outlined in black."""
    marked = picture.copy()
    top, left = row * scale, col * scale
    cv2.rectangle(marked, (left - 1, top - 1), (left + scale, top + scale), (0, 0, 0), 1)
    return marked


def tile_maps(
    maps: np.ndarray, *, columns: int = 8, cell_side: int = 64, gap: int = 2, shared_scale: bool = True
) -> np.ndarray:
    """Feature maps (N, H, W) as one grid image, each coloured (see colorize). Returns RGB uint8."""
    if maps.ndim != 3 or maps.shape[0] == 0:
        raise ValueError(f"expected feature maps (N, H, W) with N >= 1, got shape {maps.shape}")
    coloured = colorize(maps, shared_scale=shared_scale)
    return tile_images(coloured, columns=columns, cell_side=cell_side, gap=gap)


def first_conv(model: nn.Module) -> tuple[str, nn.Conv2d]:
    """The first Conv2d of a model (in registration order) and its path."""
    for path, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            return path, module
    raise ValueError("this model has no Conv2d layer")


def filters_as_images(weight: np.ndarray) -> np.ndarray:
    """Conv weights (O, I, k, k) -> images in [0, 1] on one shared scale, 0.5 = a zero weight.

    I == 3: (O, k, k, 3) RGB (channel order of the input); otherwise (O, k, k), the mean over inputs.
    """
    weight = np.asarray(weight, dtype=np.float32)
    if weight.ndim != 4:
        raise ValueError(f"expected conv weights (O, I, k, k), got shape {weight.shape}")
    images = weight.transpose(0, 2, 3, 1) if weight.shape[1] == 3 else weight.mean(axis=1)
    scale = max(float(np.abs(images).max()), 1e-12)
    return (0.5 + images / (2 * scale)).astype(np.float32)


def kernel_for_map(model: nn.Module, layers: Sequence[LayerActivation], name: str, channel: int):
    """The convolution that made channel `channel` of layer `name` (that layer, or the nearest conv
    before it with as many channels): (conv layer name, weights (I, k, k) float32, bias float)."""
    names = [layer.name for layer in layers]
    if name not in names:
        raise ValueError(f"no layer named {name!r}")
    index = names.index(name)
    channels = layers[index].values.shape[0]
    for layer in reversed(layers[: index + 1]):
        if layer.kind == "Conv2d" and layer.values.shape[0] == channels and layer.module_path:
            conv = model.get_submodule(layer.module_path)
            weight = conv.weight[channel].detach().float().cpu().numpy()
            bias = float(conv.bias[channel].detach()) if conv.bias is not None else 0.0
            return layer.name, weight, bias
    raise ValueError(f"no convolution before {name!r} made its {channels} channels")


def random_twin(
    name: str, *, seed: int = 0, device: torch.device | None = None, config: ShapesCNNConfig | None = None
) -> nn.Module:
    """The named model's architecture with random initial weights (seeded), in eval mode: what a
    network sees before it learns anything. config: a ShapesCNN of this configuration (a trained CNN's)."""
    with _SEED_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_architecture(name, config=config)
    return model.to(device or torch.device("cpu")).eval()


# ---------------------------------------------------------------------------------------------------
# Receptive fields, through lib.nn.cnn_math, for networks that are a chain of layers


def _spec(module: nn.Module) -> object | None:
    """lib.nn.cnn_math's spec of a module, or None for modules that do not change the geometry."""
    if isinstance(module, nn.Conv2d):
        return cnn_math.Conv2d(
            module.in_channels,
            module.out_channels,
            module.kernel_size,
            stride=module.stride,
            padding=module.padding,
            dilation=module.dilation,
            groups=module.groups,
            bias=module.bias is not None,
        )
    if isinstance(module, nn.MaxPool2d | nn.AvgPool2d):
        if getattr(module, "dilation", 1) not in (1, (1, 1)) or getattr(module, "ceil_mode", False):
            return False
        cls = cnn_math.MaxPool2d if isinstance(module, nn.MaxPool2d) else cnn_math.AvgPool2d
        return cls(module.kernel_size, module.stride, module.padding)
    if isinstance(module, nn.BatchNorm2d):
        return cnn_math.BatchNorm2d(module.num_features)
    if isinstance(module, nn.ReLU):
        return cnn_math.ReLU()
    return False  # anything else: not supported


def receptive_field(
    model: nn.Module, layers: Sequence[LayerActivation], name: str, position: tuple[int, int], input_shape
) -> cnn_math.FieldBox | None:
    """The input pixels unit `position` = (row, col) of layer `name` sees, or None when the network
    up to that layer is not a plain chain of conv / pool / BN / ReLU layers (ResNet's additions)."""
    specs = []
    for layer in layers:
        if layer.module_path is None:
            return None
        spec = _spec(model.get_submodule(layer.module_path))
        if spec is False:
            return None
        specs.append(spec)
        if layer.name == name:
            break
    else:
        raise ValueError(f"no layer named {name!r}")
    rows = cnn_math.analyze(specs, tuple(input_shape))
    return cnn_math.receptive_field_box(rows, len(rows) - 1, position)


def feature_maps_snippet(
    name: str,
    layer: str,
    *,
    random_weights: bool = False,
    info: ModelInfo | None = None,
    config: ShapesCNNConfig | None = None,
) -> str:
    """Runnable code: the page's own run (layer_extractor and layer_outputs, their real source) on
    `image_rgb`; `result` is every map of `layer`, (C, H, W).

    info and config: a CNN trained in this session (see lib.nn.models.model_snippet_parts).
    """
    imports, model_code, input_code = model_snippet_parts(
        name, random_weights=random_weights, info=info, config=config
    )
    imports = imports.replace("from torch import nn\n", "") + (
        "from torch import fx, nn\n"  # the recipe's annotations
        "from torchvision.models.feature_extraction import create_feature_extractor, get_graph_node_names\n"
    )
    recipe = "\n\n".join(
        inspect.getsource(part).rstrip() for part in (clone_if_tensor, layer_extractor, layer_outputs)
    )
    return (
        f"{imports}\n{model_code}{input_code}\n\n{recipe}\n\n\n"
        "# every layer's output in one forward pass; each is cloned the moment it is computed, so an\n"
        "# in-place ReLU (VGG, AlexNet, ResNet) cannot overwrite the convolution's maps before we read them\n"
        "outputs = layer_outputs(layer_extractor(model), inputs)\n"
        "print(list(outputs))  # every layer you can ask for\n"
        f'result = outputs["{layer}"][0].numpy()  # one image: (channels, height, width)\n'
        "print(result.shape)\n"
    )
