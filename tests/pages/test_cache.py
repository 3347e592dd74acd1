"""ui.cache: digests are memoised only for arrays that cannot change, and results come back read-only."""

import numpy as np
import pytest

from lib.cv.images import decode_image, digest
from samples import sample_bytes
from ui import cache


class TestMemoDigest:
    def test_equals_digest(self):
        array = np.arange(12, dtype=np.uint8).reshape(3, 4)
        assert cache.memo_digest(array) == digest(array)

    def test_writable_array_is_rehashed_after_change(self):
        array = np.zeros((4, 4), np.uint8)
        before = cache.memo_digest(array)
        array[0, 0] = 1
        assert cache.memo_digest(array) != before

    def test_read_only_arrays_are_memoised(self):
        decoded = decode_image(sample_bytes("coins"))  # base is the PIL buffer (bytes)
        decoded.setflags(write=False)
        frozen = np.ones((8, 8), np.uint8)
        frozen.setflags(write=False)
        for array in (decoded, frozen):
            cache.memo_digest(array)
            assert id(array) in cache._digests

    def test_read_only_view_of_writable_array_is_not_memoised(self):
        base = np.zeros((8, 8), np.uint8)
        view = base[2:6]
        view.setflags(write=False)
        first = cache.memo_digest(view)
        base[3, 3] = 9  # the view's content changes through its writable base
        assert cache.memo_digest(view) != first


class TestFreeze:
    def test_nested_results_become_read_only(self):
        result = (np.zeros(3), {"mask": np.ones(2)}, [np.arange(2)])
        cache.freeze(result)
        with pytest.raises(ValueError):
            result[0][0] = 1
        with pytest.raises(ValueError):
            result[1]["mask"][0] = 0
        with pytest.raises(ValueError):
            result[2][0][0] = 5
