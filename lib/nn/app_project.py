"""Ship your model: a ready-to-deploy project for one of our CNNs, with a Gradio or a Streamlit front end.

The project is self-contained (it never imports this package):

    app.py            the front end: upload an image, see the prediction (Gradio or Streamlit)
    inference.py      the back end: the model's class, its weights loaded once, preprocess() and predict()
    weights/<file>    the trained state dict, loaded with torch.load(..., weights_only=True); a CNN trained
                      this session ships as the checkpoint Train a CNN downloads (cnn_model.pth)
    sample.png        an example image (the app shows it before anything is uploaded)
    requirements.txt  pinned to the versions this app runs; torch's CPU build
    README.md         run it locally, deploy it on Hugging Face Spaces and Streamlit Community Cloud
    Dockerfile        (Streamlit only) what a Docker Space or any container host builds

inference.py is written from the code the Classifier demo's Code panel runs (lib.nn.models.model_snippet_parts:
the model class by inspect.getsource, its preprocessing), so the shipped app, the panel and lib.nn.models.predict
answer the same for the same image (a test checks it). inference.py never imports gradio or streamlit.
"""

from __future__ import annotations

import importlib.metadata
import io
import textwrap
import zipfile
from collections.abc import Mapping

from lib.nn.architectures_torch import ShapesCNNConfig
from lib.nn.models import OUR_MODELS, TRAINED_SOURCE, TRAINED_WEIGHTS_FILE, ModelInfo, model_snippet_parts

FRONT_ENDS: tuple[str, ...] = ("Gradio", "Streamlit")
SAMPLE_FILE = "sample.png"
PYTHON_VERSION = "3.11"  # what this app runs (Pipfile, README)
# Installed here, the app's own pins are read from the environment; gradio is not one of this app's
# dependencies, so its pin is the newest release when this was written (PyPI, 2026-10).
GRADIO_VERSION = "6.31.0"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
BACK_END_PACKAGES = ("torch", "numpy", "opencv-python-headless", "pillow")


def runtime_pins(*, gradio_version: str = GRADIO_VERSION) -> dict[str, str]:
    """package -> the version installed here (what this app runs), plus gradio's (installed or the default)."""
    pins = {package: importlib.metadata.version(package) for package in (*BACK_END_PACKAGES, "streamlit")}
    try:
        pins["gradio"] = importlib.metadata.version("gradio")
    except importlib.metadata.PackageNotFoundError:
        pins["gradio"] = gradio_version
    return {package: version.split("+")[0] for package, version in pins.items()}  # 2.14.1+cu130 -> 2.14.1


def weights_path(name: str, info: ModelInfo) -> str:
    """Where the project keeps the weights: the path inference.py loads (relative to the project folder)."""
    return TRAINED_WEIGHTS_FILE if info.source == TRAINED_SOURCE else f"weights/{name}.pt"


def inference_module(name: str, info: ModelInfo, *, config: ShapesCNNConfig | None = None) -> str:
    """inference.py: the model built and loaded once, preprocess(image_rgb) and predict(image_rgb)."""
    if name not in OUR_MODELS and info.source != TRAINED_SOURCE:
        raise ValueError(f"only our own CNNs ship as an app ({', '.join(OUR_MODELS)}), got {name!r}")
    imports, model_code, input_code = model_snippet_parts(name, info=info, config=config)
    if "import numpy as np\n" not in imports:  # the snippet's imports are what it uses; here np types the API
        imports = imports.replace("import torch\n", "import numpy as np\nimport torch\n")
    preprocess_body = textwrap.indent(input_code.strip("\n"), "    ")
    return (
        f'"""The back end: {info.title} — its architecture, its trained weights, its preprocessing.\n\n'
        "preprocess(image_rgb) makes the network's input as it was made for training; predict(image_rgb)\n"
        'returns {class name: probability} for every class. No front end here: app.py imports this module.\n"""\n\n'
        f"{imports}\n"
        "torch.set_num_threads(2)  # a free host has 2 CPUs; more threads than cores only slow torch down\n\n\n"
        f"{model_code}\n"
        f"CLASSES = {list(info.classes)}\n\n\n"
        "def preprocess(image_rgb: np.ndarray) -> torch.Tensor:\n"
        '    """An RGB uint8 image (H, W, 3) -> the network\'s input (1, C, H, W), made as for training."""\n'
        f"{preprocess_body}\n"
        "    return inputs\n\n\n"
        "def predict(image_rgb: np.ndarray) -> dict[str, float]:\n"
        '    """{class name: probability} for an RGB uint8 image, every class, best first."""\n'
        "    with torch.no_grad():\n"
        "        probabilities = torch.softmax(model(preprocess(image_rgb))[0], dim=0)\n"
        "    ranked = sorted(zip(CLASSES, probabilities.tolist()), key=lambda pair: -pair[1])\n"
        "    return {label: float(probability) for label, probability in ranked}\n"
    )


def _gradio_app(title: str, description: str, top: int) -> str:
    return f'''"""The front end (Gradio): drop an image, press Submit, see the prediction. Run: python app.py"""

import gradio as gr
import numpy as np

from inference import predict


def classify(image_rgb: np.ndarray | None) -> dict[str, float]:
    """Gradio calls this with the uploaded image as an RGB uint8 array (None before one is given)."""
    if image_rgb is None:
        raise gr.Error("Upload an image first.")
    try:
        return predict(image_rgb)
    except ValueError as error:  # e.g. no digit found on a blank image
        raise gr.Error(f"This image cannot be classified: {{error}}") from None


demo = gr.Interface(
    fn=classify,
    inputs=gr.Image(type="numpy", image_mode="RGB", label="Image"),
    outputs=gr.Label(num_top_classes={top}, label="Prediction"),
    examples=["{SAMPLE_FILE}"],
    title={title!r},
    description={description!r},
)

if __name__ == "__main__":
    demo.launch()
'''


def _streamlit_app(title: str, description: str, top: int) -> str:
    return f'''"""The front end (Streamlit): upload an image, see the prediction. Run: streamlit run app.py"""

import numpy as np
import streamlit as st
from PIL import Image

from inference import predict

st.set_page_config(page_title={title!r})
st.title({title!r})
st.write({description!r})
upload = st.file_uploader("An image", type=["png", "jpg", "jpeg", "webp", "bmp"])
image_rgb = np.array(Image.open(upload if upload is not None else "{SAMPLE_FILE}").convert("RGB"))
st.image(image_rgb, caption="your image" if upload is not None else "the sample image", width=256)
try:
    probabilities = predict(image_rgb)
except ValueError as error:  # e.g. no digit found on a blank image
    st.error(f"This image cannot be classified: {{error}}")
    st.stop()
best = next(iter(probabilities))
st.metric("Prediction", best, f"{{probabilities[best]:.1%}} sure", delta_color="off")
st.bar_chart({{label: p for label, p in list(probabilities.items())[:{top}]}}, horizontal=True)
'''


def requirements(front_end: str, pins: Mapping[str, str]) -> str:
    """requirements.txt: the front end and the back end's packages, pinned; torch from its CPU index."""
    front = "gradio" if front_end == "Gradio" else "streamlit"
    lines = [
        f"# Pinned to the versions CV Skills Lab runs ({front} {pins[front]}).",
        "# torch's CPU build: free hosts have no GPU, and it is a tenth of the CUDA build's download.",
        f"--extra-index-url {TORCH_CPU_INDEX}",
        f"{front}=={pins[front]}",
        *(f"{package}=={pins[package]}" for package in BACK_END_PACKAGES),
    ]
    return "\n".join(lines) + "\n"


def _front_matter(title: str, front_end: str, pins: Mapping[str, str]) -> str:
    """The YAML block Hugging Face Spaces reads from README.md (Streamlit Spaces use the Docker SDK)."""
    if front_end == "Gradio":
        sdk = f'sdk: gradio\nsdk_version: {pins["gradio"]}\npython_version: "{PYTHON_VERSION}"\napp_file: app.py'
    else:
        sdk = "sdk: docker\napp_port: 8501"
    return f"---\ntitle: {title}\nemoji: 🔎\ncolorFrom: blue\ncolorTo: gray\n{sdk}\npinned: false\n---\n"


def readme(title: str, front_end: str, info: ModelInfo, pins: Mapping[str, str], weights: str) -> str:
    """README.md: what the project is, how to run it, how to deploy it on Spaces and Community Cloud."""
    run = "python app.py" if front_end == "Gradio" else "streamlit run app.py"
    local = "http://127.0.0.1:7860" if front_end == "Gradio" else "http://localhost:8501"
    if front_end == "Gradio":
        spaces = (
            "1. On https://huggingface.co/new-space choose a name, a licence, **SDK: Gradio**, hardware *CPU basic*\n"
            "   (free). The block at the top of this README already says `sdk: gradio` and the Gradio version.\n"
            "2. Clone the Space's repository, copy this folder's files into it, then\n"
            "   `git add . && git commit -m 'app' && git push` (user name + an access token with *write* permission,\n"
            "   made under Settings → Access Tokens; `hf auth login` stores it).\n"
            "3. The Space installs requirements.txt, runs `app.py` and shows *Running*: share its URL.\n"
        )
    else:
        spaces = (
            "1. On https://huggingface.co/new-space choose a name, a licence, **SDK: Docker** (Hugging Face offers\n"
            "   Streamlit through its Docker template since 2025; the block at the top of this README says\n"
            "   `sdk: docker` and `app_port: 8501`), hardware *CPU basic* (free).\n"
            "2. Clone the Space's repository, copy this folder's files into it (the Dockerfile included), then\n"
            "   `git add . && git commit -m 'app' && git push` (user name + an access token with *write* permission).\n"
            "3. The Space builds the Dockerfile, starts Streamlit on port 8501 and shows *Running*: share its URL.\n"
        )
    cloud = (
        "1. Push this folder to a GitHub repository (public, or private with access granted).\n"
        "2. On https://share.streamlit.io choose **Create app**, pick the repository, branch and `app.py`;\n"
        f"   under *Advanced settings* choose Python {PYTHON_VERSION}. Deploy: it installs requirements.txt.\n"
        "3. Every push to that branch redeploys the app.\n"
    )
    if front_end == "Gradio":
        cloud = (
            "Community Cloud runs Streamlit apps only: download the Streamlit version of this project from\n"
            "CV Skills Lab's *Ship your model* page for it.\n"
        )
    kept = (
        "checkpoint: the state dict with its config and class names"
        if info.source == TRAINED_SOURCE
        else "state dict"
    )
    weights_line = f"`{weights}` ({kept}; tensors, numbers and names only, loaded with `weights_only=True`)"
    return (
        f"{_front_matter(title, front_end, pins)}\n"
        f"# {title}\n\n"
        f"An image classifier made with CV Skills Lab: **{info.title}**, classes {', '.join(info.classes)}.\n\n"
        "| file | part of the application |\n|---|---|\n"
        f"| `app.py` | front end ({front_end}): upload an image, see the prediction |\n"
        "| `inference.py` | back end: the model's architecture, preprocessing, inference, post-processing |\n"
        f"| {weights_line} | the model's trained weights |\n"
        f"| `{SAMPLE_FILE}` | an example image |\n"
        "| `requirements.txt` | the packages, pinned; torch's CPU build |\n"
        + (
            "| `Dockerfile` | the container a Docker Space (or any container host) builds |\n"
            if front_end == "Streamlit"
            else ""
        )
        + "\n## Run it on your computer\n\n"
        f"```\npython -m venv .venv && . .venv/bin/activate   # Python {PYTHON_VERSION}\n"
        f"pip install -r requirements.txt\n{run}\n```\n"
        f"Then open {local}. Run it from this folder: `inference.py` reads the weights by a relative path.\n\n"
        f"## Deploy on Hugging Face Spaces\n\n{spaces}\n"
        f"## Deploy on Streamlit Community Cloud\n\n{cloud}"
    )


def dockerfile() -> str:
    """A container for the Streamlit app: what a Docker Space, Cloud Run or a department server builds."""
    return (
        f"FROM python:{PYTHON_VERSION}-slim\n"
        "WORKDIR /app\n"
        "COPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        "COPY . .\n"
        "EXPOSE 8501\n"
        'CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", '
        '"--server.fileWatcherType=none", "--browser.gatherUsageStats=false"]\n'
    )


def app_project(
    name: str,
    info: ModelInfo,
    front_end: str,
    *,
    weights: bytes,
    sample_png: bytes,
    config: ShapesCNNConfig | None = None,
    pins: Mapping[str, str] | None = None,
    top: int = 5,
) -> dict[str, bytes]:
    """The project's files, path -> bytes: app.py, inference.py, the weights, sample.png, requirements, README.

    name and info: one of OUR_MODELS, or a CNN trained this session (info.source == "session", with config).
    weights: the weights file's bytes (a trained CNN's: its checkpoint, lib.nn.models.checkpoint_bytes); sample_png: an example image (PNG bytes). pins: package -> version
    (default runtime_pins()). top: how many classes the app lists (clamped to the number of classes).
    """
    if front_end not in FRONT_ENDS:
        raise ValueError(f"front_end must be one of {FRONT_ENDS}, got {front_end!r}")
    pins = dict(pins or runtime_pins())
    top = max(1, min(top, len(info.classes)))
    title = f"{info.title.split(' (')[0]} classifier"
    description = (
        f"Upload an image: the model answers one of {len(info.classes)} classes: {', '.join(info.classes)}."
    )
    app = _gradio_app if front_end == "Gradio" else _streamlit_app
    weights_file = weights_path(name, info)
    files = {
        "app.py": app(title, description, top),
        "inference.py": inference_module(name, info, config=config),
        "requirements.txt": requirements(front_end, pins),
        "README.md": readme(title, front_end, info, pins, weights_file),
    }
    if front_end == "Streamlit":
        files["Dockerfile"] = dockerfile()
    encoded = {path: text.encode("utf-8") for path, text in files.items()}
    return encoded | {weights_file: weights, SAMPLE_FILE: sample_png}


def project_zip(files: Mapping[str, bytes], *, folder: str) -> bytes:
    """A zip of the project: every file under one folder (unzipped, it is the repository to push)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            archive.writestr(f"{folder}/{path}", files[path])
    return buffer.getvalue()
