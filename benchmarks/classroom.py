"""A classroom at once: N students open the same page and move a slider, over Streamlit's own protocol.

    .venv/bin/python benchmarks/classroom.py --sessions 1 10 30 60 --seconds 30 --page colour_thresholding

For each N a fresh server (Home.py on a free 127.0.0.1 port) is started, warmed with one visit, and then N
sessions (benchmarks/protocol.py: websocket clients that send what the browser sends) start at the same
moment. Each opens the page, picks its own sample in the sidebar, sets its own "marker" control (the page
profile below: a pixel row unique to the session), then moves one slider back and forth until the time is
up, pausing a random 0.5-1.5 x --think seconds between moves like a student does, and loads every new
image over HTTP as the browser would.

Measured per N: rerun latency (BackMsg sent -> script_finished) p50 / p95 / max, also with the images
loaded; errors (exception elements, st.error boxes, runs that did not finish, lost connections); the
server's resident memory (VmRSS, peak VmHWM, from /proc/<pid>/status) and CPU (utime + stime from
/proc/<pid>/stat, 100 % = one core); this client's own CPU, since it shares the machine.

Isolation, checked on every run:
- own sample: the sidebar thumbnail's caption names the sample this session picked;
- own marker: the page shows this session's marker value (e.g. "Pixel (x, 17)" for marker 17);
- consistent: whenever any session was in the same state (sample, marker, slider value), it received
  exactly the same images (a reply crossed between sessions would break this);
- distinct: at the end, no two sessions hold the same set of images (every state is unique by design:
  sessions sharing a sample move the slider over disjoint values and have different markers);
- marker images: the images captioned with a marker are never received by another session.

Prints a table and writes benchmarks/out/classroom.json. Only 127.0.0.1 traffic; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import math
import os
import platform
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.protocol import ProtocolError, RunResult, StreamlitSession  # noqa: E402
from samples import SAMPLES  # noqa: E402

OUT_DIR = ROOT / "benchmarks" / "out"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_TITLES = [sample.title for sample in SAMPLES.values()]
MOVE_VALUES = 6  # each session cycles over at most this many values of its slider


@dataclass(frozen=True)
class Profile:
    """What a session does on a page: the slider it moves, and a control that marks it as itself."""

    move: str  # label of the slider moved in the loop
    marker: str | None = None  # label of a slider set once to a value unique to the session
    marker_text: str | None = None  # regex whose group 1 is the marker value, as the page shows it
    marker_start: int = 5  # session i gets marker value marker_start + i


PROFILES = {
    "colour_thresholding": Profile(move="Value low", marker="y (row)", marker_text=r"^Pixel \(\d+, (\d+)\)"),
    "kernels_blur_edges": Profile(
        move="Intensity x (course: 10)", marker="y (row)", marker_text=r"at row (\d+), column \d+"
    ),
}


# ---------------------------------------------------------------------------------------------------
# The server process, seen from /proc


def read_procs(pids: int | list[int]) -> tuple[float, float, float]:
    """read_proc summed over processes (the replicas and nginx behind a balancer)."""
    rows = [read_proc(pid) for pid in ([pids] if isinstance(pids, int) else pids)]
    return tuple(sum(values) for values in zip(*rows, strict=True)) if rows else (0.0, 0.0, 0.0)


def read_proc(pid: int) -> tuple[float, float, float]:
    """(resident MB, peak resident MB, CPU seconds used so far) of a process."""
    status = Path(f"/proc/{pid}/status").read_text()
    kilobytes = {
        line.split(":")[0]: int(line.split()[1]) for line in status.splitlines() if line.startswith("Vm")
    }
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu_seconds = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)
    return kilobytes.get("VmRSS", 0) / 1024, kilobytes.get("VmHWM", 0) / 1024, cpu_seconds


@dataclass
class ProcessWatch:
    """Samples a process's (or several processes' summed) memory every `interval` seconds while the load runs."""

    pid: int | list[int]
    interval: float = 0.25
    rss_mb: list[float] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.rss_mb.append(read_procs(self.pid)[0])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)


# ---------------------------------------------------------------------------------------------------
# One student


@dataclass
class Student:
    index: int
    sample: str
    marker: int | None
    move_values: list[int]
    open_seconds: float | None = None
    moves: list[float] = field(default_factory=list)  # seconds per rerun
    moves_with_images: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # exceptions, error boxes, unfinished runs, lost links
    isolation: list[str] = field(default_factory=list)
    observations: list[tuple[tuple, tuple[str, ...]]] = field(default_factory=list)  # (state, image urls)
    marker_images: set[str] = field(default_factory=set)
    final_images: tuple[str, ...] = ()
    sidebar_seen: bool = False
    images_fetched: int = 0
    replica: str | None = None  # behind a balancer: the replica the session landed on


def plan_students(
    count: int, profile: Profile, move_range: tuple[int, int], samples: list[str] = SAMPLE_TITLES
) -> list[Student]:
    """Samples round-robin; sessions that share a sample move over disjoint values (all = rank mod R).

    samples [""] means the page has no sample picker (no sidebar): sessions differ by slider values and marker.
    """
    low, high = move_range
    per_sample = math.ceil(count / len(samples))
    stride = per_sample * max(1, (high - low) // (per_sample * MOVE_VALUES))  # spread over the range
    students = []
    for index in range(count):
        rank = index // len(samples)
        values = [low + rank + stride * step for step in range(MOVE_VALUES)]
        values = [value for value in values if value <= high]
        if len(values) < 2:
            raise ValueError(f"the {profile.move!r} slider ({low}-{high}) is too short for {count} sessions")
        marker = profile.marker_start + index if profile.marker else None
        students.append(Student(index, samples[index % len(samples)], marker, values))
    return students


def check_run(student: Student, run: RunResult, profile: Profile, state: tuple | None) -> None:
    """Errors and isolation of one run; remembers what this state looked like (state None: not yet set up)."""
    if run.status != "FINISHED_SUCCESSFULLY":
        student.problems.append(f"run ended {run.status or 'without script_finished'}")
    student.problems += [f"exception: {text}" for text in run.exceptions]
    student.problems += [f"st.error: {text}" for text in run.errors]
    if run.page_not_found:
        student.problems.append("page not found")
    if state is None:
        return
    captions = [image.caption for image in run.sidebar_images()]
    if captions and student.sample:
        student.sidebar_seen = True
        if not all(caption.startswith(f"sample: {student.sample} ") for caption in captions):
            student.isolation.append(f"sidebar shows {captions}, expected sample {student.sample!r}")
    if profile.marker_text and student.marker is not None:
        pattern = re.compile(profile.marker_text)
        shown = [match.group(1) for text in run.texts for match in [pattern.search(text)] if match]
        if not shown:
            student.isolation.append(f"marker {student.marker} not shown")
        elif any(value != str(student.marker) for value in shown):
            student.isolation.append(f"marker {student.marker} expected, page shows {shown}")
        student.marker_images |= {
            image.url for image in run.images if image.caption and pattern.search(image.caption)
        }
    urls = tuple(image.url for image in run.images)
    student.observations.append((state, urls))
    student.final_images = tuple(image.url for image in run.main_images())


async def fetch_new_images(session: StreamlitSession, run: RunResult, seen: set[str]) -> int:
    """Load the images this tab has not loaded yet (the browser caches by URL); how many were loaded."""
    fresh = [image for image in run.images if image.url not in seen]
    if fresh:
        hashes = await session.fetch_images(fresh)
        seen.update(hashes)
    return len(fresh)


async def student_session(
    student: Student,
    *,
    base_url: str,
    page: str,
    profile: Profile,
    start: asyncio.Event,
    deadline_box: list[float],
    think: float,
    fetch: bool,
    timeout: float,
    session_factory: type[StreamlitSession] = StreamlitSession,
) -> None:
    """Open, pick a sample, set the marker, then move the slider until the deadline."""
    rng = random.Random(student.index)
    seen_images: set[str] = set()
    await start.wait()
    try:
        async with session_factory(base_url, timeout=timeout) as session:
            student.replica = getattr(session, "replica", None)
            opened = await session.open(page)
            student.open_seconds = opened.seconds
            if opened.page_not_found or not opened.widgets:
                student.problems.append(f"page {page!r} did not open (status {opened.status})")
                return
            check_run(student, opened, profile, None)
            run = opened
            if student.sample:
                run = await session.set("Sample", student.sample, sidebar=True)
            if profile.marker:
                run = await session.set(profile.marker, student.marker)
            state_prefix = (student.sample, student.marker)
            check_run(student, run, profile, (*state_prefix, "setup"))
            if fetch:
                student.images_fetched += await fetch_new_images(session, run, seen_images)
            cycle = student.move_values + student.move_values[-2:0:-1]  # ping-pong: 0 1 2 ... n n-1 ... 1
            step = 0
            while time.monotonic() < deadline_box[0]:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
                if time.monotonic() >= deadline_box[0]:
                    break
                value = cycle[step % len(cycle)]
                step += 1
                started = time.perf_counter()
                run = await session.set(profile.move, value)
                student.moves.append(run.seconds)
                check_run(student, run, profile, (*state_prefix, value))
                if fetch:
                    student.images_fetched += await fetch_new_images(session, run, seen_images)
                    student.moves_with_images.append(time.perf_counter() - started)
    except (ProtocolError, OSError) as error:
        student.problems.append(f"protocol: {error}")


def isolation_summary(students: list[Student], profile: Profile) -> dict:
    """Cross-session checks: consistent state -> images, distinct final images, marker images not shared."""
    violations = [f"session {s.index}: {text}" for s in students for text in s.isolation]
    first_seen: dict[tuple, tuple[str, ...]] = {}
    inconsistent = 0
    for student in students:
        for state, urls in student.observations:
            if first_seen.setdefault(state, urls) != urls:
                inconsistent += 1
                if inconsistent <= 5:
                    violations.append(f"session {student.index}: state {state} gave other images than before")
    finals = Counter(student.final_images for student in students if student.final_images)
    identical_pairs = sum(count * (count - 1) // 2 for count in finals.values())
    shared_marker_images = 0
    if profile.marker_text:
        owners = Counter(url for student in students for url in student.marker_images)
        shared_marker_images = sum(1 for count in owners.values() if count > 1)
    if shared_marker_images:
        violations.append(f"{shared_marker_images} marker images reached more than one session")
    sidebar_checked = any(student.sidebar_seen for student in students)
    return {
        "ok": not violations and inconsistent == 0 and identical_pairs == 0,
        "violations": violations[:20],
        "inconsistent_states": inconsistent,
        "states_checked": len(first_seen),
        "identical_final_pairs": identical_pairs,
        "shared_marker_images": shared_marker_images,
        "sidebar_checked": sidebar_checked,
    }


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def milliseconds(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


async def measure_load(
    base_url: str,
    pid: int | list[int] | None,
    *,
    sessions: int,
    page: str,
    seconds: float,
    think: float,
    fetch: bool = True,
    timeout: float = 120.0,
    profile: Profile | None = None,
    session_factory: type[StreamlitSession] = StreamlitSession,
) -> dict:
    """Run `sessions` students against a running server for `seconds`; the result row for this N.

    pid: the server's process id, or several (their memory and CPU are summed); session_factory: the
    client class (benchmarks/balancer.py passes one that keeps the balancer's cookie).
    """
    profile = profile or PROFILES.get(page) or Profile(move="")
    async with session_factory(base_url, timeout=timeout) as probe:  # warm the server, learn the slider
        opened = await probe.open(page)
        if not opened.widgets:
            raise ProtocolError(
                f"page {page!r} shows no widgets (status {opened.status}); is the url path right?"
            )
        if not profile.move:
            sliders = [
                w for w in opened.widgets if w.kind == "slider" and not w.in_sidebar and not w.proto.disabled
            ]
            if not sliders:
                raise ProtocolError(f"page {page!r} has no slider to move; pass --move LABEL")
            profile = Profile(move=sliders[0].label)
        slider = opened.widget(profile.move, sidebar=False)
        move_range = (int(slider.proto.min), int(slider.proto.max))
        if profile.marker:
            marker_max = int(opened.widget(profile.marker, sidebar=False).proto.max)
            if profile.marker_start + sessions - 1 > marker_max:
                raise ValueError(f"{sessions} sessions need markers up to {profile.marker_start + sessions - 1}, "
                                 f"but {profile.marker!r} stops at {marker_max}")  # fmt: skip
        has_sidebar = any(widget.label == "Sample" and widget.in_sidebar for widget in opened.widgets)
        if has_sidebar:
            await probe.set("Sample", SAMPLE_TITLES[1], sidebar=True)
    students = plan_students(sessions, profile, move_range, SAMPLE_TITLES if has_sidebar else [""])
    idle = read_procs(pid) if pid else None
    start, stop = asyncio.Event(), asyncio.Event()
    deadline_box = [math.inf]
    watch = ProcessWatch(pid) if pid else None
    watcher = asyncio.create_task(watch.run(stop)) if watch else None
    tasks = [
        asyncio.create_task(
            student_session(
                student,
                base_url=base_url,
                page=page,
                profile=profile,
                start=start,
                deadline_box=deadline_box,
                think=think,
                fetch=fetch,
                timeout=timeout,
                session_factory=session_factory,
            )
        )
        for student in students
    ]
    began, client_cpu_before = time.monotonic(), time.process_time()
    server_before = read_procs(pid) if pid else None
    deadline_box[0] = began + seconds
    start.set()
    await asyncio.wait_for(asyncio.gather(*tasks), seconds + 4 * timeout)
    wall = time.monotonic() - began
    server_after = read_procs(pid) if pid else None
    client_cpu = time.process_time() - client_cpu_before
    stop.set()
    if watcher:
        await watcher
    moves = [value for student in students for value in student.moves]
    with_images = [value for student in students for value in student.moves_with_images]
    opens = [student.open_seconds for student in students if student.open_seconds is not None]
    problems = Counter(text for student in students for text in student.problems)
    row = {
        "sessions": sessions,
        "page": page,
        "move": profile.move,
        "marker": profile.marker,
        "seconds": round(wall, 1),
        "moves": len(moves),
        "moves_per_second": round(len(moves) / wall, 2) if wall else None,
        "p50_ms": milliseconds(percentile(moves, 0.50)),
        "p95_ms": milliseconds(percentile(moves, 0.95)),
        "max_ms": milliseconds(max(moves) if moves else None),
        "p95_with_images_ms": milliseconds(percentile(with_images, 0.95)),
        "open_p95_ms": milliseconds(percentile(opens, 0.95)),
        "images_fetched": sum(student.images_fetched for student in students),
        "errors": sum(problems.values()),
        "error_kinds": dict(problems.most_common(10)),
        "isolation": isolation_summary(students, profile),
        "client_cpu_percent": round(100 * client_cpu / wall, 1) if wall else None,
        "replicas_used": dict(sorted(Counter(s.replica for s in students if s.replica).items())),
    }
    if pid and idle and server_before and server_after and watch:
        row |= {
            "rss_idle_mb": round(idle[0], 1),
            "rss_peak_mb": round(max([*watch.rss_mb, server_after[0]]), 1),
            "rss_end_mb": round(server_after[0], 1),
            "rss_hwm_mb": round(server_after[1], 1),
            "server_cpu_percent": round(100 * (server_after[2] - server_before[2]) / wall, 1),
        }
    return row


# ---------------------------------------------------------------------------------------------------
# Report


COLUMNS = [
    ("sessions", "N", "{}"),
    ("moves", "moves", "{}"),
    ("moves_per_second", "moves/s", "{}"),
    ("p50_ms", "p50 ms", "{:.0f}"),
    ("p95_ms", "p95 ms", "{:.0f}"),
    ("max_ms", "max ms", "{:.0f}"),
    ("p95_with_images_ms", "p95+img ms", "{:.0f}"),
    ("open_p95_ms", "open p95 ms", "{:.0f}"),
    ("errors", "errors", "{}"),
    ("rss_idle_mb", "RSS idle MB", "{:.0f}"),
    ("rss_peak_mb", "RSS peak MB", "{:.0f}"),
    ("server_cpu_percent", "server CPU %", "{:.0f}"),
    ("client_cpu_percent", "client CPU %", "{:.0f}"),
]


def table(rows: list[dict]) -> str:
    """A markdown table of the result rows (isolation as ok / FAIL)."""
    header = [title for _, title, _ in COLUMNS] + ["isolation"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = ["–" if row.get(key) is None else form.format(row[key]) for key, _, form in COLUMNS]
        cells.append("ok" if row["isolation"]["ok"] else "FAIL")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> dict:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), "")  # fmt: skip
    import streamlit

    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "load_average_at_start": list(os.getloadavg()),
    }


def run_all(args: argparse.Namespace) -> list[dict]:
    from tests.e2e.server import StreamlitServer

    profile = None
    if args.move:
        profile = Profile(move=args.move, marker=args.marker, marker_text=args.marker_text)
    rows = []
    for count in args.sessions:
        if args.url:
            row = asyncio.run(measure_load(args.url, args.pid, sessions=count, page=args.page,
                                           seconds=args.seconds, think=args.think, fetch=not args.no_fetch,
                                           profile=profile))  # fmt: skip
        else:
            with StreamlitServer(env={"CVLAB_DEVICE": "cpu"}) as server:
                row = asyncio.run(measure_load(server.url, server.pid(), sessions=count, page=args.page,
                                               seconds=args.seconds, think=args.think, fetch=not args.no_fetch,
                                               profile=profile))  # fmt: skip
        rows.append(row)
        print(table([row]).splitlines()[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30, 60])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the sessions move sliders")
    parser.add_argument(
        "--page", default="colour_thresholding", help="url path of the page, e.g. kernels_blur_edges"
    )
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between one session's moves (s)")
    parser.add_argument("--no-fetch", action="store_true", help="do not load the images over HTTP")
    parser.add_argument(
        "--move", help="label of the slider to move (default: the page profile, else the first)"
    )
    parser.add_argument("--marker", help="label of a slider set to a value unique to each session")
    parser.add_argument("--marker-text", help="regex whose group 1 is the marker value as the page shows it")
    parser.add_argument(
        "--url", help="drive this running server (http://127.0.0.1:PORT) instead of starting one"
    )
    parser.add_argument("--pid", type=int, help="the running server's process id (for memory and CPU)")
    parser.add_argument("--out", type=Path, default=OUT_DIR / "classroom.json")
    args = parser.parse_args(argv)
    if any(count < 1 or count > 150 for count in args.sessions):
        parser.error("--sessions must be between 1 and 150 (markers are pixel rows of the smallest sample)")
    if not 0 < args.seconds <= 600:
        parser.error("--seconds must be in (0, 600]")
    started = datetime.datetime.now().astimezone()
    info = machine()
    rows = run_all(args)
    print()
    print(table(rows))
    for row in rows:
        if not row["isolation"]["ok"] or row["errors"]:
            print(f"N={row['sessions']}: errors {row['error_kinds']}; isolation {row['isolation']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "date": started.isoformat(timespec="seconds"),
        "machine": info,
        "settings": {
            key: (str(value) if isinstance(value, Path) else value) for key, value in vars(args).items()
        },
        "results": rows,
    }
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nwritten {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0 if all(row["isolation"]["ok"] and not row["errors"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
