import io

import numpy as np
import pytest
import torch

from lib.cv.shapes import make_shapes
from lib.nn.architectures_torch import ShapesCNN
from lib.nn.models import WEIGHTS_DIR, load_model, model_info, normalize, read_manifest
from lib.nn.transfer import (
    BACKBONE_WEIGHTS,
    COLOUR_LEVELS,
    CONTRAST_SETS,
    DEFAULT_EPOCHS,
    DEFAULT_LEARNING_RATE,
    EMBEDDINGS,
    NEW_SHAPE_CLASSES,
    TRANSFER_DATA_FILE,
    HeadTrainer,
    backbone,
    colour_statistics,
    embed,
    image_features,
    make_contrast_set,
    make_new_shapes,
    transfer_script,
)
from tests.tolerances import ACTIVATION_ATOL, TRAINING_REPRO_RTOL

PAGE_LEARNING_RATE, PAGE_EPOCHS = DEFAULT_LEARNING_RATE, DEFAULT_EPOCHS

MEAN, STD = (0.5, 0.5, 0.5), (0.29, 0.29, 0.29)


@pytest.fixture(scope="module")
def cnn():
    torch.manual_seed(0)
    return ShapesCNN().eval()


class TestBackbone:
    @pytest.mark.parametrize(("cut", "width"), [("last layer", 64), ("all dense layers", 1024)])
    def test_backbone_plus_old_layers_is_the_whole_model(self, cnn, cut, width):
        inputs = torch.randn(3, 3, 64, 64)
        with torch.no_grad():
            frozen = backbone(cnn, cut=cut)(inputs)
            rest = cnn.classifier[-1:] if cut == "last layer" else cnn.classifier
            assert frozen.shape == (3, width)
            torch.testing.assert_close(rest(frozen), cnn(inputs), atol=ACTIVATION_ATOL, rtol=0)

    def test_embed_is_the_backbone_on_normalised_images(self, cnn):
        images, _ = make_shapes(2, size=64, seed=0)
        features = embed(backbone(cnn), images, mean=MEAN, std=STD)
        with torch.no_grad():
            expected = backbone(cnn)(torch.cat([normalize(image, MEAN, STD) for image in images])).numpy()
        np.testing.assert_allclose(features, expected, atol=ACTIVATION_ATOL)

    def test_other_sizes_are_resized(self, cnn):
        images = np.random.default_rng(0).integers(0, 256, size=(2, 100, 100, 3), dtype=np.uint8)
        assert embed(backbone(cnn), images, mean=MEAN, std=STD).shape == (2, 64)

    def test_bad_cut_and_bad_model(self, cnn):
        with pytest.raises(ValueError, match="cut"):
            backbone(cnn, cut="middle")
        with pytest.raises(ValueError, match="classifier"):
            backbone(torch.nn.Linear(2, 2))


@pytest.fixture(scope="module")
def new_shapes(cnn):
    images, labels = make_new_shapes(30, seed=3, classes=("cross", "ring", "pentagon"))
    return images, labels, embed(backbone(cnn, cut="all dense layers"), images, mean=MEAN, std=STD)


class TestHeadTrainer:
    @pytest.mark.skipif("shapes_cnn" not in read_manifest(), reason="run scripts/train_shapes_cnn.py first")
    def test_beats_chance_clearly_within_a_few_epochs(self):
        # Our trained shapes CNN, its last layer replaced (the course's recipe), on shapes it never saw.
        info = model_info("shapes_cnn")
        frozen = backbone(load_model("shapes_cnn", device=torch.device("cpu")))
        images, labels = make_new_shapes(30, seed=3, classes=("cross", "ring", "pentagon"))
        features = embed(frozen, images, mean=info.mean, std=info.std)
        trainer = HeadTrainer(features, labels, ("cross", "ring", "pentagon"), learning_rate=0.01, seed=0)
        history = trainer.train(5)
        assert [m.epoch for m in history] == list(range(1, 6))
        assert history[-1].val_accuracy >= 0.6  # chance: 1/3
        assert history[-1].train_loss < history[0].train_loss

    def test_the_backbone_stays_frozen(self, cnn, new_shapes):
        before = {key: value.clone() for key, value in cnn.state_dict().items()}
        _, labels, features = new_shapes
        HeadTrainer(features, labels, ("cross", "ring", "pentagon")).train(2)
        for key, value in cnn.state_dict().items():
            assert torch.equal(value, before[key]), key

    def test_confusion_matrix_agrees_with_accuracy(self, new_shapes):
        _, labels, features = new_shapes
        trainer = HeadTrainer(features, labels, ("cross", "ring", "pentagon"), seed=1)
        trainer.train(3)
        matrix, mistakes = trainer.confusion(), trainer.mistakes()
        assert matrix.sum() == len(trainer.val_index)
        assert np.trace(matrix) == round(trainer.history[-1].val_accuracy * len(trainer.val_index))
        assert len(mistakes) == matrix.sum() - np.trace(matrix)
        for mistake in mistakes:
            assert mistake.true_class != mistake.predicted_class
            assert labels[mistake.index] == ("cross", "ring", "pentagon").index(mistake.true_class)

    def test_stratified_split_keeps_every_class(self, new_shapes):
        _, labels, features = new_shapes
        trainer = HeadTrainer(features, labels, ("cross", "ring", "pentagon"), val_fraction=0.2)
        assert np.bincount(labels[trainer.val_index]).tolist() == [6, 6, 6]  # 20 % of 30 per class
        assert not set(trainer.train_index) & set(trainer.val_index)

    def test_same_seed_same_history(self, new_shapes):
        _, labels, features = new_shapes
        runs = [HeadTrainer(features, labels, ("a", "b", "c"), seed=4).train(2) for _ in range(2)]
        assert runs[0][-1].val_loss == runs[1][-1].val_loss

    def test_head_state_dict_loads_safely(self, new_shapes):
        _, labels, features = new_shapes
        trainer = HeadTrainer(features, labels, ("cross", "ring", "pentagon"))
        state = torch.load(io.BytesIO(trainer.head_bytes()), weights_only=True)
        assert state["weight"].shape == (3, 1024) and state["bias"].shape == (3,)
        probabilities = trainer.probabilities(features[:4])
        np.testing.assert_allclose(probabilities.sum(1), 1, atol=1e-5)

    def test_downloaded_head_works_on_unscaled_features(self, new_shapes):
        # The scaling is folded into the saved Linear: it gives the trainer's probabilities on raw features.
        _, labels, features = new_shapes
        trainer = HeadTrainer(features, labels, ("cross", "ring", "pentagon"), learning_rate=0.01)
        trainer.train(3)
        head = torch.nn.Linear(1024, 3)
        head.load_state_dict(torch.load(io.BytesIO(trainer.head_bytes()), weights_only=True))
        with torch.no_grad():
            probabilities = torch.softmax(head(torch.from_numpy(features[:6])), dim=1).numpy()
        np.testing.assert_allclose(probabilities, trainer.probabilities(features[:6]), atol=1e-4)

    def test_starts_as_the_nearest_class_mean(self):
        # By hand: two clusters around (0, 0) and (4, 4); before any epoch the head picks the nearer mean.
        rng = np.random.default_rng(0)
        features = np.concatenate([rng.normal(0, 0.3, (10, 2)), rng.normal(4, 0.3, (10, 2))]).astype(
            np.float32
        )
        labels = np.repeat([0, 1], 10)
        trainer = HeadTrainer(features, labels, ("low", "high"))
        probabilities = trainer.probabilities(np.array([[0.5, 0.2], [3.5, 3.9]], np.float32))
        assert probabilities.argmax(1).tolist() == [0, 1]
        assert torch.equal(
            trainer.head.weight[0] > 0, torch.tensor([False, False])
        )  # low sits below the mean

    def test_needs_two_classes_with_two_images_each(self):
        features = np.zeros((5, 4), np.float32)
        with pytest.raises(ValueError, match="at least 2 classes"):
            HeadTrainer(features, np.zeros(5, np.int64), ("only",))
        with pytest.raises(ValueError, match="add more to: b"):
            HeadTrainer(features, np.array([0, 0, 0, 0, 1]), ("a", "b"))


class TestNewShapes:
    def test_shapes_labels_and_determinism(self):
        images, labels = make_new_shapes(2, size=48, seed=5)
        assert images.shape == (2 * len(NEW_SHAPE_CLASSES), 48, 48, 3) and images.dtype == np.uint8
        assert labels.tolist() == list(range(len(NEW_SHAPE_CLASSES))) * 2
        assert np.array_equal(make_new_shapes(2, size=48, seed=5)[0], images)

    def test_ring_has_a_hole_a_filled_shape_does_not(self):
        # By hand: the centre pixel of a ring shows the background; of a pentagon, the shape's colour.
        rng_images, _ = make_new_shapes(6, size=64, seed=2, classes=("ring", "pentagon"))
        for image, name in zip(rng_images, ["ring", "pentagon"] * 6, strict=True):
            corner = np.median(image[:3, :3].reshape(-1, 3), axis=0)
            differs = np.abs(image.astype(int) - corner).sum(axis=2) > 90
            assert 0.03 < differs.mean() < 0.6, name

    def test_unknown_class(self):
        with pytest.raises(ValueError, match="unknown new shapes"):
            make_new_shapes(1, classes=("circle",))


def test_script_trains_what_the_page_trains(tmp_path, monkeypatch):
    """The script, run beside our weights and the images, gives HeadTrainer's numbers on load_model's backbone."""
    entry = model_info("shapes_cnn")
    images, labels = make_new_shapes(8, seed=4, classes=("cross", "ring"))
    (tmp_path / "weights").mkdir()
    (tmp_path / BACKBONE_WEIGHTS).write_bytes(
        (WEIGHTS_DIR / read_manifest()["shapes_cnn"]["file"]).read_bytes()
    )
    np.savez(tmp_path / TRANSFER_DATA_FILE, images=images, labels=labels, class_names=["cross", "ring"])
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    script = transfer_script(mean=entry.mean, std=entry.std, cut="last layer", epochs=3, learning_rate=0.01)
    exec(compile(script, "transfer.py", "exec"), namespace)  # noqa: S102
    frozen = backbone(load_model("shapes_cnn", device="cpu"))
    features = image_features(frozen, images, mean=entry.mean, std=entry.std)  # the default: CNN + colour
    assert features.shape == (16, 64 + 6 + COLOUR_LEVELS**3)
    trainer = HeadTrainer(features, labels, ("cross", "ring"), learning_rate=0.01)
    last = trainer.train(3)[-1]
    result = namespace["result"]
    assert result["features_shape"] == list(features.shape) and result["classes"] == ["cross", "ring"]
    assert result["val_accuracy"] == last.val_accuracy
    assert result["train_loss"] == pytest.approx(last.train_loss, rel=TRAINING_REPRO_RTOL)
    assert result["confusion"] == trainer.confusion().tolist()
    vgg_lines = [line for line in script.splitlines() if "vgg16" in line.lower()]
    assert vgg_lines and all(line.startswith("#") for line in vgg_lines)  # VGG16 is told, not run: offline


class TestColourAndContrastSets:
    def test_colour_statistics_by_hand(self):
        image = np.zeros((64, 64, 3), np.uint8)
        image[:, :32] = (255, 0, 0)  # left half red, right half black
        stats = colour_statistics(image[None])[0]
        assert stats.shape == (6 + COLOUR_LEVELS**3,)
        np.testing.assert_allclose(stats[:3], [0.5, 0.0, 0.0], atol=1e-6)  # mean R, G, B
        np.testing.assert_allclose(stats[3:6], [0.5, 0.0, 0.0], atol=1e-6)  # std: half 0, half 1
        shares = stats[6:].reshape(COLOUR_LEVELS, COLOUR_LEVELS, COLOUR_LEVELS)
        assert shares[-1, 0, 0] == 0.5 and shares[0, 0, 0] == 0.5 and shares.sum() == pytest.approx(1)

    def test_image_features_are_cnn_then_colour(self, cnn):
        images, _ = make_shapes(2, size=64, seed=0)
        frozen = backbone(cnn)
        both = image_features(frozen, images, mean=MEAN, std=STD)
        np.testing.assert_allclose(
            both[:, :64], embed(frozen, images, mean=MEAN, std=STD), atol=ACTIVATION_ATOL
        )
        np.testing.assert_allclose(both[:, 64:], colour_statistics(images))
        only = image_features(frozen, images, mean=MEAN, std=STD, embedding=EMBEDDINGS[1])
        assert only.shape == (len(images), 64)
        with pytest.raises(ValueError, match="embedding"):
            image_features(frozen, images, mean=MEAN, std=STD, embedding="pixels")

    @pytest.mark.parametrize("differ_by", list(CONTRAST_SETS))
    def test_sets_differ_in_one_thing(self, differ_by):
        images, labels, names = make_contrast_set(differ_by, 20, seed=1)
        assert (
            images.shape == (40, 64, 64, 3)
            and labels.tolist() == [0, 1] * 20
            and names == CONTRAST_SETS[differ_by]
        )
        assert np.array_equal(make_contrast_set(differ_by, 20, seed=1)[0], images)
        mean_green = [colour_statistics(images[labels == k])[:, 1].mean() for k in (0, 1)]
        if differ_by == "colour":  # yellow = red + green
            assert mean_green[1] - mean_green[0] > 0.1
        else:  # the same colour distribution in both classes
            assert abs(mean_green[1] - mean_green[0]) < 0.1

    def test_rejects(self):
        with pytest.raises(ValueError, match="differ_by"):
            make_contrast_set("size", 3)


# What the frozen shapes CNN can tell apart, at the page's defaults (seed 0, 30 images per class, 12 validation
# images): measured accuracies are in benchmarks/README.md; these are the floors a regression must not cross.
CONTRAST_FLOORS = {  # (embedding, differ_by) -> lowest validation accuracy
    ("shapes CNN + colour", "colour"): 0.9,
    ("shapes CNN + colour", "shape"): 0.9,
    ("shapes CNN + colour", "texture"): 0.7,
}


@pytest.fixture(scope="module")
def frozen():
    return backbone(load_model("shapes_cnn", device=torch.device("cpu")))


@pytest.mark.skipif("shapes_cnn" not in read_manifest(), reason="run scripts/train_shapes_cnn.py first")
class TestWhatTheBackboneSees:
    def accuracy(self, frozen, differ_by, embedding):
        info = model_info("shapes_cnn")
        images, labels, names = make_contrast_set(differ_by, 30, seed=0)
        features = image_features(frozen, images, mean=info.mean, std=info.std, embedding=embedding)
        trainer = HeadTrainer(features, labels, names, learning_rate=PAGE_LEARNING_RATE)
        return trainer.train(PAGE_EPOCHS)[-1].val_accuracy

    @pytest.mark.parametrize(("embedding", "differ_by"), list(CONTRAST_FLOORS))
    def test_defaults_tell_the_classes_apart(self, frozen, embedding, differ_by):
        assert self.accuracy(frozen, differ_by, embedding) >= CONTRAST_FLOORS[embedding, differ_by]

    def test_without_colour_the_backbone_is_blind_to_it(self, frozen):
        # The shapes CNN learned shapes of random colours: red and yellow discs look alike to it.
        blind = self.accuracy(frozen, "colour", "shapes CNN only")
        assert blind <= 0.75 < self.accuracy(frozen, "colour", "shapes CNN + colour")
