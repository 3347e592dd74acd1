"""A fresh session's first visit of every page, in real Chromium, on a server that has imported torch.

    .venv/bin/python benchmarks/first_visit.py [--sessions 3] [--pages kernels_blur_edges histograms]

torch's first import is measured on its own (a fresh interpreter), then the server is started with torch
already imported (a sitecustomize on its PYTHONPATH), so no page's time includes it. For every page:

- the first session on the server that opens it (its modules imported, its caches filled), then
- `--sessions` more fresh sessions (new browser context each: new Streamlit session, shared caches).

Each visit is timed three ways: in the browser, from navigation start until the app's last change to
`data-test-script-state='notRunning'` (the script finished; the page polls until the state is stable);
the script's own runs on the server (wall and CPU time of the script thread, recorded by a wrapper around
Streamlit's ScriptRunner._run_script in the same sitecustomize); and the server process's CPU seconds over
the visit (all threads, /proc/<pid>/stat), which stays honest when other work shares the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, RERUN_DONE, StreamlitServer  # noqa: E402
from ui.course_map import all_pages  # noqa: E402

# Runs in the server before Streamlit: import torch (timed), and log every script run's wall and CPU time.
SITECUSTOMIZE = textwrap.dedent(
    """
    import json, os, time

    _log = os.environ["CVLAB_BENCH_RUNLOG"]
    _wall, _cpu = time.perf_counter(), time.process_time()
    import torch  # noqa: F401
    with open(_log, "a") as _f:
        _f.write(json.dumps({"torch_import_wall": time.perf_counter() - _wall,
                             "torch_import_cpu": time.process_time() - _cpu}) + "\\n")

    from streamlit.runtime.scriptrunner import script_runner as _sr

    _original = _sr.ScriptRunner._run_script

    def _timed(self, rerun_data):
        start_wall, start_cpu = time.time(), time.thread_time()
        try:
            return _original(self, rerun_data)
        finally:
            with open(_log, "a") as f:
                f.write(json.dumps({"start": start_wall, "wall": time.time() - start_wall,
                                    "cpu": time.thread_time() - start_cpu}) + "\\n")

    _sr.ScriptRunner._run_script = _timed
    """
)

# Records when the app last turned 'notRunning' after having run (performance.now(), ms from navigation).
WATCH_JS = """
(() => {
  window.__runs = 0; window.__done = null;
  new MutationObserver(() => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app) return;
    const state = app.getAttribute('data-test-script-state');
    if (state === 'running') window.__runs += 1;
    if (state === 'notRunning' && window.__runs > 0) window.__done = performance.now();
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state'], childList: true});
})();
"""


def torch_import_alone() -> tuple[float, float]:
    code = (
        "import time; w, c = time.perf_counter(), time.process_time(); import torch; "
        "print(time.perf_counter() - w, time.process_time() - c)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall, cpu = map(float, out.stdout.split())
    return wall, cpu


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants_cpu(root: int) -> float:
    """CPU seconds of every live process below root (the browser's processes, for the playwright client)."""
    parents, cpu = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in cpu:
        ancestor = parents.get(pid)
        while ancestor and ancestor != root:
            ancestor = parents.get(ancestor)
        if ancestor == root and pid != root:
            total += cpu[pid]
    return total


def read_runs(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def visit(browser, server, pid: int, log: Path, path: str) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(WATCH_JS)
    page = context.new_page()
    browser_before = descendants_cpu(os.getpid()) - process_cpu(pid)
    cpu_before, started = process_cpu(pid), time.time()
    page.goto(f"{server.url}/{path}", wait_until="commit", timeout=120_000)
    # Settled: not running, no skeletons, and still not running 500 ms later.
    while True:
        page.wait_for_selector(RERUN_DONE, timeout=180_000)
        page.wait_for_function("() => !document.querySelector(\"[data-testid='stSkeleton']\")")
        page.wait_for_timeout(500)
        if page.locator(RERUN_DONE).count() and page.evaluate("window.__done") is not None:
            break
    browser_ms = page.evaluate("window.__done")
    errors = page.locator("[data-testid='stException']").count()
    server_cpu = process_cpu(pid) - cpu_before
    browser_cpu = descendants_cpu(os.getpid()) - process_cpu(pid) - browser_before
    context.close()
    time.sleep(0.3)  # let the server finish the session's last bookkeeping
    runs = [run for run in read_runs(log) if run.get("start", 0) >= started]
    return {
        "browser_s": browser_ms / 1000,
        "script_wall_s": sum(run["wall"] for run in runs),
        "script_cpu_s": sum(run["cpu"] for run in runs),
        "runs": len(runs),
        "server_cpu_s": server_cpu,
        "browser_cpu_s": browser_cpu,
        "exceptions": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=3, help="fresh sessions after the first, per page")
    parser.add_argument("--pages", nargs="*", help="url paths (default: every page)")
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    args = parser.parse_args()

    wall, cpu = torch_import_alone()
    print(f"torch first import on its own: {wall:.2f} s wall, {cpu:.2f} s CPU")
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} ({os.cpu_count()} CPUs)")

    from playwright.sync_api import sync_playwright

    paths = args.pages or [info.url_path for info in all_pages()]
    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "sitecustomize.py").write_text(SITECUSTOMIZE)
        log = Path(folder, "runs.jsonl")
        log.touch()
        env = {
            "CVLAB_DEVICE": "cpu",
            "CVLAB_BENCH_RUNLOG": str(log),
            "PYTHONPATH": os.pathsep.join([folder, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        }
        with StreamlitServer(env=env, startup_timeout=180) as server, sync_playwright() as playwright:
            imported = read_runs(log)[0]
            print(
                f"torch import inside the server (before Streamlit): {imported['torch_import_wall']:.2f} s wall, "
                f"{imported['torch_import_cpu']:.2f} s CPU"
            )
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pid = server.pid()
            visit(browser, server, pid, log, "")  # the course map: Streamlit's own first-run work
            header = (
                f"{'page':<26} {'first: browser':>14} {'script cpu':>10} {'server cpu':>10} {'browser cpu':>11} | "
                f"{'fresh: browser':>14} {'script wall':>11} {'script cpu':>10} {'server cpu':>10} {'browser cpu':>11}"
            )
            print(header)
            for path in paths:
                visits = [visit(browser, server, pid, log, path) for _ in range(1 + args.sessions)]
                results[path] = visits
                first, fresh = visits[0], visits[1:]

                def med(key: str, fresh=fresh) -> float:
                    return statistics.median(v[key] for v in fresh)

                flag = " EXCEPTION" if any(v["exceptions"] for v in visits) else ""
                print(
                    f"{path:<26} {first['browser_s']:>13.2f}s {first['script_cpu_s']:>9.2f}s "
                    f"{first['server_cpu_s']:>9.2f}s {first['browser_cpu_s']:>10.2f}s | {med('browser_s'):>13.2f}s {med('script_wall_s'):>10.2f}s "
                    f"{med('script_cpu_s'):>9.2f}s {med('server_cpu_s'):>9.2f}s {med('browser_cpu_s'):>10.2f}s{flag}",
                    flush=True,
                )
            browser.close()
    load = os.getloadavg()
    print(f"load average at end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
