import io
import json
import urllib.error
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
import torchvision

import lib.nn.models as models
import lib.nn.models.registry as registry  # where WEIGHTS_DIR and the network are looked up
from lib.cv.images import ImageError
from lib.cv.shapes import SHAPE_CLASSES, draw_shape, make_shapes
from lib.nn.architectures_torch import DigitsLeNet5, ShapesCNN, ShapesCNNConfig
from lib.nn.models import (
    ModelError,
    TorchvisionEntry,
    available_models,
    build_architecture,
    classify,
    classify_snippet,
    digit_steps,
    digits_split,
    find_digits,
    imagenet_steps,
    label_image,
    load_model,
    load_state_dict_bytes,
    load_state_into,
    model_info,
    normalize,
    predict,
    read_manifest,
    sha256_bytes,
    shapes_steps,
)
from tests.tolerances import ACTIVATION_ATOL, PROB_ATOL, SUBSET_ACCURACY_MARGIN

CPU = torch.device("cpu")


def _state_bytes(model: torch.nn.Module) -> bytes:
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getvalue()


def _dark_digit_on_paper(
    cells: np.ndarray, *, side: int = 120, offset: tuple[int, int] = (40, 30)
) -> np.ndarray:
    """An 8x8 digit (values 0..1) drawn dark on white paper, enlarged, somewhere on a bigger page."""
    ink = cv2.resize((cells * 255).astype(np.uint8), (side * 3 // 4, side), interpolation=cv2.INTER_CUBIC)
    page = np.full((side + 120, side + 140), 255, dtype=np.uint8)
    y, x = offset
    page[y : y + ink.shape[0], x : x + ink.shape[1]] = 255 - ink
    return cv2.cvtColor(page, cv2.COLOR_GRAY2RGB)


class TestArchitectures:
    def test_lenet_forward_shape_and_parameters(self):
        model = DigitsLeNet5()
        assert model(torch.zeros(3, 1, 32, 32)).shape == (3, 10)
        # Worked by hand: 156 + 2416 + 48120 + 10164 + 850 = 61,706 (LeNet-5 with a 10-way output).
        assert sum(p.numel() for p in model.parameters()) == 61_706

    def test_shapes_cnn_forward_shape_and_flat_size(self):
        model = ShapesCNN(ShapesCNNConfig(num_classes=5, image_size=64, channels=(8, 16, 32, 64)))
        assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 5)
        assert model.classifier[0].in_features == 64 * 4 * 4  # four halvings: 64 -> 4

    def test_shapes_cnn_accepts_channels_last_input(self):
        model = ShapesCNN().eval()
        batch = torch.rand(2, 64, 64, 3).permute(0, 3, 1, 2)  # not contiguous
        assert torch.allclose(model(batch), model(batch.contiguous()), atol=ACTIVATION_ATOL)

    @pytest.mark.parametrize("name", ["mobilenet_v3_small", "resnet18", "alexnet", "vgg16"])
    def test_torchvision_forward_shapes(self, name):
        with torch.device("meta"):  # shapes only: no weights allocated, nothing computed
            model = build_architecture(name)
            logits = model(torch.zeros(1, 3, 224, 224))
        assert logits.shape == (1, 1000)

    def test_unknown_name(self):
        with pytest.raises(ModelError, match="Unknown model"):
            build_architecture("lenet_letters")


class TestSafeLoading:
    def test_round_trip_equals_original(self):
        model = DigitsLeNet5()
        data = _state_bytes(model)
        state = load_state_dict_bytes(data, expected_sha256=sha256_bytes(data))
        loaded = load_state_into(DigitsLeNet5(), state)
        for key, value in model.state_dict().items():
            assert torch.equal(loaded.state_dict()[key], value)

    def test_wrong_sha256_is_refused(self):
        data = _state_bytes(DigitsLeNet5())
        with pytest.raises(ModelError, match="sha256"):
            load_state_dict_bytes(data, expected_sha256="0" * 64)

    def test_pickle_payload_is_refused_and_never_runs(self, tmp_path):
        marker = tmp_path / "payload_ran"

        class Payload:
            def __reduce__(self):
                import os

                return (os.mkdir, (str(marker),))

        buffer = io.BytesIO()
        torch.save({"conv1.weight": torch.zeros(1), "extra": Payload()}, buffer)
        data = buffer.getvalue()
        with pytest.raises(ModelError, match="pickle payload"):
            load_state_dict_bytes(data, expected_sha256=sha256_bytes(data))
        assert not marker.exists()

    def test_truncated_file_is_refused(self):
        data = _state_bytes(DigitsLeNet5())[:5000]
        with pytest.raises(ModelError, match="truncated or damaged"):
            load_state_dict_bytes(data, expected_sha256=sha256_bytes(data))

    def test_not_a_state_dict_is_refused(self):
        buffer = io.BytesIO()
        torch.save([torch.zeros(2)], buffer)
        data = buffer.getvalue()
        with pytest.raises(ModelError, match="not a state dict"):
            load_state_dict_bytes(data, expected_sha256=sha256_bytes(data))

    def test_wrong_architecture_names_the_mismatch(self):
        state = DigitsLeNet5().state_dict()
        with pytest.raises(ModelError, match="different architecture.*missing keys"):
            load_state_into(ShapesCNN(), state)
        other_width = ShapesCNN(ShapesCNNConfig(channels=(4, 8, 16, 32))).state_dict()
        with pytest.raises(ModelError, match="wrong shapes"):
            load_state_into(ShapesCNN(), other_width)


@pytest.fixture
def weights_dir(tmp_path, monkeypatch):
    """An empty weights directory in place of weights/."""
    monkeypatch.setattr(registry, "WEIGHTS_DIR", tmp_path)
    return tmp_path


def _write_lenet(
    weights_dir, data: bytes, *, sha256: str | None = None, architecture: str | None = None
) -> None:
    (weights_dir / "lenet_digits.pt").write_bytes(data)
    entry = {
        "file": "lenet_digits.pt",
        "sha256": sha256 or sha256_bytes(data),
        "classes": [str(d) for d in range(10)],
        "input_size": [1, 32, 32],
        "mean": [0.3],
        "std": [0.4],
    }
    if architecture is not None:
        entry["architecture"] = architecture
    (weights_dir / "manifest.json").write_text(json.dumps({"lenet_digits": entry}))


class TestLoadModel:
    def test_missing_manifest_says_how_to_make_weights(self, weights_dir):
        with pytest.raises(ModelError, match="scripts/train_lenet_digits.py"):
            load_model("lenet_digits", device=CPU)
        assert "lenet_digits" not in available_models()

    def test_changed_file_is_refused(self, weights_dir):
        data = _state_bytes(DigitsLeNet5())
        _write_lenet(weights_dir, data, sha256=sha256_bytes(b"the original file"))
        with pytest.raises(ModelError, match="sha256"):
            load_model("lenet_digits", device=CPU)

    def test_wrong_architecture_file_is_refused(self, weights_dir):
        _write_lenet(weights_dir, _state_bytes(ShapesCNN()))
        with pytest.raises(ModelError, match="different architecture"):
            load_model("lenet_digits", device=CPU)

    def test_valid_file_loads_in_eval_mode(self, weights_dir):
        original = DigitsLeNet5()
        _write_lenet(weights_dir, _state_bytes(original))
        model = load_model("lenet_digits", device=CPU)
        assert not model.training
        assert torch.equal(model.conv1.weight, original.conv1.weight)
        assert available_models()[:1] == ["lenet_digits"]

    @pytest.mark.parametrize("architecture", ["LeNet5", "DigitsLeNet5"])
    def test_the_manifest_names_the_digits_lenet_old_or_new(self, weights_dir, architecture):
        """weights/manifest.json says "LeNet5" (the class's name before the two LeNets were told apart)."""
        original = DigitsLeNet5()
        _write_lenet(weights_dir, _state_bytes(original), architecture=architecture)
        assert torch.equal(load_model("lenet_digits", device=CPU).fc3.weight, original.fc3.weight)

    def test_a_manifest_naming_another_architecture_is_refused(self, weights_dir):
        _write_lenet(weights_dir, _state_bytes(DigitsLeNet5()), architecture="ShapesCNN")
        with pytest.raises(ModelError, match="says 'lenet_digits' is a 'ShapesCNN'.*DigitsLeNet5"):
            load_model("lenet_digits", device=CPU)


@pytest.mark.needs_weights
class TestOurWeights:
    def test_each_manifest_architecture_is_the_class_built(self):
        manifest = read_manifest()
        for name in models.OUR_MODELS:
            built = type(build_architecture(name))
            assert models.MANIFEST_ARCHITECTURES[manifest[name]["architecture"]] is built, name

    def test_lenet_reaches_recorded_accuracy_on_held_out_digits(self):
        entry = read_manifest()["lenet_digits"]
        _, _, test_x, test_y = digits_split(
            test_fraction=entry["test_split"]["test_fraction"], seed=entry["test_split"]["seed"]
        )
        model = load_model("lenet_digits", device=CPU)
        inputs = (torch.from_numpy(test_x).unsqueeze(1) - entry["mean"][0]) / entry["std"][0]
        with torch.no_grad():
            accuracy = (model(inputs).argmax(1).numpy() == test_y).mean()
        assert accuracy >= entry["test_accuracy"] - 0.005
        assert accuracy >= 0.97

    def test_shapes_cnn_reaches_recorded_accuracy_on_a_held_out_subset(self):
        entry = read_manifest()["shapes_cnn"]
        # The first 40 per class of the test draw (same seed, so the same images as in the recorded test).
        images, labels = make_shapes(40, size=64, seed=entry["test_split"]["seed"])
        model = load_model("shapes_cnn", device=CPU)
        inputs = torch.cat([normalize(image, entry["mean"], entry["std"]) for image in images])
        with torch.no_grad():
            accuracy = (model(inputs).argmax(1).numpy() == labels).mean()
        assert accuracy >= entry["test_accuracy"] - SUBSET_ACCURACY_MARGIN

    def test_manifest_matches_files(self):
        for name, entry in read_manifest().items():
            data = (models.WEIGHTS_DIR / entry["file"]).read_bytes()
            assert sha256_bytes(data) == entry["sha256"], name
            assert len(data) < 4_000_000, f"{name} weights should stay a few MB at most"

    def test_classify_a_digit_sheet(self):
        from samples import load_sample

        sheet = load_sample("digits")
        boxes = find_digits(sheet)
        assert len(boxes) == 10
        read = [classify("lenet_digits", sheet[y : y + h, x : x + w], k=1)[0][0] for x, y, w, h in boxes]
        assert sum(digit == str(i) for i, digit in enumerate(read)) >= 9, read

    def test_classify_drawn_shapes(self):
        rng = np.random.default_rng(123)
        correct = [
            classify("shapes_cnn", draw_shape(name, rng), k=1)[0][0] == name for name in SHAPE_CLASSES * 4
        ]
        assert np.mean(correct) >= 0.8

    def test_k_is_clamped_and_probabilities_sum_to_one(self):
        image = draw_shape("circle", np.random.default_rng(0))
        top = classify("shapes_cnn", image, k=50)
        assert len(top) == len(SHAPE_CLASSES)
        probabilities = [p for _, p in top]
        assert probabilities == sorted(probabilities, reverse=True)
        assert abs(sum(probabilities) - 1) < PROB_ATOL
        prediction, prepared = predict("shapes_cnn", image, k=2)
        assert len(prediction.top) == 2 and prediction.seconds > 0
        assert prepared.tensor.shape == (1, 3, 64, 64)

    def test_topk_beyond_the_classes_raises_in_torch(self):
        # the classifier page's correction: the notes' topk(probs, 5) on 2 classes fails; 1000 classes are fine
        two_classes = torch.softmax(torch.tensor([[0.3, 1.2]]), dim=1)
        with pytest.raises(RuntimeError, match="out of range"):
            torch.topk(two_classes, 5)
        assert torch.topk(torch.softmax(torch.zeros(1, 1000), dim=1), 5).indices.shape == (1, 5)

    def test_gradio_normalize_maps_0_1_to_minus_1_1(self):
        # the course's Gradio app: Resize((128, 128)), ToTensor(), Normalize((0.5,), (0.5,))
        from PIL import Image
        from torchvision import transforms

        transform = transforms.Compose(
            [transforms.Resize((128, 128)), transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]
        )
        image = np.zeros((40, 60, 3), np.uint8)
        image[:, 30:] = 255
        tensor = transform(Image.fromarray(image))
        assert tuple(tensor.shape) == (3, 128, 128)
        assert tensor.min().item() == -1.0 and tensor.max().item() == 1.0

    def test_k_below_one_is_refused(self):
        with pytest.raises(ValueError, match="k must be"):
            classify("shapes_cnn", np.zeros((64, 64, 3), np.uint8), k=0)


class TestTorchvisionOffline:
    @pytest.fixture
    def offline(self, tmp_path, monkeypatch):
        hub = tmp_path / "hub"
        monkeypatch.setattr(registry, "hub_checkpoints_dir", lambda: hub)

        def no_network(url, timeout):
            raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

        monkeypatch.setattr(registry, "_open_url", no_network)
        monkeypatch.setattr(registry, "network_reachable", lambda **_: False)
        return hub

    def test_load_offline_says_so_and_leaves_nothing_behind(self, offline):
        with pytest.raises(ModelError, match="offline.*lenet_digits"):
            load_model("resnet18", device=CPU)
        assert not offline.exists() or not any(offline.iterdir())

    def test_available_lists_only_cached_ones(self, offline):
        assert not set(available_models()) & set(models.TORCHVISION_MODELS)
        assert not set(available_models(probe_network=True)) & set(models.TORCHVISION_MODELS)
        offline.mkdir(parents=True)
        models.cached_weights_path("alexnet").write_bytes(b"not really weights")
        assert "alexnet" in available_models()
        with pytest.raises(ModelError, match="sha256"):
            load_model("alexnet", device=CPU)

    def test_probe_lists_downloadable_ones(self, offline, monkeypatch):
        monkeypatch.setattr(registry, "network_reachable", lambda **_: True)
        assert set(models.TORCHVISION_MODELS) <= set(available_models(probe_network=True))

    def test_download_once_with_progress_then_load(self, offline, monkeypatch):
        # A stand-in for torchvision's weights: a small model's state dict served by a fake server.
        original = models.TORCHVISION_MODELS["alexnet"]
        twin = DigitsLeNet5()
        data = _state_bytes(twin)
        url = f"https://download.pytorch.org/models/tiny-{sha256_bytes(data)[:8]}.pth"
        fake = SimpleNamespace(url=url, meta=original.weights.meta, transforms=original.weights.transforms)
        monkeypatch.setitem(
            models.TORCHVISION_MODELS,
            "alexnet",
            TorchvisionEntry("Tiny", lambda weights=None: DigitsLeNet5(), fake),
        )
        served = []

        def serve(requested, timeout):
            served.append(requested)
            return _FakeResponse(data)

        monkeypatch.setattr(registry, "_open_url", serve)
        progress: list[float] = []
        model = load_model("alexnet", device=CPU, on_progress=progress.append)
        assert torch.equal(model.fc3.weight, twin.fc3.weight)
        assert progress and progress[-1] == 1.0
        load_model("alexnet", device=CPU)  # second time from the cache
        assert served == [url]

    def test_class_names_come_from_the_weights(self):
        info = model_info("resnet18")
        assert len(info.classes) == 1000
        assert info.classes[0] == "tench" and info.classes[281] == "tabby"
        assert info.input_size == (3, 224, 224)


class _FakeResponse(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}


class TestPreprocessing:
    def test_imagenet_steps_equal_the_weights_transforms(self):
        rng = np.random.default_rng(0)
        image = rng.integers(0, 256, size=(300, 410, 3), dtype=np.uint8)
        steps = imagenet_steps(image, "resnet18")
        info = model_info("resnet18")
        ours = normalize(steps[-1][1], info.mean, info.std)
        transforms = torchvision.models.ResNet18_Weights.IMAGENET1K_V1.transforms()
        reference = transforms(torch.from_numpy(image).permute(2, 0, 1)).unsqueeze(0)
        assert ours.shape == (1, 3, 224, 224)
        # ours rounds the resized image to uint8 (to show it); the reference keeps floats: <= half a level
        assert torch.allclose(ours, reference, atol=0.5 / 255 / min(info.std) + 1e-5)

    def test_shapes_steps_is_cv2_resize(self):
        image = np.random.default_rng(1).integers(0, 256, size=(200, 300, 3), dtype=np.uint8)
        resized = shapes_steps(image)[-1][1]
        assert np.array_equal(resized, cv2.resize(image, (64, 64), interpolation=cv2.INTER_AREA))

    def test_normalize_matches_torchvision(self):
        image = np.random.default_rng(2).integers(0, 256, size=(8, 9, 3), dtype=np.uint8)
        mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)
        reference = torchvision.transforms.functional.normalize(
            torch.from_numpy(image).permute(2, 0, 1).float() / 255, mean, std
        )
        assert torch.allclose(normalize(image, mean, std)[0], reference, atol=ACTIVATION_ATOL)

    def test_digit_light_or_dark_paper_gives_the_same_input(self):
        cells = load_digit_cells(7)
        on_paper = _dark_digit_on_paper(cells)
        on_board = 255 - on_paper
        assert np.allclose(digit_steps(on_paper)[-1][1], digit_steps(on_board)[-1][1])

    def test_digit_position_and_size_do_not_matter(self):
        cells = load_digit_cells(3)
        small = digit_steps(_dark_digit_on_paper(cells, side=80, offset=(10, 10)))[-1][1]
        large = digit_steps(_dark_digit_on_paper(cells, side=160, offset=(100, 120)))[-1][1]
        assert np.abs(small - large).mean() < 0.05

    def test_digit_fills_the_height_like_the_data(self):
        # The digits data: ink in the top and bottom 8x8 rows (every digit is scaled to the full height).
        cells = digit_steps(_dark_digit_on_paper(load_digit_cells(0)))[3][1]
        assert cells.shape == (8, 8)
        assert cells[0].max() > 0 and cells[-1].max() > 0
        assert cells[:, 0].max() < cells[:, 3].max()

    def test_flat_image_has_no_digit(self):
        with pytest.raises(ImageError, match="No digit"):
            digit_steps(np.full((50, 50, 3), 200, np.uint8))

    def test_bad_dtype(self):
        with pytest.raises(ImageError, match="uint8"):
            digit_steps(np.zeros((10, 10), np.float32))


def load_digit_cells(digit: int) -> np.ndarray:
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.images[np.flatnonzero(data.target == digit)[0]] / 16.0


class TestFindDigits:
    def test_two_blobs_in_reading_order(self):
        page = np.full((100, 200, 3), 255, np.uint8)
        page[30:70, 140:160] = 0  # right one
        page[20:80, 20:50] = 0  # left one
        boxes = find_digits(page)
        assert len(boxes) == 2
        assert boxes[0][0] < boxes[1][0]
        x, y, w, h = boxes[0]
        assert x <= 20 and y <= 20 and x + w >= 50 and y + h >= 80


class TestLabelImage:
    def test_writes_only_the_top_left_band(self):
        image = np.full((200, 300, 3), 128, np.uint8)
        labelled = label_image(image, "cat 97%")
        assert labelled.shape == image.shape and labelled.dtype == np.uint8
        changed = np.any(labelled != image, axis=2)
        assert changed[:20, :40].any()
        assert not changed[120:, :].any() and not changed[:, 250:].any()
        assert np.array_equal(image, np.full((200, 300, 3), 128, np.uint8))  # input untouched

    def test_gray_becomes_rgb(self):
        assert label_image(np.zeros((50, 60), np.uint8), "3").shape == (50, 60, 3)


@pytest.mark.needs_weights
class TestClassifySnippet:
    @pytest.mark.parametrize("name", ["lenet_digits", "shapes_cnn"])
    def test_snippet_reproduces_classify(self, name, monkeypatch):
        monkeypatch.chdir(models.WEIGHTS_DIR.parent)  # the snippet reads weights/<name>.pt
        if name == "lenet_digits":
            image = _dark_digit_on_paper(load_digit_cells(4))
        else:
            image = draw_shape("hexagon", np.random.default_rng(5), size=90)
        namespace = {"image_rgb": image, "print": lambda *args: None}
        exec(compile(classify_snippet(name, k=3), "snippet.py", "exec"), namespace)  # noqa: S102
        expected = classify(name, image, k=3)
        assert [label for label, _ in namespace["result"]] == [label for label, _ in expected]
        np.testing.assert_allclose(
            [p for _, p in namespace["result"]], [p for _, p in expected], atol=PROB_ATOL
        )

    def test_snippet_clamps_k(self):
        assert "k = min(5, len(classes))" in classify_snippet("shapes_cnn", k=50)
        assert "ResNet18_Weights.IMAGENET1K_V1.transforms()" in classify_snippet("resnet18")
