"""Every Code panel, downloaded and run as a student would: unpacked in an empty folder, `python script.py`.

Each page is run under AppTest with the settings below; every panel it shows is taken from session state
(ui.layout.CODE_PANELS: the Program the page's own builder made, the same object the download button
serves), its download is unpacked into a temporary folder with nothing else in it, and the script is run
in a subprocess with a timeout. What it saves or prints must equal what the page showed (images exactly
or within the documented tolerance, numbers equal). Every script also passes `ruff check` as a file.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from lib.cv.programs import Program
from tests.helpers import TRAINED_NAME, lint_errors, run_in_empty_folder, trained_models
from tests.pages.harness import ROOT, assert_clean
from tests.tolerances import PROGRAM_FLOAT_ATOL, PROGRAM_FLOAT_RTOL, UINT8_ATOL
from ui.course_map import all_pages
from ui.layout import CODE_PANELS

RUN_TIMEOUT = 120  # seconds for one downloaded script (torch's import alone takes several)


@dataclass(frozen=True)
class Setting:
    """A page and the control values it is opened with (session state, as the URL would set them; a callable
    is called when the page opens), then the buttons pressed in turn (by key), e.g. Train."""

    page: str
    state: dict[str, object] = field(default_factory=dict)
    label: str = "defaults"
    clicks: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{Path(self.page).stem}-{self.label}"


# Every page with its defaults, plus settings that take a panel down another branch of its code.
# Pages whose default Code panel trains for longer than RUN_TIMEOUT allows on a busy 2-core machine: they are
# opened with their defaults except these values (same branch of the page and of its script, less data).
# Train a CNN's defaults train on 2,500 images (48 px) for 10 epochs: about a minute of CPU as downloaded.
LIGHTER_DEFAULTS = {"app_pages/train_cnn.py": {"tc_per_class": 40, "tc_epochs": 3}}
SETTINGS = [
    Setting(page.file, LIGHTER_DEFAULTS[page.file], "defaults-lighter")
    if page.file in LIGHTER_DEFAULTS
    else Setting(page.file)
    for page in all_pages()
    if page.url_path != "home"
] + [
    Setting(
        "app_pages/colour_thresholding.py",
        {"ct_h_low": 170, "ct_h_high": 10, "ct_s_low": 80, "ct_v_low": 60},
        "red-wraps",
    ),
    Setting(
        "app_pages/images_video.py",
        {"io_amount": -40, "io_format": "PNG", "io_frame": 10, "io_video_amount": -30},
        "png-darken",
    ),
    Setting(
        "app_pages/resize_flip_rotate_crop.py",
        {"rf_mode": "Percent", "rf_flip": -1, "rf_rotate_mode": "Any angle"},
        "percent-angle",
    ),
    Setting(
        "app_pages/resize_flip_rotate_crop.py",
        {"rf_quarter": 270, "rf_rotate_mode": "Any angle", "rf_keep_whole": False},
        "angle-cut",
    ),
    Setting(
        "app_pages/drawing_text.py",
        {"dt_shapes_aa": True, "dt_poly_closed": True, "dt_font_italic": True, "dt_rect_filled": False},
        "smooth",
    ),
    Setting(
        "app_pages/colour_spaces.py",
        {"cs_space": "Gray", "cs_hue_shift": 90, "cs_saturation": 1.5, "cs_value": 0.5},
        "gray-shifted",
    ),
    Setting("app_pages/colour_spaces.py", {"cs_space": "RGB"}, "rgb"),
    *[
        Setting("app_pages/geometry.py", {"geo_mode": mode}, mode.split()[0].lower())
        for mode in ("Affine (3 points)", "Rotation", "Shear", "Translation", "Straighten a document")
    ],
    *[
        Setting("app_pages/kernels_blur_edges.py", {"kb_tab": "Blur", "kb_blur_code": method, **gray}, label)
        for method, gray, label in (
            ("Median", {}, "blur-median"),
            ("Average", {"kb_blur_gray": False}, "blur-average-colour"),
            ("Gaussian", {}, "blur-gaussian"),
        )
    ],
    *[
        Setting("app_pages/kernels_blur_edges.py", {"kb_tab": "Edges", "kb_edge_code": kind}, f"edges-{kind}")
        for kind in ("Canny", "Sobel", "Laplacian")
    ],
    Setting(
        "app_pages/histograms.py",
        {"hist_space": "HSV", "hist_region": True, "hist_method": "Equalize", "hist_channel": "V (HSV)"},
        "hsv-region-equalize",
    ),
    Setting("app_pages/histograms.py", {"hist_space": "Gray", "hist_channel": "Gray image"}, "gray"),
    # the verdict at a threshold other than the course's 150, while the histogram counts a region only
    Setting(
        "app_pages/histograms.py",
        {"hist_threshold": 51, "hist_space": "HSV", "hist_region": True},
        "verdict-51",
    ),
    Setting("app_pages/kernels_blur_edges.py", {"kb_kernel": "1,2,1;0,0,0;-1,-2,-1"}, "hand-edited"),
    Setting("app_pages/kernels_blur_edges.py", {"kb_preset": "horizontal (course)"}, "course-kernel"),
    Setting(
        "app_pages/segmentation.py",
        {"seg_method": "otsu", "seg_adaptive": "mean", "seg_k": 5, "seg_attempts": 2},
        "otsu-mean-k5",
    ),
    Setting("app_pages/segmentation.py", {"seg_method": "tozero_inv", "seg_threshold": 90}, "tozero-inv"),
    Setting(
        "app_pages/watershed_coins.py",
        {"ws_threshold_mode": "Fixed", "ws_polarity": "Darker", "ws_notes_only": True},
        "notes-recipe",
    ),
    Setting(
        "app_pages/watershed_coins.py", {"ws_polarity": "Lighter", "ws_seeds_per_blob": False}, "lighter"
    ),
    Setting(
        "app_pages/face_detection.py",
        {"fd_picture": "Portrait", "fd_eyes": True, "fd_min_neighbors": 3},
        "portrait-eyes",
    ),
    Setting(
        "app_pages/tensor_playground.py",
        {
            "tp_source": "A factory",
            "tp_factory": "randint",
            "tp_noise": "normal",
            "tp_rgb": True,
            "tp_index": "t[[0, 2], [1, 2]]",
            "tp_op": "chunk",
            "tp_agg": "max",
            "tp_aggdim": "0",
        },
        "factory-rgb-chunk-max",
    ),
    Setting(
        "app_pages/datasets_loaders.py",
        {
            "dl_crop": "random",
            "dl_flip": 0.5,
            "dl_rotation": 30,
            "dl_brightness": 0.3,
            "dl_seed": 7,
            "dl_drop": True,
        },
        "random-transforms",
    ),
    Setting("app_pages/train_network.py", {"tn_part": "Iris classification"}, "iris-untrained"),
    Setting(
        "app_pages/train_network.py",
        {"tn_part": "Iris classification", "tn_iris_epochs": 200},
        "iris-trained",
        clicks=("tn_iris_train",),
    ),
    Setting(
        "app_pages/train_network.py",
        {"tn_part": "Regression", "tn_reg_epochs": 60},
        "regression-trained",
        clicks=("tn_reg_train",),
    ),
    Setting("app_pages/train_network.py", {"tn_part": "Playground"}, "playground-untrained"),
    Setting(
        "app_pages/train_network.py",
        {
            "tn_part": "Playground",
            "pg_data": "XOR",
            "pg_noise": 10,
            "pg_x1x2": True,
            "pg_layers": 1,
            "pg_act": "relu",
            "pg_batch": 7,
            "pg_reg": "L2",
            "pg_rate": 0.01,
            "pg_seed": 3,
        },
        "playground-xor-stepped",
        clicks=("pg_step", "pg_step", "pg_step"),
    ),
    Setting(
        "app_pages/train_network.py",
        {"tn_part": "Regression", "tn_source": "Diabetes (scikit-learn)", "tn_reg_epochs": 60},
        "regression-diabetes-trained",
        clicks=("tn_reg_train",),
    ),
    Setting(
        "app_pages/tensor_playground.py",
        {"tp_example": "clone, detach and requires_grad (II.G)"},
        "clone-detach",
    ),
    Setting("app_pages/datasets_loaders.py", {"dl_folder_batch": 8}, "folder-batch-8"),
    Setting(
        "app_pages/train_cnn.py",
        {"tc_per_class": 12, "tc_epochs": 2, "tc_batch": 16},
        "trained",
        clicks=("tc_train",),
    ),
    Setting(
        "app_pages/transfer_learning.py",
        {"tl_per_class": 20, "tl_epochs": 5, "tl_cut": "all dense layers"},
        "trained-all-dense",
        clicks=("tl_train",),
    ),
    Setting("app_pages/classifier.py", {"cls_model": "shapes_cnn", "cls_k": 3}, "shapes-top3"),
    Setting("app_pages/feature_maps.py", {"fm_model": "shapes_cnn", "fm_random": True}, "shapes-random"),
    Setting(
        "app_pages/classifier.py",
        {"trained_models": trained_models, "cls_model": "session:" + TRAINED_NAME},
        "session-cnn",
    ),
    Setting(
        "app_pages/feature_maps.py",
        {"trained_models": trained_models, "fm_model": "session:" + TRAINED_NAME},
        "session-cnn",
    ),
    Setting("app_pages/feature_maps.py", {"fm_model": "alexnet"}, "alexnet-offline-random"),
    Setting(
        "app_pages/classifier.py",
        {"cls_why_method": "Occlusion", "cls_why_window": 30, "cls_why_stride": 10},
        "why-occlusion",
    ),
    Setting(
        "app_pages/classifier.py",
        {
            "cls_model": "shapes_cnn",
            "cls_why_method": "Integrated gradients",
            "cls_why_class_shapes_cnn": "circle",
        },
        "why-shapes-ig-circle",
    ),
    Setting(
        "app_pages/feature_maps.py", {"fm_why_method": "Gradients", "fm_random": True}, "why-gradients-random"
    ),
    Setting(
        "app_pages/feature_maps.py",
        {"fm_model": "shapes_cnn", "fm_why_layer_shapes_cnn": "features.1.0"},
        "why-shapes-gradcam-layer",
    ),
    Setting("app_pages/image_classification.py", {"ic_model": "shapes_cnn", "ic_k": 3}, "shapes-top3"),
    Setting(
        "app_pages/ship_model.py", {"sm_model": "shapes_cnn", "sm_front": "Streamlit"}, "shapes-streamlit"
    ),
    Setting(
        "app_pages/ship_model.py",
        {"trained_models": trained_models, "sm_model": "session:" + TRAINED_NAME},
        "session-cnn",
    ),
]


def open_page(setting: Setting) -> dict[str, Program]:
    app = AppTest.from_file(str(ROOT / setting.page), default_timeout=180)
    for key, value in setting.state.items():
        app.session_state[key] = value() if callable(value) else value
    app.run()
    for key in setting.clicks:
        app.button(key=key).click().run()
    assert_clean(app)
    try:
        return dict(app.session_state[CODE_PANELS])
    except KeyError:
        return {}


def unpack(program: Program, folder: Path) -> Path:
    """The download, as a student's browser saves it, unpacked; returns the script's path."""
    data = program.download_bytes()
    if program.download_name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(folder)
        (script,) = folder.rglob(program.name)
        return script
    script = folder / program.download_name
    script.write_bytes(data)
    return script


def check_output(folder: Path, stdout: str, name: str, expected: object) -> None:
    path = folder / name
    if isinstance(expected, bytes):  # a file the script writes itself (an encoded image): byte for byte
        assert path.is_file(), f"the script did not write {name}"
        assert path.read_bytes() == expected, f"{name} differs from the file the page made"
    elif name.endswith(".png"):
        assert path.is_file(), f"the script did not save {name}"
        saved = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if saved.ndim == 3:
            saved = cv2.cvtColor(saved, cv2.COLOR_BGR2RGB)
        assert saved.shape == np.shape(expected)
        difference = np.abs(saved.astype(int) - np.asarray(expected).astype(int)).max()
        assert difference <= UINT8_ATOL, f"{name} differs from the page by up to {difference}"
    elif name.endswith(".npy"):
        assert path.is_file(), f"the script did not save {name}"
        saved = np.load(path)
        assert saved.shape == np.shape(expected), (
            f"{name} has shape {saved.shape}, the page {np.shape(expected)}"
        )
        np.testing.assert_allclose(saved, expected, rtol=1e-5, atol=1e-3)
    elif name.endswith(".pt"):
        assert path.is_file(), f"the script did not save {name}"
        assert_same_tensors(torch.load(path, weights_only=True), expected, name)
    elif name.endswith(".json"):
        assert path.is_file(), f"the script did not save {name}"
        assert_same_values(json.loads(path.read_text()), json.loads(json.dumps(expected)), name)
    else:
        printed = f"{name} {expected}"
        assert printed in stdout.splitlines(), f"printed {stdout!r}, the page showed {printed!r}"


def assert_same_tensors(saved: object, expected: object, where: str) -> None:
    """Tensors (or tuples / lists of them) equal in dtype, shape and value (floats within float32 rounding)."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(saved, torch.Tensor), f"{where}: saved {type(saved).__name__}, the page a tensor"
        assert saved.dtype == expected.dtype, f"{where}: dtype {saved.dtype}, the page's {expected.dtype}"
        plain = expected.detach().cpu().as_subclass(torch.Tensor)  # a tv_tensors.Image compares as its values
        torch.testing.assert_close(saved, plain, msg=lambda m: f"{where}: {m}")
        return
    assert isinstance(saved, (tuple, list)) and len(saved) == len(expected), f"{where}: {saved!r}"
    for index, (one, other) in enumerate(zip(saved, expected, strict=True)):
        assert_same_tensors(one, other, f"{where}[{index}]")


def assert_same_values(saved: object, expected: object, where: str) -> None:
    """Plain values as JSON holds them: every key the page showed, equal; floats within PROGRAM_FLOAT_*."""
    if isinstance(expected, dict):
        assert isinstance(saved, dict), f"{where}: saved {saved!r}"
        for key, value in expected.items():
            assert key in saved, f"{where}: the script wrote no {key!r} (it wrote {sorted(saved)})"
            assert_same_values(saved[key], value, f"{where}[{key!r}]")
    elif isinstance(expected, list):
        assert isinstance(saved, list) and len(saved) == len(expected), f"{where}: {saved!r} vs {expected!r}"
        for index, (one, other) in enumerate(zip(saved, expected, strict=True)):
            assert_same_values(one, other, f"{where}[{index}]")
    elif isinstance(expected, float) and not isinstance(expected, bool):
        assert isinstance(saved, (int, float)) and math.isclose(
            saved, expected, rel_tol=PROGRAM_FLOAT_RTOL, abs_tol=PROGRAM_FLOAT_ATOL
        ), f"{where}: {saved!r}, the page showed {expected!r}"
    else:
        assert saved == expected and type(saved) is type(expected), (
            f"{where}: {saved!r}, the page {expected!r}"
        )


def run_as_downloaded(program: Program, folder: Path) -> str | None:
    """Unpack and run one panel's download in an empty folder; None when it reproduced the page, else why not."""
    folder.mkdir()
    script = unpack(program, folder)
    lint = lint_errors(script)
    if lint:
        return f"ruff:\n{lint}"
    run = run_in_empty_folder([script.name], script.parent, timeout=RUN_TIMEOUT)
    if run.returncode:
        return f"failed as downloaded:\n{run.stderr[-3000:]}"
    if not program.expected:
        return "states no result to compare with the page"
    try:
        for output, value in program.expected.items():
            check_output(script.parent, run.stdout, output, value)
    except AssertionError as error:
        return f"differs from the page: {error}"
    return None


@pytest.mark.slow
@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.id)
def test_every_panel_runs_as_downloaded(setting, tmp_path):
    panels = open_page(setting)
    assert panels, f"{setting.page} shows no Code panel"
    problems = []
    for name, program in panels.items():
        panel = f"{setting.id}:{name}"
        problem = run_as_downloaded(program, tmp_path / name.removesuffix(".py"))
        if problem:
            problems.append(f"{panel} {problem}")
    assert not problems, "\n\n".join(problems)


# Panels whose recipe is a lib function shown as its real source (issue 11 step 2): the script must hold
# that function's current source, so a hand-written copy beside it cannot drift from what the page ran.
# "module:name" or "module:name,name,..." (several functions of one module in one panel, one page run).
RECIPE_PANELS = [
    (Setting("app_pages/watershed_coins.py"), "watershed_coins.py", "lib.cv.segmentation:watershed_coins"),
    (Setting("app_pages/watershed_coins.py"), "watershed_coins.py", "lib.cv.segmentation:flatten_lighting"),
    (Setting("app_pages/segmentation.py"), "kmeans.py", "lib.cv.thresholding:cluster_colours"),
    (Setting("app_pages/classifier.py"), "classify.py", "lib.nn.models.preprocessing:prepare_digit"),
    (Setting("app_pages/classifier.py"), "classify.py", "lib.nn.models.preprocessing:thicken_strokes"),
    (Setting("app_pages/feature_maps.py"), "feature_maps.py", "lib.nn.models.preprocessing:prepare_digit"),
    (
        Setting("app_pages/feature_maps.py", {"fm_model": "shapes_cnn"}),
        "feature_maps.py",
        "lib.nn.features:clone_if_tensor,layer_extractor,layer_outputs",
    ),
    (
        Setting("app_pages/train_network.py", {"tn_part": "Iris classification"}),
        "iris.py",
        "lib.nn.training:train_step,build_mlp",
    ),
    (
        Setting("app_pages/train_network.py"),
        "two_ways.py",
        "lib.nn.training:SimpleFunctional,SimpleSequential,sequential_from_functional",
    ),
    (
        Setting("app_pages/train_network.py", {"tn_part": "Regression"}),
        "regression.py",
        "lib.nn.training:train_step",
    ),
]


@pytest.mark.parametrize(
    ("setting", "panel", "function"), RECIPE_PANELS, ids=lambda item: getattr(item, "id", None) or str(item)
)
def test_panel_shows_the_recipe_functions_real_source(setting, panel, function):
    import importlib
    import inspect

    module, names = function.split(":")
    panels = open_page(setting)
    assert panel in panels, f"{setting.page} shows no {panel} (it shows {sorted(panels)})"
    for name in names.split(","):
        source = inspect.getsource(getattr(importlib.import_module(module), name))
        assert source in panels[panel].script, f"{panel} does not show {module}:{name}'s real source"
