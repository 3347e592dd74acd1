"""What image classification is: the data sets table, our models' held-out sets and metrics, the Code panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lib.nn import metrics, models, programs
from ui import models as cm

# Facts from the data sets' own papers and pages (not computed here): see SOURCES below the table.
DATASETS = """
| data set | images | classes | image size | labels per image |
|---|---|---|---|---|
| **ImageNet** (ILSVRC 2012, "ImageNet-1k") | 1,281,167 train · 50,000 val · 100,000 test | 1,000 | varies (photos; models use 224×224 crops) | one |
| ImageNet (full, 2011 release) | 14,197,122 | 21,841 synsets | varies | one |
| **CIFAR-10** | 60,000 (50,000 train · 10,000 test) | 10 (6,000 each) | 32×32 colour | one |
| **CIFAR-100** | 60,000 (50,000 train · 10,000 test) | 100 (600 each), in 20 superclasses | 32×32 colour | one (+ its superclass) |
| **MNIST** | 70,000 (60,000 train · 10,000 test) | 10 digits | 28×28 gray | one |
| **Fashion-MNIST** | 70,000 (60,000 train · 10,000 test) | 10 kinds of clothing | 28×28 gray | one |
| **COCO** (2017 split) | 118,287 train · 5,000 val · 40,670 test | 80 object categories | varies (about 640×480) | several (made for detection) |
| **Open Images** (V4) | about 9.2 million | 19,794 image-level classes; 600 with boxes | varies (Flickr photos) | several |
"""

SOURCES = (
    "Sources: ImageNet — Russakovsky et al., *ImageNet Large Scale Visual Recognition Challenge*, IJCV 2015 "
    "(ILSVRC 2012 counts), image-net.org (full release); CIFAR — Krizhevsky, *Learning Multiple Layers of "
    "Features from Tiny Images*, 2009; MNIST — LeCun et al., *Gradient-based learning applied to document "
    "recognition*, 1998; Fashion-MNIST — Xiao, Rasul & Vollgraf, arXiv:1708.07747, 2017; COCO — Lin et al., "
    "*Microsoft COCO*, ECCV 2014, and cocodataset.org (2017 split); Open Images — Kuznetsova et al., *The Open "
    "Images Dataset V4*, IJCV 2020."
)

MODEL_DATA = {
    "lenet_digits": "the digits' stratified test split (20 %, seed 0): 8×8 scans scaled to 32×32",
    "shapes_cnn": "shapes drawn with their own seed (never seen in training), 64×64 colour",
}


def weights_digest(name: str) -> str:
    """The sha256 of the model's weights (manifest): cached results follow a retrained model."""
    return models.read_manifest()[name]["sha256"]


@st.cache_data(max_entries=2, show_spinner="Making the held-out set…")
def held_out(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The held-out images and labels the model's training script tested on (weights/manifest.json)."""
    return metrics.held_out_set(name, models.read_manifest()[name]["test_split"])


@st.cache_data(max_entries=4, show_spinner="Running the model on its held-out set…")
def held_out_logits(name: str, digest: str, _model) -> np.ndarray:
    """The model's logits (N, classes) on its held-out set, once per weights file."""
    info = cm.info(name)
    images, _ = held_out(name)
    return metrics.logits_of(_model, metrics.normalised_inputs(images, info.mean, info.std))


def dataset_sizes() -> pd.DataFrame:
    """Our own two data sets beside the famous ones: counted here, not typed."""
    from sklearn.datasets import load_digits

    rows = []
    for name in models.OUR_MODELS:
        info = cm.info(name)
        images, _ = held_out(name)
        rows.append(
            {
                "model": info.title,
                "held-out images": len(images),
                "classes": len(info.classes),
                "input": "×".join(str(v) for v in info.input_size),
                "held-out set": MODEL_DATA[name],
            }
        )
    rows[0]["held-out set"] += f" of {len(load_digits().images):,} digits"
    return pd.DataFrame(rows)


def per_class_frame(result: dict, classes: tuple[str, ...]) -> pd.DataFrame:
    """Per-class precision, recall, F1 and support as a table (one row per class)."""
    return pd.DataFrame(
        {
            "class": list(classes),
            "precision": result["precision"],
            "recall": result["recall"],
            "F1": result["f1"],
            "support": result["support"],
        }
    )


def metrics_code(name: str, k: int, result: dict):
    """The Code panel: the model, the held-out set (shipped as held_out.npz), the metrics' own source."""
    info = cm.info(name)
    imports, model_code, _ = models.model_snippet_parts(name, info=info)
    if "import numpy as np\n" not in imports:  # np.load reads the held-out set
        imports = imports.replace("import torch\n", "import numpy as np\nimport torch\n")
    if "cv2." not in model_code:  # OpenCV is for preprocessing one photo; the held-out set is ready-made
        imports = imports.replace("import cv2\n", "")
    images, labels = held_out(name)
    snippet = (
        f"from collections.abc import Sequence\n{imports}\n{model_code}\n"
        f"{programs.sources(metrics.normalised_inputs, metrics.logits_of, metrics.classification_metrics)}\n"
        'data = np.load("held_out.npz")  # the held-out set the page measured on\n'
        'images, labels = data["images"], data["labels"]\n'
        f"inputs = normalised_inputs(images, {list(info.mean)}, {list(info.std)})  # {tuple(images.shape)}\n"
        "logits = logits_of(model, inputs)\n"
        f"result = classification_metrics(logits, labels, classes={list(info.classes)}, k={k})\n"
        'print("accuracy", result["accuracy"], "top-k", result["topk"], "cross-entropy", result["cross_entropy"])\n'
    )
    return programs.torch_program(
        snippet,
        reproduces=f"What image classification is: every metric of {info.title} on its held-out set.",
        name="metrics.py",
        result=result,
        weights=(name,),
        files={"held_out.npz": programs.npz_file(images=images, labels=labels)},
    )
