"""Ship your model: the parts of an ML application, where it can run, and a ready project to deploy."""

import streamlit as st

from lib.cv.images import ImageError
from lib.nn.app_project import FRONT_ENDS
from lib.nn.models import OUR_MODELS, ModelError
from ui import models as cm
from ui.layout import code_panel, page_header, show_error, show_row
from ui.model_input import input_picker
from ui.sections import ship_model as sm

page_header(
    "Ship your model",
    """
A trained model in a notebook helps nobody else. An **application** wraps it: a **front end** to upload an image
and see the answer, a **back end** that prepares the image exactly as in training (**pre-processing**), runs the
network once (**inference**) and turns its output into a class name (**post-processing**), and the **model**
itself (architecture + weights). **Deployment** makes it reachable: instead of every user cloning a repository,
installing the requirements and running it on their own machine, you set it up once on a **host** that gives it
a public URL, and anyone with a browser can use it. The steps: develop the model, build the interface, host it.
""",
    notes_fix="The notes load weights with torch.load(path, map_location=...) and no weights_only: a .pt file can "
    "carry pickled code. Pass weights_only=True (the default since torch 2.6), as the project below does.",
)

st.subheader("1. The parts of an ML application")
st.markdown(sm.PARTS)
st.subheader("2. Tools to build it, places to host it")
st.markdown(
    "Two kinds of tools: those that draw the interface **and** run the back end from Python alone (Streamlit, "
    "Gradio, Dash), and those that give you only an **API** (Flask, FastAPI), with a front end you write yourself."
)
st.markdown(sm.TOOLS)
st.markdown(sm.HOSTS)
st.caption(
    "Bigger clouds (AWS SageMaker, Lambda, EC2; Google Cloud Run; Azure) trade the free tiers' simplicity for "
    "scale, GPUs and cost: a container is what most of them run."
)
sm.notes_fixes()

st.subheader("3. Your app, ready to deploy")
left, right = st.columns(2)
name = cm.model_picker(left, OUR_MODELS, "sm_model")
front_end = right.segmented_control(
    "Front end", FRONT_ENDS, default="Gradio", required=True, key="sm_front", bind="query-params"
)
st.caption("The image below ships as `sample.png`: the app shows it before anything is uploaded.")
image, label, _ = input_picker(name, "sm")
try:
    cm.ensure_weights(name)
    result, steps = cm.prediction(name, image, 5)
    files = sm.project_files(name, front_end, image)
except (ModelError, ImageError) as error:
    show_error(str(error))
    st.stop()

best, probability = result.top[0]
st.metric("Your app will answer", best, f"{probability:.1%} sure", delta_color="off")
show_row(("sample.png", image), *steps[-1:])
st.caption(
    f"{label}. Right: what `preprocess()` gives the network. `inference.py` is the code of the Classifier demo's "
    "Code panel, so the app answers as this page does (a test runs the downloaded app and compares)."
)
sm.project_download(files, sm.folder_name(name, front_end))
if front_end == "Gradio":
    st.caption(
        f"Gradio is pinned to {sm.gradio_pin()}, its newest release when this page was written: this app does not "
        "install Gradio, so its tests run the Gradio project's back end (`predict`) and not its front end."
    )
code_panel(cm.classify_code(name, 5, image, result.top))
