"""lib.cv.programs: a snippet made a complete program, run here in an empty folder as a student would."""

import subprocess
import sys

import cv2
import numpy as np
import pytest

from lib.cv.programs import image_program, save_result_lines


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
