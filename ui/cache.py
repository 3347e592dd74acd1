"""Caching for image work: keyed by content digest, results shared read-only, digests memoised.

`@image_cache` is st.cache_resource with three twists:
- ndarray arguments are hashed by a content digest (Streamlit would otherwise sample large arrays);
- results are made read-only, so a shared result can never be changed by one page behind another's back;
- the digest of a read-only array is remembered by identity, so a chain of cached steps
  (current image -> blurred -> encoded for display) hashes each array once, not on every rerun.
Pages must copy an image (`image.copy()`) before drawing on it.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import streamlit as st

from lib.cv.images import digest

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_MAX_ENTRIES = 24

_memo_lock = threading.Lock()
_digests: dict[int, tuple[weakref.ref, str]] = {}


def _forget(key: int) -> None:
    with _memo_lock:
        _digests.pop(key, None)


def memo_digest(array: np.ndarray) -> str:
    """lib.cv.images.digest, remembered for read-only arrays (their content cannot change)."""
    key = id(array)
    with _memo_lock:
        hit = _digests.get(key)
    if hit is not None and hit[0]() is array:
        return hit[1]
    value = digest(array)
    if _immutable(array):
        reference = weakref.ref(array, lambda _, key=key: _forget(key))
        with _memo_lock:
            _digests[key] = (reference, value)
    return value


def _immutable(array: np.ndarray) -> bool:
    """Read-only all the way down: every array in the base chain read-only, ending in nothing or bytes."""
    while isinstance(array, np.ndarray):
        if array.flags.writeable:
            return False
        array = array.base
    return array is None or isinstance(array, bytes)


def freeze(value: Any) -> Any:
    """Make every ndarray in a result read-only (tuples, lists, dicts and dataclasses are walked)."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, (tuple, list)):
        for item in value:
            freeze(item)
    elif isinstance(value, dict):
        for item in value.values():
            freeze(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            freeze(getattr(value, field.name))
    return value


def image_cache(func: F | None = None, *, max_entries: int = DEFAULT_MAX_ENTRIES) -> Any:
    """Decorator: cache an image operation for every session, by the content of its array arguments."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def compute(*args: Any, **kwargs: Any) -> Any:
            return freeze(function(*args, **kwargs))

        return st.cache_resource(max_entries=max_entries, show_spinner=False, hash_funcs=IMAGE_HASH_FUNCS)(
            compute
        )

    return decorate(func) if func is not None else decorate


IMAGE_HASH_FUNCS = {np.ndarray: memo_digest}
