"""Shared cache settings: arrays are hashed by a content digest, not sampled by Streamlit's hasher."""

from __future__ import annotations

import numpy as np

from lib.images import digest

# Keyword arguments for st.cache_data on functions that take images: bounded, quiet, digest-keyed.
IMAGE_CACHE: dict = {"max_entries": 64, "show_spinner": False, "hash_funcs": {np.ndarray: digest}}
