from streamlit.testing.v1 import AppTest

from tests.pages.harness import ROOT, assert_clean, image_captions, image_urls, run_page

PAGE = "app_pages/kernels_blur_edges.py"


def markdown(app) -> str:
    return "\n".join(element.value for element in app.markdown)


class TestKernelBuilder:
    def test_defaults_course_detector_signed_output_and_arithmetic(self):
        app = run_page(PAGE)
        captions = image_captions(app)
        assert "Input (gray)" in captions and "|output|, saturated to 0–255" in captions
        assert any(caption.startswith("Output, signed") for caption in captions)
        text = markdown(app)
        assert "The weights sum to **30**" in text  # the course's horizontal detector, x = 10: 3 * 10
        assert "× 10 =" in text and "Sum of the 9 products" in text
        assert "cv2.filter2D" in app.get("code")[0].value

    def test_preset_changes_output_and_normalise_explains_zero_sum(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.selectbox(key="kb_preset").set_value("sobel right").run()
        assert_clean(app)
        assert image_urls(app) != before
        assert "The weights sum to **0**" in markdown(app)
        app.toggle(key="kb_normalize").set_value(True).run()
        assert_clean(app)
        assert any("sum to 0" in info.value for info in app.info)

    def test_intensity_and_size_change_the_kernel(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.slider(key="kb_intensity").set_value(0).run()
        assert_clean(app)
        assert image_urls(app) != before and "The weights sum to **0**" in markdown(app)
        app.button_group(key="kb_size").set_value(5).run()
        assert_clean(app)
        assert "Sum of the 25 products" in markdown(app)

    def test_pixel_choice_changes_the_arithmetic(self):
        app = run_page(PAGE)
        before = markdown(app)
        app.slider(key="kb_x").set_value(0).run()
        app.slider(key="kb_y").set_value(0).run()
        assert_clean(app)
        assert "at row 0, column 0" in markdown(app) and markdown(app) != before


class TestBlur:
    def test_defaults_are_the_course_sizes_and_median_moves(self):
        app = run_page(PAGE, session_state={"kb_tab": "Blur"})
        captions = image_captions(app)
        for caption in ("Average 10×10", "Gaussian 31×31", "Median 11×11", "Median, zoomed 4×"):
            assert caption in captions
        before = image_urls(app)
        app.slider(key="kb_median_k").set_value(25).run()
        assert_clean(app)
        assert "Median 25×25" in image_captions(app) and image_urls(app) != before
        assert "cv2.medianBlur(image, 25)" in app.get("code")[0].value

    def test_colour_blur(self):
        app = run_page(PAGE, session_state={"kb_tab": "Blur"})
        app.toggle(key="kb_blur_gray").set_value(False).run()
        assert_clean(app)
        assert "COLOR_RGB2GRAY" not in app.get("code")[0].value

    def test_even_gaussian_size_from_a_link_is_a_message(self):
        app = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
        app.session_state["kb_tab"] = "Blur"
        app.session_state["kb_gauss_k"] = 10
        app.run()
        assert not app.exception
        assert app.error and "must be odd" in app.error[0].value


class TestEdges:
    def test_defaults_and_canny_thresholds(self):
        app = run_page(PAGE, session_state={"kb_tab": "Edges"})
        captions = image_captions(app)
        assert "Canny 180, 200" in captions and "Laplacian raw (signed)" in captions
        before = image_urls(app)
        app.slider(key="kb_canny").set_value((50, 100)).run()
        assert_clean(app)
        assert "Canny 50, 100" in image_captions(app) and image_urls(app) != before
        assert "cv2.Canny(image, 50.0, 100.0)" in app.get("code")[0].value
