import io

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

from lib.cv.shapes import SHAPE_CLASSES, make_shapes
from lib.nn.cnn_training import (
    FINAL_SHARE,
    QUICK,
    TRAINING_DATA_FILE,
    CnnTrainer,
    classify_with_entry,
    course_cnn,
    flatten_size,
    images_to_tensor,
    model_from_entry,
    one_cycle_rate,
    training_script,
)
from lib.nn.models import checkpoint_bytes, read_checkpoint
from tests.tolerances import ACTIVATION_ATOL, PROB_ATOL, TRAINING_REPRO_RTOL


def stripes(n_per_class: int, *, size: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An easy two-class set: horizontal vs vertical stripes of random colours, phases and noise."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for index in range(2 * n_per_class):
        label = index % 2
        period = rng.integers(3, 6)
        phase = rng.integers(0, period)
        line = (np.arange(size) + phase) % period < period / 2
        pattern = np.tile(line[:, None], (1, size)) if label == 0 else np.tile(line[None, :], (size, 1))
        dark, light = rng.integers(0, 100, 3), rng.integers(156, 256, 3)
        image = np.where(pattern[..., None], light, dark) + rng.normal(0, 10, (size, size, 3))
        images.append(np.clip(image, 0, 255).astype(np.uint8))
        labels.append(label)
    return np.stack(images), np.array(labels, dtype=np.int64)


@pytest.fixture(scope="module")
def trained():
    images, labels = stripes(40)
    trainer = CnnTrainer(
        images,
        labels,
        ("horizontal", "vertical"),
        channels=(4, 8),
        hidden=(32, 16),
        batch_size=16,
        learning_rate=0.003,
        seed=0,
    )
    trainer.train(6)
    return trainer


class TestCourseCnn:
    def test_course_architecture_and_flatten_size(self):
        # 64x64 input, 4 blocks of 2x2 pooling: 64 / 16 = 4, so 256 * 4 * 4 = 4096 numbers reach 512 -> 128 -> 3.
        model = course_cnn(3, image_size=64)
        assert flatten_size(model) == 256 * 4 * 4
        linears = [
            (m.in_features, m.out_features) for m in model.classifier if isinstance(m, torch.nn.Linear)
        ]
        assert linears == [(4096, 512), (512, 128), (128, 3)]
        convs = [m.out_channels for m in model.features.modules() if isinstance(m, torch.nn.Conv2d)]
        assert convs == [32, 64, 128, 256]
        kinds = [type(m).__name__ for m in model.features[0]]
        assert kinds == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d"]

    def test_dummy_input_size_matches_a_real_forward(self):
        model = course_cnn(5, image_size=40, channels=(4, 8, 16)).eval()
        assert flatten_size(model) == 16 * 5 * 5  # 40 -> 20 -> 10 -> 5
        assert model(torch.zeros(2, 3, 40, 40)).shape == (2, 5)

    def test_seeded(self):
        first, again, other = (course_cnn(3, image_size=16, channels=(4,), seed=s) for s in (1, 1, 2))
        assert torch.equal(first.features[0][0].weight, again.features[0][0].weight)
        assert not torch.equal(first.features[0][0].weight, other.features[0][0].weight)

    def test_rejects(self):
        with pytest.raises(ValueError, match="too small"):
            course_cnn(3, image_size=8, channels=(4, 8, 16, 32))
        with pytest.raises(ValueError, match="at least 2 classes"):
            course_cnn(1)

    @pytest.mark.slow
    def test_training_script_reproduces_the_trainer(self, tmp_path, monkeypatch):
        images, labels = make_shapes(6, size=16, seed=3, classes=("circle", "square"))
        np.savez(
            tmp_path / TRAINING_DATA_FILE, images=images, labels=labels, class_names=["circle", "square"]
        )
        monkeypatch.chdir(tmp_path)  # the script reads its data and saves cnn_model.pth beside it
        settings = dict(channels=(4, 8), learning_rate=0.01, batch_size=4, seed=5, schedule="one-cycle")
        namespace: dict = {}
        exec(compile(training_script(epochs=2, **settings), "train_cnn.py", "exec"), namespace)  # noqa: S102
        trainer = CnnTrainer(images, labels, ("circle", "square"), planned_epochs=2, **settings)
        last = trainer.train(2)[-1]
        result = namespace["result"]
        assert result["images"] == 12 and result["classes"] == ["circle", "square"]
        assert result["val_accuracy"] == last.val_accuracy
        assert result["train_loss"] == pytest.approx(last.train_loss, rel=TRAINING_REPRO_RTOL)
        # the script saves what the page downloads: a checkpoint the upload on Classifier / Feature maps reads
        saved = read_checkpoint((tmp_path / "cnn_model.pth").read_bytes())
        assert saved["class_names"] == ["circle", "square"] and saved["config"]["channels"] == (4, 8)
        assert saved["epochs"] == 2 and saved["val_accuracy"] == last.val_accuracy


class TestImagesToTensor:
    def test_to_tensor_by_hand(self):
        images = np.zeros((1, 2, 2, 3), dtype=np.uint8)
        images[0, 1, 0] = (255, 51, 0)
        tensor = images_to_tensor(images)
        assert tensor.shape == (1, 3, 2, 2)
        assert tensor[0, :, 1, 0].tolist() == pytest.approx([1.0, 0.2, 0.0])


class TestCnnTrainer:
    def test_learns_an_easy_task(self, trained):
        assert trained.history[-1].val_accuracy >= 0.9
        assert trained.history[-1].train_loss < trained.history[0].train_loss

    def test_keeps_uint8_pixels_and_normalises_them_as_the_course_does(self, trained):
        """The images stay uint8 (a quarter of float32's memory: 30 trainings in a class fit the server); what
        the model sees equals ToTensor() then Normalize(training mean, std) of the whole set at once."""
        assert trained.train_pixels.dtype == trained.val_pixels.dtype == torch.uint8
        assert trained.train_pixels.nbytes * 4 == trained.x_train.nbytes
        everything = images_to_tensor(trained.images)  # (N, 3, H, W) float32 in [0, 1]
        mean = everything[torch.from_numpy(trained.train_index)].mean(dim=(0, 2, 3))
        std = everything[torch.from_numpy(trained.train_index)].std(dim=(0, 2, 3))
        assert torch.equal(mean, torch.tensor(trained.mean)) and torch.equal(std, torch.tensor(trained.std))
        reference = (everything - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)
        assert torch.equal(trained.x_train, reference[torch.from_numpy(trained.train_index)])
        assert torch.equal(trained.x_val, reference[torch.from_numpy(trained.val_index)])

    def test_split_and_history(self, trained):
        assert (len(trained.train_index), len(trained.val_index)) == (64, 16)  # 80 images, 80/20
        assert [m.epoch for m in trained.history] == list(range(1, 7))
        assert trained.batches_per_epoch == 4  # 64 / 16

    def test_confusion_and_mistakes(self, trained):
        matrix = trained.confusion()
        assert matrix.shape == (2, 2) and matrix.sum() == 16
        assert np.trace(matrix) / 16 == pytest.approx(trained.history[-1].val_accuracy)
        true, predicted, _ = trained.validation_predictions()
        np.testing.assert_array_equal(matrix, sklearn_confusion_matrix(true, predicted, labels=[0, 1]))
        wrong = trained.mistakes()
        assert len(wrong) == 16 - np.trace(matrix)
        for item in wrong:
            assert item.true_class != item.predicted_class and 0.5 <= item.confidence <= 1.0
            assert item.index in set(trained.val_index.tolist())

    def test_entry_round_trip_and_classify(self, trained):
        entry = trained.model_entry()
        assert entry["class_names"] == ["horizontal", "vertical"] and entry["input_size"] == [3, 16, 16]
        rebuilt = model_from_entry(entry, device=torch.device("cpu"))
        trained.model.eval()
        with torch.no_grad():
            assert torch.allclose(
                rebuilt(trained.x_val), trained.model.cpu()(trained.x_val), atol=ACTIVATION_ATOL
            )
        top = classify_with_entry(entry, trained.images[trained.val_index[0]], k=5)
        assert len(top) == 2  # k is capped at the number of classes
        assert sum(p for _, p in top) == pytest.approx(1.0, abs=PROB_ATOL)

    def test_the_download_is_a_checkpoint_that_loads_safely(self, trained):
        """What the page downloads (lib.nn.models.checkpoint_bytes of the entry): tensors and plain values only."""
        data = checkpoint_bytes(trained.model_entry())
        loaded = torch.load(io.BytesIO(data), weights_only=True)
        assert set(loaded["state_dict"]) == set(trained.model.state_dict())
        assert loaded["class_names"] == ["horizontal", "vertical"] and loaded["input_size"] == [3, 16, 16]
        rebuilt = model_from_entry(read_checkpoint(data), device=torch.device("cpu"))
        trained.model.eval()
        with torch.no_grad():
            assert torch.equal(rebuilt(trained.x_val), trained.model.cpu()(trained.x_val))

    def test_reproducible(self):
        images, labels = stripes(10, size=16)
        runs = [
            CnnTrainer(images, labels, ("h", "v"), channels=(4,), hidden=(8,), batch_size=8, seed=3)
            .train(2)[-1]
            .train_loss
            for _ in range(2)
        ]
        assert runs[0] == runs[1]

    def test_shapes_loss_goes_down(self):
        images, labels = make_shapes(12, size=16, seed=1)
        trainer = CnnTrainer(
            images, labels, SHAPE_CLASSES, channels=(8, 16), hidden=(64, 32), batch_size=12, seed=0
        )
        history = trainer.train(4)
        assert history[-1].train_loss < history[0].train_loss

    def test_resizes_to_the_requested_size(self):
        images, labels = stripes(4, size=24)
        trainer = CnnTrainer(images, labels, ("h", "v"), image_size=16, channels=(4,), hidden=(8,))
        assert trainer.images.shape[1:] == (16, 16, 3) and trainer.x_train.shape[1:] == (3, 16, 16)

    def test_rejects(self):
        images, labels = stripes(4)
        with pytest.raises(ValueError, match="labels"):
            CnnTrainer(images, labels[:-1], ("h", "v"))
        with pytest.raises(ValueError, match="at least 4"):
            CnnTrainer(images[:3], labels[:3], ("h", "v"))
        with pytest.raises(ValueError, match="class_names"):
            CnnTrainer(images, labels, ("only",))


class TestSchedule:
    def test_one_cycle_by_hand(self):
        # 100 batches, peak 0.01: 25 climbing from 2 % of the peak, then a cosine down to 2 %, then flat.
        assert one_cycle_rate(0, 100, 0.01) == pytest.approx(0.01 * FINAL_SHARE)
        assert one_cycle_rate(25, 100, 0.01) == pytest.approx(0.01)
        assert one_cycle_rate(99, 100, 0.01) == pytest.approx(0.01 * FINAL_SHARE)
        assert one_cycle_rate(500, 100, 0.01) == pytest.approx(0.01 * FINAL_SHARE)
        rates = [one_cycle_rate(step, 100, 0.01) for step in range(100)]
        assert max(rates) == pytest.approx(0.01) and rates.index(max(rates)) == 25

    def test_trainer_follows_the_plan_and_reports_each_batch(self):
        images, labels = stripes(10, size=16)
        trainer = CnnTrainer(
            images, labels, ("h", "v"), channels=(4,), hidden=(8,), batch_size=4, learning_rate=0.01,
            schedule="one-cycle", planned_epochs=2,
        )  # fmt: skip
        seen = []
        trainer.train(1)
        for _ in trainer.epochs(1, on_batch=seen.append):
            pass
        assert [(p.epoch, p.batch, p.batches) for p in seen] == [(2, k, 4) for k in range(1, 5)]
        assert all(p.seconds >= 0 and p.epoch_seconds >= p.seconds for p in seen)
        assert trainer.steps == 8 == trainer.planned_steps
        assert trainer.rate() == pytest.approx(0.01 * FINAL_SHARE)  # Train more goes on at the final rate
        assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(one_cycle_rate(7, 8, 0.01))

    def test_constant_is_the_course(self):
        images, labels = stripes(4, size=16)
        trainer = CnnTrainer(images, labels, ("h", "v"), channels=(4,), hidden=(8,))
        trainer.train(1)
        assert trainer.rate() == trainer.optimizer.param_groups[0]["lr"] == 0.001

    def test_rejects_an_unknown_schedule(self):
        images, labels = stripes(4, size=16)
        with pytest.raises(ValueError, match="schedule"):
            CnnTrainer(images, labels, ("h", "v"), schedule="cosine")


@pytest.mark.slow
def test_quick_defaults_reach_95_percent():
    # The page's defaults on the bundled shapes (as the page draws them: seed 0), the page's seed 42.
    images, labels = make_shapes(QUICK.per_class, size=QUICK.image_size, seed=0)
    trainer = CnnTrainer(
        images,
        labels,
        SHAPE_CLASSES,
        channels=QUICK.channels,
        learning_rate=QUICK.learning_rate,
        batch_size=QUICK.batch_size,
        schedule=QUICK.schedule,
        planned_epochs=QUICK.epochs,
        flips=QUICK.flips,
        seed=42,
        device=torch.device("cpu"),
    )
    assert trainer.train(QUICK.epochs)[-1].val_accuracy >= 0.95


def test_a_seeded_model_is_the_same_while_other_sessions_build_models():
    """Two sessions: one builds the course's seeded CNN, the other builds models at the same moment (stored
    models, random twins). All draw from torch's one global generator; with lib.nn.random_state's lock the
    seeded one comes out the same every time (every draw lib makes from it is locked: a draw outside the
    lock, say a bare nn.Linear in another thread, would still change it)."""
    import threading

    from lib.nn.features import random_twin
    from lib.nn.models import build_architecture

    def weights(model):
        return torch.cat(
            [value.flatten() for value in model.state_dict().values() if value.is_floating_point()]
        )

    alone = weights(course_cnn(3, image_size=32, channels=(4, 8), hidden=(16,), seed=7))
    stop = threading.Event()

    def other_session():
        while not stop.is_set():
            build_architecture("lenet_digits")
            random_twin("shapes_cnn", seed=1)

    others = [threading.Thread(target=other_session) for _ in range(2)]
    for thread in others:
        thread.start()
    try:
        built = [
            weights(course_cnn(3, image_size=32, channels=(4, 8), hidden=(16,), seed=7)) for _ in range(20)
        ]
    finally:
        stop.set()
        for thread in others:
            thread.join()
    assert all(torch.equal(alone, each) for each in built)
