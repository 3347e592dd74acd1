"""The OpenCV half of the course never imports torch: cold start and memory stay small."""

import json
import subprocess
import sys

import pytest

from tests.pages.harness import ROOT
from ui.course_map import SECTIONS

OPENCV_SECTIONS = ("OpenCV basics", "Colour", "Geometry & filters", "Analysis")
PROBE = """
import json, sys
from streamlit.testing.v1 import AppTest
results = {}
for path in json.loads(sys.argv[1]):
    app = AppTest.from_file(path, default_timeout=120).run()
    results[path] = {"exception": [e.value for e in app.exception], "torch": "torch" in sys.modules}
print(json.dumps(results))
"""


@pytest.mark.slow  # a fresh interpreter runs Home and every OpenCV page: ~8 s on 2 cores
def test_opencv_pages_and_home_do_not_import_torch():
    paths = ["Home.py"] + [page.file for name in OPENCV_SECTIONS for page in SECTIONS[name]]
    assert len(paths) > 3
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    for path, result in results.items():
        assert result["exception"] == [], (path, result["exception"])
        assert result["torch"] is False, f"{path} imported torch"
