"""decode_image and friends: reference decoding, conversions, and a corpus of bad uploads."""

import ast
import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from lib.cv.images import (
    ImageError,
    check_image,
    decode_image,
    digest,
    encode_jpeg,
    encode_png,
    fit_to_working_size,
    image_size_of,
    to_gray,
    to_rgb,
)
from samples import load_sample, sample_bytes
from tests.helpers import png_header_claiming
from tests.tolerances import UINT8_ATOL


def pil_bytes(image: Image.Image, file_format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=file_format, **params)
    return buffer.getvalue()


class TestDecodeImage:
    def test_png_equals_opencv(self):
        data = sample_bytes("coffee")
        reference = cv2.cvtColor(
            cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB
        )
        assert np.array_equal(decode_image(data), reference)

    def test_jpeg_close_to_opencv(self):
        data = sample_bytes("flower")
        reference = cv2.cvtColor(
            cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB
        )
        decoded = decode_image(data)
        assert decoded.shape == reference.shape
        # libjpeg builds may round IDCT differently by one level
        assert np.abs(decoded.astype(int) - reference.astype(int)).max() <= UINT8_ATOL + 2

    def test_gray_becomes_rgb_with_equal_channels(self):
        rgb = decode_image(sample_bytes("coins"))
        assert rgb.shape == (303, 384, 3) and rgb.dtype == np.uint8
        assert np.array_equal(rgb[:, :, 0], rgb[:, :, 2])

    def test_rgba_composited_over_white(self):
        rgba = np.zeros((4, 4, 4), np.uint8)
        rgba[:, :, 0] = 200  # red, fully transparent except one opaque pixel
        rgba[0, 0, 3] = 255
        decoded = decode_image(pil_bytes(Image.fromarray(rgba, "RGBA"), "PNG"))
        assert decoded[0, 0].tolist() == [200, 0, 0]
        assert decoded[3, 3].tolist() == [255, 255, 255]

    def test_16_bit_png_scaled_to_8_bit(self):
        values = np.array([[0, 65535], [32896, 257]], dtype=np.uint16)
        ok, buffer = cv2.imencode(".png", values)
        assert ok
        decoded = decode_image(buffer.tobytes())
        assert decoded[:, :, 0].tolist() == [[0, 255], [128, 1]]

    def test_palette_png(self):
        palette_image = Image.fromarray(np.array([[0, 1], [1, 0]], np.uint8), "P")
        palette_image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
        decoded = decode_image(pil_bytes(palette_image, "PNG"))
        assert decoded[0, 0].tolist() == [255, 0, 0] and decoded[0, 1].tolist() == [0, 0, 255]

    def test_cmyk_jpeg(self):
        cmyk = Image.new("CMYK", (8, 8), (0, 255, 255, 0))  # pure red in CMYK
        decoded = decode_image(pil_bytes(cmyk, "JPEG"))
        assert decoded.shape == (8, 8, 3)
        red, green, blue = decoded[4, 4].astype(int)
        assert red > 200 and green < 60 and blue < 60

    def test_exif_orientation_applied(self):
        wide = Image.fromarray(np.zeros((10, 20, 3), np.uint8))
        exif = Image.Exif()
        exif[0x0112] = 6  # rotate 90° clockwise to display
        decoded = decode_image(pil_bytes(wide, "JPEG", exif=exif.tobytes()))
        assert decoded.shape[:2] == (20, 10)

    def test_reduced_jpeg_decode_keeps_at_least_the_size_asked_for(self):
        rng = np.random.default_rng(1)
        smooth = cv2.resize(rng.integers(0, 256, (30, 40, 3), dtype=np.uint8), (4000, 3000))
        data = pil_bytes(Image.fromarray(smooth), "JPEG", quality=90)
        full = decode_image(data)
        assert full.shape == (3000, 4000, 3)
        assert decode_image(data, reduce_to=128).shape == (375, 500, 3)  # 1/8: the smallest JPEG scale
        assert decode_image(data, reduce_to=1000).shape == (1500, 2000, 3)  # 1/2 keeps 1000 on both sides
        assert decode_image(data, reduce_to=2000).shape == (3000, 4000, 3)  # 1/2 would give 1500 rows
        # The same picture: the reduced decode is the full one shrunk (up to JPEG's DCT scaling).
        reduced = decode_image(data, reduce_to=128).astype(float)
        shrunk = cv2.resize(full, (500, 375), interpolation=cv2.INTER_AREA).astype(float)
        assert np.abs(reduced - shrunk).mean() < 3

    def test_reduced_decode_applies_exif_orientation_and_leaves_png_whole(self):
        wide = Image.fromarray(np.zeros((600, 1600, 3), np.uint8))
        exif = Image.Exif()
        exif[0x0112] = 6
        # 1/4 scale (1/8 would leave 75 rows, fewer than 100), then turned upright: 150 wide, 400 high.
        assert decode_image(pil_bytes(wide, "JPEG", exif=exif.tobytes()), reduce_to=100).shape == (
            400,
            150,
            3,
        )
        assert decode_image(pil_bytes(wide, "PNG"), reduce_to=100).shape == (600, 1600, 3)

    def test_image_size_of_reads_the_header_only(self):
        assert image_size_of(png_header_claiming(5_000, 4_000)) == (5_000, 4_000)  # no pixel data at all
        with pytest.raises(ImageError):
            image_size_of(b"not an image")

    def test_one_pixel_image_is_fine(self):
        decoded = decode_image(pil_bytes(Image.new("RGB", (1, 1), (1, 2, 3)), "PNG"))
        assert decoded.tolist() == [[[1, 2, 3]]]

    @pytest.mark.parametrize("file_format", ["WEBP", "BMP", "TIFF"])
    def test_other_formats(self, file_format):
        image = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
        params = {"lossless": True} if file_format == "WEBP" else {}
        assert np.array_equal(decode_image(pil_bytes(Image.fromarray(image), file_format, **params)), image)


class TestBadUploads:
    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"", "empty"),
            (np.random.default_rng(1).bytes(2048), "not an image"),
            (b"GIF89a" + b"\x00" * 40, "not"),
            (png_header_claiming(50_000, 50_000), "too large"),
        ],
        ids=["empty", "random-bytes", "broken-gif", "png-header-50000x50000"],
    )
    def test_clear_message(self, data, message):
        with pytest.raises(ImageError, match=message):
            decode_image(data)

    def test_truncated_png(self):
        data = sample_bytes("coffee")
        with pytest.raises(ImageError, match="damaged or truncated"):
            decode_image(data[: len(data) // 2])

    def test_max_pixels_is_respected(self):
        data = sample_bytes("coins")  # 384 x 303 = 116,352 pixels
        with pytest.raises(ImageError, match="too large"):
            decode_image(data, max_pixels=100_000)
        assert decode_image(data, max_pixels=116_352).shape[:2] == (303, 384)

    def test_image_error_is_a_value_error(self):
        assert issubclass(ImageError, ValueError)


class TestWorkingSize:
    def test_shrinks_longer_side_keeps_aspect(self):
        image = load_sample("group")  # 1180 x 420
        fitted = fit_to_working_size(image, longest_side=590)
        assert fitted.shape == (210, 590, 3)

    def test_never_enlarges(self):
        image = load_sample("coins")
        assert fit_to_working_size(image, longest_side=4000) is image

    def test_uses_inter_area(self):
        image = load_sample("coffee")
        reference = cv2.resize(image, (300, 200), interpolation=cv2.INTER_AREA)
        assert np.array_equal(fit_to_working_size(image, longest_side=300), reference)

    def test_bad_side(self):
        with pytest.raises(ValueError, match="at least 1"):
            fit_to_working_size(load_sample("coins"), longest_side=0)


ROOT = Path(__file__).resolve().parents[2]


class TestCheckImage:
    """The one image check of lib: uint8, gray (H, W) or RGB (H, W, 3), at least one pixel."""

    @pytest.mark.parametrize("shape", [(1, 1), (3, 5), (1, 1, 3), (4, 2, 3)])
    def test_accepts_gray_and_rgb_uint8_unchanged(self, shape):
        image = np.zeros(shape, np.uint8)
        assert check_image(image) is image

    @pytest.mark.parametrize(
        ("image", "message"),
        [
            ([[0, 1]], "Expected an image array, got list"),
            (
                np.zeros((4, 4, 3), np.float32),
                r"Expected an 8-bit \(uint8\) image, values 0-255, got float32",
            ),
            (np.zeros((4, 4), bool), "uint8.*got bool"),
            (np.zeros((4, 4, 4), np.uint8), r"RGB \(H, W, 3\) or gray \(H, W\) image, got shape \(4, 4, 4\)"),
            (np.zeros((4, 4, 1), np.uint8), r"got shape \(4, 4, 1\)"),
            (np.zeros(5, np.uint8), r"got shape \(5,\)"),
            (np.zeros((0, 4, 3), np.uint8), r"no pixels \(4×0\)"),
        ],
        ids=["list", "float", "bool", "rgba", "one-channel", "vector", "empty"],
    )
    def test_refuses_with_a_message(self, image, message):
        with pytest.raises(ImageError, match=message):
            check_image(image)
        with pytest.raises(ImageError, match=message):
            to_rgb(image)
        with pytest.raises(ImageError, match=message):
            to_gray(image)

    def test_names_the_task(self):
        with pytest.raises(ImageError, match=r"^Face detection needs an 8-bit \(uint8\) image"):
            check_image(np.zeros((4, 4), np.float64), task="Face detection")

    def test_rgb_passes_through_to_rgb(self):
        image = np.zeros((2, 2, 3), np.uint8)
        assert to_rgb(image) is image

    def test_lib_keeps_no_copy_of_it(self):
        """No lib module defines its own _check_image / _as_rgb / _as_gray / _to_rgb / _to_gray again."""
        copies = {"_check_image", "_as_rgb", "_as_gray", "_to_rgb", "_to_gray", "_check_uint8", "_gray_uint8"}
        found = [
            f"{path.relative_to(ROOT)}:{node.name}"
            for path in sorted((ROOT / "lib").rglob("*.py"))
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.FunctionDef) and node.name in copies
        ]
        assert found == []


class TestHelpers:
    def test_gray_uses_opencv_weights(self):
        image = load_sample("flower")
        assert np.array_equal(to_gray(image), cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
        assert to_gray(to_gray(image)) is not None and to_gray(to_gray(image)).ndim == 2

    def test_to_rgb_of_gray(self):
        gray = np.arange(6, dtype=np.uint8).reshape(2, 3)
        assert to_rgb(gray).shape == (2, 3, 3) and np.array_equal(to_rgb(gray)[:, :, 1], gray)

    def test_digest_depends_on_content_and_shape(self):
        a = np.zeros((4, 4), np.uint8)
        b = a.copy()
        b[0, 0] = 1
        assert digest(a) == digest(a.copy())
        assert digest(a) != digest(b)
        assert digest(a) != digest(a.reshape(2, 8))

    def test_png_round_trip_is_exact_jpeg_is_close(self):
        image = load_sample("coffee")
        assert np.array_equal(decode_image(encode_png(image)), image)
        jpeg = decode_image(encode_jpeg(image, quality=95))
        assert np.abs(jpeg.astype(int) - image.astype(int)).mean() < 3

    def test_jpeg_quality_changes_size(self):
        image = load_sample("coffee")
        assert len(encode_jpeg(image, quality=20)) < len(encode_jpeg(image, quality=95))
        with pytest.raises(ValueError, match="quality"):
            encode_jpeg(image, quality=101)
