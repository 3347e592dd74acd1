"""Live camera frame rate: Chromium's fake camera (640x480 test pattern) streamed through each live mode.

    .venv/bin/python benchmarks/live_camera.py [--seconds 20]

For each live mode it opens the page, turns on "Live camera", presses START, waits for the video to play,
then counts for --seconds: frames the server processed (the page's "N frames processed" caption, read at
both ends of the span) and frames the browser's <video> decoded (getVideoPlaybackQuality). Prints frames
per second of both and the machine's load average (this machine is shared: say how loaded it was).
No STUN/TURN: browser and server connect through host candidates on this machine.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, RERUN_DONE, StreamlitServer  # noqa: E402

FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
MODES = {  # name: page path with its query (the tab, a setting)
    "Colour thresholding (default range)": "colour_thresholding",
    "Kernels: kernel builder (Sobel right, 3x3)": "kernels_blur_edges",
    "Kernels: blur (median 11, the Code-for default)": "kernels_blur_edges?kb_tab=Blur",
    "Kernels: edges (Canny 180, 200)": "kernels_blur_edges?kb_tab=Edges",
    "Face detection (1.1, 5, 30 px)": "face_detection",
}
PROCESSED = re.compile(r"\((\d+) frames processed\)")
DECODED = "() => document.querySelector('video').getVideoPlaybackQuality().totalVideoFrames"


def processed(page) -> int:
    for text in page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").all_inner_texts():
        match = PROCESSED.search(text)
        if match:
            return int(match.group(1))
    return -1


def measure(browser, url: str, seconds: float) -> tuple[float, float]:
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, permissions=["camera"])
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(RERUN_DONE, timeout=90_000)
    page.locator("[data-testid='stMain']").get_by_text("Live camera", exact=True).click()
    page.wait_for_selector("iframe[src*='streamlit_webrtc']", timeout=60_000)
    frame = next(f for f in page.frames if "streamlit_webrtc" in f.url)
    frame.get_by_role("button", name="START").click(timeout=60_000)
    frame.wait_for_function("() => { const v = document.querySelector('video'); return v && v.currentTime > 2 }",
                            timeout=60_000)  # fmt: skip
    page.wait_for_function("() => /\\d+ frames processed/.test(document.body.innerText)", timeout=60_000)
    start, server_start, browser_start = time.monotonic(), processed(page), frame.evaluate(DECODED)
    page.wait_for_timeout(seconds * 1000)  # a benchmark's measuring span, not a test's synchronisation
    span = time.monotonic() - start
    server_fps = (processed(page) - server_start) / span
    browser_fps = (frame.evaluate(DECODED) - browser_start) / span
    frame.get_by_role("button", name="STOP").click()
    context.close()
    return server_fps, browser_fps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    with StreamlitServer() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + FAKE_CAMERA)
        print(f"{'live mode':52} {'server fps':>10} {'video fps':>10} {'load':>6}")
        for name, path in MODES.items():
            server_fps, browser_fps = measure(browser, f"{server.url}/{path}", args.seconds)
            print(f"{name:52} {server_fps:10.1f} {browser_fps:10.1f} {os.getloadavg()[0]:6.2f}", flush=True)
        browser.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
