"""lib.nn.cnn_torch and lib.nn.cnn_math against PyTorch: shapes, parameter counts and receptive fields.

Big networks are built on the meta device (exact shapes and counts, no weight memory).
"""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from torch import nn

from lib.nn import cnn_math, cnn_torch
from lib.nn.cnn_math import PRESETS, AvgPool2d, Conv2d, MaxPool2d, ReLU, analyze, summarize


def weight_layer_params(model: nn.Module) -> list[int]:
    """Parameters of each Conv2d / Linear in definition order."""
    return [
        cnn_torch.count_trainable_parameters(module)
        for module in model.modules()
        if isinstance(module, nn.Conv2d | nn.Linear)
    ]


def analysed_weight_params(key: str) -> list[int]:
    return [row.params for row in analyze(*PRESETS[key]) if row.kind in ("Conv2d", "Linear")]


@pytest.fixture(scope="module")
def torchvision_models():
    """torchvision's own builders, weights=None (nothing downloaded), built once on the meta device."""
    return {name: cnn_torch.torchvision_model(name) for name in cnn_torch.TORCHVISION_MODELS}


class TestVerifyWithTorch:
    @pytest.mark.parametrize("key", list(PRESETS))
    def test_every_preset_agrees(self, key):
        layers, input_shape = PRESETS[key]
        checks = cnn_torch.verify_with_torch(layers, input_shape)
        assert len(checks) == len(layers)
        disagreeing = [
            (c.name, c.output_shape, c.expected_shape, c.params, c.expected_params)
            for c in checks
            if not c.agrees
        ]
        assert disagreeing == []
        assert sum(c.params for c in checks) == summarize(analyze(layers, input_shape)).params

    def test_real_and_meta_runs_agree(self):
        layers, input_shape = PRESETS["example_g"]
        real = cnn_torch.verify_with_torch(layers, input_shape, use_meta=False)
        meta = cnn_torch.verify_with_torch(layers, input_shape, use_meta=True)
        assert real == meta

    def test_a_wrong_expectation_is_caught(self):
        check = cnn_torch.TorchCheck(
            name="x",
            module="",
            output_shape=(8, 30, 30),
            params=224,
            expected_shape=(8, 30, 30),
            expected_params=225,
        )
        assert not check.agrees

    def test_impossible_network_raises(self):
        with pytest.raises(ValueError, match="in_channels"):
            cnn_torch.verify_with_torch([Conv2d(3, 8, 3), Conv2d(4, 8, 3)], (3, 16, 16))


class TestBuildSequential:
    def test_names_and_modules(self):
        model = cnn_torch.build_sequential(PRESETS["example_f"][0])
        assert [name for name, _ in model.named_children()][:3] == ["conv1", "relu1", "conv2"]
        assert isinstance(model.conv2, nn.Conv2d) and model.conv2.padding == "same"

    def test_duplicate_names_fall_back_to_indexes(self):
        model = cnn_torch.build_sequential([ReLU(name="a"), ReLU(name="a")])
        assert [name for name, _ in model.named_children()] == ["0", "1"]

    def test_output_matches_analysis(self):
        layers, input_shape = PRESETS["lenet_keras"]
        output = cnn_torch.build_sequential(layers)(torch.zeros(2, *input_shape))
        assert tuple(output.shape) == (2, 10)


class TestAgainstTorchvision:
    @pytest.mark.parametrize(
        ("name", "key"), [("alexnet", "alexnet_torchvision"), ("vgg16", "vgg16"), ("vgg19", "vgg19")]
    )
    def test_totals(self, torchvision_models, name, key):
        expected = sum(p.numel() for p in torchvision_models[name].parameters())
        assert summarize(analyze(*PRESETS[key])).params == expected

    @pytest.mark.parametrize(
        ("name", "key"), [("alexnet", "alexnet_torchvision"), ("vgg16", "vgg16"), ("vgg19", "vgg19")]
    )
    def test_per_layer_counts(self, torchvision_models, name, key):
        assert weight_layer_params(torchvision_models[name]) == analysed_weight_params(key)

    @pytest.mark.parametrize(("name", "key"), [("alexnet", "alexnet_torchvision"), ("vgg16", "vgg16")])
    def test_feature_shapes(self, torchvision_models, name, key):
        model = torchvision_models[name]
        x = torch.zeros(1, *PRESETS[key][1], device="meta")
        expected = [row.output_shape for row in analyze(*PRESETS[key]) if row.kind == "MaxPool2d"]
        seen = []
        for module in model.features:
            x = module(x)
            if isinstance(module, nn.MaxPool2d):
                seen.append(tuple(x.shape[1:]))
        assert seen == expected

    def test_real_weights_count_the_same(self):
        real = cnn_torch.torchvision_model(
            "alexnet", device="cpu"
        )  # 61 M floats; meta counts must not differ
        assert cnn_torch.count_trainable_parameters(real) == 61_100_840


class TestKerasAlexNet150:
    def test_preset_equals_the_notes_model_written_in_torch(self):
        # the notes' Keras AlexNet (IV.F) written out by hand; BatchNorm's running statistics are buffers, as
        # Keras's non-trainable ones: 29,978,690 learnable parameters
        features = nn.Sequential(
            nn.Conv2d(3, 96, 11, stride=4),
            nn.ReLU(),
            nn.BatchNorm2d(96),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(96, 256, 5, padding="same"),
            nn.ReLU(),
            nn.BatchNorm2d(256),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(256, 384, 3, padding="same"),
            nn.ReLU(),
            nn.Conv2d(384, 384, 3, padding="same"),
            nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding="same"),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
            nn.Flatten(),
        )
        flat = features(torch.zeros(1, 3, 150, 150))  # (1, 2304)
        with torch.device("meta"):  # 26 M dense weights: counted, not allocated
            classifier = nn.Sequential(
                nn.Linear(flat.shape[1], 4096),
                nn.ReLU(),
                nn.Dropout(0.5),
                nn.Linear(4096, 4096),
                nn.ReLU(),
                nn.Dropout(0.5),
                nn.Linear(4096, 2),
            )
        assert flat.shape[1] == 2_304
        total = cnn_torch.count_trainable_parameters(features) + cnn_torch.count_trainable_parameters(
            classifier
        )
        assert total == 29_978_690 == summarize(analyze(*PRESETS["alexnet_keras_150"])).params


class TestOwnDefinitions:
    @pytest.mark.parametrize(
        ("name", "total"),
        [("lenet5", 61_706), ("alexnet", 62_378_344), ("vgg16", 138_357_544), ("vgg19", 143_667_240)],
    )
    def test_totals_and_layers_match_presets(self, name, total):
        model = cnn_torch.own_model(name)
        assert cnn_torch.count_trainable_parameters(model) == total
        assert weight_layer_params(model) == analysed_weight_params(name)

    @pytest.mark.parametrize("name", cnn_torch.OWN_MODELS)
    def test_forward_shape(self, name):
        model = cnn_torch.own_model(name)
        input_shape = PRESETS[name][1]
        output = model(torch.zeros(1, *input_shape, device="meta"))
        assert tuple(output.shape) == (1, *analyze(*PRESETS[name])[-1].output_shape)

    def test_lenet_runs_for_real(self):
        model = cnn_torch.own_model("lenet5", device="cpu")
        assert model(torch.zeros(3, 1, 32, 32)).shape == (3, 10)

    @pytest.mark.parametrize("name", cnn_torch.OWN_MODELS)
    def test_shown_source_builds_the_same_model(self, name):
        namespace: dict = {}
        with torch.device("meta"):
            exec(cnn_torch.own_source(name), namespace)  # the code shown on the page
        assert cnn_torch.count_trainable_parameters(
            namespace["model"]
        ) == cnn_torch.count_trainable_parameters(cnn_torch.own_model(name))

    def test_torchvision_source(self):
        assert "class AlexNet" in cnn_torch.torchvision_source("alexnet")
        vgg = cnn_torch.torchvision_source("vgg19")
        assert "def make_layers" in vgg and '"E"' in vgg

    def test_parameter_table(self):
        table = cnn_torch.parameter_table(cnn_torch.own_model("lenet5"))
        assert table[0].name == "features.0" and table[0].params == 156
        assert sum(row.params for row in table) == 61_706

    def test_unknown_names(self):
        with pytest.raises(ValueError, match="choose one of"):
            cnn_torch.own_model("resnet50")
        with pytest.raises(ValueError, match="choose one of"):
            cnn_torch.torchvision_model("lenet5")
        with pytest.raises(ValueError, match="choose one of"):
            cnn_torch.own_source("resnet50")


class TestSequentialSnippet:
    @pytest.mark.parametrize("key", ["example_f", "lenet5", "depthwise_separable", "tiny_vgg"])
    def test_snippet_reproduces_every_layer(self, key, capsys):
        layers, input_shape = PRESETS[key]
        namespace: dict = {"image_rgb": np.zeros((8, 8, 3), np.uint8)}
        exec(cnn_math.sequential_snippet(layers, input_shape), namespace)
        rows = analyze(layers, input_shape)
        assert namespace["result"] == cnn_math.layer_table(rows)
        assert tuple(namespace["result"]["output_shapes"][-1]) == rows[-1].output_shape
        printed = capsys.readouterr().out
        assert f"parameters: {summarize(analyze(layers, input_shape)).params}" in printed


def gradient_box(layers, input_shape, position):
    """Bounding box (top, left, bottom, right) of the input pixels that move output unit `position`, or None.

    All weights 1 and biases 0, so no contribution can cancel; the input is all ones.
    """
    model = cnn_torch.build_sequential(layers).double()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.fill_(1.0)
        for module in model.modules():
            if isinstance(module, nn.Conv2d) and module.bias is not None:
                module.bias.zero_()
    x = torch.ones(1, *input_shape, dtype=torch.float64, requires_grad=True)
    model(x)[0, 0, position[0], position[1]].backward()
    rows, cols = np.nonzero(x.grad[0].abs().sum(0).numpy())
    if rows.size == 0:
        return None
    return rows.min(), cols.min(), rows.max(), cols.max()


class TestReceptiveFieldBoxAgainstGradients:
    @pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
    @pytest.mark.parametrize(
        ("layers", "side", "position"),
        [
            (
                [
                    Conv2d(1, 1, 3, stride=2, padding=1),
                    Conv2d(1, 1, 3, padding=1),
                    AvgPool2d(2),
                    Conv2d(1, 1, 3),
                ],
                40,
                (0, 0),
            ),
            (
                [
                    Conv2d(1, 1, 3, stride=2, padding=1),
                    Conv2d(1, 1, 3, padding=1),
                    AvgPool2d(2),
                    Conv2d(1, 1, 3),
                ],
                40,
                (3, 5),
            ),
            (
                [Conv2d(1, 1, 11, stride=4), AvgPool2d(3, 2), Conv2d(1, 1, 5, padding=2), AvgPool2d(3, 2)],
                99,
                (1, 4),
            ),
            ([Conv2d(1, 1, 5, padding="same"), Conv2d(1, 1, 4, padding="same")], 40, (0, 39)),
        ],
    )
    def test_box_matches_gradient(self, layers, side, position):
        input_shape = (1, side, side)
        box = cnn_math.receptive_field_box(analyze(layers, input_shape), len(layers) - 1, position)
        assert gradient_box(layers, input_shape, position) == (box.top, box.left, box.bottom, box.right)


@st.composite
def sliding_stacks(draw, *, pools=("max", "avg"), allow_gaps=True):
    """A small random stack of convolutions and pools that fits its input, or None when it does not."""
    channels = input_channels = draw(st.integers(1, 3))
    height, width = draw(st.integers(6, 40)), draw(st.integers(6, 40))
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", *pools]))
        kernel = draw(st.integers(1, 5))
        stride = draw(st.integers(1, 3 if allow_gaps else kernel))
        if kind == "conv":
            out_channels = draw(st.integers(1, 4))
            groups = draw(
                st.sampled_from([g for g in (1, 2, 3) if channels % g == 0 and out_channels % g == 0])
            )
            dilation = draw(st.integers(1, 2)) if allow_gaps else 1
            padding = draw(st.sampled_from([0, 1, 2] + (["same", "valid"] if stride == 1 else ["valid"])))
            layers.append(
                Conv2d(
                    channels,
                    out_channels,
                    kernel,
                    stride=stride,
                    padding=padding,
                    dilation=dilation,
                    groups=groups,
                )
            )
            channels = out_channels
        else:
            padding = draw(st.integers(0, kernel // 2))
            layers.append((MaxPool2d if kind == "max" else AvgPool2d)(kernel, stride=stride, padding=padding))
    try:
        analyze(layers, (input_channels, height, width))
    except ValueError:
        return None  # the kernel outgrew the map: not a valid stack
    return layers, (input_channels, height, width)


class TestRandomStacks:
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(sliding_stacks())
    def test_analysed_shapes_equal_torch(self, stack):
        assume(stack is not None)
        layers, input_shape = stack
        checks = cnn_torch.verify_with_torch(layers, input_shape, use_meta=False)
        assert [c.output_shape for c in checks] == [c.expected_shape for c in checks]
        assert [c.params for c in checks] == [c.expected_params for c in checks]

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(sliding_stacks(pools=("avg",), allow_gaps=False), st.integers(0, 10_000), st.integers(0, 10_000))
    def test_receptive_field_box_equals_gradient(self, stack, row_seed, col_seed):
        # no dilation and kernel >= stride: the field has no holes, so its ends are reached
        assume(stack is not None)
        layers, input_shape = stack
        rows = analyze(layers, input_shape)
        position = (row_seed % rows[-1].output_shape[1], col_seed % rows[-1].output_shape[2])
        box = cnn_math.receptive_field_box(rows, len(rows) - 1, position)
        if box.empty:  # the unit sees padding only
            assert gradient_box(layers, input_shape, position) is None
            return
        assert gradient_box(layers, input_shape, position) == (box.top, box.left, box.bottom, box.right)


class TestWeightSharing:
    def test_convolution_is_equivariant_and_global_pooling_invariant(self):
        # CNN calculators says: a shifted image gives a shifted feature map; the global step gives the same answer
        torch.manual_seed(0)
        image = torch.zeros(1, 1, 24, 24)
        image[0, 0, 4:9, 5:8] = torch.rand(5, 3)  # an object well inside the frame
        shifted = torch.roll(image, shifts=(6, 7), dims=(2, 3))
        conv = nn.Conv2d(1, 4, 3, bias=False)
        maps, shifted_maps = conv(image), conv(shifted)
        torch.testing.assert_close(shifted_maps[..., 6:, 7:], maps[..., :-6, :-7])
        assert not torch.allclose(shifted_maps, maps)  # the map itself moved: not invariant
        torch.testing.assert_close(maps.amax(dim=(2, 3)), shifted_maps.amax(dim=(2, 3)))


class TestRandomFilters:
    def test_random_filters_respond_to_an_edge(self):
        # Feature maps: the random-weights twin still sees edges; flat areas give one constant answer per map
        torch.manual_seed(0)
        step = torch.zeros(1, 3, 16, 16)
        step[..., 8:] = 1.0  # a vertical edge between columns 7 and 8
        maps = nn.Conv2d(3, 8, 3)(step)[0]  # (8, 14, 14); output column j sees input columns j..j+2
        flat_left, edge, flat_right = maps[..., :5], maps[..., 6:8], maps[..., 9:]
        assert torch.allclose(flat_left, flat_left[..., :1].expand_as(flat_left))
        assert torch.allclose(flat_right, flat_right[..., :1].expand_as(flat_right))
        differs = (edge[..., 0, :] - flat_left[..., 0, :1]).abs().amax(dim=1) > 1e-3
        assert differs.all()  # every one of the 8 random filters answers at the edge
