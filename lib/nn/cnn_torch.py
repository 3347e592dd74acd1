"""PyTorch side of the CNN calculators: build layer specs as nn.Sequential and check every number.

Also our own torchvision-style definitions of LeNet-5, AlexNet and VGG for the Architectures page.
Big networks are built on the "meta" device by default: shapes and parameter counts are exact and
no memory is allocated for weights (VGG16 would otherwise take 550 MB).
"""

from __future__ import annotations

import importlib
import inspect
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from lib.nn import cnn_math
from lib.nn.cnn_math import VGG_CONFIGS, Layer
from lib.nn.device import default_device
from lib.nn.random_state import GLOBAL_RNG_LOCK as _SEED_LOCK

META_ABOVE_PARAMS = 20_000_000  # verify_with_torch builds bigger networks on the meta device


def torch_layer(layer: Layer) -> nn.Module:
    """The nn.Module for one layer spec (same arguments, torch's defaults elsewhere)."""
    if isinstance(layer, cnn_math.Conv2d):
        return nn.Conv2d(
            layer.in_channels,
            layer.out_channels,
            kernel_size=layer.kernel_size,
            stride=layer.stride,
            padding=layer.padding,
            dilation=layer.dilation,
            groups=layer.groups,
            bias=layer.bias,
        )
    if isinstance(layer, cnn_math.MaxPool2d):
        return nn.MaxPool2d(layer.kernel_size, stride=layer.stride, padding=layer.padding)
    if isinstance(layer, cnn_math.AvgPool2d):
        return nn.AvgPool2d(layer.kernel_size, stride=layer.stride, padding=layer.padding)
    if isinstance(layer, cnn_math.AdaptiveAvgPool2d):
        return nn.AdaptiveAvgPool2d(layer.output_size)
    if isinstance(layer, cnn_math.Linear):
        return nn.Linear(layer.in_features, layer.out_features, bias=layer.bias)
    if isinstance(layer, cnn_math.BatchNorm2d):
        return nn.BatchNorm2d(layer.num_features)
    if isinstance(layer, cnn_math.LocalResponseNorm):
        return nn.LocalResponseNorm(layer.size)
    if isinstance(layer, cnn_math.Dropout):
        return nn.Dropout(layer.p)
    simple = {
        cnn_math.ReLU: nn.ReLU,
        cnn_math.Tanh: nn.Tanh,
        cnn_math.Sigmoid: nn.Sigmoid,
        cnn_math.Flatten: nn.Flatten,
    }
    for spec_type, module_type in simple.items():
        if isinstance(layer, spec_type):
            return module_type()
    raise ValueError(f"No PyTorch layer for {type(layer).__name__}")


def build_sequential(layers: Sequence[Layer]) -> nn.Sequential:
    """nn.Sequential of the specs, its children named like the analysis rows ("conv1", "pool1", ...)."""
    names = cnn_math.layer_names(layers)
    if len(set(names)) != len(names) or any("." in name or not name for name in names):
        names = [str(index) for index in range(len(layers))]
    return nn.Sequential(
        OrderedDict((name, torch_layer(layer)) for name, layer in zip(names, layers, strict=True))
    )


def count_trainable_parameters(model: nn.Module) -> int:
    """sum(p.numel()) over the trainable parameters."""
    return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)


@dataclass(frozen=True)
class TorchCheck:
    """One layer as PyTorch sees it, beside what lib.nn.cnn_math computed."""

    name: str
    module: str  # repr of the nn.Module
    output_shape: tuple[int, ...]  # without the batch axis
    params: int
    expected_shape: tuple[int, ...]
    expected_params: int

    @property
    def agrees(self) -> bool:
        return self.output_shape == self.expected_shape and self.params == self.expected_params


def verify_with_torch(
    layers: Sequence[Layer], input_shape: Sequence[int], *, use_meta: bool | None = None
) -> list[TorchCheck]:
    """Build the network in PyTorch, push a zero input of input_shape through it, and compare every layer.

    use_meta: run on the meta device (exact shapes and counts, no memory, no arithmetic); None decides
    by size (networks over META_ABOVE_PARAMS parameters). Raises ValueError when the analysis does.
    """
    rows = cnn_math.analyze(layers, input_shape)
    if use_meta is None:
        use_meta = sum(row.params for row in rows) > META_ABOVE_PARAMS
    device = torch.device("meta") if use_meta else default_device()
    with device, _SEED_LOCK, torch.random.fork_rng(devices=[]):  # random weights: leave the global state be
        model = build_sequential(layers)
    model.eval()
    checks = []
    x = torch.zeros((1, *tuple(input_shape)), device=device)
    with torch.no_grad():
        for (name, module), row in zip(model.named_children(), rows, strict=True):
            x = module(x)  # (1, *row.output_shape)
            checks.append(
                TorchCheck(
                    name=row.name if name.isdigit() else name,
                    module=repr(module),
                    output_shape=tuple(x.shape[1:]),
                    params=count_trainable_parameters(module),
                    expected_shape=row.output_shape,
                    expected_params=row.params,
                )
            )
    return checks


# --------------------------------------------------------------------------------------------------
# Our own definitions, torchvision style (shown on the Architectures page)
# --------------------------------------------------------------------------------------------------


class ClassicLeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) as usually taught: 32×32 gray input, tanh, average pooling."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5),  # C1: (6, 28, 28)
            nn.Tanh(),
            nn.AvgPool2d(kernel_size=2, stride=2),  # S2: (6, 14, 14)
            nn.Conv2d(6, 16, kernel_size=5),  # C3: (16, 10, 10)
            nn.Tanh(),
            nn.AvgPool2d(kernel_size=2, stride=2),  # S4: (16, 5, 5)
            nn.Conv2d(16, 120, kernel_size=5),  # C5: (120, 1, 1)
            nn.Tanh(),
        )
        self.classifier = nn.Sequential(
            nn.Linear(120, 84),  # F6
            nn.Tanh(),
            nn.Linear(84, num_classes),  # output
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)  # (N, 120, 1, 1)
        x = torch.flatten(x, 1)  # (N, 120)
        return self.classifier(x)


class AlexNet(nn.Module):
    """AlexNet (Krizhevsky, Sutskever, Hinton, 2012) as taught: 227×227 RGB, one tower, LRN, dropout."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, kernel_size=11, stride=4),  # (96, 55, 55)
            nn.ReLU(inplace=True),
            nn.LocalResponseNorm(5),
            nn.MaxPool2d(kernel_size=3, stride=2),  # (96, 27, 27): overlapping pooling
            nn.Conv2d(96, 256, kernel_size=5, padding=2),  # (256, 27, 27)
            nn.ReLU(inplace=True),
            nn.LocalResponseNorm(5),
            nn.MaxPool2d(kernel_size=3, stride=2),  # (256, 13, 13)
            nn.Conv2d(256, 384, kernel_size=3, padding=1),  # (384, 13, 13)
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 384, kernel_size=3, padding=1),  # (384, 13, 13)
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),  # (256, 13, 13)
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),  # (256, 6, 6)
        )
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)  # (N, 256, 6, 6)
        x = torch.flatten(x, 1)  # (N, 9216)
        return self.classifier(x)


def make_vgg_layers(config: Sequence[int | str]) -> nn.Sequential:
    """VGG's feature extractor from a config: numbers are 3×3 convolutions, "M" a 2×2 max pool, stride 2."""
    layers: list[nn.Module] = []
    in_channels = 3
    for item in config:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))  # halves H and W
        else:
            layers += [nn.Conv2d(in_channels, int(item), kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            in_channels = int(item)
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """VGG (Simonyan and Zisserman, 2014): blocks of 3×3 convolutions, 224×224 RGB → (512, 7, 7)."""

    def __init__(self, config: Sequence[int | str], num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = make_vgg_layers(config)
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)  # (N, 512, 7, 7)
        x = torch.flatten(x, 1)  # (N, 25088)
        return self.classifier(x)


OWN_MODELS = ("lenet5", "alexnet", "vgg16", "vgg19")
TORCHVISION_MODELS = ("alexnet", "vgg16", "vgg19")


def own_model(name: str, *, device: str | torch.device = "meta") -> nn.Module:
    """One of our definitions (OWN_MODELS), in eval mode; on "meta" it has exact shapes and no weights."""
    builders = {
        "lenet5": ClassicLeNet5,
        "alexnet": AlexNet,
        "vgg16": lambda: VGG(VGG_CONFIGS["vgg16"]),
        "vgg19": lambda: VGG(VGG_CONFIGS["vgg19"]),
    }
    if name not in builders:
        raise ValueError(f"No own definition of {name!r}; choose one of {', '.join(OWN_MODELS)}")
    with torch.device(device):
        return builders[name]().eval()


def torchvision_model(name: str, *, device: str | torch.device = "meta") -> nn.Module:
    """torchvision's builder with weights=None (downloads nothing), in eval mode."""
    if name not in TORCHVISION_MODELS:
        raise ValueError(f"torchvision has no {name!r} here; choose one of {', '.join(TORCHVISION_MODELS)}")
    import torchvision.models

    with torch.device(device):
        return getattr(torchvision.models, name)(weights=None).eval()


@dataclass(frozen=True)
class ModuleCount:
    """One leaf module of a model with its parameter count."""

    name: str  # dotted path, e.g. "features.0"
    module: str  # repr
    params: int


def parameter_table(model: nn.Module) -> list[ModuleCount]:
    """Every leaf module in order of definition, with its own parameter count."""
    return [
        ModuleCount(name=name, module=repr(module), params=count_trainable_parameters(module))
        for name, module in model.named_modules()
        if name and not list(module.children())
    ]


def own_source(name: str) -> str:
    """Runnable source of our definition of a model (imports, class, VGG's config); it ends with `model = ...`."""
    imports = "import torch\nfrom torch import nn\n\n\n"
    if name == "lenet5":
        return imports + inspect.getsource(ClassicLeNet5) + "\n\nmodel = ClassicLeNet5()\n"
    if name == "alexnet":
        return imports + inspect.getsource(AlexNet) + "\n\nmodel = AlexNet()\n"
    if name in VGG_CONFIGS:
        imports = "from collections.abc import Sequence\n\n" + imports
        config = f"VGG_CONFIGS = {{\n    {name!r}: {VGG_CONFIGS[name]!r},\n}}\n\n\n"
        usage = f"\n\nmodel = VGG(VGG_CONFIGS[{name!r}])\n"
        return imports + config + inspect.getsource(make_vgg_layers) + "\n\n" + inspect.getsource(VGG) + usage
    raise ValueError(f"No own definition of {name!r}; choose one of {', '.join(OWN_MODELS)}")


def torchvision_source(name: str) -> str:
    """The source code torchvision uses for a model (read from the installed package)."""
    # import_module: `import torchvision.models.alexnet as m` would give the builder function, not the module
    tv_alexnet = importlib.import_module("torchvision.models.alexnet")
    tv_vgg = importlib.import_module("torchvision.models.vgg")

    if name == "alexnet":
        return inspect.getsource(tv_alexnet.AlexNet)
    if name in ("vgg16", "vgg19"):
        letter = {"vgg16": "D", "vgg19": "E"}[name]
        config = f'cfgs = {{\n    "{letter}": {tv_vgg.cfgs[letter]!r},\n}}\n\n\n'
        usage = f'\n\nmodel = VGG(make_layers(cfgs["{letter}"], batch_norm=False))\n'
        return config + inspect.getsource(tv_vgg.make_layers) + "\n\n" + inspect.getsource(tv_vgg.VGG) + usage
    raise ValueError(f"torchvision has no {name!r} here; choose one of {', '.join(TORCHVISION_MODELS)}")
