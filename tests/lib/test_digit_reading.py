"""lib.nn.digit_reading: one search decides what LeNet reads in a picture and the one message the page shows."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lib.cv.images import ImageError, fit_to_working_size
from lib.nn import models
from lib.nn.digit_reading import digit_image, read_digits, search_digits


def _page_with(*marks: str) -> np.ndarray:
    """White paper with typed digits ("3") left to right."""
    page = np.full((160, 120 * len(marks), 3), 255, np.uint8)
    for index, mark in enumerate(marks):
        cv2.putText(
            page, mark, (120 * index + 20, 130), cv2.FONT_HERSHEY_SIMPLEX, 4, (0, 0, 0), 12, cv2.LINE_AA
        )
    return page


class TestSearchDigits:
    def test_a_flat_picture_has_one_message_and_nothing_to_read(self):
        search = search_digits(np.full((60, 80, 3), 128, np.uint8))
        assert not search.readable and search.boxes == ()
        with pytest.raises(ImageError) as raised:
            models.digit_steps(np.full((60, 80, 3), 128, np.uint8))
        assert search.message == str(raised.value)  # the very message the prediction would give

    def test_several_digits_in_reading_order(self):
        search = search_digits(_page_with("1", "2", "3"))
        assert search.several and len(search.boxes) == 3
        assert [box[0] for box in search.boxes] == sorted(box[0] for box in search.boxes)

    def test_a_mark_with_nothing_to_read_is_not_offered(self):
        """The cat: find_digits boxes its marks of ink, some of whose crops are flat on their own; exactly the
        readable ones are offered."""
        from samples import load_sample

        cat = fit_to_working_size(load_sample("cat"))
        marks = models.find_digits(cat)
        readable = []
        for x, y, w, h in marks:
            try:
                models.digit_steps(cat[y : y + h, x : x + w])
                readable.append((x, y, w, h))
            except ImageError:
                continue
        assert len(readable) < len(marks)  # the case of the contradictory messages
        assert search_digits(cat).boxes == tuple(readable)

    @pytest.mark.parametrize("key", ["cat", "flower", "coins", "digits"])
    def test_every_offered_mark_can_be_read(self, key):
        """The contradiction this fixes: "14 digits found: which one" beside "No digit found" for a mark."""
        from samples import load_sample

        image = fit_to_working_size(load_sample(key))
        search = search_digits(image)
        for index in range(len(search.boxes)):
            models.digit_steps(digit_image(image, search, index))  # raises ImageError if not
        if not search.several:  # the whole picture: readable exactly when digit_steps takes it
            try:
                models.digit_steps(image)
                whole = True
            except ImageError:
                whole = False
            assert search.readable == whole

    def test_digit_image_is_the_crop_clamped(self):
        page = _page_with("1", "2")
        search = search_digits(page)
        x, y, w, h = search.boxes[1]
        assert np.array_equal(digit_image(page, search, 1), page[y : y + h, x : x + w])
        assert np.array_equal(digit_image(page, search, 9), digit_image(page, search, 1))
        single = _page_with("5")
        assert digit_image(single, search_digits(single), 0) is single


@pytest.mark.needs_weights
class TestReadDigits:
    def test_reads_the_digits_sheet(self):
        from samples import load_sample

        sheet = load_sample("digits")
        readings = read_digits(sheet, model=models.get_model("lenet_digits"))
        assert len(readings) == 10
        assert sum(label == str(i) for i, (_, label, _) in enumerate(readings)) >= 9

    def test_one_digit_is_the_whole_picture_and_flat_is_nothing(self):
        model = models.get_model("lenet_digits")
        single = _page_with("5")
        [(box, label, probability)] = read_digits(single, model=model)
        assert box == (0, 0, single.shape[1], single.shape[0])
        assert label == models.classify("lenet_digits", single, k=1)[0][0] and 0 < probability <= 1
        assert read_digits(np.zeros((40, 40, 3), np.uint8), model=model) == []
