"""The course's VGG16 transfer recipe (IV.L) counted: the test builds the model itself and counts."""

import pytest
import torch
import torchvision
from torch import nn

from lib.nn import vgg_recipe


def counted_here(num_classes: int) -> tuple[int, int]:
    """VGG16 as the notes write it (frozen, classifier[6] replaced), on the meta device, counted by hand."""
    with torch.device("meta"):
        model = torchvision.models.vgg16(weights=None)
        for parameter in model.parameters():
            parameter.requires_grad = False
        model.classifier[6] = nn.Linear(4096, num_classes)
    params = list(model.parameters())
    return sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad)


@pytest.mark.parametrize(
    ("classes", "course_total", "course_trainable"), [(2, 134_268_738, 8_194), (3, None, 12_291)]
)
def test_the_course_numbers(classes, course_total, course_trainable):
    total, trainable = counted_here(classes)
    assert vgg_recipe.parameter_counts(vgg_recipe.vgg16_new_head(classes)) == (total, trainable)
    assert trainable == course_trainable == 4096 * classes + classes
    if course_total is not None:
        assert total == course_total


def test_built_on_meta_costs_no_memory_and_only_the_head_learns():
    model = vgg_recipe.vgg16_new_head(2)
    assert all(parameter.is_meta for parameter in model.parameters())
    trainable = [name for name, parameter in model.named_parameters() if parameter.requires_grad]
    assert trainable == ["classifier.6.weight", "classifier.6.bias"]
    # torchvision's own ImageNet VGG16 has 1000 outputs: replacing the head removes 4096 * 998 + 998 parameters.
    with torch.device("meta"):
        original = sum(p.numel() for p in torchvision.models.vgg16(weights=None).parameters())
    assert original - vgg_recipe.parameter_counts(model)[0] == 4096 * 998 + 998
