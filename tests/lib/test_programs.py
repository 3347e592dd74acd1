"""lib.cv.programs: a snippet made a complete program, run here in an empty folder as a student would."""

import subprocess
import sys

import cv2
import numpy as np
import pytest

from lib.cv.programs import image_program, literal, save_result_lines, snippet


def run_in(folder, program) -> str:
    (folder / program.name).write_text(program.script)
    for name in program.files:
        (folder / name).write_bytes(program.file_bytes(name))
    run = subprocess.run(
        [sys.executable, program.name], cwd=folder, capture_output=True, text=True, check=True
    )
    return run.stdout


class TestImageProgram:
    def test_gray_image_and_named_results(self, tmp_path):
        image = np.arange(48, dtype=np.uint8).reshape(6, 8)
        flipped = cv2.flip(image, 1)
        program = image_program(
            "import cv2\n\nflipped = cv2.flip(image_rgb, 1)\nwidth = image_rgb.shape[1]\n",
            image,
            reproduces="A flip.",
            name="flip.py",
            results={"flipped": flipped, "width": 8},
        )
        assert set(program.expected) == {"flipped.png", "width"} and set(program.files) == {"input.png"}
        stdout = run_in(tmp_path, program)
        assert "width 8" in stdout.splitlines()
        np.testing.assert_array_equal(
            cv2.imread(str(tmp_path / "flipped.png"), cv2.IMREAD_UNCHANGED), flipped
        )

    def test_no_image_and_a_dict_of_arrays(self, tmp_path):
        curves = {"low": np.zeros(3, np.float32), "high": np.ones(3, np.float32)}
        program = image_program(
            "import numpy as np\n\ncurves = {'low': np.zeros(3, np.float32), 'high': np.ones(3, np.float32)}\n",
            None,
            reproduces="Two curves.",
            name="curves.py",
            result=curves,
            result_name="curves",
        )
        assert not program.files and "input.png" not in program.script
        run_in(tmp_path, program)
        for name in ("low", "high"):
            np.testing.assert_array_equal(np.load(tmp_path / f"curves_{name}.npy"), curves[name])
        assert set(program.expected) == {"curves_low.npy", "curves_high.npy"}

    def test_dict_keys_must_be_file_names(self):
        with pytest.raises(ValueError, match="file names"):
            save_result_lines("views", {"Sobel x (signed)": np.zeros((2, 2), np.uint8)})


class TestSnippetBuilder:
    """lib.cv.programs.snippet and literal: the one way every templated snippet gets its imports and values."""

    @pytest.mark.parametrize(
        "value",
        [
            3,
            -7,
            0.1,
            2.0,
            1e-12,
            True,
            None,
            "cv2.INTER_AREA",
            (5, 5),
            (1,),
            [[1, 2], [3, 4]],
            (0.5, [1, (2, 3)]),
        ],
    )
    def test_a_plain_value_reads_back_as_itself(self, value):
        import ast

        text = literal(value)
        assert ast.literal_eval(text) == value and type(ast.literal_eval(text)) is type(value)

    @pytest.mark.parametrize(
        "array",
        [
            np.float32([[-1, 0, 1], [-2, 0.1, 2], [1 / 3, 0, 1]]),
            np.uint8([179, 255, 255]),
            np.int32([[1, 2]]),
            np.array([True, False]),
            np.float64([0.1, 1e300]),
        ],
    )
    def test_an_array_reads_back_with_its_dtype_and_values(self, array):
        text = literal(array)
        rebuilt = eval(text, {"np": np})  # noqa: S307 - our own literal, read back by the test
        assert rebuilt.dtype == array.dtype and rebuilt.shape == array.shape
        np.testing.assert_array_equal(rebuilt, array)

    def test_a_float32_is_written_short(self):
        assert literal(np.float32(0.1)) == "0.1"
        assert literal(np.float32([0.1, 0.2])) == "np.float32([0.1, 0.2])"

    def test_a_matrix_is_written_a_row_per_line(self):
        assert literal(np.float32([[1, 0], [0, 1]])) == "np.float32([\n    [1.0, 0.0],\n    [0.0, 1.0],\n])"

    def test_an_unknown_value_is_refused(self):
        with pytest.raises(TypeError, match="no snippet literal"):
            literal(object())

    def test_imports_are_what_the_code_uses(self):
        code = snippet("result = cv2.blur(image_rgb, (3, 3))  # np.mean would be slower\n")
        assert code == "import cv2\n\nresult = cv2.blur(image_rgb, (3, 3))  # np.mean would be slower\n"
        code = snippet("x = math.ceil(np.float32(2.5))\ny = torch.zeros(2)\nlayer = nn.ReLU()\n")
        assert code.startswith("import math\n\nimport numpy as np\nimport torch\nfrom torch import nn\n\n")
        assert snippet("result = image_rgb[1:3]\n") == "result = image_rgb[1:3]\n"  # nothing to import

    def test_settings_become_lines_in_order(self):
        code = snippet("result = cv2.GaussianBlur(image_rgb, size, sigma)\n", size=(5, 5), sigma=0.0)
        assert (
            code
            == "import cv2\n\nsize = (5, 5)\nsigma = 0.0\nresult = cv2.GaussianBlur(image_rgb, size, sigma)\n"
        )
        namespace = {"image_rgb": np.zeros((8, 8), np.uint8)}
        exec(compile(code, "<snippet>", "exec"), namespace)  # noqa: S102 - our own generated code
        assert namespace["result"].shape == (8, 8)
