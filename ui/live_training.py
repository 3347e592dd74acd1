"""Cached data, tables, charts and the live training loop for the PyTorch course pages (II.A–P).

Live training: the trainer lives in st.session_state and trains in a background thread behind the
process's training queue (lib.nn.training_queue); `run_live` watches it and redraws a placeholder as it
goes. Clicking Stop (or any widget) reruns the script, which only interrupts the watching: the training
goes on (also while the student is on another page), and the rerun sees the Stop flag and stops it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.charts import history_figure

REDRAW_SECONDS = 0.3  # redraw the live chart at most this often (and after the last epoch)
WAIT_REDRAW_SECONDS = 1.0  # a queued training updates its place this often (30 waiting: 30 messages/s)


def training_buttons(prefix: str, *, more: bool = False) -> tuple[bool, bool, bool]:
    """Train (from scratch), optionally Train more, and Stop buttons in a row: (start, more, stop)."""
    cells = st.columns(3 if more else 2)
    start = cells[0].button("Train", key=f"{prefix}_train", type="primary", icon=":material/play_arrow:")
    again = (
        cells[1].button("Train more", key=f"{prefix}_more", icon=":material/fast_forward:") if more else False
    )
    stop = cells[-1].button("Stop", key=f"{prefix}_stop", icon=":material/stop:")
    return start, again, stop


class _Snapshot:
    """The trainer with its history as it is now (the background thread appends to the real one)."""

    def __init__(self, trainer: Any) -> None:
        self._trainer, self.history = trainer, list(trainer.history)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._trainer, name)


def _session_alive(grace_seconds: float = 30.0) -> Callable[[], bool]:
    """False once this browser session has been gone for `grace_seconds` (a reconnect within it keeps it)."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    if context is None or not Runtime.exists():
        return lambda: True
    runtime, session_id, gone_since = Runtime.instance(), context.session_id, [None]

    def alive() -> bool:
        if runtime.is_active_session(session_id):
            gone_since[0] = None
            return True
        gone_since[0] = gone_since[0] or time.monotonic()
        return time.monotonic() - gone_since[0] < grace_seconds

    return alive


def show_batch(bar: Any, batch: Any, job: Any, target: int, now: float) -> None:
    """The bar after one batch: epoch, batch k of n, and the time left from the measured batch times."""
    from lib.nn.records import seconds_left

    if bar is None or job.started is None:
        return
    first = job.first_epoch
    done = (batch.epoch - 1 - first) * batch.batches + batch.batch
    total = (target - first) * batch.batches
    if done <= 0 or total <= 0:
        return
    left = seconds_left(now - job.started, done, total)
    bar.progress(
        min(done / total, 1.0),
        text=f"Epoch {batch.epoch} of {target} · batch {batch.batch} of "
        f"{batch.batches} · about {left:.0f} s left (measured: {(now - job.started) / done:.2f} s a batch)",
    )


def show_batches(bar: Any, job: Any, seen: int, target: int) -> int:
    """Show the batches finished since `seen` (all of them when REDRAW_SECONDS is 0, else the latest)."""
    fresh = job.log[seen:]
    now = time.monotonic()
    for batch in fresh if REDRAW_SECONDS <= 0 else fresh[-1:]:
        show_batch(bar, batch, job, target, now)
    return seen + len(fresh)


def queue_text(ahead: int, estimate: float | None) -> str:
    """What a waiting student reads: the trainings before theirs and, once one has finished, the wait."""
    before = f"{ahead} training{'s' if ahead != 1 else ''} ahead of yours"
    wait = (
        f"about {estimate:.0f} s to wait" if estimate is not None else "the wait is estimated once one ends"
    )
    return f"In the queue: {before} · {wait}. Your training starts by itself; you can switch pages meanwhile."


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
    The training runs in a background thread (lib.nn.training_queue.BackgroundTraining) behind the
    process's queue: at most `slots` at once, the others wait and see their place. The script only watches
    it, so a rerun (another widget) or a page switch does not stop it: coming back shows it again.
    progress: the trainer's epochs() takes on_batch; show a bar inside each epoch.
    """
    from lib.nn.training_queue import BackgroundTraining, shared_queue

    run = st.session_state.get(state_key)
    if start:
        if run is not None and run.get("job") is not None:
            run["job"].stop()
        run = {
            "trainer": make_trainer(),
            "target": epochs,
            "stopped": False,
            "settings": settings,
            "job": None,
        }
        st.session_state[state_key] = run
    elif more and run is not None and (run.get("job") is None or run["job"].finished):
        run["target"] = len(run["trainer"].history) + epochs
        run["stopped"] = False
    if run is None:
        return None
    trainer = run["trainer"]
    job = run.get("job")
    if stop:
        run["stopped"] = True
        if job is not None:
            job.stop()
    if job is not None and job.state == "error":
        run["job"], run["stopped"] = None, True
        raise job.error
    if not run["stopped"] and len(trainer.history) < run["target"] and (job is None or job.finished):
        job = BackgroundTraining(trainer, run["target"], batches=progress, alive=_session_alive())
        job.start(shared_queue(), owner=state_key)
        run["job"] = job
    status = st.empty()
    bar = st.progress(0.0) if progress and job is not None and not job.finished else None
    placeholder = st.empty()
    queue = shared_queue()
    drawn, last_draw, shown, len_seen = -1, 0.0, 0.0, 0
    while job is not None and not job.finished:
        now = time.monotonic()
        if job.state == "waiting" and job.ticket is not None:
            status.info(
                queue_text(queue.ahead(job.ticket), queue.estimate_seconds(job.ticket)),
                icon=":material/hourglass_top:",
            )
        elif job.state == "running":
            status.empty()
            if REDRAW_SECONDS <= 0 or now - shown >= REDRAW_SECONDS / 2:
                len_seen = show_batches(bar, job, len_seen, run["target"])
                shown = now
        snapshot = _Snapshot(trainer)  # the thread may add an epoch while this draws
        if len(snapshot.history) != drawn and now - last_draw > REDRAW_SECONDS:
            with placeholder.container():
                draw(snapshot)
            drawn, last_draw = len(snapshot.history), now
        job.join(WAIT_REDRAW_SECONDS if job.state == "waiting" else REDRAW_SECONDS / 3)
    status.empty()
    if bar is not None:
        show_batches(bar, job, len_seen, run["target"])  # the last batch: "about 0 s left"
        bar.empty()
    if job is not None and job.state == "error":
        run["job"], run["stopped"] = None, True
        raise job.error
    if drawn != len(trainer.history):
        with placeholder.container():
            draw(trainer)
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
