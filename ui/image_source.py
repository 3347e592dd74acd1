"""One image through the course: the sidebar picks it (sample, upload, camera); every page reads it."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib.cv.images import (
    DEFAULT_WORKING_SIDE,
    ImageError,
    decode_image,
    fit_to_working_size,
    to_gray,
)
from samples import DEFAULT_SAMPLE, SAMPLES, sample_bytes
from ui.cache import image_cache
from ui.layout import display_url

WORKING_SIDES = (512, 768, 1024, 1536, 2048)
UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff"]
SOURCES = ("Sample", "Upload", "Camera")
# Uploads are kept at most this large (longer side) so any working size can be chosen later.
MAX_KEPT_SIDE = max(WORKING_SIDES)

_STATE_IMAGE = "source_image"  # the chosen image (uploads and snapshots), longer side <= MAX_KEPT_SIDE
_STATE_LABEL = "source_label"
_STATE_FILE_ID = "source_file_id"
_STATE_ERROR = "source_error"


@image_cache(max_entries=len(SAMPLES) * len(WORKING_SIDES))
def sample_image(key: str, working_side: int = DEFAULT_WORKING_SIDE) -> np.ndarray:
    """A bundled sample decoded and scaled to the working size (cached for every session)."""
    return fit_to_working_size(decode_image(sample_bytes(key)), longest_side=working_side)


@image_cache
def _fit(image: np.ndarray, working_side: int) -> np.ndarray:
    return fit_to_working_size(image, longest_side=working_side)


def _working_side() -> int:
    side = st.session_state.get("working_side", DEFAULT_WORKING_SIDE)
    return int(side) if side in WORKING_SIDES else DEFAULT_WORKING_SIDE


def _sample_key() -> str:
    key = st.session_state.get("sample", DEFAULT_SAMPLE)
    return key if key in SAMPLES else DEFAULT_SAMPLE


def _using_own_image() -> bool:
    return st.session_state.get("source", "Sample") != "Sample" and _STATE_IMAGE in st.session_state


def current_image() -> np.ndarray:
    """The current image at working resolution: RGB uint8 (H, W, 3). Read-only: copy before drawing."""
    if _using_own_image():
        return _fit(st.session_state[_STATE_IMAGE], _working_side())
    return sample_image(_sample_key(), _working_side())


def current_gray() -> np.ndarray:
    """The current image as gray uint8 (H, W)."""
    return to_gray(current_image())


def current_label() -> str:
    """What the current image is, for captions: 'sample: Greek coins' or 'upload: photo.jpg'."""
    if _using_own_image():
        return st.session_state.get(_STATE_LABEL, "your image")
    return f"sample: {SAMPLES[_sample_key()].title}"


def _accept(data: bytes, label: str, file_id: str) -> None:
    """Decode a new upload or snapshot; on failure keep the previous image and remember the message."""
    if st.session_state.get(_STATE_FILE_ID) == file_id:
        return
    st.session_state[_STATE_FILE_ID] = file_id
    try:
        image = fit_to_working_size(decode_image(data), longest_side=MAX_KEPT_SIDE)
    except ImageError as error:
        st.session_state[_STATE_ERROR] = f"{label}: {error}"
        return
    st.session_state.pop(_STATE_ERROR, None)
    image.setflags(write=False)  # shared with the caches below; hashed once
    st.session_state[_STATE_IMAGE] = image
    st.session_state[_STATE_LABEL] = label


def render_sidebar() -> None:
    """The sidebar image source, shown on every page by Home.py."""
    with st.sidebar:
        st.subheader("Image")
        source = st.segmented_control(
            "Source", SOURCES, default="Sample", required=True, key="source", label_visibility="collapsed"
        )
        if source == "Sample":
            st.selectbox(
                "Sample",
                list(SAMPLES),
                format_func=lambda key: SAMPLES[key].title,
                key="sample",
                bind="query-params",
            )
        elif source == "Upload":
            uploaded = st.file_uploader("Upload an image", type=UPLOAD_TYPES, key="upload")
            if uploaded is not None:
                _accept(uploaded.getvalue(), f"upload: {uploaded.name}", uploaded.file_id)
        else:
            snapshot = st.camera_input("Take a snapshot", key="camera")
            if snapshot is not None:
                _accept(snapshot.getvalue(), "camera snapshot", snapshot.file_id)
        if source != "Sample" and _STATE_IMAGE not in st.session_state:
            st.caption(f"Until you add one, pages use the {SAMPLES[_sample_key()].title.lower()} sample.")
        if _STATE_ERROR in st.session_state and source != "Sample":
            st.error(st.session_state[_STATE_ERROR] + " The previous image is still in use.")
        st.select_slider(
            "Working size (longer side, px)",
            WORKING_SIDES,
            value=DEFAULT_WORKING_SIDE,
            key="working_side",
            bind="query-params",
            help="Images are scaled down to this size before any processing, so sliders stay fast.",
        )
        image = current_image()
        st.image(display_url(image, 320), caption=f"{current_label()} · {image.shape[1]}×{image.shape[0]}")


def page_picture(choice: str, samples: dict[str, str]) -> tuple[np.ndarray, str]:
    """The picture a page works on: one of its own samples (label -> sample key) or the sidebar's image."""
    if choice in samples:
        side = st.session_state.get("working_side", DEFAULT_WORKING_SIDE)
        side = side if side in WORKING_SIDES else DEFAULT_WORKING_SIDE
        return sample_image(samples[choice], side), f"sample: {choice.lower()}"
    return current_image(), current_label()
