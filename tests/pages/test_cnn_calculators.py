import subprocess
import sys

from tests.pages.harness import ROOT, assert_clean, image_urls, metrics, run_page

PAGE = "app_pages/cnn_calculators.py"


class TestCnnCalculatorsPage:
    def test_defaults(self):
        app = run_page(PAGE)
        shown = metrics(app)
        assert shown["Output size"] == "5 × 5"  # the notes' 7×7 input, 3×3 kernel, stride 1
        assert shown["Parameters"] == "404,218"  # course example G
        assert len(app.get("code")) >= 1
        assert len(image_urls(app)) == 1  # the receptive field drawn on the current image

    def test_stride_changes_output_and_flags_non_tiling(self):
        app = run_page(PAGE)
        app.number_input(key="cnn_s").set_value(2).run()
        assert_clean(app)
        assert metrics(app)["Output size"] == "3 × 3"
        assert not app.warning
        app.number_input(key="cnn_s").set_value(3).run()
        assert metrics(app)["Output size"] == "2 × 2"
        assert "Does not tile" in app.warning[0].value

    def test_bad_padding_is_a_message(self):
        app = run_page(PAGE)
        app.text_input(key="cnn_p").set_value("lots").run()
        assert not app.exception
        assert "padding" in app.error[0].value
        assert metrics(app)["Parameters"] == "404,218"  # the rest of the page still works

    def test_preset_changes_the_network(self):
        app = run_page(PAGE)
        app.selectbox(key="cnn_preset").set_value("vgg16").run()
        assert_clean(app)
        assert metrics(app)["Parameters"] == "138,357,544"
        assert any(
            "conv2_2: correct 14, shortcut 12" in info.value for info in app.info
        )  # stride 1 after a pool

    def test_verify_with_pytorch(self):
        app = run_page(PAGE)
        app.toggle(key="cnn_verify").set_value(True).run()
        assert_clean(app)
        assert app.success[0].value.startswith("PyTorch agrees on 9 of 9 layers")

    def test_receptive_field_moves(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.slider(key="cnn_rf_x").set_value(0).run()
        assert_clean(app)
        assert image_urls(app) != before

    def test_dense_comparison_follows_hidden_size(self):
        app = run_page(PAGE)
        before = metrics(app)["Dense network"]
        app.number_input(key="cnn_ann_h1").set_value(1000).run()
        assert_clean(app)
        # 3,072 pixels → 1000 → 100 → 10: 3,073,000 + 100,100 + 1,010
        assert metrics(app)["Dense network"] == "3,174,110" != before
        assert metrics(app)["…in its convolutions"] == "1,392"  # 224 + 1,168

    def test_torch_is_imported_only_when_asked(self):
        # a fresh interpreter: opening the page must not import torch (cold start, memory)
        script = (
            "import sys\n"
            "from tests.pages.harness import run_page\n"
            f"run_page({PAGE!r})\n"
            "print('torch' in sys.modules)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
        )
        assert result.stdout.strip().splitlines()[-1] == "False"
