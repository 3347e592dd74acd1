"""The classroom's training queue: order, positions, cancellation, dead tickets, threads (issue 15)."""

import threading

import pytest

from lib.nn.training_queue import TrainingQueue, default_slots, threads_per_training


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_slots_and_threads_fill_the_cores():
    assert default_slots(2) == 1 and default_slots(16) == 8 and default_slots(1) == 1
    assert (
        threads_per_training(1, 2) == 2
        and threads_per_training(2, 2) == 1
        and threads_per_training(8, 16) == 2
    )
    with pytest.raises(ValueError):
        TrainingQueue(0)


def test_first_come_first_served_with_positions():
    queue = TrainingQueue(2, clock=Clock())
    tickets = [queue.join(f"s{i}") for i in range(5)]
    assert [t.running for t in tickets] == [True, True, False, False, False]
    assert [queue.ahead(t) for t in tickets] == [0, 0, 2, 3, 4]
    assert queue.running() == 2 and queue.waiting() == 3
    queue.release(tickets[1])
    assert tickets[2].running and not tickets[3].running
    assert [queue.ahead(t) for t in tickets[2:]] == [0, 2, 3]
    assert queue.wait(tickets[2], 0) and not queue.wait(tickets[3], 0)


def test_cancel_while_waiting_moves_the_others_up():
    queue = TrainingQueue(1, clock=Clock())
    first, second, third = (queue.join() for _ in range(3))
    queue.release(second)  # Stop pressed while waiting
    assert second.done and not second.running
    assert queue.ahead(third) == 1
    queue.release(second)  # twice is harmless
    queue.release(first)
    assert third.running and queue.ahead(third) == 0


def test_a_dead_waiting_ticket_is_dropped_and_does_not_block():
    clock = Clock()
    queue = TrainingQueue(1, stale_seconds=10, clock=clock)
    running, dead, alive = queue.join(), queue.join(), queue.join()
    clock.now = 8
    queue.touch(alive)
    queue.touch(running)  # running tickets are never dropped for staleness
    clock.now = 12  # dead was last seen at 0
    assert queue.ahead(alive) == 1 and dead.done
    clock.now = 100
    assert running.running  # a slot is freed only by its owner's release
    queue.touch(alive)
    queue.release(running)
    assert queue.wait(alive, 0)
    late = queue.join()
    clock.now = 200  # the owner of `late` left the page; a new student comes
    newcomer = queue.join()
    queue.release(alive)
    assert late.done and newcomer.running
    assert queue.running() == 1 and queue.waiting() == 0


def test_estimate_from_finished_trainings():
    clock = Clock()
    queue = TrainingQueue(1, clock=clock)
    first = queue.join()
    second = queue.join()
    assert queue.estimate_seconds(second) is None  # nothing measured yet
    clock.now = 30
    queue.touch(second)
    queue.release(first)  # one training took 30 s
    third, fourth = queue.join(), queue.join()
    clock.now = 40
    for ticket in (third, fourth):
        queue.touch(ticket)
    assert queue.estimate_seconds(second) == 0.0
    assert queue.estimate_seconds(third) == pytest.approx(20)  # second has 20 s left
    assert queue.estimate_seconds(fourth) == pytest.approx(50)  # then third's 30 s


def test_threads_never_exceed_the_slots_and_all_finish_in_order():
    queue = TrainingQueue(2, stale_seconds=60)
    lock = threading.Lock()
    active, peak, order = [0], [0], []
    start = threading.Barrier(12)

    def student(index: int) -> None:
        start.wait()
        ticket = queue.join(str(index))
        with lock:
            order.append(("joined", ticket.number))
        while not queue.wait(ticket, 0.05):
            pass
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            order.append(("ran", ticket.number))
        threading.Event().wait(0.01)
        with lock:
            active[0] -= 1
        queue.release(ticket)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert peak[0] == 2
    ran = [number for kind, number in order if kind == "ran"]
    assert sorted(ran) == list(range(12))
    # fairness: a ticket starts only after every lower number has started
    assert all(ran.index(n) <= ran.index(n + 1) + 1 for n in range(11))  # two slots: at most one overtake
    assert queue.running() == 0 and queue.waiting() == 0


def stripes(count: int, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    images, labels = [], []
    for index in range(count):
        image = rng.integers(0, 60, (16, 16, 3), dtype=np.uint8)
        row = rng.integers(2, 14)
        if index % 2:
            image[:, row] = 255
        else:
            image[row] = 255
        images.append(image)
        labels.append(index % 2)
    return np.stack(images), np.array(labels, dtype=np.int64)


def small_cnn(seed: int = 0):
    from lib.nn.cnn_training import CnnTrainer

    images, labels = stripes(48)
    return CnnTrainer(images, labels, ("h", "v"), channels=(4, 8), hidden=(16,), batch_size=8, seed=seed)


def test_queued_training_in_threads_gives_the_same_weights_as_alone():
    # Same seed: a training that waited in the queue and ran in a background thread, next to another one,
    # with torch's threads bounded, ends exactly where the same training run alone ends.
    import torch

    from lib.nn.training_queue import BackgroundTraining

    saved_threads = torch.get_num_threads()
    queue = TrainingQueue(2, stale_seconds=60)
    try:
        default_threads = small_cnn()
        default_threads.train(3)
        # alone, on the thread count the queue gives each training (a different count changes the order of
        # float sums: the weights then differ by ~1e-8, and the conv biases that BatchNorm cancels, whose
        # gradient is only that noise, drift by up to the step size under Adam; the accuracy stays the same)
        torch.set_num_threads(threads_per_training(queue.slots))
        alone = small_cnn()
        alone.train(3)
        assert [r.val_accuracy for r in alone.history] == [r.val_accuracy for r in default_threads.history]
        blocker = queue.join("someone")
        jobs = [BackgroundTraining(small_cnn(), 3, batches=True) for _ in range(2)]
        for job in jobs:
            job.start(queue)
        assert jobs[1].state == "waiting" and queue.ahead(jobs[1].ticket) == 2
        queue.release(blocker)
        assert all(job.join(120) for job in jobs)
    finally:
        torch.set_num_threads(saved_threads)
    for job in jobs:
        assert job.state == "done", job.error
        assert [r.val_accuracy for r in job.trainer.history] == [r.val_accuracy for r in alone.history]
        assert [r.train_loss for r in job.trainer.history] == pytest.approx(
            [r.train_loss for r in alone.history]
        )
        for name, weight in alone.model.state_dict().items():
            assert torch.equal(job.trainer.model.state_dict()[name], weight), name
        assert len(job.log) == 3 * job.trainer.batches_per_epoch
    assert queue.running() == 0 and queue.waiting() == 0


def test_stop_ends_a_background_training_and_frees_its_slot():
    from lib.nn.training_queue import BackgroundTraining

    queue = TrainingQueue(1, stale_seconds=60)
    job = BackgroundTraining(small_cnn(), 1000, batches=True)
    job.start(queue)
    while not job.log and not job.finished:
        job.join(0.05)
    job.stop()
    assert job.join(60) and job.state == "stopped"
    assert len(job.trainer.history) < 1000 and queue.running() == 0
    gone = BackgroundTraining(small_cnn(), 5, batches=True, alive=lambda: False)  # its session closed
    blocker = queue.join()
    gone.start(queue)
    assert gone.join(10) and gone.state == "stopped" and not gone.trainer.history
    queue.release(blocker)
    assert queue.running() == 0 and queue.waiting() == 0


def test_one_thread_blocks_leave_a_running_training_alone():
    """torch's thread count is process-wide and a training's sums depend on it: while another session's
    training holds a slot of the shared queue, lib.nn.training's one-thread block must not change it (that
    made 1 of 10 classroom CNN trainings end at 97.6 % instead of 98.6 %, benchmarks/trainings.py)."""
    import torch

    from lib.nn.training import _one_thread
    from lib.nn.training_queue import BackgroundTraining, shared_queue, training_elsewhere

    class Holding:  # a trainer whose one epoch lasts until the test lets it go
        history: list = []

        def __init__(self):
            self.inside, self.go = threading.Event(), threading.Event()

        def epochs(self, count):
            self.inside.set()
            seen = torch.get_num_threads()
            self.go.wait(30)
            self.history.append(seen)
            yield seen

    queue = shared_queue()
    threads = torch.get_num_threads()
    with _one_thread():  # no training anywhere: one thread inside the block
        assert torch.get_num_threads() == 1 and not training_elsewhere()
    assert torch.get_num_threads() == threads
    trainer = Holding()
    job = BackgroundTraining(trainer, target=1)
    job.start(queue, owner="test")
    try:
        assert trainer.inside.wait(30) and job.state == "running" and training_elsewhere()
        during = torch.get_num_threads()
        with _one_thread():
            assert torch.get_num_threads() == during  # left alone while the training runs
    finally:
        trainer.go.set()
        job.join(30)
    assert job.state == "done" and queue.running() == 0 and not training_elsewhere()
