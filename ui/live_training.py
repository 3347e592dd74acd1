"""Cached data, tables, charts and the live training loop for the PyTorch course pages (II.A–P).

Live training: the trainer lives in st.session_state; `run_live` trains the epochs still to do and redraws
a placeholder as it goes. Clicking Stop (or any widget) makes Streamlit rerun the script, which interrupts
the loop at its next redraw; the trainer keeps every finished epoch, and the rerun sees the Stop flag.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.charts import history_figure

REDRAW_SECONDS = 0.3  # redraw the live chart at most this often (and after the last epoch)


def training_buttons(prefix: str, *, more: bool = False) -> tuple[bool, bool, bool]:
    """Train (from scratch), optionally Train more, and Stop buttons in a row: (start, more, stop)."""
    cells = st.columns(3 if more else 2)
    start = cells[0].button("Train", key=f"{prefix}_train", type="primary", icon=":material/play_arrow:")
    again = (
        cells[1].button("Train more", key=f"{prefix}_more", icon=":material/fast_forward:") if more else False
    )
    stop = cells[-1].button("Stop", key=f"{prefix}_stop", icon=":material/stop:")
    return start, again, stop


def run_live(
    state_key: str,
    *,
    start: bool,
    stop: bool,
    make_trainer: Callable[[], Any],
    epochs: int,
    draw: Callable[[Any], None],
    settings: Any = None,
    more: bool = False,
    progress: bool = False,
) -> Any | None:
    """Train the epochs still to do while redrawing `draw(trainer)` in one placeholder; returns the trainer.

    start: a new trainer from make_trainer(); more: `epochs` more on the current one; stop: halt here.
    A run interrupted by another widget resumes on the next rerun, unless Stop was pressed.
    """
    run = st.session_state.get(state_key)
    if start:
        run = {"trainer": make_trainer(), "target": epochs, "stopped": False, "settings": settings}
        st.session_state[state_key] = run
    elif more and run is not None:
        run["target"] = len(run["trainer"].history) + epochs
        run["stopped"] = False
    if run is None:
        return None
    if stop:
        run["stopped"] = True
    trainer = run["trainer"]
    bar = (
        st.progress(0.0) if progress and not run["stopped"] and len(trainer.history) < run["target"] else None
    )
    placeholder = st.empty()
    remaining = run["target"] - len(trainer.history)
    if remaining > 0 and not run["stopped"]:
        last_draw = 0.0
        first = len(trainer.history)
        kwargs = {}
        if bar is not None:
            from lib.nn.records import seconds_left

            started, shown = time.monotonic(), [0.0]

            def on_batch(progress: Any) -> None:  # a lib.nn.records.BatchProgress after every batch
                done = (progress.epoch - 1 - first) * progress.batches + progress.batch
                total = (run["target"] - first) * progress.batches
                now = time.monotonic()
                if now - shown[0] < REDRAW_SECONDS / 2 and done < total:
                    return
                shown[0] = now
                left = seconds_left(now - started, done, total)
                bar.progress(
                    min(done / total, 1.0),
                    text=f"Epoch {progress.epoch} of {run['target']} · batch {progress.batch} of "
                    f"{progress.batches} · about {left:.0f} s left (measured: {(now - started) / done:.2f} s a batch)",
                )

            kwargs["on_batch"] = on_batch
        for metrics in trainer.epochs(remaining, **kwargs):
            if time.monotonic() - last_draw > REDRAW_SECONDS or metrics.epoch == run["target"]:
                with placeholder.container():
                    draw(trainer)
                last_draw = time.monotonic()
    else:
        with placeholder.container():
            draw(trainer)
    if bar is not None:
        bar.empty()
    if settings is not None and run.get("settings") != settings:
        st.info("The settings changed since this network was trained: press **Train** to use them.")
    return trainer


def settings_of(**values: Any) -> tuple:
    """A hashable record of the settings a network was trained with."""
    return tuple(sorted(values.items()))


LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)


def draw_history(trainer: Any, *, accuracy: bool, key: str, val_name: str = "test") -> None:
    """The live curves (the key changes with every epoch so each redraw is a new element)."""
    st.plotly_chart(
        history_figure(trainer.history, accuracy=accuracy, val_name=val_name),
        key=f"{key}_{len(trainer.history)}",
    )
    if trainer.history:
        last = trainer.history[-1]
        held = getattr(last, "test_loss", None)
        held = last.val_loss if held is None else held
        st.caption(f"Epoch {last.epoch}: train loss {last.train_loss:.4f}, {val_name} loss {held:.4f}")
