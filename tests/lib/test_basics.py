import cv2
import numpy as np
import pytest

from lib.cv.basics import (
    add_brightness,
    bgr_shown_as_rgb,
    encode_for_download,
    images_snippet,
    wrapped_fraction,
)
from lib.cv.images import decode_image
from samples import load_sample


class TestBgrShownAsRgb:
    def test_equals_opencv_channel_swap(self):
        image = load_sample("flower")
        assert np.array_equal(bgr_shown_as_rgb(image), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))

    def test_red_becomes_blue(self):
        red = np.zeros((1, 1, 3), np.uint8)
        red[0, 0] = (255, 0, 0)
        assert bgr_shown_as_rgb(red)[0, 0].tolist() == [0, 0, 255]

    def test_needs_three_channels(self):
        with pytest.raises(ValueError, match="RGB"):
            bgr_shown_as_rgb(np.zeros((2, 2), np.uint8))


class TestAddBrightness:
    def test_course_example_wraps(self):
        # The DESIGN correction: 250 + 30 = 24 in uint8, cv2.add gives 255.
        pixel = np.array([[250]], np.uint8)
        assert add_brightness(pixel, 30, saturate=False)[0, 0] == 24
        assert add_brightness(pixel, 30, saturate=True)[0, 0] == 255

    def test_wrap_equals_numpy_uint8_addition(self):
        image = load_sample("flower")
        assert np.array_equal(add_brightness(image, 30, saturate=False), image + np.uint8(30))

    def test_saturate_equals_cv2_add(self):
        image = load_sample("flower")
        assert np.array_equal(
            add_brightness(image, 30, saturate=True), cv2.add(image, np.full_like(image, 30))
        )

    def test_negative_amounts(self):
        pixel = np.array([[10]], np.uint8)
        assert add_brightness(pixel, -30, saturate=False)[0, 0] == 236  # 10 - 30 = -20 -> 236
        assert add_brightness(pixel, -30, saturate=True)[0, 0] == 0

    def test_numpy_2_refuses_a_negative_python_int_and_subtraction_wraps(self):
        # Images & video: `image + -30` raises under NumPy 2; `image - 30` wraps; clip in int16 is dtype-safe
        image = np.array([[10, 100, 250]], np.uint8)
        with pytest.raises(OverflowError, match="out of bounds for uint8"):
            _ = image + -30
        assert np.array_equal(image - 30, add_brightness(image, -30, saturate=False))
        assert (image - 30).tolist() == [[236, 70, 220]]
        safe = np.clip(image.astype(np.int16) - 30, 0, 255).astype(np.uint8)
        assert np.array_equal(safe, add_brightness(image, -30, saturate=True))
        assert np.array_equal(safe, cv2.subtract(image, np.full_like(image, 30)))

    def test_wrap_thresholds_of_the_notes(self):
        # the notes' frame + 20 wraps every value above 235; their image + 30 every value above 225
        values = np.arange(256, dtype=np.uint8)
        assert values[values + np.uint8(20) < values].min() == 236
        assert values[values + np.uint8(30) < values].min() == 226
        assert wrapped_fraction(values, 20) == 20 / 256

    def test_wrapped_fraction(self):
        image = np.array([[0, 100, 226, 255]], np.uint8)
        assert wrapped_fraction(image, 30) == 0.5
        assert wrapped_fraction(image, -50) == 0.25

    def test_rejects_bad_input(self):
        with pytest.raises(ValueError, match="uint8"):
            add_brightness(np.zeros((2, 2), np.float32), 1, saturate=True)
        with pytest.raises(ValueError, match="between"):
            add_brightness(np.zeros((2, 2), np.uint8), 300, saturate=True)


class TestEncodeForDownload:
    def test_png_is_lossless(self):
        image = load_sample("coins")
        assert np.array_equal(decode_image(encode_for_download(image, file_format="PNG")), image)

    def test_unknown_format(self):
        with pytest.raises(ValueError, match="PNG"):
            encode_for_download(load_sample("coins"), file_format="GIF")


class TestImagesSnippet:
    @pytest.mark.parametrize("amount", [30, -40])
    @pytest.mark.parametrize("saturate", [True, False])
    def test_snippet_reproduces_result(self, tmp_path, monkeypatch, amount, saturate):
        monkeypatch.chdir(tmp_path)
        image = load_sample("flower")
        namespace = {"image_rgb": image}
        exec(images_snippet(amount=amount, saturate=saturate, file_format="PNG", jpeg_quality=90), namespace)
        assert np.array_equal(namespace["result"], add_brightness(image, amount, saturate=saturate))
        assert np.array_equal(namespace["wrapped"], add_brightness(image, amount, saturate=False))
        assert np.array_equal(namespace["bgr_as_rgb"], bgr_shown_as_rgb(image))
        written = cv2.cvtColor(cv2.imread(str(tmp_path / "output.png")), cv2.COLOR_BGR2RGB)
        assert np.array_equal(written, namespace["result"])

    def test_jpeg_snippet_writes_requested_quality(self, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        image = load_sample("flower")
        exec(
            images_snippet(amount=0, saturate=True, file_format="JPEG", jpeg_quality=40), {"image_rgb": image}
        )
        expected = encode_for_download(image, file_format="JPEG", jpeg_quality=40)
        assert (tmp_path / "output.jpg").read_bytes() == expected
