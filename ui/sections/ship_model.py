"""Ship your model: the project a student downloads (lib.nn.app_project), for our CNNs or one trained this session."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib.cv.images import encode_png
from lib.nn import app_project, models, programs
from ui import models as cm

PARTS = """
| part | what it does | in the project you download |
|---|---|---|
| **Front end** | what the user sees: a place to drop an image, a button, the answer | `app.py` (Gradio or Streamlit) |
| **Back end** | the logic: **pre-processing** (decode, resize, normalise as in training), **inference** (one forward pass), **post-processing** (softmax, index → class name) | `inference.py`: `preprocess()`, `predict()` |
| **Model** | the trained network: an architecture (code) plus its weights (numbers) | the class in `inference.py` + the `.pt` file |
| **Deployment** | not a part of the code but where it runs: a host that installs the requirements, starts the app and gives it a URL | `requirements.txt`, `README.md` (and a `Dockerfile`) |
"""

TOOLS = """
| tool | you write | good for |
|---|---|---|
| **Streamlit** | a Python script, run again top to bottom on every interaction | apps with many controls (this course is one) |
| **Gradio** | a function and its input / output components (`gr.Interface(fn, inputs, outputs)`) | a model demo in a few lines; Hugging Face Spaces' own SDK |
| **Dash** (Plotly) | a layout and callbacks; served by Flask | data dashboards |
| **Flask / FastAPI** | HTTP endpoints only: the front end (HTML, JavaScript, React) is yours | an API other programs call; large production back ends |
"""

HOSTS = """
| host | runs | free tier | how you deploy |
|---|---|---|---|
| **Streamlit Community Cloud** | Streamlit apps only | yes (apps sleep when unused) | connect a GitHub repository; every push redeploys |
| **Hugging Face Spaces** | Gradio (its own SDK); Streamlit and anything else through the Docker SDK | *CPU basic*: 2 vCPU, 16 GB RAM | push to the Space's own git repository |
| **A container** (Docker) | anything with a `Dockerfile` | depends on the host | build the image; run it on Cloud Run, a cloud VM or a department server |
"""

NOTES_FIXES = (
    "`torch.load(model_path, map_location=...)` without `weights_only`: a .pt file may carry pickled code. "
    "Pass `weights_only=True` (the default since torch 2.6) — the app you download does.",
    "“Hugging Face Spaces is easy for Gradio and Streamlit”: since April 2025 Spaces make Streamlit apps with "
    "the Docker template (`sdk: docker`, port 8501); the Streamlit project below ships that Dockerfile.",
    "“Streamlit has compatibility issues with Torch”: what appears is a harmless error in the log from "
    "Streamlit's file watcher inspecting `torch.classes`; `--server.fileWatcherType none` silences it. This "
    "whole course runs PyTorch under Streamlit.",
    "“Cloud Run builds REST endpoints (APIs)”: it runs your container and forwards HTTPS requests to its port; "
    "the endpoints are the ones your code (FastAPI, Flask, Streamlit) defines.",
    "“Auto-scaling creates a bigger box (12 → 14 GB)”: SageMaker's auto-scaling adds or removes instances of "
    "the same type (horizontal); a bigger box is a change of instance type that you make.",
    "“Lambda's instance sleeps between calls”: nothing runs between requests; a request after a pause waits "
    "for a cold start, and you pay per request and compute time.",
    "The notes' `predict` writes the label in `(255, 0, 0)` — blue in OpenCV's BGR, not red — and "
    "`cv2.imwrite(image_path, img)` overwrites the uploaded file: write the label on a copy.",
    "`huggingface-cli login`: current `huggingface_hub` names it `hf auth login` (the old name is deprecated).",
)


def notes_fixes() -> None:
    """The notes' statements on apps and hosting that need correcting, one line each."""
    with st.expander("Where the course notes are wrong or out of date", icon=":material/rule:"):
        st.markdown("\n".join(f"- {line}" for line in NOTES_FIXES))


def _session_entry(name: str) -> dict:
    return cm.trained_entries()[name.removeprefix(cm.TRAINED_PREFIX)]


def project_files(name: str, front_end: str, sample: np.ndarray) -> dict[str, bytes]:
    """The downloadable project for a model choice (ours or "session:<name>"), with `sample` as sample.png."""
    info = cm.info(name)
    if cm.is_trained(name):
        entry = _session_entry(name)
        weights = programs.checkpoint_file(entry)()  # the checkpoint Train a CNN downloads
        config = models.trained_model_config(entry)
    else:
        weights, config = programs.weights_file(name)[1](), None
    return app_project.app_project(
        info.name, info, front_end, weights=weights, sample_png=encode_png(sample), config=config
    )


def gradio_pin() -> str:
    """The Gradio version the Gradio project pins (installed here, or lib.nn.app_project.GRADIO_VERSION)."""
    return app_project.runtime_pins()["gradio"]


def folder_name(name: str, front_end: str) -> str:
    """The project folder (and zip) name: shapes_cnn_gradio_app, your_cnn_streamlit_app, ..."""
    stem = "your_cnn" if cm.is_trained(name) else name
    return f"{stem}_{front_end.lower()}_app"


def project_download(files: dict[str, bytes], folder: str) -> None:
    """The project as one zip (made when clicked), and each text file to read before downloading."""
    st.download_button(
        f"Download the project ({folder}.zip)",
        lambda: app_project.project_zip(files, folder=folder),
        file_name=f"{folder}.zip",
        mime="application/zip",
        icon=":material/download:",
        on_click="ignore",
        type="primary",
        key="sm_download",
    )
    sizes = ", ".join(f"`{path}` ({len(data) / 1024:.0f} KB)" for path, data in sorted(files.items()))
    st.caption(f"{folder}/: {sizes}")
    languages = {".py": "python", ".txt": "text", ".md": "markdown", "Dockerfile": "docker"}
    for path in ("app.py", "inference.py", "requirements.txt", "README.md", "Dockerfile"):
        if path in files:
            language = next((lang for end, lang in languages.items() if path.endswith(end)), "text")
            with st.expander(path, icon=":material/description:"):
                st.code(files[path].decode("utf-8"), language=language)
