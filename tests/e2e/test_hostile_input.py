"""Hostile uploads in a real browser: a zip bomb, a path-traversal zip and a pickle-payload weights file.

AppTest cannot drive st.file_uploader, so these go through Chromium. The pages are found by what their
uploaders accept, read from the code (tests.helpers.page_code: the page, or a function of its section or of
the generic ui it calls, directly or not, that calls st.file_uploader with "zip" or "pt"), so a new page
with such an uploader is tested without editing this file. Every upload must give a
message on the page, no exception element, no console error, nothing written or executed on the server,
and the page must still answer a control afterwards.
"""

from __future__ import annotations

import functools
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.e2e.browser import MAIN, app_errors, wait_for_run
from tests.helpers import page_code
from ui.course_map import PageInfo, all_pages

ALERT = f"{MAIN} [data-testid='stAlert']"
MARKER = Path(tempfile.gettempdir()) / f"cvlab_pickle_ran_{os.getpid()}"
ESCAPED = Path(tempfile.gettempdir()) / f"cvlab_escaped_{os.getpid()}.png"


def pages_accepting(*extensions: str) -> list[PageInfo]:
    """Pages whose code (or a ui function they call) shows a file_uploader taking one of `extensions`."""
    quoted = "|".join(re.escape(extension) for extension in extensions)
    pattern = re.compile(rf"""["']\.?(?:{quoted})["']""")
    return [
        info
        for info in all_pages()
        if any("file_uploader" in code and pattern.search(code) for code in page_code(info.file))
    ]


def png_bytes(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((16, 16, 3), colour, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@functools.cache
def zip_bomb() -> bytes:
    """Two honest class folders and one member that inflates 60 MB of zeros from about 60 KB."""
    return zip_bytes(
        {
            "cats/a.png": png_bytes((200, 40, 40)),
            "dogs/b.png": png_bytes((40, 40, 200)),
            "cats/zeros.png": bytes(60 * 1024 * 1024),
        }
    )


@functools.cache
def traversal_zip() -> bytes:
    """Class folders plus a member whose name climbs out of any folder it is extracted into."""
    climb = "../" * 12 + str(ESCAPED).lstrip("/")
    return zip_bytes(
        {
            "cats/a.png": png_bytes((200, 40, 40)),
            "dogs/b.png": png_bytes((40, 40, 200)),
            climb: png_bytes((0, 0, 0)),
        }
    )


class PicklePayload:
    """Unpickling this calls os.makedirs(MARKER): loading it with plain pickle would leave the marker."""

    def __reduce__(self):
        return (os.makedirs, (str(MARKER),))


@functools.cache
def pickle_weights() -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save({"conv1.weight": PicklePayload()}, buffer)
    return buffer.getvalue()


def open_uploader(page, url: str, extension: str):
    """Open the page and return its main-area file input that accepts `extension`, or None."""
    page.goto(url)
    wait_for_run(page)

    def find():
        inputs = page.locator(f"{MAIN} input[type='file']")
        for index in range(inputs.count()):
            accept = (inputs.nth(index).get_attribute("accept") or "").lower()
            if f".{extension}" in accept or f"/{extension}" in accept:
                return inputs.nth(index)
        return None

    found = find()
    if found is None:  # the uploader may sit behind a choice such as "your own zip" / "upload weights"
        choice = page.locator(f"{MAIN} label, {MAIN} button").filter(
            has_text=re.compile(rf"{extension}|upload|your own", re.IGNORECASE),
            has_not_text=re.compile("download", re.IGNORECASE),  # a Code panel's download is no choice
        )
        for index in range(min(choice.count(), 3)):
            choice.nth(index).click()
            for _ in range(20):  # the rerun may take a moment to start and to draw the uploader
                wait_for_run(page)
                found = find()
                if found is not None:
                    return found
                page.wait_for_timeout(500)
    return found


def upload_and_check(page, file_input, name: str, data: bytes, mime: str) -> str:
    file_input.set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.wait_for_timeout(500)
    wait_for_run(page)
    alerts = page.locator(ALERT)
    assert alerts.count() >= 1, f"uploading {name} showed no message"
    text = " ".join(alerts.all_inner_texts())
    assert app_errors(page) == [], name
    # The session still answers: move the first slider of the page if it has one.
    slider = page.locator(f"{MAIN} input[type='range']:enabled").first
    if slider.count():
        slider.focus()
        slider.press("ArrowRight")
        wait_for_run(page)
    assert app_errors(page) == [], f"after uploading {name}"
    return text


ZIP_PAGES = pages_accepting("zip")
WEIGHTS_PAGES = pages_accepting("pt", "pth")


def test_the_zip_pages_are_found():
    """The source reading finds the pages that take a zip of class folders (so the test below runs on them)."""
    assert {"datasets_loaders", "train_cnn"} <= {info.url_path for info in ZIP_PAGES}


@pytest.mark.parametrize("info", ZIP_PAGES, ids=[i.url_path for i in ZIP_PAGES])
def test_zip_bomb_and_path_traversal_are_refused(server, page, info):
    file_input = open_uploader(page, f"{server.url}/{info.url_path}", "zip")
    assert file_input is not None, f"{info.title}: no .zip file input found in the main area"
    text = upload_and_check(page, file_input, "bomb.zip", zip_bomb(), "application/zip")
    assert re.search(r"bomb|expands|too large|limit|refused", text, re.IGNORECASE), text
    # The same uploader, another file (the bomb's message must give way to this one's).
    text = upload_and_check(page, file_input, "climb.zip", traversal_zip(), "application/zip")
    assert re.search(r"\.\./|outside|traversal|unsafe path", text, re.IGNORECASE), text
    assert not ESCAPED.exists(), "a zip member was written outside its folder"


@pytest.mark.parametrize(
    "info", WEIGHTS_PAGES or [None], ids=[i.url_path for i in WEIGHTS_PAGES] or ["no-weights-page"]
)
def test_pickle_payload_weights_are_refused_unopened(server, page, info):
    if info is None:
        pytest.skip("no page accepts a weights file (.pt / .pth) yet")
    file_input = open_uploader(page, f"{server.url}/{info.url_path}", "pt") or open_uploader(
        page, f"{server.url}/{info.url_path}", "pth"
    )
    if file_input is None:
        pytest.skip(f"{info.title}: no .pt file input found in the main area")
    text = upload_and_check(page, file_input, "evil.pt", pickle_weights(), "application/octet-stream")
    assert not MARKER.exists(), "the pickle payload ran on the server"
    assert re.search(r"pickle|refused|not just tensors|unsafe|cannot", text, re.IGNORECASE), text


def test_the_hostile_files_are_what_they_claim():
    """The corpus itself: the bomb really inflates 1000x, the climb really climbs, the pickle really runs."""
    import pickle

    import torch

    with zipfile.ZipFile(io.BytesIO(zip_bomb())) as archive:
        zeros = archive.getinfo("cats/zeros.png")
        assert zeros.file_size / zeros.compress_size > 500
    with zipfile.ZipFile(io.BytesIO(traversal_zip())) as archive:
        assert any(name.startswith("../") for name in archive.namelist())
    with pytest.raises(pickle.UnpicklingError):
        torch.load(io.BytesIO(pickle_weights()), weights_only=True)
    assert not MARKER.exists()
    try:
        torch.load(io.BytesIO(pickle_weights()), weights_only=False)  # what an unsafe loader would do
        assert MARKER.is_dir()
    finally:
        if MARKER.exists():
            MARKER.rmdir()
