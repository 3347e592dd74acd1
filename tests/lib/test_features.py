import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision

from lib.nn.architectures_torch import DigitsLeNet5, ShapesCNN
from lib.nn.features import (
    activations_by_hooks,
    channel_statistics,
    colorize,
    extract_activations,
    feature_maps_snippet,
    feature_run,
    filters_as_images,
    final_logits,
    first_conv,
    kernel_for_map,
    layer_extractor,
    order_by_activity,
    outline_unit,
    random_twin,
    receptive_field,
    softmax,
    tile_maps,
)
from lib.nn.models import Preprocessed
from tests.tolerances import ACTIVATION_ATOL


def _seeded(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):  # non-trivial running statistics
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return model.eval()


@pytest.fixture(scope="module")
def lenet():
    torch.manual_seed(0)
    model = DigitsLeNet5().eval()
    inputs = torch.randn(2, 1, 32, 32)
    return model, inputs, extract_activations(layer_extractor(model), inputs)


@pytest.fixture(scope="module")
def alexnet():
    """AlexNet uses ReLU(inplace=True): the case where pre-ReLU maps get overwritten."""
    torch.manual_seed(0)
    model = torchvision.models.alexnet(weights=None).eval()
    inputs = torch.randn(1, 3, 96, 96)
    return model, inputs, extract_activations(layer_extractor(model), inputs)


class TestExtractActivations:
    def test_lenet_names_kinds_and_shapes(self, lenet):
        _, _, layers = lenet
        assert [layer.name for layer in layers] == [
            "conv1", "relu", "pool", "conv2", "relu_1", "pool_1", "flatten",
            "fc1", "relu_2", "fc2", "relu_3", "fc3",
        ]  # fmt: skip
        shapes = {layer.name: layer.shape for layer in layers}
        # By hand: 32 -5+1-> 28 -/2-> 14 -5+1-> 10 -/2-> 5; 16*5*5 = 400.
        assert (
            shapes["conv1"] == (6, 28, 28) and shapes["pool_1"] == (16, 5, 5) and shapes["flatten"] == (400,)
        )
        assert (
            layers[0].kind == "Conv2d" and layers[1].module_path == "relu" and layers[6].module_path is None
        )

    @pytest.mark.parametrize(
        "factory", [DigitsLeNet5, ShapesCNN, lambda: torchvision.models.resnet18(weights=None)]
    )
    def test_final_logits_equal_a_plain_forward(self, factory):
        model = _seeded(factory())
        channels = 1 if isinstance(model, DigitsLeNet5) else 3
        side = 32 if isinstance(model, DigitsLeNet5) else 64
        inputs = torch.randn(1, channels, side, side)
        layers = extract_activations(layer_extractor(model), inputs)
        with torch.no_grad():
            expected = model(inputs)[0].numpy()
        np.testing.assert_allclose(final_logits(layers), expected, atol=ACTIVATION_ATOL)

    def test_hooks_equal_the_feature_extractor(self, lenet):
        model, inputs, layers = lenet
        hooked = activations_by_hooks(model, inputs)
        by_name = {layer.name: layer.values for layer in layers}
        assert set(hooked) == set(by_name) - {"flatten"}  # flatten is a function: no module, no hook
        for name, value in hooked.items():
            np.testing.assert_allclose(value[0].numpy(), by_name[name], atol=ACTIVATION_ATOL, err_msg=name)

    def test_hooks_equal_the_feature_extractor_resnet(self):
        model = _seeded(torchvision.models.resnet18(weights=None))
        inputs = torch.randn(1, 3, 64, 64)
        hooked = activations_by_hooks(model, inputs)
        by_name = {layer.name: layer.values for layer in extract_activations(layer_extractor(model), inputs)}
        assert "layer1.0.relu_1" in hooked  # the block's ReLU module is called twice
        for name, value in hooked.items():
            np.testing.assert_allclose(value[0].numpy(), by_name[name], atol=ACTIVATION_ATOL, err_msg=name)

    def test_pre_relu_maps_survive_inplace_relu(self, alexnet):
        model, inputs, layers = alexnet
        by_name = {layer.name: layer.values for layer in layers}
        with torch.no_grad():
            conv = model.features[0](inputs)[0].numpy()  # computed alone: nothing can overwrite it
        assert model.features[1].inplace
        assert (by_name["features.0"] < 0).any()
        np.testing.assert_allclose(by_name["features.0"], conv, atol=ACTIVATION_ATOL)
        np.testing.assert_allclose(by_name["features.1"], np.maximum(conv, 0), atol=ACTIVATION_ATOL)

    def test_one_forward_pass_for_every_layer(self, lenet):
        model, inputs, _ = lenet
        calls = []
        handle = model.conv1.register_forward_hook(lambda *args: calls.append(1))
        try:
            extract_activations(layer_extractor(model), inputs)
        finally:
            handle.remove()
        assert len(calls) == 1


class TestStatistics:
    def test_channel_statistics_by_hand(self):
        maps = np.stack([np.full((2, 2), -1.0), np.array([[0.0, 1.0], [2.0, 3.0]])]).astype(np.float32)
        stats = channel_statistics(maps)
        np.testing.assert_allclose(stats["mean"], [-1.0, 1.5])
        np.testing.assert_allclose(stats["max"], [-1.0, 3.0])
        np.testing.assert_allclose(stats["mean_abs"], [1.0, 1.5])
        np.testing.assert_allclose(stats["active_fraction"], [0.0, 0.75])
        np.testing.assert_allclose(stats["std"], [0.0, np.std([0, 1, 2, 3])])

    def test_order_by_activity(self):
        maps = np.stack([np.full((3, 3), v) for v in (0.1, -2.0, 0.5, 0.5)]).astype(np.float32)
        assert order_by_activity(maps).tolist() == [1, 2, 3, 0]  # |-2| first; the tie keeps index order


class TestPictures:
    def test_colorize_signed_is_white_at_zero(self):
        maps = np.array([[[-2.0, 0.0, 2.0]]], dtype=np.float32)
        rgb = colorize(maps)
        assert rgb[0, 0, 1].tolist() == [255, 255, 255]
        assert rgb[0, 0, 2, 0] > rgb[0, 0, 2, 2]  # positive: red
        assert rgb[0, 0, 0, 2] > rgb[0, 0, 0, 0]  # negative: blue

    def test_colorize_non_negative_is_viridis(self):
        import cv2

        maps = np.array([[[0.0, 4.0]]], dtype=np.float32)
        expected = cv2.applyColorMap(np.array([[0, 255]], np.uint8), cv2.COLORMAP_VIRIDIS)[0, :, ::-1]
        assert np.array_equal(colorize(maps)[0, 0], expected)

    def test_shared_or_per_map_scale(self):
        maps = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 4.0)]).astype(np.float32)
        maps[:, 0, 0] = 0
        shared, separate = colorize(maps, shared_scale=True), colorize(maps, shared_scale=False)
        assert not np.array_equal(shared[0], shared[1])
        assert np.array_equal(separate[0], separate[1])  # each map's own maximum looks the same

    def test_tile_grid_size_by_hand(self):
        grid = tile_maps(np.random.default_rng(0).random((5, 4, 4)), columns=3, cell_side=8, gap=2)
        # cells 4*2 = 8 px; 2 rows and 3 columns with 2 px gaps: 2*8+2 = 18, 3*8+2*2 = 28
        assert grid.shape == (18, 28, 3)
        assert (grid[8:10] == 255).all()

    def test_tile_rejects_vectors(self):
        with pytest.raises(ValueError, match="feature maps"):
            tile_maps(np.zeros((3, 4)))

    def test_filters_as_images(self):
        weight = np.zeros((2, 3, 3, 3), np.float32)
        weight[0, 0, 1, 1] = 2.0
        weight[1, 2, 0, 0] = -1.0
        images = filters_as_images(weight)
        assert images.shape == (2, 3, 3, 3)
        assert images[0, 1, 1, 0] == 1.0 and images[1, 0, 0, 2] == 0.25 and images[0, 0, 0, 0] == 0.5
        assert filters_as_images(np.ones((4, 1, 5, 5))).shape == (4, 5, 5)


class TestKernels:
    def test_first_conv(self):
        assert first_conv(DigitsLeNet5())[0] == "conv1"
        assert first_conv(ShapesCNN())[0] == "features.0.0"

    def test_kernel_made_the_map(self, lenet):
        model, inputs, layers = lenet
        for name, expected_conv in (("conv1", "conv1"), ("relu", "conv1"), ("pool_1", "conv2")):
            conv_name, weight, bias = kernel_for_map(model, layers, name, 2)
            assert conv_name == expected_conv
        conv_name, weight, bias = kernel_for_map(model, layers, "conv1", 2)
        by_hand = F.conv2d(inputs[:1], torch.from_numpy(weight)[None], torch.tensor([bias]))[0, 0].numpy()
        np.testing.assert_allclose(layers[0].values[2], by_hand, atol=ACTIVATION_ATOL)

    def test_no_conv_for_vectors(self, lenet):
        model, _, layers = lenet
        with pytest.raises(ValueError, match="no convolution"):
            kernel_for_map(model, layers, "fc1", 0)


class TestRandomTwin:
    def test_same_architecture_other_weights(self):
        twin, again = random_twin("lenet_digits", seed=1), random_twin("lenet_digits", seed=1)
        other = random_twin("lenet_digits", seed=2)
        assert {k: v.shape for k, v in twin.state_dict().items()} == {
            k: v.shape for k, v in DigitsLeNet5().state_dict().items()
        }
        assert torch.equal(twin.conv1.weight, again.conv1.weight)
        assert not torch.equal(twin.conv1.weight, other.conv1.weight)
        assert not twin.training

    def test_global_random_state_untouched(self):
        torch.manual_seed(5)
        expected = torch.rand(1)
        torch.manual_seed(5)
        random_twin("shapes_cnn")
        assert torch.equal(torch.rand(1), expected)


class TestReceptiveField:
    def test_lenet_by_hand(self, lenet):
        model, _, layers = lenet
        # conv1 5x5: r 5, jump 1; pool 2/2: r 6, jump 2; conv2 5x5: r 6 + 4*2 = 14, jump 2.
        box = receptive_field(model, layers, "conv2", (1, 2), (1, 32, 32))
        assert (box.top, box.bottom, box.left, box.right) == (2, 15, 4, 17)
        box = receptive_field(model, layers, "relu", (0, 0), (1, 32, 32))
        assert (box.top, box.bottom) == (0, 4)

    def test_branching_network_gives_none(self):
        model = torchvision.models.resnet18(weights=None).eval()
        layers = extract_activations(layer_extractor(model), torch.zeros(1, 3, 64, 64))
        assert receptive_field(model, layers, "layer1.0.relu_1", (0, 0), (3, 64, 64)) is None
        assert receptive_field(model, layers, "conv1", (0, 0), (3, 64, 64)) is not None


class TestFeatureMapsSnippet:
    def _run(self, snippet: str, image: np.ndarray) -> np.ndarray:
        namespace = {"__name__": "__main__", "image_rgb": image, "print": lambda *args: None}  # as a script
        exec(compile(snippet, "snippet.py", "exec"), namespace)  # noqa: S102
        return namespace["result"]

    def test_our_trained_model(self, monkeypatch):
        from lib.cv.shapes import draw_shape
        from lib.nn.models import WEIGHTS_DIR, get_model, preprocess, read_manifest

        if "shapes_cnn" not in read_manifest():
            pytest.skip("run scripts/train_shapes_cnn.py first")
        monkeypatch.chdir(WEIGHTS_DIR.parent)
        image = draw_shape("star", np.random.default_rng(1), size=100)
        result = self._run(feature_maps_snippet("shapes_cnn", "features.1.0"), image)
        model = get_model("shapes_cnn", "cpu")
        layers = extract_activations(layer_extractor(model), preprocess("shapes_cnn", image).tensor)
        expected = {layer.name: layer.values for layer in layers}["features.1.0"]
        np.testing.assert_allclose(result, expected, atol=1e-4)

    def test_random_lenet_on_a_digit(self):
        from lib.nn.models import preprocess

        image = np.full((60, 50, 3), 255, np.uint8)
        image[10:50, 22:28] = 0  # a "1"
        result = self._run(feature_maps_snippet("lenet_digits", "relu_1", random_weights=True), image)
        twin = random_twin("lenet_digits", seed=0)
        layers = extract_activations(layer_extractor(twin), preprocess("lenet_digits", image).tensor)
        np.testing.assert_allclose(
            result, {layer.name: layer.values for layer in layers}["relu_1"], atol=1e-5
        )

    @pytest.mark.slow
    def test_random_torchvision_pre_relu(self):
        from lib.nn.models import preprocess

        image = np.random.default_rng(3).integers(0, 256, (120, 160, 3), dtype=np.uint8)
        snippet = feature_maps_snippet("alexnet", "features.0", random_weights=True)
        assert inspect.getsource(layer_extractor) in snippet  # the page's own run, clones and all
        result = self._run(snippet, image)
        twin = random_twin("alexnet", seed=0)
        layers = extract_activations(layer_extractor(twin), preprocess("alexnet", image).tensor)
        expected = {layer.name: layer.values for layer in layers}["features.0"]
        assert (expected < 0).any()
        np.testing.assert_allclose(result, expected, atol=1e-4)


def test_outline_unit_frames_one_enlarged_unit():
    picture = np.full((12, 12, 3), 200, np.uint8)  # a 3x3 map enlarged 4 times
    marked = outline_unit(picture, 1, 2, 4)
    black = np.all(marked == 0, axis=2)
    rows, cols = np.nonzero(black)
    assert (rows.min(), cols.min(), rows.max(), cols.max()) == (3, 7, 8, 11)  # clipped at the right edge
    assert picture.min() == 200 and not black[4:8, 8:12].any()


class TestFeatureRun:
    def test_softmax_equals_torch(self):
        logits = np.array([2.0, -1.0, 0.5, 30.0, -30.0], np.float32)
        expected = torch.softmax(torch.from_numpy(logits).double(), dim=0).float().numpy()
        assert np.allclose(softmax(logits), expected, atol=1e-7) and softmax(logits).dtype == np.float32

    def test_softmax_of_equal_logits_is_uniform(self):
        assert np.allclose(softmax(np.full(4, 1e4)), 0.25)

    def test_every_layer_and_the_probabilities_of_one_pass(self):
        torch.manual_seed(0)
        model = DigitsLeNet5().eval()
        inputs = torch.randn(1, 1, 32, 32)
        run = feature_run(
            layer_extractor(model),
            Preprocessed(tensor=inputs, steps=(("input", np.zeros((32, 32), np.uint8)),)),
        )
        with torch.no_grad():
            expected = torch.softmax(model(inputs)[0].double(), dim=0).numpy()
        assert [layer.name for layer in run.layers][-1] == "fc3" and len(run.steps) == 1
        assert np.allclose(run.probabilities, expected, atol=1e-6)
        assert run.seconds > 0 and run.device
