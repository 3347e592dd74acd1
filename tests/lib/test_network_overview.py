"""The whole network at a glance (lib.nn.network_overview): one column per layer shown, labels drawn where the
layout says, thumbnails that are the layers' own strongest maps, and clicks read back from the same layout."""

import cv2
import numpy as np
import pytest
import torch

from lib.nn import models
from lib.nn import network_overview as overview
from lib.nn.features import LayerActivation, colorize, extract_activations, layer_extractor, order_by_activity


@pytest.fixture(scope="module", params=["lenet_digits", "shapes_cnn"])
def forward_pass(request):
    name = request.param
    model = models.load_model(name, device=torch.device("cpu"))
    info = models.model_info(name)
    inputs = torch.randn(1, *info.input_size, generator=torch.Generator().manual_seed(5))
    layers = extract_activations(layer_extractor(model), inputs)
    return name, info, layers


def drawn(info, layers, layout, **options):
    image = np.zeros(info.input_size[1:] + (3,), np.uint8)
    probabilities = np.linspace(0.0, 1.0, len(info.classes))
    probabilities /= probabilities.sum()
    return overview.draw_overview(layout, layers, image, info.classes, probabilities, **options)


def synthetic_network(blocks: int = 5, convs_per_block: int = 3) -> list[LayerActivation]:
    """A VGG-like chain: blocks of (conv, ReLU) x n then a pool that halves the maps, then dense layers."""
    rng = np.random.default_rng(0)
    layers, side, index = [], 64, 0
    for _ in range(blocks):
        for _ in range(convs_per_block):
            for kind in ("Conv2d", "ReLU"):
                layers.append(
                    LayerActivation(
                        f"features.{index}", kind, f"features.{index}", rng.random((8, side, side))
                    )
                )
                index += 1
        side //= 2
        layers.append(
            LayerActivation(
                f"features.{index}", "MaxPool2d", f"features.{index}", rng.random((8, side, side))
            )
        )
        index += 1
    layers.append(LayerActivation("flatten", "flatten", None, rng.random(8 * side * side)))
    for number, kind in enumerate(("Linear", "ReLU", "Dropout", "Linear")):
        layers.append(LayerActivation(f"classifier.{number}", kind, f"classifier.{number}", rng.random(32)))
    return layers


class TestLayout:
    def test_every_layer_of_our_models_has_a_column(self, forward_pass):
        name, info, layers = forward_pass
        layout = overview.overview_layout(layers, info.input_size, len(info.classes), maps_per_layer=4)
        expected = [layer.name for layer in layers if layer.kind not in ("BatchNorm2d", "Dropout")]
        assert layout.layers_shown == expected
        if name == "lenet_digits":
            assert len(expected) == 12  # LeNet has neither: every one of its layers is drawn
        assert [column.layer for column in layout.columns] == ["input", *expected, "softmax"]
        assert layout.width <= 1000 and all(
            column.x + column.width <= layout.width for column in layout.columns
        )

    def test_each_map_column_holds_its_strongest_maps(self, forward_pass):
        _, info, layers = forward_pass
        by_name = {layer.name: layer for layer in layers}
        for count in (3, 6):
            layout = overview.overview_layout(
                layers, info.input_size, len(info.classes), maps_per_layer=count
            )
            for column in layout.columns:
                if column.body == "maps":
                    channels = [thumb.channel for thumb in column.thumbnails]
                    assert channels == order_by_activity(by_name[column.layer].values)[:count].tolist()
                else:
                    assert column.thumbnails == ()

    def test_columns_do_not_overlap(self, forward_pass):
        _, info, layers = forward_pass
        layout = overview.overview_layout(layers, info.input_size, len(info.classes))
        for first, second in zip(layout.columns, layout.columns[1:], strict=False):
            assert second.y > first.y or second.x >= first.x + first.width

    def test_a_deep_network_shows_its_stages(self):
        layers = synthetic_network()
        layout = overview.overview_layout(layers, (3, 64, 64), 10)
        shown = layout.layers_shown
        pools = [layer.name for layer in layers if layer.kind == "MaxPool2d"]
        assert shown[0] == "features.0" and set(pools) <= set(shown)  # the first layer and every downsampling
        assert [column.body for column in layout.columns].count("gap") == 5  # "..." between the stages
        gaps = [column.label[0] for column in layout.columns if column.body == "gap"]
        assert gaps == ["+5"] + ["+6"] * 4  # the layers left out, counted
        assert "classifier.2" not in shown and "classifier.3" in shown  # dropout left out, dense kept
        assert len({column.y for column in layout.columns}) <= 3 and layout.width <= 1000

    def test_bad_counts_are_refused(self, forward_pass):
        _, info, layers = forward_pass
        with pytest.raises(ValueError, match="maps_per_layer"):
            overview.overview_layout(layers, info.input_size, len(info.classes), maps_per_layer=0)


class TestHit:
    def test_every_thumbnail_reads_back_its_map_and_unit(self, forward_pass):
        _, info, layers = forward_pass
        layout = overview.overview_layout(layers, info.input_size, len(info.classes), maps_per_layer=5)
        thumbnails = [thumb for column in layout.columns for thumb in column.thumbnails]
        assert len(thumbnails) == 5 * sum(column.body == "maps" for column in layout.columns)
        for thumb in thumbnails:
            height, width = thumb.map_shape
            top_left = overview.overview_hit(layout, (thumb.x, thumb.y))
            assert top_left == overview.OverviewHit(thumb.layer, thumb.channel, 0, 0)
            bottom_right = overview.overview_hit(layout, (thumb.x + thumb.side - 1, thumb.y + thumb.side - 1))
            assert (bottom_right.row, bottom_right.col) == (height - 1, width - 1)
            assert overview.thumbnail_of(layout, thumb.layer, thumb.channel) == thumb

    def test_a_click_lands_on_the_unit_whose_colour_is_under_it(self, forward_pass):
        _, info, layers = forward_pass
        layout = overview.overview_layout(layers, info.input_size, len(info.classes), maps_per_layer=3)
        image = drawn(info, layers, layout)
        by_name = {layer.name: layer for layer in layers}
        checked = 0
        for column in layout.columns:
            if column.body != "maps" or column.thumbnails[0].map_shape[0] > column.thumbnails[0].side:
                continue  # maps shrunk to fit are averaged: no one unit under a pixel
            coloured = colorize(by_name[column.layer].values[[t.channel for t in column.thumbnails]])
            for thumb, picture in zip(column.thumbnails, coloured, strict=True):
                for y in range(thumb.y, thumb.y + thumb.side):
                    for x in range(thumb.x, thumb.x + thumb.side):
                        hit = overview.overview_hit(layout, (x, y))
                        assert (hit.layer, hit.channel) == (thumb.layer, thumb.channel)
                        np.testing.assert_array_equal(image[y, x], picture[hit.row, hit.col])
                        checked += 1
        assert checked >= 3 * 6 * 40 * 40  # LeNet: all six map layers; the shapes CNN: its 32x32 and smaller

    def test_off_the_maps_is_nothing(self, forward_pass):
        _, info, layers = forward_pass
        layout = overview.overview_layout(layers, info.input_size, len(info.classes))
        thumb = layout.columns[1].thumbnails[0]
        assert overview.overview_hit(layout, (thumb.x - 1, thumb.y)) is None  # just left of it
        assert overview.overview_hit(layout, (thumb.x, thumb.y - 5)) is None  # on its label
        assert overview.overview_hit(layout, (thumb.x + thumb.side, thumb.y)) is None
        assert (
            overview.overview_hit(layout, (layout.width - 2, layout.height - 2)) is None
        )  # the softmax's corner


class TestDrawing:
    def test_thumbnails_are_the_layers_maps(self, forward_pass):
        _, info, layers = forward_pass
        layout = overview.overview_layout(layers, info.input_size, len(info.classes), maps_per_layer=3)
        image = drawn(info, layers, layout)
        assert image.shape == (layout.height, layout.width, 3) and image.dtype == np.uint8
        by_name = {layer.name: layer for layer in layers}
        for column in layout.columns:
            if column.body != "maps":
                continue
            coloured = colorize(by_name[column.layer].values[[t.channel for t in column.thumbnails]])
            for thumb, picture in zip(column.thumbnails, coloured, strict=True):
                shown = image[thumb.y : thumb.y + thumb.side, thumb.x : thumb.x + thumb.side]
                if picture.shape[0] > thumb.side:  # shrunk: averaged as cv2.resize does
                    expected = cv2.resize(picture, (thumb.side, thumb.side), interpolation=cv2.INTER_AREA)
                    np.testing.assert_array_equal(shown, expected)
                else:  # enlarged: every unit of the map is there, each a block of whole pixels
                    hits = [
                        overview.overview_hit(layout, (x, y))
                        for y in range(thumb.y, thumb.y + thumb.side)
                        for x in range(thumb.x, thumb.x + thumb.side)
                    ]
                    units = {(hit.row, hit.col) for hit in hits}
                    assert len(units) == picture.shape[0] * picture.shape[1]

    def test_every_column_is_labelled(self, forward_pass):
        _, info, layers = forward_pass
        layout = overview.overview_layout(layers, info.input_size, len(info.classes))
        image = drawn(info, layers, layout)
        by_name = {layer.name: layer for layer in layers}
        for column in layout.columns:
            if column.body in ("maps", "vector"):
                layer = by_name[column.layer]
                assert column.label == (layer.name, layer.kind, "x".join(map(str, layer.shape)))
            for line in range(overview.LABEL_LINES):
                if not column.label[line]:
                    continue
                top = column.y + line * overview.LINE_HEIGHT
                band = image[top : top + overview.LINE_HEIGHT, column.x : column.x + column.width]
                dark = (band.max(axis=2) < 140).sum()
                assert dark > 20, (column.layer, line)  # text is drawn on each line
        assert cv2.getTextSize("H", overview.FONT, overview.FONT_SCALE, 1)[0][1] >= 13  # readable at 1:1

    def test_the_winner_and_the_selected_map_are_marked(self, forward_pass):
        _, info, layers = forward_pass
        layout = overview.overview_layout(layers, info.input_size, len(info.classes))
        thumb = [column for column in layout.columns if column.body == "maps"][1].thumbnails[1]
        plain = drawn(info, layers, layout)
        marked = drawn(info, layers, layout, selected=(thumb.layer, thumb.channel))
        orange = np.all(marked == overview.SELECTED, axis=2)
        ys, xs = np.nonzero(orange)
        assert len(ys) and thumb.x - 4 <= xs.min() and xs.max() <= thumb.x + thumb.side + 3
        assert thumb.y - 4 <= ys.min() and ys.max() <= thumb.y + thumb.side + 3
        inner = orange[thumb.y : thumb.y + thumb.side, thumb.x : thumb.x + thumb.side]
        assert not inner.any()  # the frame does not cover the map
        assert not np.all(plain == overview.SELECTED, axis=2).any()
        softmax = layout.columns[-1]
        top = softmax.y + overview.LABEL_LINES * overview.LINE_HEIGHT + 6
        winner_band = plain[top : top + overview.SOFTMAX_ROW, softmax.x : softmax.x + softmax.width]
        second_band = plain[
            top + overview.SOFTMAX_ROW : top + 2 * overview.SOFTMAX_ROW, softmax.x : softmax.x + softmax.width
        ]
        assert np.all(winner_band == overview.WINNER, axis=2).mean() > 0.5
        assert not np.all(second_band == overview.WINNER, axis=2).any()


def test_shape_text():
    assert overview.shape_text((6, 28, 28)) == "6x28x28" and overview.shape_text((120,)) == "120"
