"""Resident memory of the server as a student works through the course, step by step.

    .venv/bin/python benchmarks/memory.py

(a) the OpenCV pages only, (b) plus our LeNet / shapes-CNN pages, (c) plus a torchvision model
(ResNet18 with random weights: the ImageNet weights cannot be downloaded offline; the architecture and
its activations are what take the memory). Prints the server's VmRSS after each step and whether torch
was imported by then.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, RERUN_DONE, StreamlitServer  # noqa: E402
from ui.course_map import SECTIONS  # noqa: E402

OPENCV_SECTIONS = ("OpenCV basics", "Colour", "Geometry & filters", "Analysis")
MODEL_PAGES = ("feature_maps", "classifier", "transfer_learning")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def torch_loaded(pid: int) -> bool:
    return "libtorch" in Path(f"/proc/{pid}/maps").read_text()


def visit(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(RERUN_DONE, timeout=120_000)
    page.wait_for_timeout(1500)
    page.wait_for_selector(RERUN_DONE, timeout=120_000)


def main() -> None:
    from playwright.sync_api import sync_playwright

    opencv_paths = [page.url_path for name in OPENCV_SECTIONS for page in SECTIONS[name] if page.exists]
    with sync_playwright() as playwright, StreamlitServer(env={"CVLAB_DEVICE": "cpu"}) as server:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        visit(page, server.url)
        pid = server.pid()
        print(f"{'step':58s} {'RSS MB':>8s}  torch loaded")
        print(f"{'started, course map shown':58s} {rss_mb(pid):8.0f}  {torch_loaded(pid)}")
        for path in opencv_paths:
            visit(page, f"{server.url}/{path}")
        print(
            f"{'(a) every OpenCV page visited (' + str(len(opencv_paths)) + ')':58s} {rss_mb(pid):8.0f}  {torch_loaded(pid)}"
        )
        for path in MODEL_PAGES:
            visit(page, f"{server.url}/{path}")
        print(
            f"{'(b) + feature maps, classifier, transfer learning':58s} {rss_mb(pid):8.0f}  {torch_loaded(pid)}"
        )
        visit(page, f"{server.url}/feature_maps?fm_model=ResNet18+%28ImageNet%29&fm_random=true")
        print(f"{'(c) + ResNet18 feature maps (random weights)':58s} {rss_mb(pid):8.0f}  {torch_loaded(pid)}")
        browser.close()


if __name__ == "__main__":
    main()
