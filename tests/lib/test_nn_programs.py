"""lib.nn.programs: how a PyTorch Code panel writes its result, and what its bundle holds."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
import torch

from lib.nn.models import WEIGHTS_DIR, read_manifest
from lib.nn.programs import checkpoint_file, npz_file, save_value_lines, torch_program, weights_file


class TestSaveValueLines:
    def test_tensors_go_to_result_pt(self):
        assert save_value_lines("result", torch.zeros(2))[1].keys() == {"result.pt"}
        assert save_value_lines("result", (torch.zeros(2), torch.ones(1)))[1].keys() == {"result.pt"}

    def test_plain_values_go_to_result_json_and_arrays_to_npy_or_png(self):
        assert save_value_lines("result", {"rmse": 1.5, "rows": [1, 2]})[1].keys() == {"result.json"}
        assert save_value_lines("result", np.zeros((2, 2), np.float32))[1].keys() == {"result.npy"}
        assert save_value_lines("result", np.zeros((2, 2), np.uint8))[1].keys() == {"result.png"}

    def test_a_value_json_cannot_hold_is_refused(self):
        with pytest.raises(TypeError):
            save_value_lines("result", object())

    def test_the_lines_write_what_the_page_showed(self, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        value = (torch.arange(3), torch.tensor([0.5]))
        code, outputs = save_value_lines("value", value)
        (output,) = outputs
        exec(compile("import torch\n" + code, "save.py", "exec"), {"value": value, "print": lambda *a: None})  # noqa: S102
        saved = torch.load(tmp_path / output, weights_only=True)
        assert all(torch.equal(one, other) for one, other in zip(saved, value, strict=True))


class TestBundle:
    def test_weights_ship_under_the_path_the_script_loads(self):
        program = torch_program(
            'import torch\n\nstate = torch.load("weights/shapes_cnn.pt", weights_only=True)\nresult = len(state)\n',
            reproduces="x",
            name="x.py",
            result=0,
            weights=("shapes_cnn",),
        )
        with zipfile.ZipFile(io.BytesIO(program.download_bytes())) as archive:
            shipped = archive.read("x/weights/shapes_cnn.pt")
        assert shipped == (WEIGHTS_DIR / read_manifest()["shapes_cnn"]["file"]).read_bytes()
        assert weights_file("shapes_cnn")[0] == "weights/shapes_cnn.pt"
        assert "import json" in program.script  # the save step's import is added

    def test_npz_and_checkpoint_round_trip(self):
        import dataclasses

        from lib.nn.architectures_torch import ShapesCNN, ShapesCNNConfig
        from lib.nn.models import checkpoint_bytes

        images = np.arange(24, dtype=np.uint8).reshape(2, 2, 2, 3)
        loaded = np.load(io.BytesIO(npz_file(images=images, class_names=np.array(["a", "b"]))()))
        assert np.array_equal(loaded["images"], images) and list(loaded["class_names"]) == ["a", "b"]
        config = ShapesCNNConfig(num_classes=2, image_size=16, channels=(2, 4), hidden=(8,))
        state = ShapesCNN(config).state_dict()
        entry = {
            "architecture": "ShapesCNN",
            "config": dataclasses.asdict(config),
            "state_dict": state,
            "class_names": ["a", "b"],
            "input_size": [3, 16, 16],
            "mean": [0.5] * 3,
            "std": [0.25] * 3,
        }
        make = checkpoint_file(entry)
        before = {key: value.clone() for key, value in state.items()}
        for value in state.values():
            value.add_(1)  # retrained in place after the panel was made: the bundle keeps the weights it had
        assert make() == checkpoint_bytes({**entry, "state_dict": before})
        back = torch.load(io.BytesIO(make()), weights_only=True)
        assert all(torch.equal(back["state_dict"][key], before[key]) for key in state)
