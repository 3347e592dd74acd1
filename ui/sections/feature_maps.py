"""The Feature maps & filters page's own widget groups and cached wrappers (app_pages/feature_maps.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lib.nn import features, programs
from ui.cache import freeze, image_cache
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
