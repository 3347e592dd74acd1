"""lib.nn.models.checkpoint: a CNN from Train a CNN as one file and back, and every file it must refuse.

The round trip is checked against the original model (the same logits, bit for bit); each refusal by its
message, and the pickle payload by a marker its __reduce__ would create if anything unpickled it for real.
"""

from __future__ import annotations

import io
import os
import zipfile

import pytest
import torch

from lib.nn import cnn_training
from lib.nn.architectures_torch import DigitsLeNet5, ShapesCNN, ShapesCNNConfig, count_parameters
from lib.nn.models import (
    CHECKPOINT_FORMAT,
    MAX_CHECKPOINT_BYTES,
    MAX_PARAMETERS,
    ModelError,
    checkpoint,
    checkpoint_bytes,
    checkpoint_of,
    config_parameters,
    read_checkpoint,
    trained_model_info,
)
from tests.helpers import small_trained_cnn

CLASSES = ("circle", "square", "triangle")


@pytest.fixture(scope="module")
def trainer() -> cnn_training.CnnTrainer:
    """The page's trainer, one epoch on 24 shapes of 32x32, light widths (as the page tests use)."""
    trainer = small_trained_cnn(CLASSES)
    return trainer


@pytest.fixture(scope="module")
def entry(trainer) -> dict:
    return trainer.model_entry()


def saved(value: object) -> bytes:
    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


def crafted(entry: dict, **changes) -> bytes:
    """A checkpoint of the entry with some of its fields replaced (None: the field removed)."""
    content = checkpoint_of(entry)
    for key, value in changes.items():
        if value is None:
            content.pop(key)
        else:
            content[key] = value
    return saved(content)


def refused(data: bytes, match: str, **options) -> str:
    with pytest.raises(ModelError, match=match) as caught:
        read_checkpoint(data, **options)
    return str(caught.value)


class MarkerPayload:
    """Unpickling this for real calls os.makedirs(path): a loader that runs pickled code leaves the folder."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.makedirs, (self.path,))


class TestRoundTrip:
    def test_same_predictions_as_the_original(self, trainer, entry):
        data = checkpoint_bytes(entry)
        back = read_checkpoint(data)
        assert back.keys() == entry.keys()  # the entry shape model_entry gives
        assert back["config"] == entry["config"] and back["class_names"] == list(CLASSES)
        assert back["input_size"] == [3, 32, 32] and back["epochs"] == 1
        assert back["mean"] == entry["mean"] and back["val_accuracy"] == entry["val_accuracy"]
        inputs = trainer.x_val
        trainer.model.cpu().eval()
        rebuilt = cnn_training.model_from_entry(back, device=torch.device("cpu"))
        with torch.no_grad():
            assert torch.equal(rebuilt(inputs), trainer.model(inputs))
        info = trained_model_info("Uploaded: cnn_model.pth", back)
        assert info.classes == CLASSES and info.input_size == (3, 32, 32)

    def test_only_plain_values_inside(self, entry):
        """weights_only=True reads it, and nothing in it is more than tensors, str, int, float, None, lists."""
        loaded = torch.load(io.BytesIO(checkpoint_bytes(entry)), weights_only=True)
        assert loaded["format"] == CHECKPOINT_FORMAT and loaded["version"] == 1

        def plain(value) -> bool:
            if isinstance(value, dict):
                return all(isinstance(key, str) and plain(item) for key, item in value.items())
            if isinstance(value, list):
                return all(map(plain, value))
            return value is None or isinstance(value, (torch.Tensor, str, int, float))

        assert plain(loaded)

    def test_parameters_counted_without_building(self):
        for config in (
            ShapesCNNConfig(),
            ShapesCNNConfig(num_classes=3, image_size=64, channels=(32, 64, 128, 256), hidden=(512, 128)),
            ShapesCNNConfig(num_classes=7, image_size=48, channels=(5, 9), hidden=()),
        ):
            assert config_parameters(config) == count_parameters(ShapesCNN(config))
        course = ShapesCNNConfig(num_classes=5, image_size=64, channels=(32, 64, 128, 256), hidden=(512, 128))
        assert config_parameters(course) < MAX_PARAMETERS  # the course's network is accepted


class TestRefused:
    def test_oversized_before_reading(self, entry, monkeypatch):
        def never(*args, **kwargs):
            raise AssertionError("torch.load was called on an oversized file")

        monkeypatch.setattr(checkpoint.torch, "load", never)
        message = refused(checkpoint_bytes(entry), "at most 0.1 MB", max_bytes=100_000)
        assert "not read" in message
        refused(
            b"PK\x03\x04" + bytes(MAX_CHECKPOINT_BYTES), f"at most {MAX_CHECKPOINT_BYTES // 1_000_000} MB"
        )

    def test_not_a_torch_file(self):
        refused(b"\x89PNG\r\n\x1a\n" + bytes(100), "not a PyTorch checkpoint")
        refused(b"", "not a PyTorch checkpoint")

    def test_truncated(self, entry):
        data = checkpoint_bytes(entry)
        refused(data[: len(data) // 2], "truncated")
        refused(data[:-30], "truncated")

    def test_damaged_inside(self, entry):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("archive/data.pkl", b"not a pickle")  # no torch records at all
        refused(buffer.getvalue(), "damaged and cannot be read")
        # a real checkpoint whose pickle stream is garbage (a complete zip, every other record intact)
        buffer = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(checkpoint_bytes(entry))) as source,
            zipfile.ZipFile(buffer, "w") as archive,
        ):
            for member in source.namelist():
                garbage = member.endswith("data.pkl")
                archive.writestr(member, b"\x80\x02\xff\xfe" if garbage else source.read(member))
        message = refused(buffer.getvalue(), "damaged")
        assert "pickled code" not in message

    def test_pickled_code_is_never_run(self, tmp_path):
        marker = tmp_path / "pickle_ran"
        data = saved({"format": CHECKPOINT_FORMAT, "version": 1, "state_dict": MarkerPayload(str(marker))})
        message = refused(data, "pickled code, not just tensors: refused unopened")
        assert not marker.exists(), "read_checkpoint ran the pickle payload"
        assert "Traceback" not in message
        torch.load(io.BytesIO(data), weights_only=False)  # the payload is real: an unsafe loader runs it
        assert marker.is_dir()

    def test_bare_state_dict(self, entry):
        message = refused(saved(entry["state_dict"]), "bare state dict")
        assert "download the checkpoint from Train a CNN" in message and "class names" in message

    def test_not_a_checkpoint(self):
        refused(saved([1, 2, 3]), "holds a list, not a CV Skills Lab checkpoint")
        refused(saved({"weights": [1.0]}), "not a CV Skills Lab checkpoint")

    def test_wrong_format_and_version(self, entry):
        refused(crafted(entry, format="someone-else/cnn"), "format is 'someone-else/cnn'")
        refused(crafted(entry, version=2), "version 2; this app reads version 1")
        refused(crafted(entry, version=None), "version None")

    def test_another_architecture(self, entry):
        refused(crafted(entry, architecture="ResNet"), "holds a 'ResNet'")
        # the config says ShapesCNN, the weights are LeNet's: which keys differ is said
        lenet = DigitsLeNet5(num_classes=3).state_dict()
        message = refused(crafted(entry, state_dict=lenet), "different architecture")
        assert "missing keys ['features.0.0.weight'" in message and "unexpected keys" in message
        # the same layers, other widths: which shapes differ is said
        wider = ShapesCNN(
            ShapesCNNConfig(num_classes=3, image_size=32, channels=(16, 16, 32, 64), hidden=(512, 128))
        )
        message = refused(crafted(entry, state_dict=wider.state_dict()), "different architecture")
        assert "wrong shapes ['features.0.0.weight: file (16, 3, 3, 3) vs model (8, 3, 3, 3)'" in message

    def test_class_names_must_match_the_output_layer(self, entry):
        refused(
            crafted(entry, class_names=["a", "b", "c", "d"]), "names 4 classes, but its network has 3 outputs"
        )
        four = {**checkpoint_of(entry)["config"], "num_classes": 4}
        refused(
            crafted(entry, class_names=["a", "b", "c", "d"], config=four),
            r"names 4 classes, but its output layer \(classifier.6.weight\) has 3 outputs",
        )
        refused(crafted(entry, class_names=["a", "a", "b"]), "different, non-empty names")
        refused(crafted(entry, class_names=None), "class names should be a list")

    def test_nan_and_inf_weights(self, entry):
        for bad in (float("nan"), float("inf")):
            state = {key: value.clone() for key, value in entry["state_dict"].items()}
            state["classifier.0.weight"][0, 0] = bad
            refused(crafted(entry, state_dict=state), r"NaN or infinite values \(classifier.0.weight\)")

    def test_wrong_dtype(self, entry):
        state = {
            key: value.double() if value.is_floating_point() else value
            for key, value in entry["state_dict"].items()
        }
        refused(crafted(entry, state_dict=state), "wrong type: features.0.0.weight: torch.float64")

    def test_absurd_configs_are_refused_before_building(self, entry, monkeypatch):
        def never(*args, **kwargs):
            raise AssertionError("a network was built from an absurd config")

        monkeypatch.setattr(checkpoint, "ShapesCNN", never)
        base = checkpoint_of(entry)["config"]
        cases = {
            "channels": ({**base, "channels": [100_000, 8, 8, 8]}, "channels"),
            "blocks": ({**base, "channels": [8] * 9}, "1 to 4 blocks"),
            "image": ({**base, "image_size": 1_000_000}, r"image_size 1000000 \(16 to 64 pixels\)"),
            "hidden": ({**base, "hidden": [10**9]}, "hidden"),
            "layers": ({**base, "hidden": [8, 8, 8]}, "at most 2 layers"),
            "classes": ({**base, "num_classes": 10**6}, "num_classes"),
            "colour": ({**base, "in_channels": 64}, "in_channels 64 .3: RGB."),
            "dropout": ({**base, "dropout": 2.0}, "dropout"),
            "types": ({**base, "image_size": "64"}, "image_size '64'"),
            "bool": ({**base, "image_size": True}, "image_size True"),
            "extra key": ({**base, "evil": 1}, "should have the keys"),
        }
        for config, match in cases.values():
            refused(crafted(entry, config=config), match)
        # within every range, yet too big: one block at 64 px flattens 256 x 32 x 32 numbers into 512 units
        big = {**base, "image_size": 64, "channels": [256], "hidden": [512, 512]}
        refused(crafted(entry, config=big), f"at most {MAX_PARAMETERS:,} are allowed")

    def test_inconsistent_input(self, entry):
        refused(crafted(entry, input_size=[3, 64, 64]), r"should be \[3, 32, 32\]")
        refused(crafted(entry, mean=[0.5, float("nan"), 0.5]), "mean .* 3 finite numbers")
        refused(crafted(entry, std=[0.5, 0.0, 0.5]), "std .* positive")
        refused(crafted(entry, val_accuracy=7.0), "validation accuracy")
