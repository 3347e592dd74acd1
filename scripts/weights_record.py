"""Shared by the training scripts: save a state dict, record it in weights/manifest.json and weights/README.md."""

from __future__ import annotations

import platform
import re
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lib.nn.models import WEIGHTS_DIR, read_manifest, sha256_bytes, write_manifest_entry  # noqa: E402

README_HEADER = """# Weights the project trained itself

Every file here is a PyTorch state dict (`torch.save(model.state_dict(), ...)`), made by a script in
`scripts/` from data that ships with the project's dependencies (no downloads). `lib.nn.models.load_model`
checks each file's sha256 against `manifest.json`, then loads it with `torch.load(..., weights_only=True)`.
Re-running a script rewrites its file, its manifest entry and its section below.
"""


def save_weights(name: str, model: torch.nn.Module, entry: dict, readme_section: str) -> str:
    """Write weights/<name>.pt, its manifest entry (sha256 added) and its README section; return the sha256."""
    WEIGHTS_DIR.mkdir(exist_ok=True)
    path = WEIGHTS_DIR / f"{name}.pt"
    state = {key: value.detach().cpu().contiguous() for key, value in model.state_dict().items()}
    torch.save(state, path)
    digest = sha256_bytes(path.read_bytes())
    write_manifest_entry(name, {"file": path.name, "sha256": digest, **entry})
    _write_readme_section(name, readme_section.replace("{sha256}", digest))
    return digest


def record_ood(name: str, ood_entry: dict, readme_section: str) -> None:
    """Add the "ood" entry (threshold and how it was chosen) to a model's manifest entry, and its README section."""
    manifest = read_manifest()
    if name not in manifest:
        raise SystemExit(f"{name} is not in weights/manifest.json: train it first (scripts/train_{name}.py)")
    write_manifest_entry(name, {**manifest[name], "ood": ood_entry})
    _write_readme_section(f"{name} ood", readme_section)


def machine() -> str:
    """A short description of where the script ran."""
    return f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads"


def _write_readme_section(name: str, section: str) -> None:
    readme = WEIGHTS_DIR / "README.md"
    text = readme.read_text() if readme.is_file() else README_HEADER
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    block = f"{start}\n{section.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    text = (
        pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    )
    readme.write_text(text)
