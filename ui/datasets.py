"""Image data sets for the training pages: the bundled shapes, and a student's zip of class folders read once
per session with a progress bar."""

from __future__ import annotations

import hashlib

import streamlit as st

from lib.cv.shapes import SHAPE_CLASSES, make_shapes
from lib.nn import data as data_lib
from ui.cache import freeze, image_cache


@image_cache(max_entries=8)
def shapes_images(n_per_class: int, size: int, seed: int, classes: tuple[str, ...] = SHAPE_CLASSES):
    return make_shapes(n_per_class, size=size, seed=seed, classes=classes)


def zip_limits() -> str:
    """The limits read_image_zip applies, in words, for an upload's help."""
    return (
        f"Upload limit {st.get_option('server.maxUploadSize')} MB. At most {data_lib.MAX_ZIP_FILES:,} files "
        f"and {data_lib.MAX_CLASSES} class folders; each image at most "
        f"{data_lib.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels, all together at most "
        f"{data_lib.MAX_TOTAL_PIXELS / 1e6:,.0f} megapixels; reading stops after "
        f"{data_lib.MAX_READ_SECONDS:.0f} s. Each photo is scaled to the training size as it is read."
    )


ZIP_READS = "zip_reads"  # session_state: {(content digest, image size): ZipImages}, the last few zips read
ZIP_READS_KEPT = 2


def read_zip_with_progress(data: bytes, image_size: int) -> data_lib.ZipImages:
    """read_image_zip once per zip and size in this session, with a progress bar while images are decoded.

    Kept in session state, not st.cache_*: a cached function's progress bar would be replayed on later runs.
    """
    key = (hashlib.blake2b(data, digest_size=16).hexdigest(), image_size)
    reads = st.session_state.setdefault(ZIP_READS, {})
    if key in reads:
        return reads[key]
    bar = st.progress(0.0, text="Reading the zip…")

    def show(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Reading and scaling image {done} of {total}…")

    try:
        result = freeze(data_lib.read_image_zip(data, image_size=image_size, progress=show))
    finally:
        bar.empty()
    while len(reads) >= ZIP_READS_KEPT:
        reads.pop(next(iter(reads)))
    reads[key] = result
    return result
