"""deploy/nginx.conf, filled by deploy/run_replicas.py: valid for nginx, one route per replica, uploads fit.

Fast (no server is started); the behaviour through a running nginx is tests/e2e/test_balancer.py's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from deploy.run_replicas import COOKIE, TEMPLATE, render

ROOT = Path(__file__).resolve().parents[2]
ADDRESSES = ["127.0.0.1:8601", "127.0.0.1:8602", "127.0.0.1:8603"]


def megabytes(size: str) -> float:
    value, unit = re.fullmatch(r"(\d+)([kKmM]?)", size).groups()
    return int(value) / {"k": 1024, "m": 1, "": 1024 * 1024}[unit.lower()]


def test_every_replica_has_a_pool_entry_a_route_and_a_name():
    text = render(ADDRESSES, "127.0.0.1:8600")
    assert not re.search(r"@@[A-Z_]+@@", text)
    assert "listen 127.0.0.1:8600;" in text
    for number, address in enumerate(ADDRESSES, start=1):
        assert re.search(rf"^\s+server {re.escape(address)} max_fails=1 fail_timeout=5s;$", text, re.M)
        assert f"upstream cvlab_r{number} {{ server {address}; }}" in text
        assert re.search(rf"^\s+r{number} cvlab_r{number};$", text, re.M)
        assert f'"r{number}|r{number}" "";' in text
    assert f"map $cookie_{COOKIE} $cvlab_upstream" in text
    assert not re.search(r"^\s*(ip_hash|hash)\b", text, re.M)  # a classroom behind one NAT is one address


def test_the_served_map_names_the_replica_that_answered_last():
    """$upstream_addr after a failover lists every address tried; the last one answered."""
    text = render(ADDRESSES, "127.0.0.1:8600")
    patterns = {name: regex for regex, name in re.findall(r'^\s+"~(.+)" (r\d+);$', text, re.M)}
    samples = {
        "127.0.0.1:8601": "r1",
        "127.0.0.1:8601 : 127.0.0.1:8602": "r2",
        "127.0.0.1:8603 : 127.0.0.1:8603, 127.0.0.1:8601": "r1",
        "127.0.0.1:18602": None,  # a port that only ends like a replica's is not that replica
    }
    for upstream_addr, expected in samples.items():
        matched = [name for name, regex in patterns.items() if re.search(regex, upstream_addr)]
        assert matched == ([expected] if expected else []), upstream_addr


def test_the_body_limit_fits_streamlits_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    limit = re.search(r"^\s*client_max_body_size (\S+);", TEMPLATE.read_text(), re.M).group(1)
    assert config["server"]["maxUploadSize"] < megabytes(limit) <= config["server"]["maxUploadSize"] + 2


@pytest.mark.skipif(
    shutil.which("nginx") is None, reason="nginx is not installed (scripts/dev.sh test installs it)"
)
@pytest.mark.parametrize("replicas", [1, 3])
def test_nginx_accepts_the_filled_config(tmp_path, replicas):
    config = tmp_path / "nginx.conf"
    config.write_text(render(ADDRESSES[:replicas], "127.0.0.1:8600"))
    result = subprocess.run(
        ["nginx", "-t", "-p", f"{tmp_path}/", "-c", str(config), "-e", "error.log"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
