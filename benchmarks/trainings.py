"""Thirty trainings at once (issue 15 part 2): N sessions press Train while N others move sliders.

    .venv/bin/python benchmarks/trainings.py --trainers 30 --sliders 30            # the full classroom
    .venv/bin/python benchmarks/trainings.py --trainers 6 --sliders 6 --slots 1    # a smoke run

A fresh server (Home.py on a free 127.0.0.1 port, CVLAB_TRAINING_SLOTS=--slots when given) is started.
First each training page is trained once alone (its defaults, one session): the reference time and
accuracy. Then, at the same moment, `--trainers` sessions open Train a CNN, Train a network and Transfer
learning in turn and press Train (their defaults: same seed as alone), while `--sliders` sessions move the
Colour thresholding slider (benchmarks/classroom.py's students) until the last training ends.

Reported: per page, completion times (press -> the run that shows the result finished; it includes the
wait in the queue) p50 / max, the accuracy each session shows vs alone, errors; the slider sessions' p95;
the server's peak resident memory (VmHWM) and CPU. Writes benchmarks/out/trainings.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.classroom import OUT_DIR, ProcessWatch, machine, measure_load, percentile, read_proc  # noqa: E402
from benchmarks.protocol import ProtocolError, StreamlitSession  # noqa: E402

PAGES = ("train_cnn", "train_network", "transfer_learning")
SETUP = {"train_network": ("Part", "Iris classification")}  # a control to set before Train
ACCURACY = re.compile(r"(?:[Vv]alidation|[Tt]est) accuracy:? \**(\d+(?:\.\d+)?) ?%")  # metric or caption


def accuracy_of(texts: list[str]) -> float | None:
    """The last accuracy the page shows (the result metric or the last epoch's caption), in %."""
    for text in reversed(texts):  # the last one: the result after the final epoch
        match = ACCURACY.search(text)
        if match:
            return float(match.group(1))
    return None


async def train_once(base_url: str, page: str, timeout: float) -> dict:
    """Open `page`, press its first Train button, wait for the run that trains to finish."""
    result = {"page": page, "problems": []}
    try:
        async with StreamlitSession(base_url, timeout=timeout) as session:
            opened = await session.open(page)
            if page in SETUP:
                opened = await session.set(*SETUP[page])
            buttons = [w for w in opened.widgets if w.label == "Train" and w.kind == "button"]
            if not buttons:
                result["problems"].append("no Train button")
                return result
            session.remember(buttons[0], True)
            started = time.perf_counter()
            run = await session.rerun()
            result["seconds"] = round(time.perf_counter() - started, 2)
            result["accuracy"] = accuracy_of(run.texts)
            if run.status != "FINISHED_SUCCESSFULLY":
                result["problems"].append(f"run ended {run.status}")
            result["problems"] += [f"exception: {t}" for t in run.exceptions] + [
                f"st.error: {t}" for t in run.errors
            ]
    except (ProtocolError, OSError) as error:
        result["problems"].append(f"protocol: {error}")
    return result


async def classroom(base_url: str, pid: int, args: argparse.Namespace) -> dict:
    alone = {}
    for page in PAGES:
        alone[page] = await train_once(base_url, page, args.timeout)
        print(f"alone {page}: {alone[page]}", flush=True)
    stop = asyncio.Event()
    watch = ProcessWatch(pid)
    watcher = asyncio.create_task(watch.run(stop))
    cpu_before, began = read_proc(pid)[2], time.monotonic()
    trainers = [
        asyncio.create_task(train_once(base_url, PAGES[i % len(PAGES)], args.timeout))
        for i in range(args.trainers)
    ]
    sliders = asyncio.create_task(
        measure_load(base_url, pid, sessions=args.sliders, page="colour_thresholding", seconds=args.slider_seconds,
                     think=args.think, timeout=args.timeout)
    ) if args.sliders else None  # fmt: skip
    results = await asyncio.gather(*trainers)
    slider_row = await sliders if sliders else None
    wall = time.monotonic() - began
    cpu = read_proc(pid)[2] - cpu_before
    stop.set()
    await watcher
    pages = {}
    for page in PAGES:
        rows = [r for r in results if r["page"] == page]
        times = [r["seconds"] for r in rows if "seconds" in r]
        pages[page] = {
            "sessions": len(rows),
            "alone_seconds": alone[page].get("seconds"),
            "alone_accuracy": alone[page].get("accuracy"),
            "p50_seconds": percentile(times, 0.5),
            "max_seconds": max(times) if times else None,
            "accuracies": dict(Counter(str(r.get("accuracy")) for r in rows)),
            "same_accuracy_as_alone": all(r.get("accuracy") == alone[page].get("accuracy") for r in rows),
            "errors": dict(Counter(p for r in rows for p in r["problems"])),
        }
    rss, hwm, _ = read_proc(pid)
    return {
        "trainers": args.trainers,
        "sliders": args.sliders,
        "slots": args.slots,
        "wall_seconds": round(wall, 1),
        "server_cpu_percent": round(100 * cpu / wall, 1) if wall else None,
        "rss_peak_mb": round(max([*watch.rss_mb, rss]), 1),
        "rss_hwm_mb": round(hwm, 1),
        "pages": pages,
        "sliders_row": slider_row,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trainers", type=int, default=30)
    parser.add_argument("--sliders", type=int, default=30)
    parser.add_argument(
        "--slots", type=int, help="trainings at once (default: lib.nn.training_queue.default_slots)"
    )
    parser.add_argument(
        "--slider-seconds", type=float, default=60.0, help="how long the slider sessions move"
    )
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds one run may take (queue included)"
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR / "trainings.json")
    args = parser.parse_args(argv)
    from tests.e2e.server import StreamlitServer

    env = {"CVLAB_DEVICE": "cpu"} | ({"CVLAB_TRAINING_SLOTS": str(args.slots)} if args.slots else {})
    client_cpu = time.process_time()
    with StreamlitServer(env=env, startup_timeout=180) as server:
        row = asyncio.run(classroom(server.url, server.pid(), args))
    row["client_cpu_seconds"] = round(time.process_time() - client_cpu, 1)
    row["machine"] = machine()
    print(json.dumps(row, indent=1, default=str))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(row, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
