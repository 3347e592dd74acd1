"""Code panels as complete programs: the script a page shows, plus the files it reads, as one download.

A page's snippet works on `image_rgb` and ends with a named result. `image_program` turns it into a script
that runs as downloaded (`python script.py` in an empty folder): a first docstring saying what it
reproduces, the imports, a line that reads the page's own image from `input.png` beside it, the snippet,
and a last step that saves (or prints) the result the page shows. The shown text and the downloaded
script are the same text; the bundle is a zip when the script needs files, else the .py alone.
`script_program` is the one assembler under it, for snippets that read no image (lib.nn.programs builds the
PyTorch pages' programs on it, with its own way of saving tensors and plain values).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from lib.cv.images import encode_png

INPUT_IMAGE = "input.png"
# Lines the old snippets started with to say where image_rgb comes from; the program reads it instead.
_IMAGE_COMMENT = re.compile(r"^# image_rgb: .*\n", re.M)
_IMPORT = re.compile(r"^(import [\w.]+( as \w+)?|from [\w.]+ import .+)$")


@dataclass(frozen=True)
class Program:
    """One Code panel: the script (shown and downloaded) and what it needs and produces.

    files: name -> bytes, or a function making them (encoded only when the download is clicked).
    expected: output file or printed name -> what the page showed (the test compares the script's output).
    """

    script: str
    name: str = "example.py"
    files: Mapping[str, bytes | Callable[[], bytes]] = field(default_factory=dict)
    expected: Mapping[str, object] = field(default_factory=dict)

    def file_bytes(self, name: str) -> bytes:
        data = self.files[name]
        return data() if callable(data) else data

    @property
    def download_name(self) -> str:
        """The script's name, or a zip named after it when the script needs files."""
        return f"{self.name.removesuffix('.py')}.zip" if self.files else self.name

    def download_bytes(self) -> bytes:
        """The script alone, or a zip of a folder holding the script and its files."""
        if not self.files:
            return self.script.encode("utf-8")
        folder = self.name.removesuffix(".py")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{folder}/{self.name}", self.script)
            for name in sorted(self.files):
                archive.writestr(f"{folder}/{name}", self.file_bytes(name))
        return buffer.getvalue()


# the modules a save step may use, imported when its code mentions them
_SAVE_IMPORTS = ("import cv2", "import json", "import numpy as np", "import torch")
SaveLines = Callable[[str, object], tuple[str, str]]


def split_imports(code: str) -> tuple[list[str], str]:
    """The leading import lines of a snippet (comments and blank lines between them skipped) and the rest."""
    lines = _IMAGE_COMMENT.sub("", code).splitlines()
    imports: list[str] = []
    index = 0
    while index < len(lines) and (not lines[index].strip() or _IMPORT.match(lines[index])):
        if lines[index].strip():
            imports.append(lines[index])
        index += 1
    return imports, "\n".join(lines[index:]).strip("\n") + "\n"


def _ordered_imports(imports: list[str]) -> list[str]:
    unique = list(dict.fromkeys(imports))
    return sorted(unique, key=lambda line: (line.startswith("from "), line))


def save_result_lines(result_name: str, value: object) -> tuple[str, str]:
    """(code that saves or prints `result_name`, the output file or printed name) for a page's result."""
    if isinstance(value, np.ndarray) and value.dtype == np.uint8 and value.ndim in (2, 3):
        if value.ndim == 3:
            code = f'cv2.imwrite("result.png", cv2.cvtColor({result_name}, cv2.COLOR_RGB2BGR))'
        else:
            code = f'cv2.imwrite("result.png", {result_name})'
        return code + '\nprint("saved result.png")\n', "result.png"
    if isinstance(value, np.ndarray):
        code = (
            f'np.save("result.npy", {result_name})  # exact values ({value.dtype}, negatives kept)\n'
            f'print("saved result.npy:", {result_name}.shape, {result_name}.dtype)\n'
        )
        return code, "result.npy"
    return f"print({result_name!r}, {result_name})\n", result_name


def image_program(
    snippet: str,
    image: np.ndarray,
    *,
    reproduces: str,
    name: str,
    result: object,
    result_name: str = "result",
    files: Mapping[str, bytes | Callable[[], bytes]] | None = None,
    save: SaveLines = save_result_lines,
) -> Program:
    """A snippet that starts from image_rgb, made a complete program that reads the page's image.

    image: the page's input (RGB or gray uint8, at working size), shipped as input.png.
    result: what the page shows for `result_name` (saved as result.png / result.npy, or printed).
    files: more files the snippet reads (weights, data), shipped beside it; save: how the result is written.
    """
    load = (
        f'image_rgb = cv2.cvtColor(cv2.imread("{INPUT_IMAGE}"), cv2.COLOR_BGR2RGB)  # the page\'s image'
        if image.ndim == 3
        else f'image_rgb = cv2.imread("{INPUT_IMAGE}", cv2.IMREAD_GRAYSCALE)  # the page\'s image'
    )
    frozen = np.ascontiguousarray(image)
    return script_program(
        snippet,
        reproduces=reproduces,
        name=name,
        result=result,
        result_name=result_name,
        files={INPUT_IMAGE: lambda: encode_png(frozen), **(files or {})},
        save=save,
        load=("import cv2", load),
    )


def script_program(
    snippet: str,
    *,
    reproduces: str,
    name: str,
    result: object,
    result_name: str = "result",
    files: Mapping[str, bytes | Callable[[], bytes]] | None = None,
    save: SaveLines = save_result_lines,
    load: tuple[str, str] | None = None,
) -> Program:
    """The one assembler: a docstring saying what it reproduces, the imports, an optional load line, the
    snippet, and the lines that save or print `result_name` (compared with `result`, what the page showed).

    files: name -> bytes (or a function making them) shipped beside the script (image, weights, data).
    load: (its import, the line) that reads the page's input before the snippet runs.
    """
    imports, body = split_imports(snippet)
    save_code, output = save(result_name, result)
    needs = [] if load is None else [load[0]]
    needs += [line for line in _SAVE_IMPORTS if line.split()[-1] + "." in save_code]
    files = dict(files or {})
    beside = ", ".join(sorted(files))
    run = f"Run it beside {beside} (what the page used): python {name}" if files else f"Run it: python {name}"
    script = (
        f'"""{reproduces}\n\n{run}\n"""\n\n'
        + "\n".join(_ordered_imports(needs + imports))
        + "\n\n"
        + ("" if load is None else load[1] + "\n")
        + body
        + "\n"
        + save_code
    )
    return Program(script=script, name=name, files=files, expected={output: result})
