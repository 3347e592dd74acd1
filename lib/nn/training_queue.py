"""A classroom's trainings in one process: at most `slots` run at once, the rest wait in line (issue 15).

Pure Python and thread-safe (every Streamlit session is a thread of the same process). A session takes a
`Ticket` with `join`, keeps it fresh with `wait` (or `touch`) while it waits, and runs once `wait` returns
True; `release` frees the slot (or leaves the line) when the training ends, stops or is interrupted.
Fairness: first come, first served. A ticket whose owner stopped calling (the tab closed, the student left
the page) goes stale after `stale_seconds` and is dropped, so it neither blocks the line nor holds a slot.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def default_slots(cores: int | None = None) -> int:
    """How many trainings run at once: half the cores (at least one); each gets cores // slots threads."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores // 2)


def threads_per_training(slots: int, cores: int | None = None) -> int:
    """torch intra-op threads for each of `slots` concurrent trainings, so that together they fill the cores."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, slots))


@dataclass(eq=False)
class Ticket:
    """One session's place: `number` orders the line; `running` once it holds a slot."""

    number: int
    owner: str = ""
    joined: float = 0.0
    seen: float = 0.0  # last time the owner showed it was alive (join, wait, touch)
    running: bool = False
    started: float | None = None
    done: bool = field(default=False)  # released or dropped: join again to wait anew


class TrainingQueue:
    """At most `slots` tickets run at once; the others wait in the order they joined."""

    def __init__(
        self, slots: int, *, stale_seconds: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if slots < 1:
            raise ValueError("a training queue needs at least one slot")
        self.slots = slots
        self.stale_seconds = stale_seconds
        self._clock = clock
        self._condition = threading.Condition()
        self._numbers = itertools.count()
        self._tickets: list[Ticket] = []  # in line order; the running ones included
        self._durations: list[float] = []  # seconds each finished training held its slot (last 20)

    # -- the line ---------------------------------------------------------------------------------------
    def join(self, owner: str = "") -> Ticket:
        with self._condition:
            now = self._clock()
            ticket = Ticket(next(self._numbers), owner, joined=now, seen=now)
            self._tickets.append(ticket)
            self._promote()
            return ticket

    def touch(self, ticket: Ticket) -> None:
        """The owner is alive: keep the ticket from going stale."""
        with self._condition:
            ticket.seen = self._clock()

    def release(self, ticket: Ticket) -> None:
        """Leave the line or free the slot (finished, stopped or interrupted); safe to call twice."""
        with self._condition:
            self._remove(ticket)
            self._promote()
            self._condition.notify_all()

    def wait(self, ticket: Ticket, timeout: float) -> bool:
        """Wait up to `timeout` s for a slot; True once the ticket runs. Keeps the ticket fresh."""
        deadline = self._clock() + timeout
        with self._condition:
            while True:
                ticket.seen = self._clock()
                self._promote()
                if ticket.running or ticket.done:
                    return ticket.running
                left = deadline - self._clock()
                if left <= 0:
                    return False
                self._condition.wait(min(left, 0.5))

    # -- what a waiting student sees ------------------------------------------------------------------------
    def ahead(self, ticket: Ticket) -> int:
        """How many trainings are before this one (running or waiting); 0 once it runs."""
        with self._condition:
            self._promote()
            if ticket.running or ticket.done:
                return 0
            return sum(1 for other in self._tickets if other.number < ticket.number)

    def waiting(self) -> int:
        with self._condition:
            self._promote()
            return sum(1 for ticket in self._tickets if not ticket.running)

    def running(self) -> int:
        with self._condition:
            self._promote()
            return sum(1 for ticket in self._tickets if ticket.running)

    def estimate_seconds(self, ticket: Ticket) -> float | None:
        """About how long until this ticket runs, from the trainings finished so far (None: no data yet)."""
        with self._condition:
            if not self._durations:
                return None
            mean = sum(self._durations) / len(self._durations)
            if ticket.running or ticket.done:
                return 0.0
            waiting_before = sum(1 for t in self._tickets if not t.running and t.number < ticket.number)
            now = self._clock()
            running_left = sorted(
                max(0.0, mean - (now - t.started))
                for t in self._tickets
                if t.running and t.started is not None
            )
            # the slots free up as the running ones end; every `slots` waiting before us take one more round
            first_free = running_left[0] if len(running_left) >= self.slots else 0.0
            return first_free + (waiting_before // self.slots) * mean

    # -- inside (the lock is held) --------------------------------------------------------------------------
    def _remove(self, ticket: Ticket) -> None:
        if ticket in self._tickets:
            self._tickets.remove(ticket)
            if ticket.running and ticket.started is not None:
                self._durations = [*self._durations, self._clock() - ticket.started][-20:]
        ticket.running, ticket.done = False, True

    def _drop_stale(self) -> None:
        """Drop waiting tickets whose owner stopped calling. A running one is released by its owner's
        `finally` (Streamlit stops a script with an exception, also when the session closes)."""
        limit = self._clock() - self.stale_seconds
        stale = [ticket for ticket in self._tickets if not ticket.running and ticket.seen < limit]
        for ticket in stale:
            self._tickets.remove(ticket)
            ticket.done = True
        if stale:
            self._condition.notify_all()

    def _promote(self) -> None:
        """Give free slots to the first waiting tickets, in line order."""
        self._drop_stale()
        free = self.slots - sum(1 for ticket in self._tickets if ticket.running)
        for ticket in self._tickets:
            if free <= 0:
                break
            if not ticket.running:
                ticket.running, ticket.started = True, self._clock()
                free -= 1
                self._condition.notify_all()


_TRAINING_THREAD = threading.local()  # .running: this thread is a queued training that holds its slot


def training_elsewhere() -> bool:
    """True while a training of the process's shared queue other than this thread's own holds a slot.

    torch's thread count is process-wide, and a training's sums depend on it (its threads split each
    reduction): whoever would change it for a while (lib.nn.training's one-thread blocks) leaves it alone then,
    so that a training ends with the same accuracy as it would alone.
    """
    queue = _SHARED.get("queue")
    running = 0 if queue is None else queue.running()
    return running > (1 if getattr(_TRAINING_THREAD, "running", False) else 0)


def return_freed_memory() -> None:
    """Hand the memory a finished training freed back to the system (glibc's malloc_trim; elsewhere nothing).

    Each training runs in its own thread, and glibc keeps what a thread's arena freed for later: thirty
    trainings in a class would leave the server hundreds of MB larger than what it still holds.
    """
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


def bound_torch_threads(threads: int) -> None:
    """Set torch's intra-op threads (process-wide) to `threads`, e.g. threads_per_training(slots)."""
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


_SHARED: dict[str, TrainingQueue] = {}
_SHARED_LOCK = threading.Lock()


def shared_queue(slots: int | None = None) -> TrainingQueue:
    """The process's one queue (every session of the Streamlit server shares it)."""
    with _SHARED_LOCK:
        if "queue" not in _SHARED:
            _SHARED["queue"] = TrainingQueue(
                slots or int(os.environ.get("CVLAB_TRAINING_SLOTS", default_slots()))
            )
        return _SHARED["queue"]


class _Stopped(Exception):
    """Raised inside a batch callback to end a training early (Stop pressed, or its session is gone)."""


@dataclass(eq=False)
class BackgroundTraining:
    """One session's training, run in its own thread so that it survives the script's reruns and the
    student's page switches: the page only reads `state`, `ahead`, `progress` and the trainer's history.

    trainer: anything with `epochs(count[, on_batch=...])` and `history`; target: the epoch count to reach;
    batches: the trainer's epochs() takes on_batch; alive(): False once the owning session is gone.
    """

    trainer: object
    target: int
    batches: bool = False
    alive: Callable[[], bool] = lambda: True
    state: str = "new"  # new, waiting, running, done, stopped, error
    progress: object = None  # the last BatchProgress
    log: list = field(default_factory=list)  # every BatchProgress so far, in order
    started: float | None = None  # when it got its slot (time.monotonic)
    first_epoch: int = 0  # the history length when it got its slot
    error: BaseException | None = None
    ticket: Ticket | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self, queue: TrainingQueue, *, owner: str = "") -> None:
        if self._thread is not None:
            raise RuntimeError("already started")
        self.ticket = queue.join(owner)
        self.state = "waiting"
        self._thread = threading.Thread(
            target=self._run, args=(queue,), name=f"training-{owner}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    @property
    def finished(self) -> bool:
        return self.state in ("done", "stopped", "error")

    def join(self, timeout: float | None = None) -> bool:
        """Wait up to `timeout` s for the thread to end; True once it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.finished

    def _cancelled(self) -> bool:
        return self._stop.is_set() or not self.alive()

    def _run(self, queue: TrainingQueue) -> None:
        ticket = self.ticket
        try:
            while not queue.wait(ticket, 0.5):
                if self._cancelled() or ticket.done:
                    self.state = "stopped"
                    return
            bound_torch_threads(threads_per_training(queue.slots))
            _TRAINING_THREAD.running = True
            self.state, self.started, self.first_epoch = (
                "running",
                time.monotonic(),
                len(self.trainer.history),
            )

            def on_batch(progress: object) -> None:
                self.progress = progress
                self.log.append(progress)
                queue.touch(ticket)
                if self._cancelled():
                    raise _Stopped

            remaining = self.target - len(self.trainer.history)
            kwargs = {"on_batch": on_batch} if self.batches else {}
            for _ in self.trainer.epochs(remaining, **kwargs):
                queue.touch(ticket)
                if self._cancelled() and len(self.trainer.history) < self.target:
                    raise _Stopped
            self.state = "done"
        except _Stopped:
            self.state = "stopped"
        except Exception as error:  # shown by the page (e.g. a ValueError from the trainer)
            self.error, self.state = error, "error"
        finally:
            _TRAINING_THREAD.running = False
            queue.release(ticket)
            return_freed_memory()
