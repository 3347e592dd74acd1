"""The shipped app (lib.nn.app_project): every variant unpacked into an empty folder answers as lib does.

Each project is unzipped where nothing else is; its back end (inference.py) is run in a fresh interpreter with
no access to this repository (it must be self-contained); the Streamlit front end runs under AppTest; the
Gradio front end is imported only when gradio is installed (it is not one of this app's dependencies).
"""

from __future__ import annotations

import io
import json
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from lib.cv.images import decode_image, encode_png
from lib.cv.shapes import make_shapes
from lib.nn import app_project, cnn_training, models, programs
from tests.helpers import SMALL_CNN_CLASSES, lint_errors, run_in_empty_folder, small_trained_cnn

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
import numpy as np
from PIL import Image
try:
    import lib  # noqa: F401
    sys.exit("the project imported CV Skills Lab's lib: it is not self-contained")
except ImportError:
    pass
from inference import predict
image = np.array(Image.open("sample.png").convert("RGB"))
print(json.dumps(predict(image)))
"""


def sample_for(name: str) -> np.ndarray:
    """An image the model should read: a drawn star for the shapes CNN, a held-out digit scaled up for LeNet."""
    if name == "lenet_digits":
        test_images = models.digits_split()[2]
        digit = (test_images[7] * 255).round().astype(np.uint8)
        return np.repeat(np.kron(digit, np.ones((4, 4), np.uint8))[..., None], 3, axis=2)  # (128, 128, 3)
    return make_shapes(1, size=128, seed=3)[0][3]  # a star


def unpack(files: dict[str, bytes], folder: Path) -> Path:
    data = app_project.project_zip(files, folder="my_app")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)
    return folder / "my_app"


def project(name: str, front_end: str, tmp_path: Path) -> tuple[Path, np.ndarray]:
    info = models.model_info(name)
    sample = sample_for(name)
    files = app_project.app_project(
        name, info, front_end, weights=programs.weights_file(name)[1](), sample_png=encode_png(sample)
    )
    return unpack(files, tmp_path), decode_image(encode_png(sample))


def run_back_end(folder: Path) -> dict[str, float]:
    """inference.predict on sample.png in a fresh interpreter, in the project folder, without this repository."""
    completed = run_in_empty_folder(["-c", PROBE], folder, timeout=180)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def back_end_params() -> list:
    """Every model with every front end; `dev.sh quick` runs the first pair (each is a fresh interpreter)."""
    pairs = [(name, front_end) for name in models.OUR_MODELS for front_end in app_project.FRONT_ENDS]
    return [
        pytest.param(name, front_end, id=f"{name}-{front_end}", marks=[pytest.mark.slow] if index else [])
        for index, (name, front_end) in enumerate(pairs)
    ]


@pytest.mark.parametrize(("name", "front_end"), back_end_params())
def test_the_back_end_answers_as_lib_predict(name, front_end, tmp_path):
    folder, sample = project(name, front_end, tmp_path)
    cpu_model = models.load_model(name, device=torch.device("cpu"))  # the shipped app runs on the CPU
    expected, _ = models.predict(name, sample, k=len(models.model_info(name).classes), model=cpu_model)
    answered = run_back_end(folder)
    assert list(answered) == [label for label, _ in expected.top]  # every class, best first
    np.testing.assert_allclose(list(answered.values()), [p for _, p in expected.top], rtol=1e-4, atol=1e-5)
    assert not lint_errors(folder)


@pytest.mark.parametrize("name", models.OUR_MODELS)
def test_the_weights_are_ours_and_load_as_tensors_only(name, tmp_path):
    folder, _ = project(name, "Gradio", tmp_path)
    shipped = folder / "weights" / f"{name}.pt"
    assert models.sha256_bytes(shipped.read_bytes()) == models.read_manifest()[name]["sha256"]
    state = torch.load(shipped, weights_only=True, map_location="cpu")
    models.load_state_into(models.build_architecture(name), state)  # strict: the shipped class takes them


@pytest.mark.parametrize("front_end", app_project.FRONT_ENDS)
def test_requirements_pin_what_this_app_runs(front_end, tmp_path):
    folder, _ = project("shapes_cnn", front_end, tmp_path)
    ours = dict(
        line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line
    )
    shipped = (folder / "requirements.txt").read_text().splitlines()
    pins = dict(line.split("==") for line in shipped if "==" in line)
    front = front_end.lower()
    assert set(pins) == {front, "torch", "numpy", "opencv-python-headless", "pillow"}
    for package, version in pins.items():
        if package != "gradio":
            assert version == ours[package], package
    assert f"--extra-index-url {app_project.TORCH_CPU_INDEX}" in shipped  # torch's CPU build
    readme = (folder / "README.md").read_text()
    front_matter = readme.split("---\n")[1]
    if front_end == "Gradio":
        assert f"sdk: gradio\nsdk_version: {pins['gradio']}\n" in front_matter
        assert not (folder / "Dockerfile").exists()
    else:  # Hugging Face Spaces run Streamlit through their Docker SDK (since 2025)
        assert "sdk: docker\napp_port: 8501\n" in front_matter
        assert "8501" in (folder / "Dockerfile").read_text()
        assert re.search(r"share\.streamlit\.io", readme)


@pytest.fixture
def in_project(monkeypatch):
    """Run a project's app from its folder, importing its own inference.py (and forgetting it afterwards)."""

    def enter(folder: Path) -> None:
        monkeypatch.chdir(folder)
        monkeypatch.syspath_prepend(str(folder))
        sys.modules.pop("inference", None)

    yield enter
    sys.modules.pop("inference", None)


@pytest.mark.parametrize("name", models.OUR_MODELS)
def test_the_streamlit_app_shows_what_lib_predicts(name, tmp_path, in_project):
    folder, sample = project(name, "Streamlit", tmp_path)
    in_project(folder)
    app = AppTest.from_file(str(folder / "app.py"), default_timeout=120).run()
    assert not app.exception, [element.value for element in app.exception]
    assert not app.error, [element.value for element in app.error]
    expected, _ = models.predict(name, sample, k=1)
    (metric,) = app.metric
    assert metric.value == expected.top[0][0]
    assert metric.delta == f"{expected.top[0][1]:.1%} sure"


def test_the_gradio_app_calls_the_same_predict(tmp_path, in_project):
    folder, sample = project("shapes_cnn", "Gradio", tmp_path)
    in_project(folder)
    import inference  # the back end imports no gradio: its predict is called directly

    assert "gradio" not in (folder / "inference.py").read_text()
    expected, _ = models.predict("shapes_cnn", sample, k=5)
    assert next(iter(inference.predict(sample))) == expected.top[0][0]
    gradio = pytest.importorskip("gradio")  # the front end itself, only where gradio is installed
    sys.modules.pop("app", None)
    import app

    assert isinstance(app.demo, gradio.Interface)
    assert next(iter(app.classify(sample))) == expected.top[0][0]
    sys.modules.pop("app", None)


@pytest.mark.slow
def test_a_cnn_trained_this_session_ships_too(tmp_path):
    classes = SMALL_CNN_CLASSES
    entry = small_trained_cnn(classes).model_entry()
    info = models.trained_model_info("Your CNN (shapes, 3 classes)", entry)
    config = models.trained_model_config(entry)
    sample = make_shapes(1, size=96, seed=5, classes=classes)[0][1]
    files = app_project.app_project(
        info.name,
        info,
        "Streamlit",
        weights=programs.checkpoint_file(entry)(),
        sample_png=encode_png(sample),
        config=config,
    )
    assert models.TRAINED_WEIGHTS_FILE in files
    folder = unpack(files, tmp_path)
    model = cnn_training.model_from_entry(entry, device=torch.device("cpu"))
    expected, _ = models.predict(info.name, sample, k=3, model=model, info=info)
    answered = run_back_end(folder)
    assert list(answered) == [label for label, _ in expected.top]
    np.testing.assert_allclose(list(answered.values()), [p for _, p in expected.top], rtol=1e-4, atol=1e-5)


def test_a_torchvision_model_and_an_unknown_front_end_are_refused():
    info = models.model_info("shapes_cnn")
    with pytest.raises(ValueError, match="front_end"):
        app_project.app_project("shapes_cnn", info, "Flask", weights=b"", sample_png=b"")
    with pytest.raises(ValueError, match="only our own CNNs"):
        app_project.inference_module("resnet18", models.model_info("resnet18"))
