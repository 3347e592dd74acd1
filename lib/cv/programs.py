"""Code panels as complete programs: the script a page shows, plus the files it reads, as one download.

A page's snippet works on `image_rgb` and ends with a named result. `image_program` turns it into a script
that runs as downloaded (`python script.py` in an empty folder): a first docstring saying what it
reproduces, the imports, a line that reads the page's own image from `input.png` beside it, the snippet,
and a last step that saves (or prints) the result the page shows. The shown text and the downloaded
script are the same text; the bundle is a zip when the script needs files, else the .py alone.
"""

from __future__ import annotations

import ast
import io
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from lib.cv.images import encode_png

INPUT_IMAGE = "input.png"
# Lines the older snippets (lib.nn's) start with to say where image_rgb comes from; the program reads it instead.
_IMAGE_COMMENT = re.compile(r"^# image_rgb: .*\n", re.M)
_FILE_PART = re.compile(r"[\w-]+")
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


# ---------------------------------------------------------------------------------------------------------
# The one snippet builder: every templated snippet's imports, settings lines and literals

# the modules a snippet may use, each imported when its code reads an attribute of it (cv2.resize, np.float32)
_SNIPPET_MODULES = {
    "json": "import json",
    "math": "import math",
    "cv2": "import cv2",
    "np": "import numpy as np",
    "torch": "import torch",
    "nn": "from torch import nn",
}


def literal(value: object) -> str:
    """A value as a snippet writes it: a float by its shortest repr (2.0, 0.05), an int or bool as itself,
    text quoted, a tuple or list item by item, an array as np.<dtype>([...]) (a matrix a row per line)."""
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, np.floating):
        return repr(float(str(value)))  # a float32's shortest text (0.1, not 0.10000000149011612)
    if isinstance(value, float):
        return repr(value)
    if value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, tuple):
        items = ", ".join(literal(item) for item in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, np.ndarray):
        maker = "np.bool_" if value.dtype == bool else f"np.{value.dtype.name}"
        text = f"{maker}({literal(_items(value))})"
        if value.ndim == 2 and len(value) > 1:
            rows = "".join(f"    {literal(row)},\n" for row in _items(value))
            text = f"{maker}([\n{rows}])"
        return text
    raise TypeError(f"no snippet literal for {type(value).__name__}")


def _items(array: np.ndarray) -> list:
    """An array as nested lists of its own scalars (a float32 keeps its shortest text)."""
    return [_items(row) if row.ndim else row[()] for row in array]


def snippet(code: str, **settings: object) -> str:
    """A templated snippet, written the one way: the imports its code uses (json, math, cv2, numpy as np,
    torch, torch's nn), a `name = value` line per setting (the page's current values, as literals), then the code."""
    body = "".join(f"{name} = {literal(value)}\n" for name, value in settings.items()) + code
    imports = used_imports(body)
    standard = [line for line in imports if line in ("import json", "import math")]
    if standard and len(standard) < len(imports):  # the standard library first, as isort writes it
        imports[len(standard) - 1] += "\n"
    return "\n".join(imports) + "\n\n" + body if imports else body


def used_imports(code: str) -> list[str]:
    """The import lines of the modules the code reads an attribute of (cv2.imwrite, np.save), in table order."""
    used = {
        node.value.id
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    }
    return [line for name, line in _SNIPPET_MODULES.items() if name in used]


# ---------------------------------------------------------------------------------------------------------
# Programs

# a save step: (variable, what the page showed) -> (code writing it, {output file or printed name: value})
SaveLines = Callable[[str, object], tuple[str, dict[str, object]]]


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


def save_result_lines(result_name: str, value: object) -> tuple[str, dict[str, object]]:
    """(code that saves or prints `result_name`, {output file or printed name: the value expected there}).

    A uint8 image is saved as <name>.png, any other array as <name>.npy (exact values), a dict of them one
    file per key (<name>_<key>.png / .npy); anything else (a number, a list of boxes) is printed as
    `<name> <value>`.
    """
    if isinstance(value, Mapping) and value and all(isinstance(v, np.ndarray) for v in value.values()):
        if not all(isinstance(key, str) and _FILE_PART.fullmatch(key) for key in value):
            raise ValueError(f"{result_name}'s keys become file names: letters, digits, - and _ only")
        first = next(iter(value.values()))
        if all(_is_image(v) for v in value.values()) and all(v.ndim == first.ndim for v in value.values()):
            write = _imwrite(f'f"{result_name}_{{key}}.png"', "picture", first)
            code = f"for key, picture in {result_name}.items():\n    {write}\n"
            suffix = "png"
        else:
            code = f'for key, values in {result_name}.items():\n    np.save(f"{result_name}_{{key}}.npy", values)\n'
            suffix = "npy"
        code += f'print("saved", ", ".join(f"{result_name}_{{key}}.{suffix}" for key in {result_name}))\n'
        return code, {f"{result_name}_{key}.{suffix}": v for key, v in value.items()}
    if _is_image(value):
        file = f"{result_name}.png"
        return _imwrite(f'"{file}"', result_name, value) + f'\nprint("saved {file}")\n', {file: value}
    if isinstance(value, np.ndarray):
        file = f"{result_name}.npy"
        code = (
            f'np.save("{file}", {result_name})  # exact values ({value.dtype}, negatives kept)\n'
            f'print("saved {file}:", {result_name}.shape, {result_name}.dtype)\n'
        )
        return code, {file: value}
    return f'print("{result_name}", {result_name})\n', {result_name: value}


def _is_image(value: object) -> bool:
    return isinstance(value, np.ndarray) and value.dtype == np.uint8 and value.ndim in (2, 3)


def _imwrite(file: str, name: str, value: np.ndarray) -> str:
    if value.ndim == 3:
        return f"cv2.imwrite({file}, cv2.cvtColor({name}, cv2.COLOR_RGB2BGR))"
    return f"cv2.imwrite({file}, {name})"


_NO_RESULT = object()


def image_program(
    snippet: str,
    image: np.ndarray | None,
    *,
    reproduces: str,
    name: str,
    result: object = _NO_RESULT,
    result_name: str = "result",
    results: Mapping[str, object] | None = None,
    writes: Mapping[str, object] | None = None,
    files: Mapping[str, bytes | Callable[[], bytes]] | None = None,
    save: SaveLines = save_result_lines,
) -> Program:
    """A snippet that starts from image_rgb, made a complete program that reads the page's image.

    image: the page's input (RGB or gray uint8, at working size), shipped as input.png; None when the
    snippet reads no image (a canvas it draws, a clip among `files`).
    result: what the page shows for the snippet's variable `result_name` (saved as result.png /
    result.npy, or printed); results: more of them, {variable: what the page showed}.
    writes: {file the snippet itself writes: the bytes the page made}. files: other files it reads
    (weights, data, a clip); save: how each result is written (lib.nn's writes tensors and tables).
    """
    shown = dict(results or {})
    if result is not _NO_RESULT:
        shown = {result_name: result, **shown}
    bundle: dict[str, bytes | Callable[[], bytes]] = {}
    load = None
    if image is not None:
        line = (
            f'image_rgb = cv2.cvtColor(cv2.imread("{INPUT_IMAGE}"), cv2.COLOR_BGR2RGB)  # the page\'s image'
            if image.ndim == 3
            else f'image_rgb = cv2.imread("{INPUT_IMAGE}", cv2.IMREAD_GRAYSCALE)  # the page\'s image'
        )
        load = ("import cv2", line)
        frozen = np.ascontiguousarray(image)
        bundle[INPUT_IMAGE] = lambda: encode_png(frozen)
    bundle.update(files or {})
    return script_program(
        snippet,
        reproduces=reproduces,
        name=name,
        shown=shown,
        writes=writes,
        files=bundle,
        save=save,
        load=load,
    )


def script_program(
    snippet: str,
    *,
    reproduces: str,
    name: str,
    shown: Mapping[str, object] | None = None,
    result: object = _NO_RESULT,
    result_name: str = "result",
    writes: Mapping[str, object] | None = None,
    files: Mapping[str, bytes | Callable[[], bytes]] | None = None,
    save: SaveLines = save_result_lines,
    load: tuple[str, str] | None = None,
) -> Program:
    """The one assembler: a docstring saying what it reproduces, the imports, an optional load line, the
    snippet, and the lines that save or print each shown variable (compared with what the page showed).

    shown: {variable: what the page showed} (or result / result_name for one). files: name -> bytes (or a
    function making them) shipped beside the script. load: (its import, the line reading the input).
    """
    shown = dict(shown or {})
    if result is not _NO_RESULT:
        shown = {result_name: result, **shown}
    imports, body = split_imports(snippet)
    save_code, expected = "", {}
    for variable, value in shown.items():
        code, outputs = save(variable, value)
        save_code += code
        expected.update(outputs)
    expected.update(writes or {})
    needs = [] if load is None else [load[0]]
    needs += used_imports(save_code)
    files = dict(files or {})
    beside = " and ".join(sorted(files))
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
    return Program(script=script, name=name, files=files, expected=expected)
