"""One convolution value by hand (lib.nn.conv_arithmetic) against torch: F.conv2d, and the layers' own outputs
in one forward pass of our trained LeNet and shapes CNN, border units (zero padding) included."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lib.nn import models
from lib.nn.conv_arithmetic import conv_unit_arithmetic, unit_computation
from lib.nn.features import extract_activations, layer_extractor
from tests.tolerances import ACTIVATION_ATOL, FLOAT32_SUM_RTOL


def close_to_float32(ours: float, theirs: float, magnitude: float) -> bool:
    """float64 sums against float32 ones: error relative to the sum of |terms|."""
    return abs(ours - theirs) <= FLOAT32_SUM_RTOL * magnitude + ACTIVATION_ATOL


class TestConvUnitArithmetic:
    @pytest.mark.parametrize(
        ("stride", "padding", "dilation", "groups"),
        [(1, 0, 1, 1), (1, 1, 1, 1), (2, 2, 2, 2), ((2, 1), (1, 2), 1, 4)],
    )
    def test_equals_torch_conv2d_at_every_unit(self, stride, padding, dilation, groups):
        generator = torch.Generator().manual_seed(0)
        inputs = torch.randn(1, 4, 9, 8, generator=generator)
        weight = torch.randn(8, 4 // groups, 3, 3, generator=generator)
        bias = torch.randn(8, generator=generator)
        expected = F.conv2d(
            inputs, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups
        )[0]
        for channel in (0, 3, 7):
            for row in range(expected.shape[1]):
                for col in range(expected.shape[2]):
                    result = conv_unit_arithmetic(
                        inputs[0].numpy(), weight.numpy(), float(bias[channel]), channel=channel, row=row,
                        col=col, stride=stride, padding=padding, dilation=dilation, groups=groups,
                    )  # fmt: skip
                    magnitude = float(np.abs(result.products).sum()) + abs(result.bias)
                    assert close_to_float32(result.value, float(expected[channel, row, col]), magnitude)

    def test_a_corner_unit_reads_zeros_on_the_padding(self):
        inputs = np.arange(1, 17, dtype=np.float32).reshape(1, 4, 4)
        weight = np.ones((1, 1, 3, 3), np.float32)
        result = conv_unit_arithmetic(inputs, weight, 0.5, channel=0, row=0, col=0, padding=1)
        assert result.inside.tolist() == [[False, False, False], [False, True, True], [False, True, True]]
        assert result.window[0].tolist() == [[0, 0, 0], [0, 1, 2], [0, 5, 6]]
        assert result.rows.tolist() == [-1, 0, 1] and result.cols.tolist() == [-1, 0, 1]
        assert result.total == 1 + 2 + 5 + 6 and result.value == 14.5

    def test_groups_read_their_own_input_channels(self):
        inputs = np.stack([np.full((3, 3), float(c)) for c in range(4)])
        weight = np.ones((4, 1, 1, 1))
        result = conv_unit_arithmetic(inputs, weight, 0.0, channel=2, row=1, col=1, groups=4)
        assert result.input_channels.tolist() == [2] and result.value == 2.0

    def test_outside_the_output_is_an_error(self):
        with pytest.raises(ValueError, match="outside"):
            conv_unit_arithmetic(np.zeros((1, 5, 5)), np.zeros((2, 1, 3, 3)), 0.0, channel=0, row=3, col=0)
        with pytest.raises(ValueError, match="groups"):
            conv_unit_arithmetic(np.zeros((3, 5, 5)), np.zeros((2, 2, 3, 3)), 0.0, channel=0, row=0, col=0)


@pytest.fixture(scope="module", params=["lenet_digits", "shapes_cnn"])
def forward_pass(request):
    """A trained model, its input (C, H, W) and every layer of one forward pass."""
    model = models.load_model(request.param, device=torch.device("cpu"))
    size = models.model_info(request.param).input_size
    inputs = torch.randn(1, *size, generator=torch.Generator().manual_seed(3))
    return request.param, model, inputs[0].numpy(), extract_activations(layer_extractor(model), inputs)


def units(shape) -> list[tuple[int, int]]:
    """Corners (where padding enters), edges and the middle of an H x W map."""
    height, width = shape
    return [
        (0, 0),
        (0, width - 1),
        (height - 1, 0),
        (height - 1, width - 1),
        (height // 2, width // 2),
        (0, width // 3),
    ]


class TestAgainstTheForwardPass:
    def test_every_conv_value_and_what_follows_it(self, forward_pass):
        name, model, inputs, layers = forward_pass
        convs = [layer for layer in layers if layer.kind == "Conv2d"]
        assert len(convs) == (2 if name == "lenet_digits" else 4)
        by_name = {layer.name: layer for layer in layers}
        for conv in convs:
            for channel in (0, conv.shape[0] - 1):
                for row, col in units(conv.shape[1:]):
                    result = unit_computation(model, layers, inputs, conv.name, channel, row, col)
                    magnitude = float(np.abs(result.arithmetic.products).sum()) + abs(result.arithmetic.bias)
                    assert close_to_float32(result.arithmetic.value, result.forward_value, magnitude)
                    assert result.forward_value == float(conv.values[channel, row, col])
                    kinds = [step.kind for step in result.steps]
                    assert kinds == (["ReLU"] if name == "lenet_digits" else ["BatchNorm2d", "ReLU"])
                    for step in result.steps:
                        assert step.forward_value == float(by_name[step.layer].values[channel, row, col])
                        assert abs(step.value - step.forward_value) <= 1e-4 * max(
                            1.0, abs(step.forward_value)
                        )
                    assert result.steps[-1].value >= 0

    def test_the_corner_window_starts_on_the_padding(self, forward_pass):
        name, model, inputs, layers = forward_pass
        first = next(layer for layer in layers if layer.kind == "Conv2d")
        pad, side = (
            model.get_submodule(first.module_path).padding[0],
            model.get_submodule(first.module_path).kernel_size[0],
        )
        assert pad == (0 if name == "lenet_digits" else 1)  # LeNet's 5x5 convolutions are unpadded
        result = unit_computation(model, layers, inputs, first.name, 0, 0, 0)
        assert result.input_name == "input"
        arithmetic = result.arithmetic
        assert arithmetic.inside.sum() == (side - pad) ** 2
        assert not arithmetic.window[:, ~arithmetic.inside].any()  # zeros on the padding
        seen = inputs[:, : side - pad, : side - pad]
        np.testing.assert_array_equal(arithmetic.window[:, pad:, pad:], seen)

    def test_the_relu_after_a_conv_shows_the_same_sum(self, forward_pass):
        _, model, inputs, layers = forward_pass
        names = [layer.name for layer in layers]
        conv = next(index for index, layer in enumerate(layers) if layer.kind == "Conv2d")
        relu = next(layer.name for layer in layers[conv:] if layer.kind == "ReLU")
        from_relu = unit_computation(model, layers, inputs, relu, 1, 2, 3)
        from_conv = unit_computation(model, layers, inputs, names[conv], 1, 2, 3)
        assert from_relu.conv_layer == from_conv.conv_layer == names[conv]
        assert from_relu.arithmetic.value == from_conv.arithmetic.value and from_relu.steps == from_conv.steps

    def test_pooling_and_dense_layers_are_not_conv_values(self, forward_pass):
        _, model, inputs, layers = forward_pass
        pool = next(layer.name for layer in layers if "Pool" in layer.kind)
        with pytest.raises(ValueError, match="not made by a convolution"):
            unit_computation(model, layers, inputs, pool, 0, 0, 0)
        with pytest.raises(ValueError, match="no layer"):
            unit_computation(model, layers, inputs, "nonsense", 0, 0, 0)


class Branches(nn.Module):
    """Two convolutions on the same input: the second does not read the layer listed before it."""

    def __init__(self):
        super().__init__()
        self.left, self.right, self.relu = nn.Conv2d(3, 4, 3), nn.Conv2d(3, 5, 3), nn.ReLU()

    def forward(self, x):
        return torch.cat([self.relu(self.left(x)), self.right(x)], dim=1)


def test_a_branch_is_refused_not_miscomputed():
    model = Branches().eval()
    inputs = torch.randn(1, 3, 8, 8)
    layers = extract_activations(layer_extractor(model), inputs)
    assert unit_computation(model, layers, inputs[0].numpy(), "left", 0, 1, 1).steps[0].kind == "ReLU"
    with pytest.raises(ValueError, match="branching"):
        unit_computation(model, layers, inputs[0].numpy(), "right", 0, 1, 1)
