"""The Feature maps & filters page's own widget groups and cached wrappers (app_pages/feature_maps.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lib.nn import conv_arithmetic, features, network_overview, programs
from ui.cache import freeze, image_cache
from ui.clickable import clickable_image
from ui.layout import show_image, to_display_uint8
from ui.models import code_bundle, info, model, model_source, snippet_options, twin


def feature_maps_code(name: str, layer: str, random_weights: bool, image: np.ndarray, maps: np.ndarray):
    """The Code panel's program: lib.nn.features.feature_maps_snippet for any model on the page's image; it
    saves every map of `layer` (`maps`, what the page showed) to result.npy."""
    snippet = features.feature_maps_snippet(
        info(name).name, layer, random_weights=random_weights, **snippet_options(name)
    )
    weights = "random weights" if random_weights else "its weights"
    return programs.torch_program(
        snippet,
        reproduces=f"Feature maps: every map of {layer} in {info(name).title} ({weights}) for the page's image.",
        name="feature_maps.py",
        result=maps,
        image=image,
        **code_bundle(name, random_weights),
    )


@image_cache(max_entries=24)
def map_grid(values: np.ndarray, order: tuple[int, ...], columns: int, shared_scale: bool) -> np.ndarray:
    return features.tile_maps(values[list(order)], columns=columns, cell_side=72, shared_scale=shared_scale)


@image_cache(max_entries=24)
def map_with_unit(values: np.ndarray, channel: int, row: int, col: int) -> np.ndarray:
    """One map of a layer (C, H, W) enlarged as map_grid draws it, the unit (row, col) outlined in black."""
    grid = map_grid(values, (channel,), 1, False)
    scale = grid.shape[0] // values.shape[1]  # one map: whole-pixel enlargement, no gaps
    return features.outline_unit(grid, row, col, scale)


def set_unit(row_key: str, col_key: str, map_shape: tuple[int, int], shown_shape: tuple[int, ...]):
    """A click callback for ui.clickable on map_with_unit's picture: the unit sliders take the clicked unit."""

    def write(point: tuple[int, int]) -> None:
        st.session_state[row_key] = point[1] * map_shape[0] // shown_shape[0]
        st.session_state[col_key] = point[0] * map_shape[1] // shown_shape[1]

    return write


def statistics_frame(values: np.ndarray, order: np.ndarray) -> pd.DataFrame:
    """Per-channel statistics of a layer, in the order shown (most active first)."""
    stats = features.channel_statistics(values)
    frame = pd.DataFrame({key: stats[key][order] for key in ("mean", "std", "min", "max", "active_fraction")})
    frame.insert(0, "channel", order)
    return frame.rename(columns={"active_fraction": "fraction > 0"})


HAND_MADE_KERNELS = ("sobel right", "sobel bottom", "outline", "gaussian")


def first_layer_filters(
    name: str, random_weights: bool
) -> tuple[tuple[str, np.ndarray], tuple[str, np.ndarray]]:
    """The first convolution's learned filters as one image, and hand-made kernels of a similar size:
    two (caption, grid) pairs for show_row."""
    if model_source(name).shared:
        return _stored_first_layer_filters(name, random_weights)
    return freeze(_filters_of(twin(name) if random_weights else model(name)))


@st.cache_resource(max_entries=12, show_spinner=False)
def _stored_first_layer_filters(
    name: str, random_weights: bool
) -> tuple[tuple[str, np.ndarray], tuple[str, np.ndarray]]:
    return _filters_of(twin(name) if random_weights else model(name))


def _filters_of(network) -> tuple[tuple[str, np.ndarray], tuple[str, np.ndarray]]:
    from lib.cv.filters import preset_kernel

    path, conv = features.first_conv(network)
    learned = features.filters_as_images(conv.weight.detach().cpu().numpy())
    side = 3 if conv.kernel_size[0] <= 3 else 5
    hand = np.stack([preset_kernel(kernel, size=side) for kernel in HAND_MADE_KERNELS])[:, None]
    size = "×".join(map(str, conv.kernel_size))
    return (
        (
            f"{path}: {len(learned)} learned {size} filters",
            features.tile_images(learned, columns=8, cell_side=48),
        ),
        (
            f"Hand-made {side}×{side}: {', '.join(HAND_MADE_KERNELS)}",
            features.tile_images(
                np.concatenate([features.filters_as_images(k[None]) for k in hand]), columns=4, cell_side=48
            ),
        ),
    )


# ---------------------------------------------------------------------------------------------------
# The whole network at a glance (lib.nn.network_overview) and how one value was computed (lib.nn.conv_arithmetic)

OVERVIEW_CLICK = "fm_overview_click"


def overview_picture(
    name: str, random_weights: bool, image: np.ndarray, run: features.FeatureRun, maps: int, selected
) -> tuple[network_overview.OverviewLayout, np.ndarray]:
    """The overview's layout and picture for the page's forward pass (cached for stored models, by image)."""
    if model_source(name).shared:
        return _stored_overview(name, random_weights, image, maps, selected)
    return freeze(_overview(run, info(name).input_size, info(name).classes, maps, selected))


@image_cache(max_entries=12)
def _stored_overview(name: str, random_weights: bool, image: np.ndarray, maps: int, selected):
    from ui.models import feature_run

    return _overview(
        feature_run(name, random_weights, image), info(name).input_size, info(name).classes, maps, selected
    )


def _overview(run: features.FeatureRun, input_size, classes, maps: int, selected):
    layout = network_overview.overview_layout(run.layers, input_size, len(classes), maps_per_layer=maps)
    model_input = to_display_uint8(np.asarray(run.steps[-1][1]))
    picture = network_overview.draw_overview(
        layout, run.layers, model_input, classes, run.probabilities, selected=selected
    )
    return layout, picture


def map_state(
    layout: network_overview.OverviewLayout, point: tuple[int, int], layer_key: str, count: int
) -> dict:
    """What a click at image point (x, y) of the overview writes into the session state: the single-layer
    view's layer, map and unit (and enough maps listed to hold the clicked one); {} off the maps.

    count: how many maps the view lists now (its "Maps shown" slider)."""
    hit = network_overview.overview_hit(layout, point)
    if hit is None:
        return {}
    state = {
        layer_key: hit.layer,
        f"fm_channel_{hit.layer}": hit.channel,
        f"fm_row_{hit.layer}": hit.row,
        f"fm_col_{hit.layer}": hit.col,
    }
    column = next(column for column in layout.columns if column.layer == hit.layer and column.thumbnails)
    rank = [thumb.channel for thumb in column.thumbnails].index(hit.channel)
    if count <= rank:
        state["fm_count"] = rank + 1
    return state


def open_map(layout: network_overview.OverviewLayout, layer_key: str):
    """A click callback for the overview: the single-layer view below takes the clicked map and unit."""

    def write(point: tuple[int, int]) -> None:
        st.session_state.update(map_state(layout, point, layer_key, st.session_state.get("fm_count", 16)))

    return write


def whole_network(
    name: str, random_weights: bool, image: np.ndarray, run: features.FeatureRun, layer_key: str
):
    """The whole network at a glance: every layer's strongest maps left to right; a click opens one below.

    Writes the heading and the maps-per-layer slider and keeps a place for the picture; returns the function
    that draws it there, once the single-layer view below has chosen its (layer, channel), framed in orange.
    """
    st.subheader("The whole network at a glance")
    text, control = st.columns([3, 1])
    text.markdown(
        "The input on the left, then every convolution, ReLU and pooling layer with its most active maps (top "
        "first), the dense layers as strips of their values, and the softmax's answer. **Click a map** to open "
        "it, and the unit you clicked, below."
    )
    maps = control.slider("Maps per layer", 3, 6, 3, key="fm_overview_maps", bind="query-params")
    slot = st.container()

    def show(selected: tuple[str, int]) -> None:
        layout, picture = overview_picture(name, random_weights, image, run, maps, selected)
        with slot:
            clickable_image(picture, key=OVERVIEW_CLICK, on_point=open_map(layout, layer_key))
            st.caption(overview_note(layout, run))

    return show


def overview_note(layout: network_overview.OverviewLayout, run: features.FeatureRun) -> str:
    gaps = sum(column.body == "gap" for column in layout.columns)
    left_out = any(layer.kind in network_overview.LEFT_OUT_KINDS for layer in run.layers)
    return (
        f"{len(layout.layers_shown)} of {len(run.layers)} layers drawn"
        + (f"; “+n layers” stands for the layers between two stages ({gaps} places)" if gaps else "")
        + (
            "; BatchNorm (it rescales each map) and Dropout (it does nothing at test time) are left out"
            if left_out
            else ""
        )
        + ". Every layer is in the Layer list below. Blue = negative, white = 0, red = positive; viridis from 0 for "
        "maps that cannot be negative; one colour scale per column. The orange frame is the map open below."
    )


def one_value_by_hand(model, run: features.FeatureRun, layer: str, channel: int, row: int, col: int) -> None:
    """How unit (row, col) of map `channel` was computed: window × kernel per input channel, + bias, then the
    BatchNorm and ReLU after it, each next to the value the forward pass holds."""
    st.subheader("How one value was computed")
    try:
        result = conv_arithmetic.unit_computation(model, run.layers, run.inputs, layer, channel, row, col)
    except ValueError as error:
        st.caption(f"{error}.")
        return
    numbers = result.arithmetic
    count, height, width = numbers.window.shape
    rows, cols = numbers.rows, numbers.cols
    padding = "" if numbers.inside.all() else " — the part outside the input is the zero padding"
    st.markdown(
        f"Unit ({row}, {col}) of map {channel} in **{result.conv_layer}** reads a {count}×{height}×{width} window "
        f"of **{result.input_name}**: rows {rows[0]}…{rows[-1]}, columns {cols[0]}…{cols[-1]}{padding}. Each input "
        "channel's window is multiplied by its slice of the kernel, element by element, and summed."
    )
    order = [int(i) for i in np.argsort(-np.abs(numbers.channel_sums), kind="stable")]
    work, sums = st.columns([3, 2])
    index = 0
    with sums:  # first: the input channel chosen here is the one whose products are listed on the left
        if count > 1:
            index = st.selectbox(
                "Input channel (largest contribution first)",
                order,
                format_func=lambda i: f"{int(numbers.input_channels[i])}: Σ = {numbers.channel_sums[i]:.4g}",
                key=f"fm_input_channel_{result.conv_layer}",
            )
            frame = pd.DataFrame(
                {
                    "input channel": numbers.input_channels[order],
                    "Σ window × kernel": numbers.channel_sums[order],
                }
            )
            st.dataframe(frame, hide_index=True, height=300 if count > 8 else "auto", key="fm_channel_sums")
        else:
            st.caption("One input channel: the sum of its products is the whole sum.")
    with work:
        for cell, (caption, picture) in zip(st.columns(3), window_pictures(numbers), strict=True):
            with cell:
                show_image(picture, caption=caption, columns_in_row=4)
    if height <= 7:
        st.markdown(products_markdown(numbers, index))
    st.caption(
        f"Input channel {int(numbers.input_channels[index])}: its {height * width} products "
        f"(input × weight{'; italics = zero padding' if not numbers.inside.all() else ''}) "
        f"sum to {numbers.channel_sums[index]:.6g}."
    )
    st.markdown(value_markdown(result))


def window_pictures(numbers) -> tuple[tuple[str, np.ndarray], ...]:
    """The input window, the kernel and their products, one small map per input channel (signed colours)."""
    count = numbers.window.shape[0]
    columns = min(8, int(np.ceil(np.sqrt(count))))  # about square: 6 channels in 3 x 2, 16 in 4 x 4

    def tiles(values: np.ndarray) -> np.ndarray:
        return features.tile_maps(values.astype(np.float32), columns=columns, cell_side=64, shared_scale=True)

    return (
        (
            f"Input window ({count}×{numbers.window.shape[1]}×{numbers.window.shape[2]})",
            tiles(numbers.window),
        ),
        ("Kernel of this map", tiles(numbers.weights)),
        ("Window × kernel", tiles(numbers.products)),
    )


def products_markdown(numbers, index: int) -> str:
    """A markdown table of one input channel: each cell 'input × weight = product' (padding cells in italics)."""
    height, width = numbers.window.shape[1:]
    lines = ["| | " + " | ".join(f"col {int(c)}" for c in numbers.cols) + " |", "|---|" + "---|" * width]
    for r in range(height):
        cells = [f"**row\u00a0{int(numbers.rows[r])}**"]  # no break: row numbers stay on one line
        for c in range(width):
            text = (
                f"{numbers.window[index, r, c]:.3g} × {numbers.weights[index, r, c]:.3g} "
                f"= {numbers.products[index, r, c]:.3g}"
            )
            cells.append(text if numbers.inside[r, c] else f"*{text}*")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def value_markdown(result) -> str:
    """The sum, + bias = pre-activation, then each BatchNorm / ReLU, each beside the forward pass's value."""
    numbers = result.arithmetic
    unit = f"[{numbers.channel}, {numbers.row}, {numbers.col}]"
    lines = [
        f"- Sum over {numbers.window.shape[0]} input channels = {numbers.total:.6g}; + bias {numbers.bias:.6g} "
        f"= **{numbers.value:.6g}** (pre-activation). The forward pass holds **{result.forward_value:.6g}** in "
        f"{result.conv_layer}{unit}."
    ]
    for step in result.steps:
        lines.append(
            f"- **{step.layer}** ({step.kind}): {step.formula}. The forward pass holds **{step.forward_value:.6g}** "
            f"in {step.layer}{unit}."
        )
    return "\n".join(lines)
