"""Code shown to students: runnable cv2 / numpy / torch that builds a model, prepares an image and
classifies it, no lib imports."""

from __future__ import annotations

from lib.nn.architectures_torch import ShapesCNNConfig
from lib.nn.models import preprocessing
from lib.nn.models.registry import DIGIT_CELLS, OUR_MODELS, TORCHVISION_MODELS, ModelInfo, model_info
from lib.nn.models.session import TRAINED_SOURCE, TRAINED_WEIGHTS_FILE

# ---------------------------------------------------------------------------------------------------
# Code shown to students: runnable cv2 / numpy / torch, no lib imports

_DIGIT_INPUT_SNIPPET = """
digit = prepare_digit(image_rgb, side={side}, cells={cells}, stroke={stroke}, margin=1)["digit"]
inputs = ((torch.from_numpy(digit) - {mean}) / {std})[None, None]  # (1, 1, {side}, {side})
"""


def _digit_recipe_source() -> str:
    """prepare_digit and the helpers it calls, as lib.nn.models.preprocessing defines them."""
    import inspect

    from lib.nn.models import preprocessing

    parts = (
        preprocessing.ink_image,
        preprocessing.ink_mask,
        preprocessing.stroke_width,
        preprocessing.thicken_strokes,
        preprocessing.prepare_digit,
    )
    return "\n\n".join(inspect.getsource(part).rstrip() + "\n" for part in parts)


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

    info and config: a CNN trained in this session (its checkpoint is read from TRAINED_WEIGHTS_FILE).
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
        elif trained:  # the checkpoint Train a CNN downloads: the state dict with its config and class names
            build = (
                f"model = {constructor}\n"
                f'checkpoint = torch.load("{weights_file}", weights_only=True, map_location="cpu")  '
                "# tensors, numbers and names only\n"
                'model.load_state_dict(checkpoint["state_dict"])\nmodel.eval()'
            )
        else:
            build = (
                f"model = {constructor}\n"
                f'state = torch.load("{weights_file}", weights_only=True, map_location="cpu")  # tensors only\n'
                "model.load_state_dict(state)\nmodel.eval()"
            )
        model_code = f"{_class_source('shapes_cnn' if trained else name)}\n\n{build}\n"
        digits = name == "lenet_digits" and not trained
        if digits:  # LeNet's preprocessing is the lib's own function, shown as it is
            model_code += "\n\n" + _digit_recipe_source()
        template = _DIGIT_INPUT_SNIPPET if digits else _SHAPES_INPUT_SNIPPET
        input_code = template.format(
            mean=info.mean[0] if digits else list(info.mean),
            std=info.std[0] if digits else list(info.std),
            side=info.input_size[1],
            cells=DIGIT_CELLS,
            stroke=preprocessing.DIGIT_STROKE,
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
