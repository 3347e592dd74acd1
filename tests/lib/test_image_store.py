"""ImageStore: a student's images per class, decoded once, scaled as cv2.resize(INTER_AREA) does."""

import cv2
import numpy as np

from lib.cv.images import decode_image, fit_to_working_size
from lib.nn.image_store import ImageStore


def png(image_rgb: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return encoded.tobytes()


def photo(seed: int, shape=(120, 90, 3)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


class TestImageStore:
    def test_an_image_is_kept_at_the_side_as_opencv_scales_it(self):
        store, image = ImageStore(side=64), photo(0)
        assert store.add("cat", png(image), "f1") is None
        expected = cv2.resize(
            fit_to_working_size(decode_image(png(image))), (64, 64), interpolation=cv2.INTER_AREA
        )
        assert np.array_equal(store.images["cat"][0], expected)

    def test_each_file_is_read_once(self):
        store = ImageStore()
        for _ in range(3):
            store.add("cat", png(photo(1)), "same id")
        assert store.count("cat") == 1 and store.count("dog") == 0

    def test_a_bad_file_gives_a_message_and_adds_nothing(self):
        store = ImageStore()
        message = store.add("dog", b"not an image", "f2")
        assert message is not None and message.startswith("dog: ") and store.count("dog") == 0

    def test_arrays_follow_the_class_order(self):
        store = ImageStore(side=16)
        store.add("b", png(photo(2)), "1")
        store.add("a", png(photo(3)), "2")
        store.add("b", png(photo(4)), "3")
        images, labels = store.arrays(["a", "b"])
        assert images.shape == (3, 16, 16, 3) and images.dtype == np.uint8
        assert labels.tolist() == [0, 1, 1]
        assert np.array_equal(images[0], store.images["a"][0])

    def test_no_images_is_an_empty_set_of_the_right_shape(self):
        images, labels = ImageStore().arrays(["a"])
        assert images.shape == (0, 64, 64, 3) and labels.shape == (0,)
