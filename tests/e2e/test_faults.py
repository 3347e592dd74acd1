"""Faults with a real server: it restarts under an open page; a training run is interrupted mid-epoch.

The restart: Chromium has a page open, the server stops (the app says it lost the connection), a new
server starts on the same port, and within 30 s the page is back and answers a slider again.
The interruption: over the websocket protocol (benchmarks/protocol.py), Train is pressed and, while it
runs, Stop is pressed; the run that answers finishes clean and the next run works.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from benchmarks.protocol import StreamlitSession, run_sync
from tests.e2e.browser import MAIN, app_errors, main_state, wait_for_run
from tests.e2e.server import StreamlitServer
from ui.course_map import all_pages

APP = "[data-testid='stApp']"
RECOVERY_MS = 30_000


def page_with_slider() -> str:
    """The url path of a built page with a slider that changes its picture (the classroom pages first)."""
    paths = [info.url_path for info in all_pages()]
    for preferred in ("colour_thresholding", "kernels_blur_edges", "colour_spaces", "images_video"):
        if preferred in paths:
            return preferred
    if not paths:
        pytest.skip("no page is built yet")
    return paths[0]


def connection_state(page) -> str | None:
    return page.locator(APP).get_attribute("data-test-connection-state")


def test_the_page_recovers_after_a_server_restart(browser):
    path = page_with_slider()
    first = StreamlitServer(env={"CVLAB_DEVICE": "cpu"})
    second = StreamlitServer(env={"CVLAB_DEVICE": "cpu"})
    second.port, second.url = first.port, first.url  # the same address, as after a redeploy
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    try:
        with first:
            page.goto(f"{first.url}/{path}")
            wait_for_run(page)
            assert connection_state(page) == "CONNECTED"
        # The server is gone: the app notices and says so.
        page.wait_for_function(
            "sel => document.querySelector(sel)?.getAttribute('data-test-connection-state') !== 'CONNECTED'",
            arg=APP,
            timeout=RECOVERY_MS,
        )
        page.get_by_text(re.compile(r"Connection error|Connecting|not responding")).first.wait_for(
            timeout=RECOVERY_MS
        )
        with second:
            page.wait_for_function(
                "sel => document.querySelector(sel)?.getAttribute('data-test-connection-state') === 'CONNECTED'",
                arg=APP,
                timeout=RECOVERY_MS,
            )
            wait_for_run(page, timeout=RECOVERY_MS)
            page.console_errors.clear()  # "server not responding" while it was down is the expected message
            assert page.locator(f"{MAIN} h1").first.is_visible()
            before = main_state(page)
            slider = page.locator(f"{MAIN} input[type='range']:enabled").first
            assert slider.count(), f"/{path} has no slider"
            slider.focus()
            for _ in range(3):
                slider.press("ArrowRight")
            wait_for_run(page)
            assert main_state(page) != before, "after the restart, moving the slider changed nothing"
            assert app_errors(page) == []
    finally:
        page.close()


def test_an_interrupted_training_run_leaves_the_page_usable(server):
    pages = [info.url_path for info in all_pages()]
    path = next((name for name in ("train_cnn", "train_network") if name in pages), None)
    if path is None:
        pytest.skip("no training page is built yet")

    async def scenario():
        async with StreamlitSession(server.url, timeout=180) as session:
            opened = await session.open(path)
            assert opened.ok, (opened.exceptions, opened.errors)
            if not any(widget.label == "Train" for widget in opened.widgets):
                pytest.skip(f"/{path} shows no Train button when opened")
            train = opened.widget("Train")
            stop = opened.widget("Stop")
            session.remember(train, True)
            await session.send()
            await asyncio.sleep(1.0)  # training is under way
            del session.widget_states[train.id]  # Train fired once
            session.remember(stop, True)
            await session.send()  # interrupts the training run; this run answers
            stopped = await session.collect()
            del session.widget_states[stop.id]
            after = await session.rerun()
            return stopped, after

    stopped, after = run_sync(scenario())
    for run in (stopped, after):
        assert run.status == "FINISHED_SUCCESSFULLY", run.status
        assert not run.exceptions, run.exceptions
        assert not run.errors, run.errors
