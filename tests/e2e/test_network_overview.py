"""Feature maps: a click on a map in "The whole network at a glance" opens that layer, map and unit below.

Where to click comes from the layout function the page draws with (lib.nn.network_overview): the columns and
thumbnails depend only on the layers' names and shapes, so any input gives the page's geometry.
"""

from __future__ import annotations

import re

import torch
from playwright.sync_api import expect

from lib.nn import models, network_overview
from lib.nn.features import extract_activations, layer_extractor, random_twin
from tests.e2e.browser import app_errors, click_at, clickable, wait_for_run


def lenet_layout(maps: int = 3) -> network_overview.OverviewLayout:
    info = models.model_info("lenet_digits")
    layers = extract_activations(
        layer_extractor(random_twin("lenet_digits")), torch.zeros(1, *info.input_size)
    )
    return network_overview.overview_layout(layers, info.input_size, len(info.classes), maps_per_layer=maps)


def layer_box(page):
    """The chosen value (an input element) of the single-layer view's Layer selectbox."""
    box = page.locator("[data-testid='stSelectbox']").filter(has=page.get_by_text("Layer", exact=True))
    return box.locator("input")


def test_a_click_on_a_thumbnail_opens_that_layer_and_unit(server, page, screenshots):
    page.goto(f"{server.url}/feature_maps")
    wait_for_run(page)
    assert layer_box(page).input_value().startswith("conv1 —")
    layout = lenet_layout()
    thumb = next(column for column in layout.columns if column.layer == "relu_1").thumbnails[1]
    x, y = thumb.x + thumb.side - 4, thumb.y + 3  # inside the second map of relu_1, near its top-right corner
    hit = network_overview.overview_hit(layout, (x, y))
    assert (hit.layer, hit.row, hit.col) == ("relu_1", 0, 9)
    overview = clickable(page, 0)
    click_at(page, overview, (x + 0.5) / layout.width, (y + 0.5) / layout.height)
    # the click's run may start after click_at's wait: wait for the Layer box itself, then for that run
    expect(layer_box(page)).to_have_value("relu_1 — ReLU 16×10×10", timeout=90_000)
    wait_for_run(page)
    expect(page.get_by_text("Unit (0, 9) sees")).to_have_count(1)  # the clicked unit, its receptive field
    expect(page.get_by_text("of relu_1 · click a unit")).to_have_count(1)
    # a ReLU's value by hand is conv2's sum at the same unit, then max(0, ·)
    expect(page.get_by_text(re.compile(r"Unit \(0, 9\) of map \d+ in conv2 reads"))).to_have_count(1)
    page.screenshot(path=screenshots / "click_network_overview.png", full_page=True)
    assert app_errors(page) == []
