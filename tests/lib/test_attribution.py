"""lib.nn.attribution: Captum's maps against hand computations, and the properties each method promises."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from scipy.stats import spearmanr
from torch import nn
from torch.nn import functional as F

from lib.nn import attribution
from lib.nn.attribution import Settings


class SmallCNN(nn.Module):
    """conv -> ReLU -> conv -> ReLU -> global mean -> linear: 3 classes on (1, 2, 12, 12)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 5, 3, stride=2, padding=1)
        self.fc = nn.Linear(5, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.conv2(self.relu(self.conv1(x))))  # (N, 5, 6, 6)
        return self.fc(x.mean(dim=(2, 3)))


@pytest.fixture
def small():
    torch.manual_seed(0)
    return SmallCNN().eval(), torch.randn(1, 2, 12, 12)


class TestGradCam:
    @pytest.mark.parametrize("target", [0, 2])
    def test_equals_the_hand_computation_from_hooks(self, small, target):
        model, inputs = small
        kept = {}
        handle = model.conv2.register_forward_hook(lambda module, args, output: kept.update(maps=output))
        try:
            score = model(inputs)[0, target]
        finally:
            handle.remove()
        (grads,) = torch.autograd.grad(score, kept["maps"])  # d score / d A, (1, 5, 6, 6)
        weights = grads.mean(dim=(2, 3), keepdim=True)  # alpha_c: the mean gradient of each map
        coarse = F.relu((weights * kept["maps"]).sum(dim=1, keepdim=True))  # (1, 1, 6, 6)
        expected = F.interpolate(coarse, size=(12, 12), mode="bilinear")[0, 0].detach().numpy()
        got = attribution.grad_cam(model, inputs, target, layer="conv2")
        assert got.shape == (12, 12) and got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
        assert expected.max() > 0  # a map that is not all zeros

    def test_the_default_layer_is_the_last_conv(self, small):
        model, inputs = small
        chosen = attribution.attribution_map(model, inputs, 1, Settings(), mean=(0, 0), std=(1, 1))
        np.testing.assert_array_equal(chosen, attribution.grad_cam(model, inputs, 1, layer="conv2"))
        assert attribution.conv_layers(model) == ["conv1", "conv2"]


class TestGradientsAndIntegratedGradients:
    def test_gradients_are_the_largest_absolute_gradient_over_channels(self, small):
        model, inputs = small
        leaf = inputs.clone().requires_grad_()
        (grads,) = torch.autograd.grad(model(leaf)[0, 1], leaf)
        expected = grads[0].abs().amax(dim=0).numpy()
        np.testing.assert_allclose(attribution.gradients(model, inputs, 1), expected, rtol=1e-6)

    def test_integrated_gradients_add_up_to_the_score_difference(self, small):
        """Completeness (Sundararajan et al.): the map sums to score(x) - score(black)."""
        model, inputs = small
        baseline = attribution.black_baseline(inputs, (0.5, 0.2), (0.25, 0.5))
        np.testing.assert_allclose(baseline[0, :, 0, 0].numpy(), [-2.0, -0.4])
        heat = attribution.integrated_gradients(model, inputs, 2, baseline=baseline, steps=200)
        with torch.no_grad():
            difference = float(model(inputs)[0, 2] - model(baseline)[0, 2])
        assert heat.sum() == pytest.approx(difference, rel=0.02, abs=1e-3)


class TestOcclusion:
    def test_one_window_is_the_drop_of_the_score(self, small):
        """Window = the whole input, stride 1: every pixel gets score(x) - score(baseline)."""
        model, inputs = small
        baseline = torch.zeros_like(inputs)
        heat = attribution.occlusion(model, inputs, 0, window=12, stride=12, baseline=baseline)
        with torch.no_grad():
            drop = float(model(inputs)[0, 0] - model(baseline)[0, 0])
        np.testing.assert_allclose(heat, np.full((12, 12), drop / 1), rtol=1e-5, atol=1e-6)

    @pytest.mark.needs_weights
    def test_hiding_the_shape_lowers_its_score_more_than_hiding_background(self):
        """On generated shapes (lib.cv.shapes): the shapes CNN's occlusion map is larger on the shape."""
        from lib.cv.shapes import SHAPE_CLASSES, draw_shape
        from lib.nn import models

        model = models.load_model("shapes_cnn", device=torch.device("cpu"))
        info = models.model_info("shapes_cnn")
        inside, outside = [], []
        for seed, shape in enumerate(SHAPE_CLASSES):
            image = draw_shape(shape, np.random.default_rng(seed), size=64)
            prepared = models.preprocess("shapes_cnn", image)
            target = SHAPE_CLASSES.index(shape)
            settings = Settings(method="Occlusion", window=12, stride=4)
            heat = attribution.attribution_map(
                model, prepared.tensor, target, settings, mean=info.mean, std=info.std
            )
            mask = _shape_mask(image)
            inside.append(heat[mask].mean())
            outside.append(heat[~cv2.dilate(mask.astype(np.uint8), np.ones((9, 9))).astype(bool)].mean())
        assert all(a > b for a, b in zip(inside, outside, strict=True)), (inside, outside)


def _shape_mask(image: np.ndarray) -> np.ndarray:
    """The shape's pixels of a generated image: far from the background colour (the border's median)."""
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    distance = np.abs(image.astype(int) - np.median(border, axis=0)).sum(axis=2)
    return distance > 90


class TestSanityCheck:
    def test_cascading_randomisation_changes_only_the_top_layers(self, small):
        model, _ = small
        before = {key: value.clone() for key, value in model.state_dict().items()}
        copied = attribution.randomised_copy(model, down_to="conv2")
        for key, value in model.state_dict().items():  # the original is untouched
            torch.testing.assert_close(value, before[key])
        changed = {key for key, value in copied.state_dict().items() if not torch.equal(value, before[key])}
        assert changed == {"conv2.weight", "conv2.bias", "fc.weight", "fc.bias"}
        everything = attribution.randomised_copy(model)
        assert all(not torch.equal(v, before[k]) for k, v in everything.state_dict().items())
        with pytest.raises(ValueError, match="no layer with weights"):
            attribution.randomised_copy(model, down_to="relu")

    @pytest.mark.needs_weights
    @pytest.mark.parametrize("method", ["Grad-CAM", "Gradients"])
    def test_randomised_weights_change_lenets_map(self, method):
        from lib.cv.canvas_input import drawing_image
        from lib.nn import models
        from tests.helpers import STROKES, drawn_digit

        model = models.load_model("lenet_digits", device=torch.device("cpu"))
        info = models.model_info("lenet_digits")
        drawing = drawing_image(
            drawn_digit(STROKES["4"], np.random.default_rng(0))
        )  # a digit drawn on the canvas
        prepared = models.preprocess("lenet_digits", drawing)
        options = dict(mean=info.mean, std=info.std)
        heat = attribution.attribution_map(model, prepared.tensor, 4, Settings(method=method), **options)
        check = attribution.sanity_check(model, prepared.tensor, 4, Settings(method=method), heat, **options)
        assert check.correlation < 0.5 and check.passed
        again = attribution.attribution_map(model, prepared.tensor, 4, Settings(method=method), **options)
        np.testing.assert_array_equal(again, heat)  # the model itself was not randomised

    def test_spearman_equals_scipy_with_ties(self):
        rng = np.random.default_rng(3)
        first = rng.integers(0, 5, size=(9, 9)).astype(np.float32)  # many ties
        second = first + rng.normal(0, 2, size=first.shape)
        assert attribution.spearman(first, second) == pytest.approx(
            spearmanr(first.ravel(), second.ravel())[0]
        )
        assert attribution.spearman(first, first) == pytest.approx(1.0)
        assert attribution.spearman(first, -first) == pytest.approx(-1.0)
        assert np.isnan(attribution.spearman(np.zeros(5), np.arange(5)))  # a flat map has no order


class TestOverlay:
    def test_shapes_and_a_zero_map(self):
        gray = np.linspace(0, 1, 32 * 32, dtype=np.float32).reshape(32, 32)
        shown = attribution.overlay(gray, np.zeros((8, 8), np.float32), signed=True)
        assert shown.shape == (32, 32, 3) and shown.dtype == np.uint8
        expected = np.repeat(np.round(gray * 255).astype(np.uint8)[..., None], 3, axis=2)
        np.testing.assert_array_equal(shown, expected)  # signed 0 is transparent

    def test_the_largest_value_is_red(self):
        image = np.full((10, 10, 3), 128, np.uint8)
        heat = np.zeros((10, 10), np.float32)
        heat[5, 5] = 1.0
        shown = attribution.overlay(image, heat, alpha=1.0)
        assert tuple(shown[5, 5]) == (128, 0, 0) or shown[5, 5, 0] > 100 > shown[5, 5, 2]


def test_unknown_method_and_class_are_refused(small):
    model, inputs = small
    with pytest.raises(ValueError, match="unknown attribution method"):
        attribution.attribution_map(model, inputs, 0, Settings(method="LIME"), mean=(0, 0), std=(1, 1))
    with pytest.raises(ValueError, match="not one of the model's classes"):
        attribution.attribution_map(model, inputs, 3, Settings(), mean=(0, 0), std=(1, 1))
