"""The Watershed coins page's own widget groups and cached wrappers (app_pages/watershed_coins.py)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib.cv import segmentation
from ui.cache import image_cache
from ui.layout import show_row

EXTRA_STEPS = {
    "flatten_lighting": "Flatten lighting",
    "fill_holes": "Fill holes",
    "seeds_per_blob": "Seeds per blob",
    "flood_mask": "Flood the mask",
}


def extra_step_controls() -> dict[str, object]:
    """The "Steps beyond the notes" switches (URL-bound) -> count_coins settings; all off = the notes' recipe."""
    with st.expander("Steps beyond the notes", icon=":material/tune:"):
        notes_only = st.toggle("The notes' steps only", False, key="ws_notes_only", bind="query-params")
        columns = st.columns(len(EXTRA_STEPS) + 1)
        settings: dict[str, object] = {
            name: column.toggle(text, True, key=f"ws_{name}", bind="query-params", disabled=notes_only)
            and not notes_only
            for column, (name, text) in zip(columns, EXTRA_STEPS.items(), strict=False)
        }
        blur = columns[-1].select_slider(
            "Blur", [0, 3, 5, 7, 9], 5, key="ws_blur", bind="query-params", disabled=notes_only
        )
        settings["blur_size"] = 0 if notes_only else blur
    return settings


# A pipeline run holds a dozen full-size stages: keep only a few of them.
@image_cache(max_entries=4)
def coin_views(image: np.ndarray, params: tuple[tuple[str, object], ...]) -> segmentation.CoinViews:
    """Run count_coins with these settings (as (name, value) pairs) and draw every stage for display."""
    return segmentation.stage_views(image, segmentation.count_coins(image, **dict(params)))


def show_stages(views: segmentation.CoinViews, *, opening: int, fraction: float) -> None:
    """The strip of intermediates: the 11 numbered stages in rows of four, then the counted coins and their mask."""
    show_row(
        ("1 · Gray", views.gray),
        ("2 · Lighting flattened, blurred", views.prepared),
        ("3 · Threshold (coins white)", views.threshold_mask),
        ("4 · Holes filled", views.filled),
    )
    show_row(
        (f"5 · Opening ×{opening}", views.opening),
        ("6 · Sure background (dilated)", views.sure_background),
        ("7 · Distance transform", views.distance),
        (f"8 · Sure foreground (> {fraction:.2f} of peak)", views.sure_foreground),
    )
    show_row(
        ("9 · Unknown", views.unknown),
        ("10 · Markers (one colour per seed)", views.markers),
        ("11 · Watershed boundaries", views.boundaries),
    )
    show_row((f"{views.count} coins: outlined, boxed, numbered", views.coins), ("Coin mask", views.mask))
