"""Uploads in a real browser: odd but valid images are accepted, bad ones give a message and change nothing."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from samples import sample_bytes
from tests.e2e.server import RERUN_DONE
from tests.e2e.test_every_page import app_errors, wait_for_run
from tests.lib.test_images import png_header_claiming

SIDEBAR = "[data-testid='stSidebar']"


def encoded(image: Image.Image, file_format: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=file_format)
    return buffer.getvalue()


GOOD = {
    "one_pixel.png": encoded(Image.new("RGB", (1, 1), (200, 10, 10)), "PNG"),
    "sixteen_bit.png": encoded(Image.fromarray(np.full((40, 60), 40000, np.uint16)), "PNG"),
    "transparent.png": encoded(Image.new("RGBA", (50, 30), (0, 0, 255, 128)), "PNG"),
    "cmyk.jpg": encoded(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), "JPEG"),
}
BAD = {
    "random.png": (np.random.default_rng(0).bytes(4096), "not an image"),
    "truncated.png": (sample_bytes("coffee")[:20_000], "damaged or truncated"),
    "bomb.png": (png_header_claiming(50_000, 50_000), "too large"),
    "empty.png": (b"", "empty"),
}


@pytest.fixture
def upload_page(server, page):
    page.goto(f"{server.url}/images_video")
    wait_for_run(page)
    page.locator(f"{SIDEBAR} button", has_text="Upload").click()
    wait_for_run(page)
    return page


def upload(page, name: str, data: bytes) -> None:
    page.locator(f"{SIDEBAR} input[type='file']").set_input_files(
        files=[{"name": name, "mimeType": "image/png", "buffer": data}]
    )
    page.wait_for_timeout(500)
    wait_for_run(page)


@pytest.mark.parametrize("name", list(GOOD))
def test_odd_valid_images_become_the_current_image(upload_page, name):
    upload(upload_page, name, GOOD[name])
    assert upload_page.locator(SIDEBAR).get_by_text(f"upload: {name}").count() == 1
    assert upload_page.locator(f"{SIDEBAR} [data-testid='stAlert']").count() == 0
    assert app_errors(upload_page) == []


def test_bad_uploads_give_a_message_and_keep_the_previous_image(upload_page):
    upload(upload_page, "one_pixel.png", GOOD["one_pixel.png"])
    for name, (data, message) in BAD.items():
        if not data:
            continue  # the browser refuses to send an empty file; decode_image's message is tested in lib
        upload(upload_page, name, data)
        alert = upload_page.locator(f"{SIDEBAR} [data-testid='stAlert']")
        assert alert.count() == 1, name
        assert message in alert.inner_text(), (name, alert.inner_text())
        assert "previous image is still in use" in alert.inner_text()
        assert upload_page.locator(SIDEBAR).get_by_text("upload: one_pixel.png").count() == 1, name
        assert upload_page.locator(RERUN_DONE).count() == 1
        assert app_errors(upload_page) == [], name
