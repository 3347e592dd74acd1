"""The networks the project trains itself, written as the course writes them (PyTorch nn.Module).

DigitsLeNet5: the course's "LeNet with Pytorch" definition. ShapesCNN: the course's "CNN Training using Custom
Dataset" network (Conv -> BatchNorm -> ReLU -> MaxPool blocks, then fully connected layers), smaller.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


class DigitsLeNet5(nn.Module):
    """LeNet-5 as in the course: two 5x5 convolutions with ReLU and 2x2 average pooling, three linear layers.

    Input (N, 1, 32, 32) float32; output logits (N, num_classes).
    The course pads conv1 by 2 because MNIST is 28x28 (28 -> 28 -> 14 -> 10 -> 5); our digits are 32x32,
    as in LeCun's paper, so conv1 needs no padding (32 -> 28 -> 14 -> 10 -> 5): the same 16*5*5 = 400 features.
    """

    def __init__(self, num_classes: int = 10, *, conv1_padding: int = 0) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=6, kernel_size=5, stride=1, padding=conv1_padding)
        self.relu = nn.ReLU()  # one module, called four times (as in the course)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(in_channels=6, out_channels=16, kernel_size=5, stride=1)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.relu(self.conv1(x)))  # (N, 6, 14, 14)
        x = self.pool(self.relu(self.conv2(x)))  # (N, 16, 5, 5)
        # The course writes x.view(-1, 16*5*5); flatten(x, 1) keeps the batch size even for a wrong input.
        x = torch.flatten(x, 1)  # (N, 400)
        x = self.relu(self.fc1(x))  # (N, 120)
        x = self.relu(self.fc2(x))  # (N, 84)
        return self.fc3(x)  # (N, num_classes)


@dataclass(frozen=True)
class ShapesCNNConfig:
    """How big the shapes CNN is. The course uses 32-64-128-256 filters and 512-128 hidden units;
    ours is a quarter as wide so that it trains in minutes on two CPU cores (weights file about 1.2 MB)."""

    num_classes: int = 5
    in_channels: int = 3
    image_size: int = 64  # square input, pixels
    channels: tuple[int, ...] = (8, 16, 32, 64)  # one Conv->BN->ReLU->MaxPool block per entry
    hidden: tuple[int, ...] = (256, 64)  # fully connected layers before the output layer
    dropout: float = 0.3


def conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """Conv 3x3 (padding 1) -> BatchNorm -> ReLU -> MaxPool 2x2: halves height and width."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
    )


class ShapesCNN(nn.Module):
    """The course's custom-dataset CNN: conv blocks -> flatten -> linear layers -> logits.

    Input (N, 3, image_size, image_size) float32; output logits (N, num_classes).
    """

    def __init__(self, config: ShapesCNNConfig | None = None) -> None:
        super().__init__()
        self.config = config or ShapesCNNConfig()
        cfg = self.config
        widths = (cfg.in_channels, *cfg.channels)
        self.features = nn.Sequential(
            *(conv_block(a, b) for a, b in zip(widths[:-1], widths[1:], strict=True))
        )
        # As in the course: pass a dummy input through the conv blocks to find the flattened size.
        with torch.no_grad():
            dummy = torch.zeros(1, cfg.in_channels, cfg.image_size, cfg.image_size)
            flat_features = self.features(dummy).numel()  # 64 * 4 * 4 = 1024 for the defaults
        layers: list[nn.Module] = []
        sizes = (flat_features, *cfg.hidden)
        for size_in, size_out in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(size_in, size_out), nn.ReLU(), nn.Dropout(cfg.dropout)]
        layers.append(nn.Linear(sizes[-1], cfg.num_classes))
        self.classifier = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)  # (N, 64, 4, 4)
        # The course writes x.view(x.size(0), -1); flatten also works for channels-last (permuted) inputs.
        x = torch.flatten(x, 1)  # (N, 1024)
        return self.classifier(x)  # (N, num_classes)


def count_parameters(model: nn.Module) -> int:
    """The number of trainable and frozen parameters of a model."""
    return sum(parameter.numel() for parameter in model.parameters())
