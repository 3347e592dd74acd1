"""lib.nn.cnn_math: numbers from the course notes and the papers, hand-worked properties, clear errors.

The comparison with PyTorch itself lives in test_cnn_torch.py.
"""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lib.nn import cnn_math
from lib.nn.cnn_math import (
    PRESETS,
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Flatten,
    Linear,
    MaxPool2d,
    ReLU,
    analyze,
    output_size,
    summarize,
)

ROOT = Path(__file__).resolve().parents[2]


def rows_of(key):
    layers, input_shape = PRESETS[key]
    return analyze(layers, input_shape)


def row_named(rows, name):
    return next(row for row in rows if row.name == name)


def shapes_of(rows, kinds=("Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Flatten", "Linear")):
    return [row.output_shape for row in rows if row.kind in kinds]


class TestOutputSize:
    @pytest.mark.parametrize(
        ("input_size", "kernel", "expected"),
        [(5, 2, 4), (5, 3, 3), (5, 5, 1), (4, 3, 2)],  # III.B CNN Explainer 5×5 and III.D 4×4 examples
    )
    def test_course_small_examples(self, input_size, kernel, expected):
        assert output_size(input_size, kernel).size == expected

    @pytest.mark.parametrize(
        ("stride", "expected", "tiles"), [(1, 5, True), (2, 3, True), (3, 2, False), (4, 2, True)]
    )
    def test_course_7x7_stride_example(self, stride, expected, tiles):
        # III.D: 7×7 input, 3×3 kernel: stride 1 → 5×5, 2 → 3×3, 3 is refused by CNN Explainer, 4 → 2×2
        result = output_size(7, 3, stride=stride)
        assert result.size == expected
        assert result.tiles is tiles

    def test_non_tiling_reason(self):
        result = output_size(7, 3, stride=3)
        assert result.leftover == 1  # (7 − 3) = 4 = 3·1 + 1
        assert "not a multiple of the stride 3" in result.note
        assert output_size(7, 3, stride=2).note == ""

    def test_example_f_sizes(self):
        # III.F worked by hand in the notes: 32 → 30 (valid), 30 → 30 (same), pool 30 → 15, 15 → 7 (stride 2)
        assert output_size(32, 3, padding="valid").size == 30
        assert output_size(30, 3, padding="same").size == 30
        assert output_size(30, 2, stride=2).size == 15
        assert output_size(15, 3, stride=2).size == 7

    def test_formula_has_the_numbers(self):
        formula = output_size(15, 3, stride=2).formula
        assert "(15 − 3 + 2·0) / 2" in formula
        assert formula.endswith("= 7")
        assert "⌊4/3⌋" in output_size(7, 3, stride=3).formula  # the rounding down is shown

    @pytest.mark.parametrize("kernel", [1, 2, 3, 4, 7])
    def test_same_keeps_the_size(self, kernel):
        assert output_size(13, kernel, padding="same").size == 13

    def test_dilation_is_a_wider_kernel(self):
        # a 3×3 kernel with dilation 2 spans 5 pixels
        assert output_size(20, 3, dilation=2).size == output_size(20, 5).size == 16

    def test_kernel_larger_than_input(self):
        with pytest.raises(ValueError, match="larger than the padded input"):
            output_size(4, 5)

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="stride"):
            output_size(7, 3, stride=0)
        with pytest.raises(ValueError, match="stride 1"):
            output_size(7, 3, stride=2, padding="same")
        with pytest.raises(ValueError, match="padding"):
            output_size(7, 3, padding="full")


class TestLayerSpecs:
    def test_groups_must_divide_channels(self):
        with pytest.raises(ValueError, match="groups=3 must divide"):
            Conv2d(4, 8, 3, groups=3)

    def test_same_padding_needs_stride_1(self):
        with pytest.raises(ValueError, match="stride 1"):
            Conv2d(3, 8, 3, stride=2, padding="same")

    def test_pool_padding_at_most_half_kernel(self):
        with pytest.raises(ValueError, match="more than half"):
            MaxPool2d(2, padding=2)

    def test_bad_values(self):
        with pytest.raises(ValueError, match="positive"):
            Conv2d(0, 8, 3)
        with pytest.raises(ValueError, match="kernel_size"):
            Conv2d(3, 8, (3, 3, 3))
        with pytest.raises(ValueError, match="between 0 and 1"):
            Dropout(1.5)
        with pytest.raises(ValueError, match="in_features"):
            Linear(-1, 3)

    def test_names_do_not_change_equality(self):
        assert Conv2d(3, 8, 3, name="a") == Conv2d(3, 8, 3)


class TestAnalyzeCourseExamples:
    def test_example_f_shapes(self):
        # III.F: 30×30×8, 30×30×16, 15×15×16, 7×7×32, flatten 1568
        assert shapes_of(rows_of("example_f")) == [
            (8, 30, 30),
            (16, 30, 30),
            (16, 15, 15),
            (32, 7, 7),
            (1568,),
        ]

    def test_example_g_parameters(self):
        # III.G: conv1 224 + conv2 1168 + dense1 401,536 + dense2 1,290 = 404,218
        rows = rows_of("example_g")
        assert [row.params for row in rows if row.params] == [224, 1168, 401_536, 1290]
        assert summarize(rows).params == 404_218

    def test_lenet5_classic(self):
        rows = rows_of("lenet5")
        # IV.B: 28×28×6, 14×14×6, 10×10×16, 5×5×16, 1×1×120
        assert shapes_of(rows)[:5] == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120, 1, 1)]
        assert summarize(rows).params == 61_706  # 156 + 2,416 + 48,120 + 10,164 + 850
        assert summarize(rows).weight_layers == 5

    def test_lenet_keras(self):
        rows = rows_of("lenet_keras")
        # IV.C: 24×24×6, 12×12×6, 8×8×16, 4×4×16, 4×4×120 ("same"), then 84 and 10
        assert shapes_of(rows)[:5] == [(6, 24, 24), (6, 12, 12), (16, 8, 8), (16, 4, 4), (120, 4, 4)]
        assert summarize(rows).params == 212_906

    def test_lenet_pytorch(self):
        rows = rows_of("lenet_pytorch")
        assert shapes_of(rows)[0] == (6, 28, 28)  # padding 2 keeps 28×28 (IV.D)
        assert row_named(rows, "flatten1").output_shape == (16 * 5 * 5,)
        assert summarize(rows).params == 61_706

    def test_tiny_vgg(self):
        rows = rows_of("tiny_vgg")
        # III.B: 64 → 62 → 60 → 30 → 28 → 26 → 13; flatten 13·13·10
        sides = [row.output_shape[1] for row in rows if row.kind in ("Conv2d", "MaxPool2d")]
        assert sides == [62, 60, 30, 28, 26, 13]
        assert row_named(rows, "flatten1").output_shape == (1690,)
        assert summarize(rows).params == 280 + 3 * 910 + 16_910

    def test_receptive_field_stack(self):
        # III.H: five 3×3 stride-1 layers see 3, 5, 7, 9, 11 pixels; the shortcut agrees here
        rows = rows_of("rf_stack")
        assert [row.receptive_field for row in rows] == [(r, r) for r in (3, 5, 7, 9, 11)]
        assert [row.receptive_field_course for row in rows] == [row.receptive_field for row in rows]
        assert cnn_math.course_shortcut_differences(rows) == []


class TestAnalyzeClassics:
    def test_alexnet_as_taught(self):
        rows = rows_of("alexnet")
        sides = [row.output_shape[1:] for row in rows if row.kind in ("Conv2d", "MaxPool2d")]
        assert sides == [(55, 55), (27, 27), (27, 27), (13, 13), (13, 13), (13, 13), (13, 13), (6, 6)]
        # one tower: 34,944 + 614,656 + 885,120 + 1,327,488 + 884,992 + 37,752,832 + 16,781,312 + 4,097,000
        assert summarize(rows).params == 62_378_344
        assert summarize(rows).weight_layers == 8
        assert all(row.tiles for row in rows)  # 227 = 4·54 + 11: the reason for 227

    def test_alexnet_two_gpus(self):
        # groups=2 in conv2, conv4, conv5 halves their weights: the paper's "60 million"
        assert summarize(rows_of("alexnet_two_gpu")).params == 60_965_224

    def test_alexnet_torchvision(self):
        rows = rows_of("alexnet_torchvision")
        assert rows[0].output_shape == (64, 55, 55)
        assert not rows[0].tiles  # (224 + 4 − 11) = 217 = 4·54 + 1
        assert "not a multiple of the stride 4" in rows[0].note
        assert summarize(rows).params == 61_100_840

    def test_alexnet_keras_150_as_in_the_notes(self):
        # IV.F: Conv 11/4 valid, pools 3/2 valid, convs 2–5 "same", BatchNorm for LRN, Dense 4096-4096-2
        rows = rows_of("alexnet_keras_150")
        sides = [row.output_shape[1:] for row in rows if row.kind in ("Conv2d", "MaxPool2d")]
        assert sides == [(35, 35), (17, 17), (17, 17), (8, 8), (8, 8), (8, 8), (8, 8), (3, 3)]
        # the last pool takes 8 to 3: flatten 3·3·256, not the notes' 16384 (= 8·8·256, the last pool skipped)
        assert row_named(rows, "flatten1").output_shape == (2_304,)
        # 34,944 + 192 + 614,656 + 512 + 885,120 + 1,327,488 + 884,992 + 9,441,280 + 16,781,312 + 8,194
        assert summarize(rows).params == 29_978_690
        assert summarize(rows).weight_layers == 8
        story = cnn_math.ARCHITECTURES["alexnet"].story  # the Architectures page teaches both numbers
        assert "**2,304**" in story and "**29,978,690**" in story

    def test_vgg_totals(self):
        assert summarize(rows_of("vgg16")).params == 138_357_544
        assert summarize(rows_of("vgg19")).params == 143_667_240
        assert summarize(rows_of("vgg16")).weight_layers == 16
        assert summarize(rows_of("vgg19")).weight_layers == 19

    def test_vgg16_shapes(self):
        rows = rows_of("vgg16")
        assert row_named(rows, "pool5").output_shape == (512, 7, 7)
        assert row_named(rows, "flatten1").output_shape == (25_088,)

    def test_receptive_fields_of_the_classics(self):
        assert row_named(rows_of("alexnet"), "pool3").receptive_field == (195, 195)
        vgg = rows_of("vgg16")
        assert row_named(vgg, "conv5_3").receptive_field == (196, 196)
        assert row_named(vgg, "pool5").receptive_field == (212, 212)
        assert row_named(vgg, "pool5").jump == (32, 32)

    def test_every_preset_analyses(self):
        for key, (layers, input_shape) in PRESETS.items():
            rows = analyze(layers, input_shape)
            assert len(rows) == len(layers), key
            assert key in cnn_math.PRESET_TITLES


class TestAnalyzeHandWorked:
    def test_conv_counts(self):
        (row,) = analyze([Conv2d(3, 8, 3)], (3, 32, 32))
        assert (row.weights, row.biases, row.params) == (3 * 3 * 3 * 8, 8, 224)
        assert row.macs == 30 * 30 * 8 * 27
        assert row.activations == 8 * 30 * 30
        assert row.activation_bytes == 4 * 8 * 30 * 30

    def test_conv_without_bias_and_depthwise(self):
        rows = rows_of("depthwise_separable")
        assert rows[0].params == 3 * 3 * 1 * 32  # depthwise: each filter sees one channel
        assert rows[3].params == 1 * 1 * 32 * 64
        assert "depthwise" in rows[0].note

    def test_batchnorm_counts(self):
        (row,) = analyze([BatchNorm2d(16)], (16, 8, 8))
        assert (row.params, row.buffers) == (32, 32)

    def test_linear_counts(self):
        rows = analyze([Flatten(), Linear(12, 5)], (3, 2, 2))
        assert rows[1].params == 12 * 5 + 5
        assert rows[1].macs == 60

    def test_receptive_field_recurrence(self):
        # r += (k−1)·jump; jump *= s: k3 s2 → r 3, j 2; k3 s1 → 3 + 2·2 = 7; pool 2 → 7 + 1·2 = 9, j 4
        rows = analyze([Conv2d(1, 1, 3, stride=2), Conv2d(1, 1, 3), MaxPool2d(2)], (1, 32, 32))
        assert [row.receptive_field[0] for row in rows] == [3, 7, 9]
        assert [row.jump[0] for row in rows] == [2, 2, 4]
        assert [row.start[0] for row in rows] == [1.0, 3.0, 4.0]  # centres of the first unit's field

    def test_course_shortcut_differs_after_two_strides(self):
        # the shortcut multiplies by the previous stride (2), not the jump (2·2 = 4)
        rows = analyze([Conv2d(1, 1, 3, stride=2), Conv2d(1, 1, 3, stride=2), Conv2d(1, 1, 3)], (1, 32, 32))
        assert [row.receptive_field[0] for row in rows] == [3, 7, 15]
        assert [row.receptive_field_course[0] for row in rows] == [3, 7, 11]
        (message,) = cnn_math.course_shortcut_differences(rows)
        assert message.startswith("conv3: correct 15, shortcut 11")

    def test_alexnet_shortcut_differs_from_conv2(self):
        rows = rows_of("alexnet")
        assert row_named(rows, "conv2").receptive_field == (51, 51)  # 19 + 4·8
        assert row_named(rows, "conv2").receptive_field_course == (27, 27)  # 19 + 4·2

    def test_dilation_and_non_square(self):
        (row,) = analyze([Conv2d(2, 4, (3, 5), dilation=(1, 2), padding=(1, 0))], (2, 20, 20))
        assert row.output_shape == (4, 20, 12)
        assert row.receptive_field == (3, 9)

    def test_dense_rows_see_the_whole_image(self):
        rows = rows_of("example_g")
        assert rows[-1].receptive_field == (32, 32)
        assert "whole image" in rows[-1].note

    def test_adaptive_pool(self):
        rows = analyze([AdaptiveAvgPool2d(1)], (8, 7, 7))
        assert rows[0].output_shape == (8, 1, 1)
        assert rows[0].receptive_field == (7, 7)
        uneven = analyze([AdaptiveAvgPool2d(3)], (8, 7, 7))[0]
        assert uneven.output_shape == (8, 3, 3)
        assert "unequal" in uneven.note

    def test_formulas_are_filled_in(self):
        rows = rows_of("example_g")
        formulas = dict(rows[0].formulas)
        assert formulas["Parameters"] == "(K·K·C_in + 1)·C_out = (3·3·3 + 1)·8 = 224"
        assert dict(rows[6].formulas)["Parameters"] == "(N_in + 1)·N_out = (3,136 + 1)·128 = 401,536"
        assert "r = r_prev + (K − 1)·j_prev = 1 + (3 − 1)·1 = 3" in formulas["Receptive field"]

    def test_empty_network(self):
        assert analyze([], (3, 8, 8)) == []


class TestAnalyzeErrors:
    def test_channel_mismatch(self):
        with pytest.raises(ValueError, match=r"Layer 2 \(conv2, Conv2d\): in_channels=4 but the input has 8"):
            analyze([Conv2d(3, 8, 3), Conv2d(4, 8, 3)], (3, 32, 32))

    def test_output_would_be_empty(self):
        with pytest.raises(ValueError, match=r"Layer 3 \(conv2, Conv2d\).*larger than the padded input"):
            analyze([Conv2d(1, 6, 5), MaxPool2d(8), Conv2d(6, 16, 5)], (1, 32, 32))

    def test_linear_needs_flatten(self):
        with pytest.raises(ValueError, match="add Flatten"):
            analyze([Conv2d(1, 2, 3), Linear(18, 2)], (1, 5, 5))

    def test_linear_in_features(self):
        with pytest.raises(ValueError, match="set in_features=18"):
            analyze([Conv2d(1, 2, 3), Flatten(), Linear(20, 2)], (1, 5, 5))

    def test_conv_after_flatten(self):
        with pytest.raises(ValueError, match="move it before Flatten"):
            analyze([Flatten(), Conv2d(1, 2, 3)], (1, 5, 5))

    def test_batchnorm_channels(self):
        with pytest.raises(ValueError, match="set it to 3"):
            analyze([BatchNorm2d(4)], (3, 5, 5))

    @pytest.mark.parametrize("shape", [(3, 32), (0, 5, 5), (3, 5.0, 5), "abc"])
    def test_bad_input_shape(self, shape):
        with pytest.raises(ValueError, match="input shape"):
            analyze([ReLU()], shape)

    def test_unknown_layer(self):
        with pytest.raises(ValueError, match="the calculator knows"):
            analyze([object()], (3, 5, 5))


class TestReceptiveFieldBox:
    def test_corner_is_clipped(self):
        rows = rows_of("rf_stack")  # padding 1 everywhere: unit (0, 0) is centred on pixel (0, 0)
        box = cnn_math.receptive_field_box(rows, 4, (0, 0))
        assert box.unclipped == (-5, -5, 5, 5)
        assert (box.top, box.left, box.bottom, box.right) == (0, 0, 5, 5)
        assert (box.height, box.width) == (6, 6)

    def test_inside_position(self):
        rows = rows_of("rf_stack")
        box = cnn_math.receptive_field_box(rows, "conv5", (10, 20))
        assert (box.top, box.left, box.bottom, box.right) == (5, 15, 15, 25)
        assert box.centre == (10.0, 20.0)

    def test_strided_position(self):
        rows = analyze([Conv2d(1, 1, 3, stride=2)], (1, 9, 9))  # unit i sees pixels 2i .. 2i + 2
        box = cnn_math.receptive_field_box(rows, 0, (3, 1))
        assert (box.top, box.left, box.bottom, box.right) == (6, 2, 8, 4)

    def test_dropped_rows_are_not_in_the_field(self):
        # 7 rows, kernel 2, stride 2: row 6 is never covered; conv2 pads by 1, so its last unit
        # would reach input rows 6..7 by the recurrence but sees only row 5 (conv1's last unit, rows 4..5)
        rows = analyze([Conv2d(1, 1, 2, stride=2), Conv2d(1, 1, 2, padding=1)], (1, 7, 7))
        box = cnn_math.receptive_field_box(rows, 1, (3, 0))
        assert box.unclipped[2] == 7
        assert (box.top, box.bottom) == (4, 5)

    def test_padding_only(self):
        rows = analyze([Conv2d(1, 1, 1, padding=1)], (1, 4, 4))  # unit (0, 0) sees a padding pixel
        assert cnn_math.receptive_field_box(rows, 0, (0, 0)).empty
        assert not cnn_math.receptive_field_box(rows, 0, (1, 1)).empty

    def test_padding_only_at_a_later_layer_stays_empty(self):
        # found by hypothesis: conv2's unit (0, 0) sees only conv2's padding, so no input pixel at all,
        # although conv1's window at (-1, -1) clipped back to the image would reach pixel (0, 0)
        rows = analyze([Conv2d(1, 1, 2), Conv2d(1, 1, 1, padding=1)], (1, 6, 6))
        assert cnn_math.receptive_field_box(rows, 1, (0, 0)).empty
        assert cnn_math.receptive_field_box(rows, 1, (1, 1)).height == 2

    def test_errors(self):
        rows = rows_of("example_g")
        with pytest.raises(ValueError, match="outside"):
            cnn_math.receptive_field_box(rows, 0, (30, 0))
        with pytest.raises(ValueError, match="vector"):
            cnn_math.receptive_field_box(rows, len(rows) - 1, (0, 0))
        with pytest.raises(ValueError, match="No layer named"):
            cnn_math.receptive_field_box(rows, "conv9", (0, 0))


class TestDrawField:
    def test_box_kept_outside_dimmed(self):
        image = np.full((40, 40, 3), 200, np.uint8)
        box = cnn_math.FieldBox(
            top=5, left=5, bottom=14, right=14, unclipped=(5, 5, 14, 14), centre=(9.5, 9.5)
        )
        shown = cnn_math.draw_field(image, box, network_hw=(20, 20))  # image is twice the network input
        assert shown.shape == (40, 40, 3)
        assert (shown[20, 20] == 200).all()  # inside the box (pixels 10..29), away from the outline
        assert (shown[35, 35] < 100).all()  # outside: dimmed
        assert tuple(shown[10, 20]) == (255, 220, 0)  # the outline

    def test_empty_box_dims_everything(self):
        box = cnn_math.FieldBox(
            top=0, left=0, bottom=-1, right=-1, unclipped=(-1, -1, -1, -1), centre=(-1.0, -1.0)
        )
        shown = cnn_math.draw_field(np.full((4, 4, 3), 200, np.uint8), box, network_hw=(4, 4))
        assert (shown < 100).all()

    def test_gray_and_errors(self):
        box = cnn_math.FieldBox(top=0, left=0, bottom=1, right=1, unclipped=(0, 0, 1, 1), centre=(0.5, 0.5))
        assert cnn_math.draw_field(np.zeros((4, 4), np.uint8), box, network_hw=(4, 4)).shape == (4, 4, 3)
        with pytest.raises(ValueError, match="uint8"):
            cnn_math.draw_field(np.zeros((4, 4, 3), np.float32), box, network_hw=(4, 4))


class TestDenseNetwork:
    def test_harley_mnist(self):
        rows = analyze(cnn_math.dense_network((1, 28, 28)), (1, 28, 28))
        # 784·300 + 300 = 235,500; 300·100 + 100 = 30,100; 100·10 + 10 = 1,010
        assert [row.params for row in rows if row.params] == [235_500, 30_100, 1_010]

    def test_dense_on_a_photo_dwarfs_a_cnn(self):
        dense = summarize(analyze(cnn_math.dense_network((3, 224, 224), hidden_sizes=(300,)), (3, 224, 224)))
        assert dense.params == 150_528 * 300 + 300 + 300 * 10 + 10
        conv_only = summarize(rows_of("vgg16")).conv_params
        assert conv_only == 14_714_688  # VGG16's 13 convolutions
        assert dense.params > 3 * conv_only

    def test_errors(self):
        with pytest.raises(ValueError, match="positive"):
            cnn_math.dense_network((1, 28, 28), hidden_sizes=(0,))


class TestLayerTables:
    @pytest.mark.parametrize("key", list(PRESETS))
    def test_round_trip(self, key):
        layers, input_shape = PRESETS[key]
        table = cnn_math.layers_to_table(layers)
        assert all(set(row) == set(cnn_math.TABLE_COLUMNS) for row in table)
        rebuilt, errors = cnn_math.layers_from_table(table, input_shape)
        assert errors == []
        original, again = analyze(layers, input_shape), analyze(rebuilt, input_shape)
        assert [(r.name, r.output_shape, r.params) for r in again] == [
            (r.name, r.output_shape, r.params) for r in original
        ]

    def test_cells_as_the_editor_gives_them(self):
        # st.data_editor returns floats, NaN for empty cells and strings for text columns
        rows = [
            {
                "kind": "Conv2d",
                "out": 8.0,
                "kernel": 3.0,
                "stride": math.nan,
                "padding": "same",
                "bias": None,
            },
            {"kind": "MaxPool2d", "kernel": 2, "stride": math.nan, "padding": ""},
            {"kind": None},
            {"kind": "Flatten"},
            {"kind": "Linear", "out": "10", "bias": False},
        ]
        layers, errors = cnn_math.layers_from_table(rows, (3, 8, 8))
        assert errors == []
        assert layers == [
            Conv2d(3, 8, 3, padding="same"),
            MaxPool2d(2, 2),
            Flatten(),
            Linear(128, 10, bias=False),
        ]

    def test_errors_name_the_row(self):
        bad_out = [{"kind": "Conv2d", "out": math.nan, "kernel": 3}]
        assert cnn_math.layers_from_table(bad_out, (3, 8, 8)) == (
            [],
            ["Row 1 (Conv2d): 'out' is empty; enter a whole number"],
        )
        too_big = [{"kind": "Conv2d", "out": 4, "kernel": 3}, {"kind": "Conv2d", "out": 4, "kernel": 9}]
        layers, (message,) = cnn_math.layers_from_table(too_big, (3, 8, 8))
        assert len(layers) == 1 and message.startswith("Row 2 (Conv2d):") and "larger" in message
        no_flatten = [{"kind": "Linear", "out": 4}]
        assert "add a Flatten row" in cnn_math.layers_from_table(no_flatten, (3, 8, 8))[1][0]
        fraction = [{"kind": "Conv2d", "out": 2.5, "kernel": 3}]
        assert "whole number" in cnn_math.layers_from_table(fraction, (3, 8, 8))[1][0]
        unknown = [{"kind": "Conv3d"}]
        assert "unknown kind" in cnn_math.layers_from_table(unknown, (3, 8, 8))[1][0]

    def test_parse_padding(self):
        assert cnn_math.parse_padding(" Same ") == "same"
        assert cnn_math.parse_padding("2") == 2
        assert cnn_math.parse_padding("") == 0
        with pytest.raises(ValueError, match="padding"):
            cnn_math.parse_padding("-1")

    def test_non_square_does_not_fit_the_table(self):
        with pytest.raises(ValueError, match="one kernel per layer"):
            cnn_math.layers_to_table([Conv2d(1, 1, (3, 5))])


class TestSummaryAndDiagram:
    def test_summary_splits_conv_and_dense(self):
        summary = summarize(rows_of("example_g"))
        assert (summary.conv_params, summary.dense_params) == (224 + 1168, 401_536 + 1290)
        assert summary.output_shape == (10,)

    def test_vgg16_multiply_adds(self):
        # 15.5 G multiply-adds per 224×224 image is VGG16's well-known cost; sum of H·W·weights per layer
        assert summarize(rows_of("vgg16")).macs == 15_470_264_320

    def test_diagram_blocks(self):
        layers, input_shape = PRESETS["lenet5"]
        blocks = cnn_math.diagram_blocks(analyze(layers, input_shape), input_shape)
        assert [b.label for b in blocks] == [
            "32×32×1",
            "28×28×6",
            "14×14×6",
            "10×10×16",
            "5×5×16",
            "1×1×120",
            "84",
            "10",
        ]
        assert blocks[0].height > blocks[1].height > blocks[2].height
        assert all(b.x + b.width + b.depth < nxt.x for b, nxt in zip(blocks, blocks[1:], strict=False))

    def test_vgg_stacks_are_one_block_each(self):
        layers, input_shape = PRESETS["vgg16"]
        blocks = cnn_math.diagram_blocks(analyze(layers, input_shape), input_shape)
        assert [b.count for b in blocks if b.kind == "Conv2d"] == [2, 2, 3, 3, 3]  # 13 convolutions
        assert blocks[1].name == "conv1_1 ×2" and blocks[1].label == "224×224×64"
        assert len(blocks) == 1 + 5 * 2 + 3

    def test_architecture_notes_point_at_presets(self):
        for info in cnn_math.ARCHITECTURES.values():
            assert info.preset in PRESETS
            assert info.torchvision_preset is None or info.torchvision_preset in PRESETS
            total = summarize(rows_of(info.preset)).params
            assert f"{total:,}" in info.story  # the story quotes the right total


class TestSequentialSnippet:
    def test_lists_every_layer(self):
        layers, input_shape = PRESETS["example_f"]
        snippet = cnn_math.sequential_snippet(layers, input_shape)
        assert "nn.Conv2d(8, 16, kernel_size=3, padding='same')" in snippet
        assert "torch.zeros(1, 3, 32, 32)" in snippet
        assert snippet.rstrip().endswith(
            'result = {"output_shapes": shapes, "params": params, "total_params": sum(params)}'
        )
        assert "import lib" not in snippet and "from lib" not in snippet

    @pytest.mark.parametrize("preset", ["lenet5", "example_f"])
    def test_snippet_measures_the_layer_table(self, preset):
        layers, input_shape = PRESETS[preset]
        namespace: dict = {}
        exec(compile(cnn_math.sequential_snippet(layers, input_shape), "<snippet>", "exec"), namespace)  # noqa: S102
        assert namespace["result"] == cnn_math.layer_table(cnn_math.analyze(layers, input_shape))

    def test_layers_in_torch_syntax(self):
        assert cnn_math.torch_expression(AvgPool2d(2, 2)) == "nn.AvgPool2d(kernel_size=2, stride=2)"
        assert cnn_math.torch_expression(Linear(4, 2, bias=False)) == "nn.Linear(4, 2, bias=False)"
        assert (
            cnn_math.torch_expression(Conv2d(4, 4, 3, groups=4)) == "nn.Conv2d(4, 4, kernel_size=3, groups=4)"
        )


def test_importing_cnn_math_loads_no_torch():
    """The calculators' arithmetic is pure: the package (every module of it) imports without torch."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import lib.nn.cnn_math as package\n"
        "for module in pkgutil.iter_modules(package.__path__):\n"
        "    importlib.import_module(f'lib.nn.cnn_math.{module.name}')\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)
