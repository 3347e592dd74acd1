"""Cached wrappers for the Images & video page."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib.cv import basics, video
from ui.cache import image_cache


@image_cache
def add_brightness(image: np.ndarray, amount: int, saturate: bool) -> np.ndarray:
    return basics.add_brightness(image, amount, saturate=saturate)


@image_cache
def encode_for_download(image: np.ndarray, file_format: str, jpeg_quality: int) -> bytes:
    return basics.encode_for_download(image, file_format=file_format, jpeg_quality=jpeg_quality)


@st.cache_data(max_entries=8, show_spinner=False)
def video_info(data: bytes) -> video.VideoInfo:
    return video.read_video_info(data)


@st.cache_data(max_entries=64, show_spinner=False)
def video_frame(data: bytes, index: int) -> np.ndarray:
    return video.read_frame(data, index)
