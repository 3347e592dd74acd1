"""Where the server's time goes in one rerun: a sampling profile of real slider moves in Chromium.

    .venv/bin/python -m pip install py-spy==0.4.1   # the profiler (a benchmark tool, not a test dependency)
    .venv/bin/python benchmarks/rerun_profile.py [--presses 40] [--rate 250] [--pages PAGE ...]

For each page (and Streamlit's floor page: one slider, two 8×8 images) a Streamlit server is started, warmed
up with a few moves, and then py-spy samples every thread of the server while Chromium moves the page's first
slider `--presses` times, waiting each time for the changed image and the end of the run (the same presses as
benchmarks/slider_latency.py). Each sample is put in one bucket by its innermost frame that says what the
thread was doing (see BUCKETS): our page and ui code, our lib (OpenCV / numpy), Streamlit's elements and
widgets, its script runner, message serialisation, display-image encoding, the websocket send, the HTTP media
requests, and the rest (the event loop, threads waking). Garbage collection is timed inside the server by
`gc.callbacks` (a sitecustomize module this script puts on the server's path), since a sampler cannot see it.

Prints one Markdown table per run: milliseconds of server time per rerun in each bucket (samples / rate /
presses), the sampled total next to the CPU time the kernel counted for the process (/proc utime + stime).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.slider_latency import FLOOR_PAGE, server_cpu_seconds, time_presses  # noqa: E402
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, RERUN_DONE, StreamlitServer  # noqa: E402

# 'path?query|label': the slider whose label contains label (benchmarks/slider_latency.py's convention)
PAGES = [
    "colour_thresholding|Value low",
    "kernels_blur_edges?kb_tab=Blur|Median size",
    "histograms|Clip limit",
]
WARM_UP_PRESSES = 6

# The server's garbage collector, timed from inside: totals written every half second to $CVLAB_GC_LOG.
SITECUSTOMIZE = """
import gc, json, os, threading, time
_path = os.environ.get("CVLAB_GC_LOG")
if _path:
    _totals = {"seconds": 0.0, "collections": 0}
    _started = [0.0]
    def _timer(phase, info):
        if phase == "start":
            _started[0] = time.thread_time()
        else:
            _totals["seconds"] += time.thread_time() - _started[0]
            _totals["collections"] += 1
    gc.callbacks.append(_timer)
    def _write():
        while True:
            time.sleep(0.5)
            with open(_path + ".tmp", "w") as handle:
                json.dump(_totals, handle)
            os.replace(_path + ".tmp", _path)
    threading.Thread(target=_write, daemon=True, name="gc-log").start()
"""

# (bucket, test on one frame "function (file:line)"): the first bucket whose test matches the innermost frame
# that any bucket matches wins. Frames of numpy, cv2's Python wrapper and the standard library match none,
# so their time goes to the code that called them.
BUCKETS: list[tuple[str, tuple[str, ...]]] = [
    (
        "display-image encoding (JPEG/PNG)",
        ("/PIL/", "image_utils.py", "encode_for_display", "encode_jpeg", "encode_png"),
    ),
    (
        "websocket send and receive",
        (
            "starlette_websocket.py",
            "starlette/websockets.py",
            "uvicorn/protocols/websockets",
            "/websockets/",
            "/wsproto/",
        ),
    ),
    (
        "HTTP requests (media files, static, health)",
        (
            "media_file",
            "starlette_static_routes.py",
            "starlette_routes.py",
            "starlette_gzip_middleware.py",
            "starlette_path_security_middleware.py",
            "uvicorn/protocols/http",
            "/starlette/",
            "/h11/",
            "/anyio/",
        ),
    ),
    (
        "message serialisation (protobuf)",
        (
            "SerializeToString",
            "serialize_forward_msg",
            "runtime_util.py",
            "forward_msg_queue.py",
            "forward_msg_cache.py",
            "/google/protobuf/",
            "/proto/",
        ),
    ),
    ("after the run: gc.collect(2) (runner.postScriptGC), orphaned media", ("_on_script_finished (",)),
    ("Streamlit script runner", ("streamlit/runtime/scriptrunner",)),
    (
        "Streamlit elements, widgets, state, caching",
        (
            "streamlit/elements/",
            "streamlit/delta_generator",
            "streamlit/runtime/state/",
            "streamlit/commands/",
            "streamlit/navigation/",
            "streamlit/runtime/caching/",
            "streamlit/runtime/fragment.py",
            "streamlit/runtime/context",
            "streamlit/components/",
            "streamlit/runtime/metrics_util",
            "streamlit/type_util",
            "streamlit/dataframe_util",
            "streamlit/string_util",
            "streamlit/url_util",
        ),
    ),
    (
        "Streamlit session and runtime (messages in and out)",
        ("streamlit/runtime/", "streamlit/web/server/", "streamlit/config.py", "streamlit/config_option.py"),
    ),
    ("our compute (lib: OpenCV, numpy)", (f"({ROOT}/lib/",)),
    ("our page and ui code", (f"({ROOT}/app_pages/", f"({ROOT}/ui/", f"({ROOT}/Home.py")),
    ("other Streamlit code", ("/streamlit/",)),
]
# Innermost frames that are waits (function, file): py-spy counts some samples of them as active; dropped.
WAITS = [
    ("task", "streamlit/watcher/polling_path_watcher.py"),  # time.sleep between polls of config.toml, secrets
    ("_worker", "concurrent/futures/thread.py"),  # a pool thread waiting for work
    ("select", "selectors.py"),  # the event loop waiting for sockets
    ("wait", "threading.py"),
]


def is_wait(frame: str) -> bool:
    function, _, place = frame.partition(" (")
    return any(function == name and file in place for name, file in WAITS)


OTHER = "the rest (event loop, threads, standard library)"
GC = "garbage collection (gc.callbacks)"


def bucket_of(frames: list[str]) -> str:
    """The bucket of one sampled stack (frames root first, as py-spy's raw format writes them)."""
    for frame in reversed(frames):
        for bucket, needles in BUCKETS:
            if any(needle in frame for needle in needles):
                return bucket
    return OTHER


def read_samples(path: Path, leaves: Counter | None = None) -> Counter:
    """Samples per bucket from py-spy's raw output: `thread (id): name;frame;frame... count` per line.
    leaves, when given, counts (bucket, innermost frame) too."""
    counts: Counter = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")[1:]  # the first entry names the thread
        if not frames or is_wait(frames[-1]):
            continue
        if any("gc-log" in part for part in stack.split(";")[:1]):
            continue  # this script's own GC reporter
        bucket = bucket_of(frames)
        counts[bucket] += int(count)
        if leaves is not None and frames:
            leaves[bucket, frames[-1].replace(str(ROOT), "")] += int(count)
    return counts


def read_gc(path: Path) -> dict:
    for _ in range(20):
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            time.sleep(0.1)
    return {"seconds": 0.0, "collections": 0}


def profile_page(
    browser,
    script: str,
    entry: str,
    presses: int,
    rate: int,
    folder: Path,
    keep: Path | None,
    warm_torch: bool,
) -> dict:
    path, _, label = entry.partition("|")
    gc_log = folder / f"gc-{abs(hash(path))}.json"
    env = {
        "CVLAB_DEVICE": "cpu",
        "CVLAB_GC_LOG": str(gc_log),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH", "")])),
    }
    with StreamlitServer(script, env=env) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{server.url}/{path}")
        page.wait_for_selector(RERUN_DONE, timeout=120_000)
        if warm_torch:  # a class's server after its first deep-learning page: torch and its objects loaded
            page.goto(f"{server.url}/tensor_playground")
            page.wait_for_selector(RERUN_DONE, timeout=180_000)
            page.goto(f"{server.url}/{path}")
            page.wait_for_selector(RERUN_DONE, timeout=120_000)
        time_presses(page, WARM_UP_PRESSES, label or None)
        samples = folder / f"spy-{abs(hash(path))}.txt"
        spy = subprocess.Popen(
            [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(server.pid()), "--rate",
             str(rate), "--format", "raw", "--threads", "--full-filenames", "-o", str(samples)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.0)  # py-spy attaches
        gc_before, cpu_before = read_gc(gc_log), server_cpu_seconds(server.pid())
        timings = time_presses(page, presses, label or None)
        cpu = server_cpu_seconds(server.pid()) - cpu_before
        gc_after = read_gc(gc_log)
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
        page.close()
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"{path.split('?')[0] or 'floor'}.txt").write_bytes(samples.read_bytes())
    counts = read_samples(samples)
    per_rerun = {bucket: 1000 * count / rate / presses for bucket, count in counts.items()}
    per_rerun[GC] = 1000 * (gc_after["seconds"] - gc_before["seconds"]) / presses
    return {
        "path": path,
        "per_rerun_ms": per_rerun,
        "sampled_ms": 1000 * sum(counts.values()) / rate / presses,
        "cpu_ms": 1000 * cpu / presses,
        "gc_collections": (gc_after["collections"] - gc_before["collections"]) / presses,
        "median_ms": sorted(timings)[len(timings) // 2],
    }


def table(results: list[dict]) -> str:
    buckets = [bucket for bucket, _ in BUCKETS] + [OTHER, GC]
    names = [result["path"].split("?")[0] for result in results]
    lines = ["| ms of server time per rerun | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for bucket in buckets:
        lines.append(
            f"| {bucket} | " + " | ".join(f"{r['per_rerun_ms'].get(bucket, 0.0):.1f}" for r in results) + " |"
        )
    lines.append("| **sampled total** | " + " | ".join(f"**{r['sampled_ms']:.1f}**" for r in results) + " |")
    lines.append(
        "| CPU time of the process (/proc) | " + " | ".join(f"{r['cpu_ms']:.1f}" for r in results) + " |"
    )
    lines.append(
        "| GC collections per rerun | " + " | ".join(f"{r['gc_collections']:.1f}" for r in results) + " |"
    )
    lines.append(
        "| slider → image in Chromium, median | "
        + " | ".join(f"{r['median_ms']:.0f}" for r in results)
        + " |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--pages", nargs="*", default=PAGES, help="'path?query|slider label' entries")
    parser.add_argument(
        "--warm-torch",
        action="store_true",
        help="visit Tensor playground first, so torch is loaded (a class's server)",
    )
    parser.add_argument(
        "--keep-samples", type=Path, help="a folder for py-spy's raw samples, one file per page"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder_name, sync_playwright() as playwright:
        folder = Path(folder_name)
        (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
        floor = folder / "floor_page.py"
        floor.write_text(FLOOR_PAGE)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results = [
            profile_page(browser, str(floor), "", args.presses, args.rate, folder, args.keep_samples, False)
        ]
        results[0]["path"] = "floor"
        for path in args.pages:
            results.append(
                profile_page(
                    browser,
                    "Home.py",
                    path,
                    args.presses,
                    args.rate,
                    folder,
                    args.keep_samples,
                    args.warm_torch,
                )
            )
        browser.close()
    torch_state = "torch loaded first (Tensor playground)" if args.warm_torch else "torch not loaded"
    print(
        f"{args.presses} presses per page, py-spy at {args.rate} Hz, {torch_state}, load {os.getloadavg()[0]:.1f}\n"
    )
    print(table(results))


if __name__ == "__main__":
    main()
