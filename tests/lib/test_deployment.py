"""The deployment files agree: Community Cloud's Pipfile pins what requirements.txt pins, torch from the CPU index."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def requirement_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s]+)", line).groups()
            pins[name.lower()] = version
    return pins


def test_pipfile_pins_the_same_versions_as_requirements():
    pipfile = tomllib.loads((ROOT / "Pipfile").read_text())
    packages = {
        name.lower(): (spec if isinstance(spec, str) else spec["version"]).removeprefix("==")
        for name, spec in pipfile["packages"].items()
    }
    assert packages == requirement_pins()


def test_torch_comes_from_the_cpu_index_on_cloud():
    pipfile = tomllib.loads((ROOT / "Pipfile").read_text())
    cpu_sources = [source["name"] for source in pipfile["source"] if source["url"].endswith("/whl/cpu")]
    assert cpu_sources
    for name in ("torch", "torchvision"):
        assert pipfile["packages"][name]["index"] in cpu_sources


def test_config_protects_uploads():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert 0 < config["server"]["maxUploadSize"] <= 50
    assert config["browser"]["gatherUsageStats"] is False
