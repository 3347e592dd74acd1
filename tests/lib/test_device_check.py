"""scripts/device_check.py: it runs on a CPU-only machine, compares two devices, and can say FAIL."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from tests.pages.harness import ROOT

SCRIPT = ROOT / "scripts" / "device_check.py"


@pytest.fixture(scope="module")
def device_check():
    spec = importlib.util.spec_from_file_location("device_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["device_check"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("device_check", None)


@pytest.mark.slow  # the script in a fresh interpreter, torch imported and run twice: ~8 s on 2 cores
def test_runs_small_and_compares_two_devices(tmp_path):
    """CPU against itself exercises every comparison; without CUDA it says so and still exits 0."""
    out = tmp_path / "rows.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--size", "32", "--batch", "2", "--repeat", "1",
         "--second-device", "cpu", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    if not torch.cuda.is_available():
        assert "CUDA: not available" in done.stdout
    assert "| check | reference |" in done.stdout
    assert "All results agree within tolerance." in done.stdout
    rows = json.loads(out.read_text())["rows"]
    assert {row["check"].split(":")[0] for row in rows} >= {
        "kernel 5×5, 32×32 RGB",
        "classify",
        "feature maps",
    }
    for row in rows:
        assert row["ok"], row
        assert set(row["diffs"]) == {"cpu", "second"}, row
        assert row["diffs"]["cpu"] == row["diffs"]["second"], "the same device gives the same numbers"


def test_a_wrong_result_fails_the_check(device_check, monkeypatch):
    """A convolution off by one grey level is beyond the kernel tolerance: the row is not ok."""
    real = device_check.filters.apply_kernel
    monkeypatch.setattr(
        device_check.filters, "apply_kernel", lambda *args, **kwargs: real(*args, **kwargs) + 1.0
    )
    row = device_check.check_kernel({"cpu": torch.device("cpu")}, 16, 1)
    assert row.diffs["cpu"] == pytest.approx(1.0, abs=1e-3)
    assert not row.ok


def test_tolerances_allow_tf32_only_on_cuda(device_check):
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert device_check.relative_tolerance(cpu, strict=False) == device_check.STRICT_RTOL
    assert device_check.relative_tolerance(cuda, strict=False) == device_check.TF32_RTOL
    assert device_check.relative_tolerance(cuda, strict=True) == device_check.STRICT_RTOL
    row = device_check.Row(
        "x", "y", diffs={"cpu": 1e-5, "second": 2e-3}, tolerances={"cpu": 1e-4, "second": 1e-3}
    )
    assert not row.ok


def test_the_test_image_is_reproducible(device_check):
    first, second = device_check.test_image(40), device_check.test_image(40)
    assert first.dtype == np.uint8 and first.shape == (40, 40, 3)
    assert np.array_equal(first, second)
