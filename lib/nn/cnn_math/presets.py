"""Presets: the course's networks and the classics (LeNet-5, AlexNet, VGG16/19, ...) as layer specs."""

from __future__ import annotations

from collections.abc import Sequence

from lib.nn.cnn_math.layers import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Flatten,
    Layer,
    Linear,
    LocalResponseNorm,
    MaxPool2d,
    ReLU,
    Shape,
    Tanh,
)

# --------------------------------------------------------------------------------------------------
# Presets: the course's networks and the classics
# --------------------------------------------------------------------------------------------------

# torchvision's cfgs "D" and "E": numbers are 3×3 convolutions (output channels), "M" a 2×2 max pool
VGG_CONFIGS: dict[str, list[int | str]] = {
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [
        64,
        64,
        "M",
        128,
        128,
        "M",
        256,
        256,
        256,
        256,
        "M",
        512,
        512,
        512,
        512,
        "M",
        512,
        512,
        512,
        512,
        "M",
    ],
}


def _vgg(config: Sequence[int | str], *, num_classes: int = 1000) -> list[Layer]:
    """VGG as in the paper: 3×3 convolutions (padding 1) in blocks, each closed by a 2×2 max pool, stride 2."""
    layers: list[Layer] = []
    channels, block, conv_in_block = 3, 1, 0
    for item in config:
        if item == "M":
            layers.append(MaxPool2d(2, 2, name=f"pool{block}"))
            block, conv_in_block = block + 1, 0
        else:
            conv_in_block += 1
            layers.append(Conv2d(channels, int(item), 3, padding=1, name=f"conv{block}_{conv_in_block}"))
            layers.append(ReLU(name=f"relu{block}_{conv_in_block}"))
            channels = int(item)
    layers += [
        Flatten(),
        Linear(512 * 7 * 7, 4096, name="fc6"),
        ReLU(name="relu6"),
        Dropout(0.5, name="dropout6"),
        Linear(4096, 4096, name="fc7"),
        ReLU(name="relu7"),
        Dropout(0.5, name="dropout7"),
        Linear(4096, num_classes, name="fc8"),
    ]
    return layers


def _alexnet(*, channels: Sequence[int], groups: int, input_padding: int, adaptive: bool) -> list[Layer]:
    c1, c2, c3, c4, c5 = channels
    layers: list[Layer] = [
        Conv2d(3, c1, 11, stride=4, padding=input_padding),
        ReLU(),
    ]
    if not adaptive:
        layers.append(LocalResponseNorm(5))
    layers += [MaxPool2d(3, stride=2), Conv2d(c1, c2, 5, padding=2, groups=groups), ReLU()]
    if not adaptive:
        layers.append(LocalResponseNorm(5))
    layers += [
        MaxPool2d(3, stride=2),
        Conv2d(c2, c3, 3, padding=1),
        ReLU(),
        Conv2d(c3, c4, 3, padding=1, groups=groups),
        ReLU(),
        Conv2d(c4, c5, 3, padding=1, groups=groups),
        ReLU(),
        MaxPool2d(3, stride=2),
    ]
    if adaptive:
        layers.append(AdaptiveAvgPool2d(6))
    layers += [
        Flatten(),
        Dropout(0.5),
        Linear(c5 * 6 * 6, 4096),
        ReLU(),
        Dropout(0.5),
        Linear(4096, 4096),
        ReLU(),
        Linear(4096, 1000),
    ]
    return layers


PRESETS: dict[str, tuple[list[Layer], Shape]] = {
    # III.F: 32×32×3 → 30×30×8 → 30×30×16 → 15×15×16 → 7×7×32 → flatten 1568
    "example_f": (
        [
            Conv2d(3, 8, 3, padding="valid"),
            ReLU(),
            Conv2d(8, 16, 3, padding="same"),
            ReLU(),
            MaxPool2d(2, 2),
            Conv2d(16, 32, 3, stride=2, padding="valid"),
            ReLU(),
            Flatten(),
        ],
        (3, 32, 32),
    ),
    # III.G: 224 + 1,168 + 401,536 + 1,290 = 404,218 parameters
    "example_g": (
        [
            Conv2d(3, 8, 3),
            ReLU(),
            Conv2d(8, 16, 3),
            ReLU(),
            MaxPool2d(2, 2),
            Flatten(),
            Linear(14 * 14 * 16, 128),
            ReLU(),
            Linear(128, 10),
        ],
        (3, 32, 32),
    ),
    # IV.B: LeNet-5 as usually taught (full C3 connections, tanh, average pooling): 61,706 parameters
    "lenet5": (
        [
            Conv2d(1, 6, 5),
            Tanh(),
            AvgPool2d(2, 2),
            Conv2d(6, 16, 5),
            Tanh(),
            AvgPool2d(2, 2),
            Conv2d(16, 120, 5),
            Tanh(),
            Flatten(),
            Linear(120, 84),
            Tanh(),
            Linear(84, 10),
        ],
        (1, 32, 32),
    ),
    # IV.C: the course's Keras LeNet on 28×28 MNIST (ReLU, max pooling, conv3 "same"): 212,906
    "lenet_keras": (
        [
            Conv2d(1, 6, 5),
            ReLU(),
            MaxPool2d(2, 2),
            Conv2d(6, 16, 5),
            ReLU(),
            MaxPool2d(2, 2),
            Conv2d(16, 120, 5, padding="same"),
            ReLU(),
            Flatten(),
            Linear(4 * 4 * 120, 84),
            ReLU(),
            Linear(84, 10),
        ],
        (1, 28, 28),
    ),
    # IV.D: the course's PyTorch LeNet (28×28, conv1 padding 2, fc 400-120-84-10): 61,706 again
    "lenet_pytorch": (
        [
            Conv2d(1, 6, 5, padding=2),
            ReLU(),
            AvgPool2d(2, 2),
            Conv2d(6, 16, 5),
            ReLU(),
            AvgPool2d(2, 2),
            Flatten(),
            Linear(16 * 5 * 5, 120),
            ReLU(),
            Linear(120, 84),
            ReLU(),
            Linear(84, 10),
        ],
        (1, 28, 28),
    ),
    # IV.E: AlexNet as taught (227×227, one tower, LRN after conv1 and conv2): 62,378,344
    "alexnet": (
        _alexnet(channels=(96, 256, 384, 384, 256), groups=1, input_padding=0, adaptive=False),
        (3, 227, 227),
    ),
    # the 2012 paper split conv2, conv4, conv5 over two GPUs (groups=2): 60,965,224 — "60 million"
    "alexnet_two_gpu": (
        _alexnet(channels=(96, 256, 384, 384, 256), groups=2, input_padding=0, adaptive=False),
        (3, 227, 227),
    ),
    # IV.F: the course's AlexNet in Keras on 150×150 flowers, BatchNorm for LRN, 2 classes (softmax omitted):
    # 150 → 35 → 17 → 17 → 8 → 8 → 3, flatten 3·3·256 = 2304 (the notes say 16384): 29,978,690 parameters
    "alexnet_keras_150": (
        [
            Conv2d(3, 96, 11, stride=4),
            ReLU(),
            BatchNorm2d(96),
            MaxPool2d(3, stride=2),
            Conv2d(96, 256, 5, padding="same"),
            ReLU(),
            BatchNorm2d(256),
            MaxPool2d(3, stride=2),
            Conv2d(256, 384, 3, padding="same"),
            ReLU(),
            Conv2d(384, 384, 3, padding="same"),
            ReLU(),
            Conv2d(384, 256, 3, padding="same"),
            ReLU(),
            MaxPool2d(3, stride=2),
            Flatten(),
            Linear(3 * 3 * 256, 4096),
            ReLU(),
            Dropout(0.5),
            Linear(4096, 4096),
            ReLU(),
            Dropout(0.5),
            Linear(4096, 2),
        ],
        (3, 150, 150),
    ),
    # torchvision.models.alexnet: 224×224, channels 64-192-384-256-256, padding 2: 61,100,840
    "alexnet_torchvision": (
        _alexnet(channels=(64, 192, 384, 256, 256), groups=1, input_padding=2, adaptive=True),
        (3, 224, 224),
    ),
    "vgg16": (_vgg(VGG_CONFIGS["vgg16"]), (3, 224, 224)),  # 138,357,544
    "vgg19": (_vgg(VGG_CONFIGS["vgg19"]), (3, 224, 224)),  # 143,667,240
    # CNN Explainer's Tiny VGG: 64×64×3 → 62 → 60 → 30 → 28 → 26 → 13, 13·13·10 = 1690 → 10 classes
    "tiny_vgg": (
        [
            Conv2d(3, 10, 3, name="conv_1_1"),
            ReLU(name="relu_1_1"),
            Conv2d(10, 10, 3, name="conv_1_2"),
            ReLU(name="relu_1_2"),
            MaxPool2d(2, 2, name="max_pool_1"),
            Conv2d(10, 10, 3, name="conv_2_1"),
            ReLU(name="relu_2_1"),
            Conv2d(10, 10, 3, name="conv_2_2"),
            ReLU(name="relu_2_2"),
            MaxPool2d(2, 2, name="max_pool_2"),
            Flatten(),
            Linear(13 * 13 * 10, 10, name="output"),
        ],
        (3, 64, 64),
    ),
    # III.H: five 3×3 stride-1 convolutions: receptive fields 3, 5, 7, 9, 11
    "rf_stack": (
        [
            Conv2d(3, 16, 3, padding=1),
            Conv2d(16, 16, 3, padding=1),
            Conv2d(16, 16, 3, padding=1),
            Conv2d(16, 16, 3, padding=1),
            Conv2d(16, 16, 3, padding=1),
        ],
        (3, 32, 32),
    ),
    # a MobileNet-style block: depthwise 3×3 (groups = channels) then pointwise 1×1
    "depthwise_separable": (
        [
            Conv2d(32, 32, 3, padding=1, groups=32, bias=False, name="depthwise"),
            BatchNorm2d(32),
            ReLU(),
            Conv2d(32, 64, 1, bias=False, name="pointwise"),
            BatchNorm2d(64),
            ReLU(),
        ],
        (32, 56, 56),
    ),
}

PRESET_TITLES: dict[str, str] = {
    "example_f": "Course example F: feature-map sizes (flatten 1568)",
    "example_g": "Course example G: parameters (404,218)",
    "lenet5": "LeNet-5 (1998), 32×32 gray",
    "lenet_keras": "Course LeNet in Keras, 28×28 MNIST",
    "lenet_pytorch": "Course LeNet in PyTorch, 28×28 MNIST",
    "alexnet": "AlexNet (2012) as taught, 227×227",
    "alexnet_two_gpu": "AlexNet as in the paper, split over two GPUs",
    "alexnet_keras_150": "Course AlexNet in Keras, 150×150, 2 classes",
    "alexnet_torchvision": "AlexNet as torchvision builds it, 224×224",
    "vgg16": "VGG16 (2014), 224×224",
    "vgg19": "VGG19 (2014), 224×224",
    "tiny_vgg": "CNN Explainer's Tiny VGG, 64×64",
    "rf_stack": "Course receptive-field stack: five 3×3 convolutions",
    "depthwise_separable": "Depthwise-separable block (groups)",
}
