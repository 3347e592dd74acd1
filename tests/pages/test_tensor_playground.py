import pytest

from tests.pages.harness import assert_clean, image_urls, metrics, run_page

PAGE = "app_pages/tensor_playground.py"


def markdown_text(app) -> str:
    return "\n".join(element.value for element in app.markdown)


class TestTensorPlaygroundPage:
    def test_defaults(self):
        app = run_page(PAGE)
        facts = metrics(app)
        assert facts["shape"] == "(2, 3)" and facts["dtype"] == "float32" and facts["memory"] == "24 B"
        assert "`t[t > 50]` → shape (4,)" in markdown_text(app)
        assert any("contiguous" in warning.value for warning in app.warning)  # the view lesson
        assert len(app.get("code")) >= 5

    def test_mask_count_and_stack_lessons(self):
        app = run_page(PAGE)
        assert any("`(matrix > 8).sum()` is **1**" in c.value and "= **9**" in c.value for c in app.caption)
        app.selectbox(key="tp_op").set_value("stack").run()
        assert_clean(app)
        assert any("`stack` is not `cat`" in caption.value for caption in app.caption)

    def test_dtype_changes_the_memory(self):
        app = run_page(PAGE)
        app.selectbox(key="tp_dtype").set_value("float64").run()
        assert_clean(app)
        assert metrics(app)["memory"] == "48 B" and metrics(app)["element size"] == "8 B"

    def test_factory_with_the_course_seed(self):
        app = run_page(PAGE)
        app.segmented_control(key="tp_source").set_value("A factory").run()
        assert_clean(app)
        assert metrics(app)["shape"] == "(3, 4)"
        app.text_input(key="tp_shape").set_value("10, 100").run()
        assert metrics(app)["numel"] == "1,000" and metrics(app)["memory"] == "4,000 B"

    def test_index_expression_updates_and_code_is_refused(self):
        app = run_page(PAGE)
        app.text_input(key="tp_index").set_value("t[[0, 2], [1, 2]]").run()
        assert_clean(app)
        assert "`t[[0, 2], [1, 2]]` → shape (2,)" in markdown_text(app)
        app.text_input(key="tp_index").set_value("__import__('os').system('ls')").run()
        assert not app.exception
        assert any("not allowed" in error.value for error in app.error)

    def test_bad_literal_is_a_message(self):
        app = run_page(PAGE)
        app.text_area(key="tp_literal").set_value("[[1, 2], [3]]").run()
        assert not app.exception
        assert any("ragged" in error.value for error in app.error)

    def test_aggregation_dim(self):
        app = run_page(PAGE)
        app.segmented_control(key="tp_aggdim").set_value("0").run()
        assert_clean(app)
        assert "`matrix.sum(dim=0)` →" in markdown_text(app)
        frames = [frame.value for frame in app.dataframe]
        assert any(frame.shape == (1, 3) and frame.iloc[0].tolist() == [12, 15, 18] for frame in frames)

    def test_shape_lab_operation(self):
        app = run_page(PAGE)
        app.selectbox(key="tp_op").set_value("stack").run()
        assert_clean(app)
        assert "**After** (2, 2, 2)" in markdown_text(app)

    def test_noise_range_toggle_changes_the_picture(self):
        app = run_page(PAGE, session_state={"tp_noise": "ones"})
        before = image_urls(app)
        app.toggle(key="tp_vrange").set_value(True).run()  # all ones: black without vmin/vmax, white with
        assert_clean(app)
        assert image_urls(app) != before


class TestCourseExamples:
    @pytest.mark.slow
    def test_every_example_runs_and_shows_the_notes_numbers(self):
        from lib.nn import tensors

        app = run_page(PAGE)
        for title in tensors.COURSE_EXAMPLES:
            app.selectbox(key="tp_example").set_value(title).run()
            assert_clean(app)
        app.selectbox(key="tp_example").set_value("Masked sums and nonzero (II.H)").run()
        assert "`matrix[matrix > 5].sum(): 6 + 7 + 8 + 9` → shape () scalar" in markdown_text(app)
        app.selectbox(key="tp_example").set_value("clone, detach and requires_grad (II.G)").run()
        assert "`detached.requires_grad` → **False**" in markdown_text(app)
        assert any("def clone_and_detach" in code.value for code in app.get("code"))
