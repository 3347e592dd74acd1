"""Cached wrappers for the Resize, flip, rotate, crop and Drawing & text pages."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib import drawing, transforms
from ui.cache import image_cache

# Resized images can be large (200 % of a 2048 px image is 4096 px): keep fewer of them.


@image_cache(max_entries=8)
def resize_to(image: np.ndarray, width: int, height: int, interpolation: str) -> np.ndarray:
    return transforms.resize_to(image, width=width, height=height, interpolation=interpolation)


@image_cache(max_entries=8)
def resize_by_percent(image: np.ndarray, percent: float, interpolation: str) -> np.ndarray:
    return transforms.resize_by_percent(image, percent=percent, interpolation=interpolation)


@image_cache
def compare_interpolations(
    image: np.ndarray, region: tuple[int, int, int, int], zoom: int
) -> dict[str, np.ndarray]:
    return transforms.compare_interpolations(image, region=region, zoom=zoom)


@image_cache
def outline_rectangle(image: np.ndarray, rectangle: tuple[int, int, int, int]) -> np.ndarray:
    return transforms.outline_rectangle(image, rectangle)


@image_cache
def flip(image: np.ndarray, flip_code: int) -> np.ndarray:
    return transforms.flip(image, flip_code=flip_code)


@image_cache
def rotate_quarter(image: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    return transforms.rotate_quarter(image, degrees_clockwise=degrees_clockwise)


@image_cache
def rotate_by_angle(image: np.ndarray, angle: float, keep_whole: bool) -> np.ndarray:
    return transforms.rotate_by_angle(image, angle=angle, keep_whole=keep_whole)


@image_cache
def crop(image: np.ndarray, rectangle: tuple[int, int, int, int]) -> np.ndarray:
    return transforms.crop(image, rectangle=rectangle)


@st.cache_data(max_entries=64, show_spinner=False)
def draw_canvas(spec: drawing.CanvasSpec) -> np.ndarray:
    return drawing.draw_canvas(spec)


@st.cache_data(max_entries=32, show_spinner=False)
def font_gallery(scale: float, thickness: int, italic: bool, antialiased: bool) -> np.ndarray:
    return drawing.font_gallery(scale=scale, thickness=thickness, italic=italic, antialiased=antialiased)
