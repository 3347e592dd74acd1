"""benchmarks/rerun_profile.py sorts py-spy's samples into the buckets of its per-rerun table."""

from benchmarks.rerun_profile import GC, OTHER, ROOT, read_samples, table

SITE = "/venv/lib/python3.11/site-packages"


def raw_line(thread: str, frames: list[str], count: int) -> str:
    return f"thread (1): {thread};" + ";".join(frames) + f" {count}"


def test_each_sample_goes_to_its_innermost_known_frame_and_waits_are_dropped(tmp_path):
    runner = f"_run_script ({SITE}/streamlit/runtime/scriptrunner/script_runner.py:600)"
    page = f"<module> ({ROOT}/app_pages/histograms.py:40)"
    lines = [
        # a lib function called by the page, numpy below it: our compute
        raw_line("ScriptRunner", [runner, page, f"clahe ({ROOT}/lib/cv/histograms.py:90)",
                                  f"clip ({SITE}/numpy/core/fromnumeric.py:2100)"], 7),
        # st.image encoding a picture with PIL: encoding, not the page that called it
        raw_line("ScriptRunner", [runner, page, f"image ({SITE}/streamlit/elements/image.py:150)",
                                  f"_save ({SITE}/PIL/JpegImagePlugin.py:650)"], 3),
        # the page's own line
        raw_line("ScriptRunner", [runner, page], 2),
        # the full collection after every run
        raw_line("ScriptRunner", [f"_on_script_finished ({SITE}/streamlit/runtime/scriptrunner/"
                                  "script_runner.py:1055)"], 5),
        # waits: dropped
        raw_line("ThreadPoolExecutor-0_1", [f"task ({SITE}/streamlit/watcher/polling_path_watcher.py:90)"], 40),
        raw_line("MainThread", ["select (/usr/lib/python3.11/selectors.py:468)"], 90),
        # the standard library alone
        raw_line("MainThread", ["_run_once (/usr/lib/python3.11/asyncio/base_events.py:1900)"], 1),
    ]  # fmt: skip
    path = tmp_path / "samples.txt"
    path.write_text("\n".join(lines) + "\n")
    counts = read_samples(path)
    assert counts == {
        "our compute (lib: OpenCV, numpy)": 7,
        "display-image encoding (JPEG/PNG)": 3,
        "our page and ui code": 2,
        "after the run: gc.collect(2) (runner.postScriptGC), orphaned media": 5,
        OTHER: 1,
    }
    result = {
        "path": "histograms",
        "per_rerun_ms": {bucket: 1000 * count / 250 for bucket, count in counts.items()} | {GC: 1.5},
        "sampled_ms": 1000 * sum(counts.values()) / 250,
        "cpu_ms": 70.0,
        "gc_collections": 1.0,
        "median_ms": 120.0,
    }
    text = table([result])
    assert "| our compute (lib: OpenCV, numpy) | 28.0 |" in text
    assert "| **sampled total** | **72.0** |" in text
