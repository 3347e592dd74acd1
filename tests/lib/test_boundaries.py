"""The house's import rules, read from the source (no imports run): lib.cv stays OpenCV, lib stays pure.

- lib.cv never imports torch, torchvision or lib.nn (the OpenCV half starts without torch);
- nothing in lib imports streamlit, ui or the pages;
- ui and the pages never import cv2 or torch (what computes or draws is a lib function);
- ui is named by purpose: no ui/cached_* grab-bags, and ui/sections/<page>.py belongs to app_pages/<page>.py
  alone (one page reads in at most two files, plus the generic ui).
The one allowed exception is named with its reason; a test checks it is still needed.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TORCH = {"torch", "torchvision", "captum"}
UI_SIDE = {"streamlit", "ui", "app_pages", "Home"}

TYPE_HINTS = "<if TYPE_CHECKING>"

# (file, function) -> why it may import torch lazily. apply_kernel(device=...) is the public contract's
# torch path (DESIGN.md); torch is imported inside that function only, so importing lib.cv never loads it.
LAZY_TORCH_ALLOWED = {
    ("lib/cv/filters.py", "_apply_kernel_torch"): "apply_kernel(device=...) runs conv2d",
    ("lib/cv/filters.py", TYPE_HINTS): "the torch.device annotation of apply_kernel",
}


def imports_of(path: Path, module_name: str | None = None) -> list[tuple[str, str | None]]:
    """(imported module, enclosing function or None) for every import statement in a file."""
    parts = (module_name or ".".join(path.relative_to(ROOT).with_suffix("").parts)).split(".")
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[str, str | None]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.If) and ast.unparse(child.test) in {
                "TYPE_CHECKING",
                "typing.TYPE_CHECKING",
            }:
                inner = TYPE_HINTS  # never runs
            if isinstance(child, ast.Import):
                found.extend((alias.name, function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:  # relative: resolve against the file's package
                    base = ".".join(parts[: -child.level] + ([child.module] if child.module else []))
                else:
                    base = child.module or ""
                found.append((base, function))
                found.extend((f"{base}.{alias.name}", function) for alias in child.names)
            visit(child, inner)

    visit(tree, None)
    return found


def top(module: str) -> str:
    return module.split(".")[0]


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_the_packages_exist():
    assert len(python_files("lib/cv")) >= 10 and len(python_files("lib/nn")) >= 10
    assert not list((ROOT / "lib").glob("[!_]*.py")), "every lib module lives in lib/cv or lib/nn"


@pytest.mark.parametrize("path", python_files("lib/cv"), ids=lambda p: p.name)
def test_lib_cv_never_imports_torch_or_lib_nn(path):
    relative = path.relative_to(ROOT).as_posix()
    for module, function in imports_of(path):
        assert not module.startswith("lib.nn"), f"{relative} imports {module}"
        if top(module) in TORCH:
            assert (relative, function) in LAZY_TORCH_ALLOWED, f"{relative} imports {module} in {function}"


@pytest.mark.parametrize("path", python_files("lib"), ids=lambda p: p.relative_to(ROOT / "lib").as_posix())
def test_lib_never_imports_streamlit_or_ui(path):
    for module, _ in imports_of(path):
        assert top(module) not in UI_SIDE, f"{path.relative_to(ROOT)} imports {module}"


CAPTUM_MODULES = {"lib/nn/attribution.py"}  # the attribution maps; everything else stays free of Captum


@pytest.mark.parametrize("path", python_files("lib"), ids=lambda p: p.relative_to(ROOT / "lib").as_posix())
def test_captum_is_imported_by_the_attribution_module_only(path):
    """Captum (and the matplotlib it loads) stays out of lib.cv and out of every other lib.nn module, so the
    OpenCV pages and the model pages' other sections never load it."""
    relative = path.relative_to(ROOT).as_posix()
    imported = [module for module, _ in imports_of(path) if top(module) == "captum"]
    assert not imported or relative in CAPTUM_MODULES, f"{relative} imports {imported}"


def test_the_captum_check_sees_captum():
    assert any(top(module) == "captum" for module, _ in imports_of(ROOT / "lib/nn/attribution.py"))


def test_every_allowed_exception_is_still_used():
    for (relative, function), _why in LAZY_TORCH_ALLOWED.items():
        assert any(top(m) in TORCH and f == function for m, f in imports_of(ROOT / relative)), relative


def test_the_checker_sees_a_lazy_import(tmp_path):
    """The visitor finds imports inside functions and resolves relative ones (or the rules above are empty)."""
    sample = tmp_path / "probe.py"
    sample.write_text("def f():\n    import torch.nn\n\nfrom ..nn import models\n")
    found = imports_of(sample, "lib.cv.probe")
    assert ("torch.nn", "f") in found and ("lib.nn.models", None) in found


def test_importing_all_of_lib_cv_loads_no_torch():
    modules = [f"lib.cv.{p.stem}" for p in python_files("lib/cv") if p.stem != "__init__"]
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "assert 'torch' not in sys.modules, 'torch was imported'\n"
    code += "assert 'captum' not in sys.modules, 'captum was imported'\n"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize(
    "path",
    [*python_files("ui"), *python_files("app_pages"), ROOT / "Home.py"],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_ui_and_pages_never_import_cv2_or_torch(path):
    """What computes or draws on an image, or runs a network, is a lib function: ui and the pages show it."""
    for module, function in imports_of(path):
        assert top(module) not in {"cv2", *TORCH}, (
            f"{path.relative_to(ROOT)} imports {module} in {function or 'the module'}"
        )


def test_no_cached_grab_bags_in_ui():
    """Modules are named for what they are; a cached_* file grew into page sections and logic before."""
    assert not list((ROOT / "ui").rglob("cached_*.py"))


SECTIONS = sorted(p for p in (ROOT / "ui" / "sections").glob("*.py") if p.stem != "__init__")
APP_SIDE = [*python_files("ui"), *python_files("app_pages"), ROOT / "Home.py", *python_files("lib")]


@functools.cache
def app_side_imports() -> dict[Path, tuple[str, ...]]:
    """Every app-side file's imported modules, parsed once for all the section checks."""
    return {path: tuple(name for name, _ in imports_of(path)) for path in APP_SIDE}


def importers_of(module: str) -> list[str]:
    return [
        path.relative_to(ROOT).as_posix()
        for path, names in app_side_imports().items()
        if any(name == module or name.startswith(module + ".") for name in names)
    ]


def test_there_are_page_sections():
    assert len(SECTIONS) >= 10


@pytest.mark.parametrize("section", SECTIONS, ids=lambda p: p.stem)
def test_a_page_section_is_imported_by_its_page_only(section):
    assert (ROOT / "app_pages" / section.name).is_file(), f"ui/sections/{section.name} has no page"
    assert importers_of(f"ui.sections.{section.stem}") == [f"app_pages/{section.name}"]


def test_the_section_check_sees_both_import_forms(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from ui.sections import histograms\nfrom ui.sections.geometry import point_editor\n")
    found = {name for name, _ in imports_of(probe, "app_pages.probe")}
    assert {"ui.sections.histograms", "ui.sections.geometry"} <= found


def test_no_test_module_imports_another():
    """Shared test code lives in tests/helpers.py, tests/pages/harness.py and tests/e2e/browser.py: a test module
    imported by another would run its tests' module-level set-up twice and tie two suites together."""
    found = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files("tests")
        for module, _ in imports_of(path)
        if module.startswith("tests.") and module.split(".")[-1].startswith("test_")
    ]
    assert not found, "\n".join(found)
