"""Uploads in a real browser: odd but valid images are accepted, bad ones give a message and change nothing."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from lib.nn.cnn_training import QUICK
from samples import sample_bytes
from tests.e2e.browser import app_errors, wait_for_run
from tests.e2e.server import RERUN_DONE
from tests.helpers import png_header_claiming

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


# --- Odd uploads on the pages themselves (issue 16): each gives a clear message and the page goes on. ---

MAIN = "[data-testid='stMain']"
ALERT = f"{MAIN} [data-testid='stAlert']"


def one_frame_clip() -> bytes:
    """A one-frame mp4v clip, written by OpenCV (the way a student's script would write one)."""
    import tempfile
    from pathlib import Path

    import cv2

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "one_frame.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 48))
        writer.write(np.full((48, 64, 3), (40, 40, 200), np.uint8))
        writer.release()
        return path.read_bytes()


def upload_in_main(page, name: str, data: bytes, mime: str) -> None:
    page.locator(f"{MAIN} input[type='file']").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    page.wait_for_timeout(500)
    wait_for_run(page)


def video_caption(page) -> str:
    return page.locator(f"{MAIN} [data-testid='stCaptionContainer']", has_text=" fps · ").inner_text()


def test_a_one_frame_clip_works_without_a_frame_slider(server, page, screenshots):
    page.goto(f"{server.url}/images_video")
    wait_for_run(page)
    assert "45 frames" in video_caption(page)
    upload_in_main(page, "one_frame.mp4", one_frame_clip(), "video/mp4")
    assert "one_frame.mp4: 1 frame · 10.0 fps · 64×48" in video_caption(page)
    alert = page.locator(ALERT, has_text="single frame")
    assert alert.count() == 1
    assert "Upload a longer clip to step through frames" in alert.inner_text()
    assert page.get_by_text("Frame 0 + 20").count() == 1  # the frame and its brightened copy are shown
    alert.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "upload_one_frame_clip.png")
    assert app_errors(page) == []


def test_a_png_named_avi_is_refused_and_the_sample_clip_stays(server, page, screenshots):
    page.goto(f"{server.url}/images_video")
    wait_for_run(page)
    upload_in_main(page, "holiday.avi", GOOD["one_pixel.png"], "video/x-msvideo")
    alert = page.locator(ALERT, has_text="not a video")
    assert alert.count() == 1
    text = alert.inner_text()
    assert "holiday.avi: This file is a PNG image, not a video" in text
    assert "Upload an MP4, AVI or MOV clip" in text and "Still showing the sample clip." in text
    assert "the sample clip: 45 frames" in video_caption(page)
    assert page.locator(f"{MAIN} input[type='range']").count() >= 2  # the frame slider is still there
    alert.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "upload_png_named_avi.png")
    assert app_errors(page) == []


def test_a_one_pixel_image_on_segmentation_says_what_k_means_needs(upload_page, screenshots):
    upload(upload_page, "one_pixel.png", GOOD["one_pixel.png"])
    upload_page.get_by_role("link", name="Segmentation").click()
    upload_page.wait_for_timeout(300)
    wait_for_run(upload_page)
    alert = upload_page.locator(ALERT, has_text="k-means")
    assert alert.count() == 1
    text = alert.inner_text()
    assert "k-means cannot run on this image. The image has 1 pixel" in text
    assert "at least one pixel per cluster (k = 3; the smallest k here is 2)" in text
    assert "Choose a larger image in the sidebar." in text
    assert (
        upload_page.get_by_text("Adaptive gaussian, block 11, C 9").count() == 1
    )  # sections above still draw
    alert.scroll_into_view_if_needed()
    upload_page.screenshot(path=screenshots / "upload_one_pixel_segmentation.png")
    assert app_errors(upload_page) == []


RECORD_PROGRESS = """() => {
    window.progressSeen = [];
    new MutationObserver(() => {
        for (const bar of document.querySelectorAll("[data-testid='stProgress']")) {
            const text = bar.innerText.trim();
            if (text && !window.progressSeen.includes(text)) window.progressSeen.push(text);
        }
    }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


@pytest.mark.slow
def test_a_zip_of_phone_photos_shows_progress_and_trains(server, page, screenshots, tmp_path):
    from tests.photo_zip import phone_photo_zip

    count = 60  # the 60 photos (12 MP JPEGs, 18 MB): fewer decode too fast for the bar to be seen
    data = phone_photo_zip(count)
    page.goto(f"{server.url}/train_cnn")
    wait_for_run(page)
    page.locator(f"{MAIN} button", has_text="Your zip").click()
    wait_for_run(page)
    assert (
        page.locator(MAIN).get_by_text("all together at most 1,500 megapixels").count() >= 1
    )  # the limits are stated
    page.evaluate(RECORD_PROGRESS)
    page.screenshot(path=screenshots / "upload_zip_limits.png")
    zip_path = tmp_path / "photos.zip"
    zip_path.write_bytes(data)  # a file, not a buffer: 18 MB through the DevTools protocol takes ~25 s
    page.locator(f"{MAIN} input[type='file']").set_input_files(zip_path)
    page.wait_for_timeout(500)
    wait_for_run(page)
    seen = page.evaluate("window.progressSeen")
    assert any(f"of {count}" in text for text in seen), seen
    side = QUICK.image_size  # the page opens on the quick preset
    assert page.get_by_text(f"{count} images of {side}×{side} px in 3 classes").count() == 1
    page.locator(f"{MAIN} button", has_text="Train").first.click()
    page.wait_for_timeout(500)
    wait_for_run(page, timeout=120_000)
    assert page.locator(MAIN).get_by_text("Validation accuracy").count() >= 1
    assert page.get_by_text("Saved for this session").count() == 1
    page.screenshot(path=screenshots / "upload_phone_photo_zip.png", full_page=True)
    assert app_errors(page) == []
