"""Slider -> updated image, measured in real Chromium: our page vs a naive full-resolution page.

    .venv/bin/python benchmarks/slider_latency.py [--presses 40] [--pages PAGE ...] [--skip-upload]

Both pages start from the same 12-megapixel photo (china.jpg enlarged to 4032x3024, like a phone
picture) and answer the same slider (brightness +N, wrapped and saturated). Ours works at the working
resolution and sends display-size JPEGs encoded once; the naive page processes and sends full resolution
through st.image; the floor is Streamlit itself (one slider, two 8x8 images). For every key press we time,
inside the browser, from the key press until a changed image is in the page, every image has loaded and
the script has finished. Prints medians and p95 and their ratio, all measured in one run; for each page
of --pages also its median over the floor's and the server's CPU time per move (utime + stime of the
server process from /proc, robust to other work on a shared machine, unlike wall time).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from samples import sample_path  # noqa: E402
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, RERUN_DONE, StreamlitServer  # noqa: E402

NAIVE_PAGE = """
import cv2
import numpy as np
import streamlit as st

st.set_page_config(layout="wide")
image = cv2.cvtColor(cv2.imread({path!r}), cv2.COLOR_BGR2RGB)
amount = st.slider("Add to every pixel", -100, 100, 30)
left, right = st.columns(2)
left.image(image + np.uint8(amount % 256), caption="wrapped")
right.image(cv2.add(image, np.full_like(image, amount)), caption="saturated")
"""

# The floor: Streamlit itself, a slider and two tiny images, nothing else.
FLOOR_PAGE = """
import numpy as np
import streamlit as st

value = st.slider("x", 0, 200, 30)
st.image(np.full((8, 8, 3), value, np.uint8))
st.image(np.full((8, 8, 3), 255 - value, np.uint8))
"""


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15 of stat)


def timed_with_cpu(pid: int, run) -> tuple[list[float], float]:
    """(the timings run() returns, the server's CPU milliseconds per timed press)."""
    before = server_cpu_seconds(pid)
    timings = run()
    return timings, 1000 * (server_cpu_seconds(pid) - before) / max(1, len(timings))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_presses(page, presses: int, label: str | None = None) -> list[float]:
    """Milliseconds, measured inside the browser, from each key press on a slider (the first enabled one, or
    the one whose label contains `label`) to the moment a changed image is in the page, every image has
    finished loading and the script has finished.

    Timing in the page itself (performance.now) leaves out the test driver's own round trips; the page is
    polled every 5 ms, so each figure may be up to ~5 ms late. The same clock serves every page compared.
    """
    main = page.locator("[data-testid='stMain']")
    if label:
        main = main.locator("[data-testid='stSlider']", has_text=label)
    slider = main.locator("input[type='range']:enabled").first
    timings = []
    key = "ArrowRight"
    for _ in range(presses):
        value, low, high = slider.evaluate("e => [Number(e.value), Number(e.min), Number(e.max)]")
        if value >= high or value <= low:  # bounce at either end (values on the way back may be cached)
            key = "ArrowLeft" if value >= high else "ArrowRight"
        sources = page.locator("[data-testid='stMain'] img").evaluate_all("els => els.map(e => e.src)")
        slider.focus()
        page.evaluate(
            """() => { window.__pressed = null;
                document.addEventListener("keydown", () => { window.__pressed = performance.now(); },
                                          {capture: true, once: true}); }"""
        )
        slider.press(key)  # a new value, so a changed image is new (unless a page caches it from before)
        handle = page.wait_for_function(
            """([before, done]) => {
                const images = Array.from(document.querySelectorAll("[data-testid='stMain'] img"));
                const fresh = images.filter(image => !before.includes(image.src));
                const ready = fresh.length > 0 && images.every(image => image.complete)
                    && document.querySelector(done) !== null;
                return ready ? performance.now() - window.__pressed : false;
            }""",
            arg=[sources, RERUN_DONE],
            polling=5,
            timeout=20_000,
        )
        timings.append(handle.json_value())
    return timings


def time_upload(browser, server, photo: Path, presses: int, results: dict) -> None:
    """Images & video on a 12-megapixel upload: results["ours ..."]."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server.url)
    page.wait_for_selector(RERUN_DONE)
    page.locator("[data-testid='stSidebar'] button", has_text="Upload").click()
    page.wait_for_selector(RERUN_DONE)
    page.locator("[data-testid='stSidebar'] input[type='file']").set_input_files(str(photo))
    page.wait_for_selector("[data-testid='stSidebar'] >> text=upload: phone_photo.jpg", timeout=60_000)
    page.get_by_role("link", name="Images & video").first.click()
    page.wait_for_selector("text=Brightness: wrap-around vs saturation")
    page.wait_for_selector(RERUN_DONE)
    time_presses(page, 4)  # warm the caches the way a student's first moves do
    results["ours (working size 1024, display JPEG)"] = time_presses(page, presses)
    page.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument(
        "--cold-visits", type=int, default=5, help="new browser sessions timed to first image"
    )
    parser.add_argument(
        "--pages",
        nargs="*",
        default=[],
        help="also time a slider of these pages on the default sample: a url path (its first enabled slider), "
        "or 'path?query|label' (the slider whose label contains label, after opening path?query)",
    )
    parser.add_argument(
        "--skip-upload",
        action="store_true",
        help="time only --pages and the floor (not the 12-megapixel upload or the naive page)",
    )
    args = parser.parse_args()
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        photo = Path(scratch) / "phone_photo.jpg"
        big = cv2.resize(cv2.imread(str(sample_path("china"))), (4032, 3024), interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(str(photo), big, [cv2.IMWRITE_JPEG_QUALITY, 92])
        naive_script = Path(scratch) / "naive_page.py"
        naive_script.write_text(NAIVE_PAGE.format(path=str(photo)))
        results = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            with StreamlitServer() as server:
                first_paint = []
                for _ in range(args.cold_visits):
                    fresh = browser.new_page(viewport={"width": 1400, "height": 1000})
                    start = time.perf_counter()
                    fresh.goto(f"{server.url}/kernels_blur_edges")
                    fresh.wait_for_selector("[data-testid='stMain'] img", timeout=60_000)
                    first_paint.append((time.perf_counter() - start) * 1000)
                    fresh.close()
                results_first_paint = first_paint
                if not args.skip_upload:
                    time_upload(browser, server, photo, args.presses, results)
                per_page = {}
                for entry in args.pages:
                    path, _, label = entry.partition("|")
                    # tall: every image in view, so none waits for lazy loading
                    page = browser.new_page(viewport={"width": 1400, "height": 4000})
                    page.goto(f"{server.url}/{path}")
                    page.wait_for_selector(RERUN_DONE)
                    page.wait_for_selector("[data-testid='stMain'] img", timeout=60_000)
                    try:
                        time_presses(page, 2, label or None)
                        per_page[entry] = timed_with_cpu(
                            server.pid(),
                            functools.partial(time_presses, page, args.presses // 2, label or None),
                        )
                    except PlaywrightTimeout:
                        print(f"page {entry}: that slider does not change an image; not timed")
                    page.close()
            if not args.skip_upload:
                with StreamlitServer(str(naive_script)) as server:
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    page.goto(server.url)
                    page.wait_for_selector(RERUN_DONE)
                    page.wait_for_selector("[data-testid='stMain'] img")
                    time_presses(page, 4)
                    results["naive (full 4032x3024 through st.image)"] = time_presses(page, args.presses)
            floor_script = Path(scratch) / "floor_page.py"
            floor_script.write_text(FLOOR_PAGE)
            with StreamlitServer(str(floor_script)) as server:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(server.url)
                page.wait_for_selector(RERUN_DONE)
                page.wait_for_selector("[data-testid='stMain'] img")
                time_presses(page, 4)
                floor, floor_cpu = timed_with_cpu(
                    server.pid(), functools.partial(time_presses, page, args.presses)
                )
            browser.close()
    medians = {}
    for name, values in results.items():
        medians[name] = statistics.median(values)
        print(
            f"{name:45s} median {medians[name]:7.1f} ms   p95 {percentile(values, 0.95):7.1f} ms   n={len(values)}"
        )
    floor_median = statistics.median(floor)
    for path, (values, cpu_ms) in per_page.items():
        print(
            f"page {path:50s} median {statistics.median(values):7.1f} ms   p95 {percentile(values, 0.95):7.1f} ms"
            f"   / floor {statistics.median(values) / floor_median:4.2f}x   server CPU {cpu_ms:6.1f} ms per move"
        )
    if results_first_paint:
        print(
            f"first paint (new session -> first image of a page): median {statistics.median(results_first_paint):.0f} ms, "
            f"max {max(results_first_paint):.0f} ms, n={len(results_first_paint)}"
        )
    print(
        f"{'floor (Streamlit: one slider, two 8x8 images)':45s} median {floor_median:7.1f} ms   "
        f"p95 {percentile(floor, 0.95):7.1f} ms   server CPU {floor_cpu:6.1f} ms per move"
    )
    if len(medians) == 2:
        ours, naive = medians.values()
        print(f"naive / ours (median): {naive / ours:.1f}x")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (the machine may be shared)")


if __name__ == "__main__":
    main()
