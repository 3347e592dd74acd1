"""Partial reruns in real Chromium: on the three most used pages each section is an st.fragment. Moving a
control there must still change its pictures, write the URL and update the Code panel; a new image in the
sidebar (outside every fragment) must reach the sections; a hand-edited kernel must reach the URL."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.browser import MAIN, app_errors, main_state, wait_for_run
from tests.e2e.server import RERUN_DONE

SIDEBAR = "[data-testid='stSidebar']"

# (page url, slider label, its URL key, what its section's Code panel says after two steps right)
SECTIONS = [
    ("kernels_blur_edges?kb_tab=Blur", "Median size", "kb_median_k", "cv2.medianBlur(image, 15)"),
    ("colour_thresholding", "Value low", "ct_v_low", "np.uint8([4, 60, 122])"),
    ("histograms", "Clip limit", "hist_clip", "clipLimit=3.0"),
]


def wait_for_change(page, before: list[str]) -> None:
    for _ in range(120):  # up to ~60 s on a busy machine
        page.wait_for_timeout(500)
        if page.locator(RERUN_DONE).count() and main_state(page)[0] != before:
            wait_for_run(page)
            return
    pytest.fail("the pictures did not change")


def codes(page) -> str:
    return "\n".join(page.locator(f"{MAIN} [data-testid='stCode']").all_inner_texts())


@pytest.mark.parametrize(
    ("path", "label", "key", "code"), SECTIONS, ids=[s[0].split("?")[0] for s in SECTIONS]
)
def test_a_fragment_updates_its_pictures_url_and_code_and_follows_the_sidebar(
    server, page, path, label, key, code
):
    page.goto(f"{server.url}/{path}")
    wait_for_run(page)
    for expander in page.locator(f"{MAIN} summary", has_text="Code — reproduce this result").all():
        expander.click()  # open every Code panel: their text must follow the fragment's rerun
    before = main_state(page)[0]
    slider = page.locator(f"{MAIN} [data-testid='stSlider']", has_text=label).locator("input[type='range']")
    slider.focus()
    slider.press("ArrowRight")
    page.wait_for_timeout(200)
    slider.press("ArrowRight")
    wait_for_change(page, before)
    page.wait_for_function(f"() => window.location.search.includes({key + '='!r})", timeout=30_000)
    page.wait_for_function(
        """code => Array.from(document.querySelectorAll("[data-testid='stCode']"))
                     .some(block => block.innerText.includes(code))""",
        arg=code,
        timeout=30_000,
    )
    assert code in codes(page)
    moved = main_state(page)[0]
    # the sidebar is outside every fragment: a new sample reruns the page, and the section follows it
    page.locator(f"{SIDEBAR} [data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="Greek coins").click()
    wait_for_change(page, moved)
    assert "sample=Greek+coins" in page.url and f"{key}=" in page.url  # the moved value is kept
    assert app_errors(page) == []


def test_a_hand_edited_kernel_reaches_the_url_and_survives_another_page(server, page):
    page.goto(f"{server.url}/kernels_blur_edges")
    wait_for_run(page)
    grid = page.locator(f"{MAIN} [data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    before = main_state(page)[0]
    # the grid's top-left weight: below the header row, in the first column. A double click opens the
    # grid's own cell editor; on a busy machine the grid may not take the first one, so wait for the editor.
    editor = page.locator("input.gdg-input")
    for _ in range(5):
        page.mouse.dblclick(box["x"] + 20, box["y"] + 35 + 17)
        try:
            editor.wait_for(state="visible", timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    editor.fill("7")
    editor.press("Enter")
    wait_for_change(page, before)
    page.wait_for_function("() => window.location.search.includes('kb_kernel=')", timeout=30_000)
    assert re.search(
        r"kb_kernel=7%2C0%2C1%3B-2%2C0%2C2%3B-1%2C0%2C1|kb_kernel=7,0,1;-2,0,2;-1,0,1", page.url
    ), page.url
    text = page.locator(f"{MAIN} [data-testid='stTextInput'] input").first.input_value()
    assert text == "7,0,1;-2,0,2;-1,0,1"
    page.locator(SIDEBAR).get_by_role("link", name="Histograms").first.click()
    wait_for_run(page)
    page.locator(SIDEBAR).get_by_role("link", name="Kernels, blur & edges").first.click()
    wait_for_run(page)
    assert page.locator(f"{MAIN} [data-testid='stTextInput'] input").first.input_value() == text
    assert page.locator(MAIN).get_by_text("The weights sum to 8", exact=False).count() >= 1
    assert app_errors(page) == []
