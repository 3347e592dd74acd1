"""Code shown to students: runnable cv2 / numpy / torch that builds a model, prepares an image and
classifies it, no lib imports."""

from __future__ import annotations

from lib.nn.architectures_torch import ShapesCNNConfig
from lib.nn.models.preprocessing import DIGIT_STROKE
from lib.nn.models.registry import OUR_MODELS, TORCHVISION_MODELS, ModelInfo, model_info
from lib.nn.models.session import TRAINED_SOURCE, TRAINED_WEIGHTS_FILE

# ---------------------------------------------------------------------------------------------------
# Code shown to students: runnable cv2 / numpy / torch, no lib imports

_DIGIT_INPUT_SNIPPET = """
# LeNet's input, made the way scikit-learn's digits were made: ink bright on black, cropped to the
# digit, scaled into a 32x32 bitmap (height filling it), counted in 4x4 blocks (8x8), scaled back to 32x32.
gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY) if image_rgb.ndim == 3 else image_rgb
border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
ink = 255 - gray if np.median(border) > 127 else gray.copy()  # light paper: invert
paper = np.median(np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]]))
ink = np.clip(ink.astype(np.int16) - int(paper), 0, 255).astype(np.uint8)
_, mask = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
areas = stats[1:, cv2.CC_STAT_AREA]
mask = np.isin(labels, np.flatnonzero(areas >= 0.05 * areas.max()) + 1)  # drop specks
ys, xs = np.nonzero(mask)
crop = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.uint8)
# Thin strokes (a mouse, a pen) thickened to {stroke} pixels of the 32x32 bitmap: the data's strokes are thick.
distance = cv2.distanceTransform(np.pad(crop, 1), cv2.DIST_L2, 5)  # distance to the background
ridge = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))  # middle lines
width = max(1.0, 2 * float(np.median(distance[ridge])) - 1)  # stroke width in pixels
radius = round(({stroke} * max(crop.shape) / 30 - width) / 2)
if radius >= 1:
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    crop = cv2.dilate(np.pad(crop, radius), disc)
crop = crop.astype(np.float32)
scale = 30 / max(crop.shape)  # 32 pixels minus a 1-pixel margin on each side
height = max(1, min(30, round(crop.shape[0] * scale)))
width = max(1, min(30, round(crop.shape[1] * scale)))
bitmap = np.zeros((32, 32), dtype=np.float32)
y0, x0 = (32 - height) // 2, (32 - width) // 2
bitmap[y0 : y0 + height, x0 : x0 + width] = cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA)
cells = bitmap.reshape(8, 4, 8, 4).mean(axis=(1, 3))  # the 8x8 digit, values in [0, 1]
digit = cv2.resize(cells, (32, 32), interpolation=cv2.INTER_LINEAR)
inputs = ((torch.from_numpy(digit) - {mean}) / {std})[None, None]  # (1, 1, 32, 32)
"""

_SHAPES_INPUT_SNIPPET = """
interpolation = cv2.INTER_AREA if max(image_rgb.shape[:2]) > {side} else cv2.INTER_LINEAR
resized = cv2.resize(image_rgb, ({side}, {side}), interpolation=interpolation)
mean = torch.tensor({mean}).view(3, 1, 1)
std = torch.tensor({std}).view(3, 1, 1)
inputs = ((torch.from_numpy(resized).permute(2, 0, 1).float() / 255 - mean) / std)[None]  # (1, 3, {side}, {side})
"""


def _class_source(name: str) -> str:
    import inspect

    from lib.nn import architectures_torch

    if name == "lenet_digits":
        return inspect.getsource(architectures_torch.DigitsLeNet5)
    parts = (
        architectures_torch.ShapesCNNConfig,
        architectures_torch.conv_block,
        architectures_torch.ShapesCNN,
    )
    return "\n\n".join(inspect.getsource(part) for part in parts)


def model_snippet_parts(
    name: str,
    *,
    random_weights: bool = False,
    info: ModelInfo | None = None,
    config: ShapesCNNConfig | None = None,
) -> tuple[str, str, str]:
    """Code that builds the named model (imports included) and code that turns `image_rgb` into
    `inputs` (1, C, H, W): (imports, model code, input code), for the Code panels.

    info and config: a CNN trained in this session (its weights are read from TRAINED_WEIGHTS_FILE).
    """
    info = info or model_info(name)
    trained = info.source == TRAINED_SOURCE
    if trained and config is None:
        raise ValueError("a trained model's code needs its ShapesCNNConfig (config=...)")
    imports = "import cv2\nimport numpy as np\nimport torch\n"
    if name in OUR_MODELS or trained:
        imports += "from torch import nn\n"
        if name == "shapes_cnn" or trained:
            imports = "from dataclasses import dataclass\n\n" + imports
        constructor = (
            "DigitsLeNet5(num_classes=10)" if name == "lenet_digits" else "ShapesCNN(ShapesCNNConfig())"
        )
        weights_file = f"weights/{name}.pt"
        if trained:
            constructor = f"ShapesCNN({config!r})"
            weights_file = TRAINED_WEIGHTS_FILE  # downloaded from the Train a CNN page
        if random_weights:
            build = f"torch.manual_seed(0)  # random weights: what the network sees before training\nmodel = {constructor}.eval()"
        else:
            build = (
                f"model = {constructor}\n"
                f'state = torch.load("{weights_file}", weights_only=True, map_location="cpu")  # tensors only\n'
                "model.load_state_dict(state)\nmodel.eval()"
            )
        model_code = f"{_class_source('shapes_cnn' if trained else name)}\n\n{build}\n"
        digits = name == "lenet_digits" and not trained
        template = _DIGIT_INPUT_SNIPPET if digits else _SHAPES_INPUT_SNIPPET
        input_code = template.format(
            mean=info.mean[0] if digits else list(info.mean),
            std=info.std[0] if digits else list(info.std),
            side=info.input_size[1],
            stroke=DIGIT_STROKE,
        )
        return _used_imports(imports, model_code + input_code), model_code, input_code
    entry = TORCHVISION_MODELS[name]
    builder, weights = entry.builder.__name__, entry.weights
    enum = f"{type(weights).__name__}.{weights.name}"
    imports += f"from torchvision.models import {type(weights).__name__}, {builder}\n"
    if random_weights:
        model_code = f"torch.manual_seed(0)  # random weights: what the network sees before training\nmodel = {builder}(weights=None).eval()\n"
    else:
        model_code = f"model = {builder}(weights={enum}).eval()  # downloads once into the torch hub cache\n"
    input_code = (
        f"\npreprocess = {enum}.transforms()  # resize {weights.transforms().resize_size[0]}, "
        f"centre crop {info.input_size[1]}, normalise\n"
        "inputs = preprocess(torch.from_numpy(image_rgb).permute(2, 0, 1)).unsqueeze(0)  # (1, 3, 224, 224)\n"
    )
    return _used_imports(imports, model_code + input_code), model_code, input_code


def _used_imports(imports: str, code: str) -> str:
    """The import lines without NumPy when the code never calls np. (a downloaded script passes ruff)."""
    return imports if "np." in code else imports.replace("import numpy as np\n", "")


def classify_snippet(
    name: str, *, k: int = 5, info: ModelInfo | None = None, config: ShapesCNNConfig | None = None
) -> str:
    """Runnable code that classifies `image_rgb` with the named model; `result` = [(class, probability)].

    info and config: a CNN trained in this session (see model_snippet_parts).
    """
    info = info or model_info(name)
    imports, model_code, input_code = model_snippet_parts(name, info=info, config=config)
    k = max(1, min(k, len(info.classes)))
    if name in OUR_MODELS or info.source == TRAINED_SOURCE:
        classes = f"classes = {list(info.classes)}\n"
    else:
        weights = TORCHVISION_MODELS[name].weights
        classes = (
            f'classes = {type(weights).__name__}.{weights.name}.meta["categories"]  # 1000 ImageNet names\n'
        )
    return (
        '# image_rgb: an RGB uint8 image, e.g. cv2.cvtColor(cv2.imread("photo.jpg"), cv2.COLOR_BGR2RGB)\n'
        f"{imports}\n{model_code}{input_code}\n{classes}"
        "with torch.no_grad():\n"
        "    probabilities = torch.softmax(model(inputs)[0], dim=0)\n"
        f"k = min({k}, len(classes))  # torch.topk needs k <= the number of classes\n"
        "values, indices = torch.topk(probabilities, k)\n"
        "result = [(classes[i], float(p)) for p, i in zip(values, indices)]\n"
        "print(result)\n"
    )
