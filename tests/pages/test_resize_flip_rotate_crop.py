"""Resize, flip, rotate, crop page: defaults run clean, each control changes the picture, snippets reproduce."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lib.cv import transforms
from lib.cv.images import DEFAULT_WORKING_SIDE, decode_image, encode_png, fit_to_working_size
from samples import DEFAULT_SAMPLE, SAMPLES, sample_bytes
from tests.helpers import run_program
from tests.pages.harness import ROOT, assert_clean, image_captions, image_urls, run_page

PAGE = "app_pages/resize_flip_rotate_crop.py"


def working_image() -> np.ndarray:
    """The page's default image: the default sample at the default working size, as the sidebar makes it."""
    return fit_to_working_size(decode_image(sample_bytes(DEFAULT_SAMPLE)), longest_side=DEFAULT_WORKING_SIDE)


def run_beside(code: str, image_rgb: np.ndarray, folder) -> np.ndarray:
    """Run a shown program in `folder` beside the image as input.png; its `result`."""
    (folder / "input.png").write_bytes(encode_png(image_rgb))
    return run_program(code, folder)


class TestResizeFlipRotateCropPage:
    @pytest.mark.parametrize("sample", list(SAMPLES))
    def test_every_sample_runs_clean(self, sample):
        # small samples miss the course's crop rectangle: the page starts from their middle, no error box
        app = run_page(PAGE, session_state={"sample": sample})
        assert len(image_captions(app)) == 14
        assert any(caption.startswith("image[") for caption in image_captions(app))

    def test_defaults(self):
        app = run_page(PAGE)
        image = working_image()
        height, width = image.shape[:2]
        captions = image_captions(app)
        assert f"Original · {width}×{height}" in captions
        assert "Resized · 400×400 · linear" in captions  # the course's 400 x 400
        for name in transforms.INTERPOLATIONS:
            assert f"{name} ×8" in captions
        assert "cv2.flip(image, 1)" in captions
        assert f"cv2.rotate: 90° clockwise · {height}×{width}" in captions
        # the course's crop x 400..800, y 300..900, clipped to the working image
        y_end, x_end = min(900, height), min(800, width)
        assert f"image[300:{y_end}, 400:{x_end}] · {x_end - 400}×{y_end - 300}" in captions
        assert len(app.get("code")) == 5

    def test_snippets_reproduce_the_defaults(self, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        app = run_page(PAGE)
        image = working_image()
        codes = [code.value for code in app.get("code")]
        region = transforms.magnifier_region(image.shape[1], image.shape[0])
        expected = [
            transforms.resize_to(image),
            transforms.magnify(image, region=region, zoom=8, interpolation="lanczos4"),
            transforms.flip(image, flip_code=1),
            transforms.rotate_quarter(image, degrees_clockwise=90),
            transforms.crop(image),
        ]
        for code, result in zip(codes, expected, strict=True):
            np.testing.assert_array_equal(run_beside(code, image, tmp_path), result)

    def test_width_slider_resizes(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.slider(key="rf_width").set_value(200).run()
        assert_clean(app)
        assert "Resized · 200×400 · linear" in image_captions(app)
        assert image_urls(app) != before

    def test_percent_mode_uses_the_course_scaling(self):
        app = run_page(PAGE)
        app.segmented_control(key="rf_mode").set_value("Percent").run()
        assert_clean(app)
        height, width = working_image().shape[:2]
        assert f"Resized · {int(width * 0.5)}×{int(height * 0.5)} · area" in image_captions(app)
        assert "scale_percentage = 50" in app.get("code")[0].value

    def test_magnifier_moves(self):
        app = run_page(PAGE)
        before = dict(zip(image_captions(app), image_urls(app), strict=True))
        app.slider(key="rf_mag_x").set_value(10).run()
        assert_clean(app)
        after = dict(zip(image_captions(app), image_urls(app), strict=True))
        for name in transforms.INTERPOLATIONS:  # every enlargement shows another region
            assert after[f"{name} ×8"] != before[f"{name} ×8"]
        assert before["Original"] == after["Original"]  # the rest of the page is untouched

    def test_flip_and_rotation_controls(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.segmented_control(key="rf_flip").set_value(-1).run()
        app.segmented_control(key="rf_rotate_mode").set_value("Any angle").run()
        assert_clean(app)
        captions = image_captions(app)
        assert "cv2.flip(image, -1)" in captions
        assert any(caption.startswith("45° counter-clockwise · ") for caption in captions)
        assert image_urls(app) != before
        app.toggle(key="rf_keep_whole").set_value(False).run()
        assert_clean(app)
        assert any("corners cut off" in caption for caption in image_captions(app))

    def test_crop_outside_the_image_is_an_error_not_a_crash(self):
        app = run_page(PAGE)
        app.slider(key="rf_crop_x").set_value((1900, 2000)).run()
        assert not app.exception
        assert any("outside" in error.value for error in app.error)
        assert "Resized · 400×400 · linear" in image_captions(app)  # the rest of the page still works
        app.slider(key="rf_crop_x").set_value((10, 20)).run()
        assert_clean(app)
        assert any(
            caption.startswith("image[300:") and " · 10×" in caption for caption in image_captions(app)
        )

    def test_empty_crop_is_an_error(self):
        app = run_page(PAGE)
        app.slider(key="rf_crop_y").set_value((100, 100)).run()
        assert not app.exception
        assert any("empty" in error.value for error in app.error)

    def test_a_shared_link_restores_the_view(self):
        app = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
        app.query_params.update(
            {"rf_width": "123", "rf_flip": "-1: both axes", "rf_quarter": "270°", "rf_crop_x": ["10", "50"]}
        )
        app.run()
        assert_clean(app)
        captions = image_captions(app)
        assert "Resized · 123×400 · linear" in captions
        assert "cv2.flip(image, -1)" in captions
        assert any(caption.startswith("cv2.rotate: 270° clockwise") for caption in captions)
        assert any(caption.startswith("image[300:") and ", 10:50] · 40×" in caption for caption in captions)
