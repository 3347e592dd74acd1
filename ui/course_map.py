"""The course map: every page of the app, its section, and one line of what it teaches."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PageInfo:
    file: str  # relative to the repository root
    title: str
    icon: str
    teaches: str
    seed: str  # the course notes' sections it comes from

    @property
    def url_path(self) -> str:
        return Path(self.file).stem


SECTIONS: dict[str, list[PageInfo]] = {
    "OpenCV basics": [
        PageInfo(
            "app_pages/images_video.py",
            "Images & video",
            ":material/photo_library:",
            "Read, write and download images; BGR vs RGB; uint8 wrap-around; process a video frame by frame.",
            "I.A–B",
        ),
        PageInfo(
            "app_pages/resize_flip_rotate_crop.py",
            "Resize, flip, rotate, crop",
            ":material/crop_rotate:",
            "Resize by size or percent, compare the five interpolations up close, flip, rotate and crop.",
            "I.E–F",
        ),
        PageInfo(
            "app_pages/drawing_text.py",
            "Drawing & text",
            ":material/draw:",
            "Lines, rectangles, circles, ellipses, polylines and Hershey text on a canvas.",
            "I.G–H",
        ),
    ],
    "Colour": [
        PageInfo(
            "app_pages/colour_spaces.py",
            "Colour spaces",
            ":material/palette:",
            "RGB, BGR, Gray, HSV and LAB channel by channel, live HSV sliders and a pixel inspector.",
            "I.C",
        ),
        PageInfo(
            "app_pages/colour_thresholding.py",
            "Colour thresholding",
            ":material/colorize:",
            "Pick an HSV range, see the mask, recolour what it selects — hue ranges that wrap red included.",
            "I.D",
        ),
    ],
    "Geometry & filters": [
        PageInfo(
            "app_pages/geometry.py",
            "Affine & perspective",
            ":material/transform:",
            "Map 3 or 4 points, see the matrix and its inverse, warp the image, straighten a document.",
            "I.I",
        ),
        PageInfo(
            "app_pages/kernels_blur_edges.py",
            "Kernels, blur & edges",
            ":material/blur_on:",
            "Build a kernel and watch one output pixel's arithmetic; average, Gaussian and median blur; Sobel, Laplacian, Canny.",
            "I.J–L",
        ),
    ],
    "Analysis": [
        PageInfo(
            "app_pages/histograms.py",
            "Histograms",
            ":material/bar_chart:",
            "RGB, HSV and gray histograms, the brightness verdict, equalisation and CLAHE.",
            "I.M",
        ),
        PageInfo(
            "app_pages/segmentation.py",
            "Segmentation",
            ":material/filter_b_and_w:",
            "Simple, Otsu and adaptive thresholds, and k-means colour clustering.",
            "I.N",
        ),
        PageInfo(
            "app_pages/watershed_coins.py",
            "Watershed coins",
            ":material/toll:",
            "Every step of the watershed pipeline that separates touching coins, then count them.",
            "I.N",
        ),
        PageInfo(
            "app_pages/face_detection.py",
            "Face detection",
            ":material/face:",
            "Haar cascades: scale factor, min neighbours and min size, on portraits and groups.",
            "I.O",
        ),
    ],
    "PyTorch": [
        PageInfo(
            "app_pages/tensor_playground.py",
            "Tensor playground",
            ":material/grid_on:",
            "Create, index, reshape, stack and aggregate tensors; dtypes and memory; noise images.",
            "II.A–J",
        ),
        PageInfo(
            "app_pages/train_network.py",
            "Train a network",
            ":material/model_training:",
            "Regression and iris classification, trained live, functional vs Sequential.",
            "II.K–M",
        ),
        PageInfo(
            "app_pages/datasets_loaders.py",
            "Datasets & loaders",
            ":material/dataset:",
            "Dataset and DataLoader arithmetic, image folders from a zip, transforms previewed.",
            "II.N–O",
        ),
        PageInfo(
            "app_pages/train_cnn.py",
            "Train a CNN",
            ":material/neurology:",
            "The course's Conv→BN→ReLU→Pool network trained live on shapes or your own folders.",
            "II.P",
        ),
        PageInfo(
            "app_pages/ship_model.py",
            "Ship your model",
            ":material/rocket_launch:",
            "Front end, back end, model, deployment; Gradio vs Streamlit, Spaces vs Community Cloud; download a ready app.",
            "II.Q–X",
        ),
    ],
    "Inside CNNs": [
        PageInfo(
            "app_pages/cnn_calculators.py",
            "CNN calculators",
            ":material/calculate:",
            "Output size, parameters, MACs and receptive field of every layer, checked against PyTorch.",
            "III.A, F–H",
        ),
        PageInfo(
            "app_pages/architectures.py",
            "Architectures",
            ":material/account_tree:",
            "LeNet-5, AlexNet and VGG as block diagrams, their ideas and their PyTorch code.",
            "IV.B–H",
        ),
        PageInfo(
            "app_pages/feature_maps.py",
            "Feature maps & filters",
            ":material/layers:",
            "What every layer of a trained CNN sees, map by map, with the kernels that made it.",
            "III.B–E",
        ),
    ],
    "Classify": [
        PageInfo(
            "app_pages/image_classification.py",
            "What image classification is",
            ":material/category:",
            "Single- vs multi-label, the standard data sets, and accuracy, F1, top-k, cross-entropy measured on our models.",
            "IV.A",
        ),
        PageInfo(
            "app_pages/classifier.py",
            "Classifier demo",
            ":material/label:",
            "Classify an image with our own or torchvision models: top-5 bars and the preprocessing shown.",
            "II.V, IV.I–K",
        ),
        PageInfo(
            "app_pages/transfer_learning.py",
            "Transfer learning",
            ":material/school:",
            "Freeze a backbone, train a new head on your own classes live, and inspect its mistakes.",
            "IV.L",
        ),
    ],
}


def all_pages() -> list[PageInfo]:
    """Every page, in course order."""
    return [page for pages in SECTIONS.values() for page in pages]
