"""Real Chromium visits every page: it paints, a control moves, the picture (or text) changes, no errors."""

from __future__ import annotations

import zipfile

import pytest

from tests.e2e.browser import MAIN, app_errors, main_state, wait_for_run
from tests.e2e.server import RERUN_DONE, StreamlitServer
from ui.course_map import all_pages

PAGES = all_pages()


def test_course_map(server, page, screenshots):
    page.goto(server.url)
    wait_for_run(page)
    assert page.get_by_role("heading", name="CV Skills Lab").is_visible()
    for info in PAGES:
        assert page.locator(MAIN).get_by_text(info.teaches).count() == 1, info.title
    page.screenshot(path=screenshots / "home.png", full_page=True)
    assert app_errors(page) == []


def test_sidebar_sample_changes_image_and_url(server, page):
    page.goto(f"{server.url}/images_video")
    wait_for_run(page)
    before = main_state(page)[0]
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="Greek coins").click()
    wait_for_run(page)
    assert "sample=Greek+coins" in page.url  # bound widgets write their shown label
    assert main_state(page)[0] != before
    # The choice survives a page switch and a reload from the URL.
    page.goto(f"{server.url}/images_video?sample=Greek+coins")
    wait_for_run(page)
    assert page.locator("[data-testid='stSidebar']").get_by_text("Greek coins").count() >= 1
    assert app_errors(page) == []


def move_a_control(page, title: str) -> None:
    """Move the page's first enabled slider; else bump its first number input; else pick another option."""
    slider = page.locator(f"{MAIN} input[type='range']:enabled").first
    if slider.count():
        slider.focus()
        for _ in range(3):
            slider.press("ArrowRight")
        return
    number = page.locator(f"{MAIN} input[type='number']:enabled").first
    if number.count():
        number.fill(str(float(number.input_value() or 0) + 1))
        number.press("Enter")
        return
    option = page.locator(f"{MAIN} [data-testid='stButtonGroup'] [role='radio'][aria-checked='false']").first
    if option.count():
        option.click()
        return
    selectbox = page.locator(f"{MAIN} [data-testid='stSelectbox']").first
    assert selectbox.count(), f"{title} has no slider, number input, choice or selectbox to move"
    selectbox.click()
    page.get_by_role("option").nth(1).click()


@pytest.mark.parametrize("info", PAGES, ids=[info.url_path for info in PAGES])
def test_page_paints_and_reacts(server, page, screenshots, info):
    page.goto(f"{server.url}/{info.url_path}")
    wait_for_run(page)
    assert page.locator(f"{MAIN} h1").first.is_visible()
    page.screenshot(path=screenshots / f"{info.url_path}.png", full_page=True)
    assert app_errors(page) == [], info.title
    before = main_state(page)
    move_a_control(page, info.title)
    changed = False
    for _ in range(120):  # up to ~60 s on a busy machine
        page.wait_for_timeout(500)
        if page.locator(RERUN_DONE).count() and main_state(page) != before:
            changed = True
            break
    assert changed, f"{info.title}: nothing changed after moving a control"
    wait_for_run(page)
    page.screenshot(path=screenshots / f"{info.url_path}-moved.png", full_page=True)
    assert app_errors(page) == [], info.title


def test_deep_link_on_a_fresh_server(browser):
    """The first visitor after a restart follows a shared link to a page: navigation and sidebar are there."""
    with StreamlitServer() as fresh:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{fresh.url}/images_video?sample=Greek+coins")
        wait_for_run(page)
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("sample: Greek coins", exact=False).wait_for(timeout=60_000)
        assert sidebar.get_by_text("Course map").count() == 1
        assert sidebar.get_by_text("sample: Greek coins", exact=False).count() == 1
        page.close()


def test_code_panel_download_hands_over_the_program(server, page):
    """Deferred downloads: the zip is made on click, and it holds the script shown in the panel and its image."""
    page.goto(f"{server.url}/images_video")
    wait_for_run(page)
    page.get_by_text("Code — reproduce this result").first.click()
    shown = page.locator("[data-testid='stExpanderDetails'] [data-testid='stCode']").first.inner_text()
    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_role("button", name="Download script, image and files (.zip)").first.click()
    assert download_info.value.suggested_filename == "example.zip"
    with zipfile.ZipFile(download_info.value.path()) as archive:
        names = set(archive.namelist())
        script = archive.read("example/example.py").decode("utf-8")
    assert {"example/example.py", "example/input.png"} <= names
    assert "cv2.add" in script and 'cv2.imread("input.png")' in script
    assert " ".join(script.split()) == " ".join(shown.split())  # the shown text is the downloaded script
    assert app_errors(page) == []
