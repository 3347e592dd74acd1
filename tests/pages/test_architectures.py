import subprocess
import sys

from tests.pages.harness import ROOT, assert_clean, metrics, run_page

PAGE = "app_pages/architectures.py"


class TestArchitecturesPage:
    def test_defaults(self):
        app = run_page(PAGE)
        assert metrics(app)["Parameters"] == "61,706"  # LeNet-5
        assert metrics(app)["Weight layers"] == "5"
        assert any("tanh" in markdown.value for markdown in app.markdown)
        assert len(app.get("plotly_chart")) == 2  # the block diagram and the comparison

    def test_choose_vgg16(self):
        app = run_page(PAGE)
        app.segmented_control(key="arch_model").set_value("vgg16").run()
        assert_clean(app)
        assert metrics(app)["Parameters"] == "138,357,544"
        assert metrics(app)["Weight layers"] == "16"

    def test_definitions_side_by_side(self):
        app = run_page(PAGE, session_state={"arch_model": "alexnet"})
        app.toggle(key="arch_code").set_value(True).run()
        assert_clean(app)
        codes = [code.value for code in app.code]
        assert any("class AlexNet" in code and "LocalResponseNorm" in code for code in codes)  # ours
        assert any("_log_api_usage_once" in code for code in codes)  # torchvision's own source
        labels = [markdown.value for markdown in app.markdown]
        assert any("62,378,344 parameters" in label for label in labels)
        assert any("61,100,840 parameters" in label for label in labels)

    def test_lenet_has_no_torchvision_definition(self):
        app = run_page(PAGE)
        app.toggle(key="arch_code").set_value(True).run()
        assert_clean(app)
        assert "torchvision has no LeNet" in app.info[-1].value

    def test_compare_two(self):
        app = run_page(PAGE)
        before = app.dataframe[-1].value
        assert list(before.columns) == [
            "AlexNet (2012) as taught, 227×227",
            "VGG16 (2014), 224×224",
        ]
        app.selectbox(key="arch_cmp_b").set_value("vgg19").run()
        assert_clean(app)
        after = app.dataframe[-1].value
        assert after.loc["parameters", "VGG19 (2014), 224×224"] == "143,667,240"

    def test_torch_is_imported_only_for_the_code(self):
        script = (
            "import sys\n"
            "from tests.pages.harness import run_page\n"
            f"run_page({PAGE!r}, session_state={{'arch_model': 'vgg16'}})\n"
            "print('torch' in sys.modules)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
        )
        assert result.stdout.strip().splitlines()[-1] == "False"


def test_names_the_course_tool_it_replaces():
    app = run_page(PAGE)
    assert any("TensorSpace" in caption.value for caption in app.caption)  # III.C
