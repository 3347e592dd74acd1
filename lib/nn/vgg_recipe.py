"""The course's transfer-learning recipe (IV.L) on VGG16, counted: freeze every layer, replace the last one.

The model is built on torch's "meta" device: every tensor has a shape and no storage, so the 138 million
parameters cost no memory and no weights are downloaded — counting needs only the shapes.
"""

from __future__ import annotations

import torch
import torchvision
from torch import nn


def vgg16_new_head(num_classes: int) -> nn.Module:
    """torchvision's VGG16, every parameter frozen, classifier[6] replaced by a new Linear(4096, num_classes).

    Built on the meta device (shapes only: no memory, no download). The new layer is trainable.
    """
    with torch.device("meta"):
        model = torchvision.models.vgg16(weights=None)  # the course loads weights=...IMAGENET1K_V1
        for parameter in model.parameters():
            parameter.requires_grad = False  # freeze all the layers
        model.classifier[6] = nn.Linear(4096, num_classes)  # new head: 4096 * n weights + n biases
    return model


def parameter_counts(model: nn.Module) -> tuple[int, int]:
    """(all parameters, trainable parameters) of a model, as torchsummary's Total / Trainable lines count them."""
    total = sum(parameter.numel() for parameter in model.parameters())
    trainable = sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)
    return total, trainable
