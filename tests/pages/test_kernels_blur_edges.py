import base64

import cv2
import numpy as np
from streamlit.testing.v1 import AppTest

from lib.cv import filters
from lib.cv.display import BORDER
from lib.cv.images import to_gray
from samples import DEFAULT_SAMPLE
from tests.helpers import NOTICE_START, open_page
from tests.pages.harness import ROOT, assert_clean, image_captions, image_urls, run_page
from ui.image_source import sample_image
from ui.sections.kernels_blur_edges import DEFAULT_PRESET

PAGE = "app_pages/kernels_blur_edges.py"


def markdown(app) -> str:
    return "\n".join(element.value for element in app.markdown)


def course_kernel(app):
    """The course's detector, one click away from the page's default."""
    app.button(key="kb_course").click().run()
    assert_clean(app)
    return app


def decoded(url: str) -> np.ndarray:
    """A picture's data: URL decoded to RGB (what the browser shows)."""
    data = base64.b64decode(url.split(",", 1)[1])
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


class TestKernelBuilder:
    def test_default_view_teaches_signed_edges(self):
        """The first view: an edge detector whose signed picture shows red and blue edges, framed, its scale
        stated; not the uniformly tinted picture of the course kernel (weights sum to 30)."""
        app = run_page(PAGE)
        assert "The weights sum to **0**" in markdown(app)
        pictures = dict(zip(image_captions(app), image_urls(app), strict=True))
        (caption,) = [caption for caption in pictures if caption.startswith("Output, signed")]
        assert f"{filters.SIGNED_VIEW_PERCENTILE:g}th percentile of |values|" in caption
        gray = to_gray(sample_image(DEFAULT_SAMPLE))
        output = filters.apply_kernel(gray, filters.preset_kernel(DEFAULT_PRESET))
        limit = float(np.percentile(np.abs(output[::4, ::4]), filters.SIGNED_VIEW_PERCENTILE))
        assert f"+{limit:.4g} (" in caption  # the limit stated is the percentile of this very output
        signed = decoded(pictures[caption]).astype(int)
        red = (signed[..., 0] - signed[..., 2]) > 60
        blue = (signed[..., 2] - signed[..., 0]) > 60
        assert red.mean() > 0.02 and blue.mean() > 0.02, (red.mean(), blue.mean())  # structure, both signs
        # a thin gray frame (scaled to display size and JPEG-encoded) round a picture that is mostly white
        edge = np.concatenate([signed[0], signed[-1], signed[:, 0], signed[:, -1]])
        assert np.abs(edge - BORDER).mean() < 30 and signed.mean() > 200

    def test_course_kernel_is_one_click_away_and_says_why_it_saturates(self):
        app = course_kernel(run_page(PAGE))
        assert app.selectbox(key="kb_preset").value == "horizontal (course)"
        assert app.slider(key="kb_intensity").value == filters.COURSE_INTENSITY
        (warning,) = app.warning
        assert "sum to 30" in warning.value and "255 / 30 ≈ 8.5" in warning.value
        absolute = decoded(
            dict(zip(image_captions(app), image_urls(app), strict=True))["|output|, saturated to 0–255"]
        )
        assert (absolute[2:-2, 2:-2] > 250).mean() > 0.9  # all white inside ...
        assert (absolute[0] < 200).all()  # ... but framed

    def test_defaults_course_detector_signed_output_and_arithmetic(self):
        app = course_kernel(run_page(PAGE))
        captions = image_captions(app)
        assert "Input (gray)" in captions and "|output|, saturated to 0–255" in captions
        assert any(caption.startswith("Output, signed") for caption in captions)
        text = markdown(app)
        assert "The weights sum to **30**" in text  # the course's horizontal detector, x = 10: 3 * 10
        assert "× 10 =" in text and "Sum of the 9 products" in text
        assert "cv2.filter2D" in app.get("code")[0].value

    def test_preset_changes_output_and_normalise_explains_zero_sum(self):
        app = course_kernel(run_page(PAGE))
        before = image_urls(app)
        app.selectbox(key="kb_preset").set_value("sobel right").run()
        assert_clean(app)
        assert image_urls(app) != before
        assert "The weights sum to **0**" in markdown(app)
        app.toggle(key="kb_normalize").set_value(True).run()
        assert_clean(app)
        assert any("sum to 0" in info.value for info in app.info)

    def test_intensity_and_size_change_the_kernel(self):
        app = course_kernel(run_page(PAGE))
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


class TestHandEditedKernel:
    EDITED = "1,2,1;0,0,0;-1,-2,-1"

    def test_text_sets_the_grid_and_output(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.text_input(key="kb_kernel").set_value(self.EDITED).run()
        assert_clean(app)
        assert image_urls(app) != before
        assert "× 2 =" in markdown(app) and "× -2 =" in markdown(app)

    def test_kept_across_another_tab_and_another_page(self):
        app = open_page(PAGE, {})
        app.text_input(key="kb_kernel").set_value(self.EDITED).run()
        app.toggle(key="kb_normalize").set_value(True).run()
        app.session_state["kb_tab"] = "Blur"
        app.run()
        assert "kb_kernel" not in [widget.key for widget in app.text_input]  # its widget is not drawn here
        app.session_state["kb_tab"] = "Kernel builder"
        app.run()
        assert app.text_input(key="kb_kernel").value == self.EDITED
        app.switch_page("app_pages/histograms.py").run()
        assert not app.exception
        app.switch_page(PAGE).run()
        assert_clean(app)
        assert app.text_input(key="kb_kernel").value == self.EDITED
        assert app.toggle(key="kb_normalize").value is True
        assert "× 2 =" in markdown(app)

    def test_a_link_carries_it_and_a_bad_one_heals(self):
        app = open_page(PAGE, {"kb_kernel": self.EDITED})
        assert_clean(app)
        assert app.text_input(key="kb_kernel").value == self.EDITED and "× -2 =" in markdown(app)
        for hostile in ("1,2;3", "inf,0,0;0,0,0;0,0,0", "<script>", "1e400"):
            app = open_page(PAGE, {"kb_kernel": hostile})
            assert_clean(app)
            assert app.text_input(key="kb_kernel").value == ""
            assert "kb_kernel" not in app.query_params
            assert any(caption.value.startswith(NOTICE_START) for caption in app.caption)

    def test_a_new_preset_starts_over(self):
        app = run_page(PAGE)
        app.text_input(key="kb_kernel").set_value(self.EDITED).run()
        app.selectbox(key="kb_preset").set_value("identity").run()
        assert_clean(app)
        assert app.text_input(key="kb_kernel").value == ""
        assert "The weights sum to **1**" in markdown(app)


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
        assert "Canny 180, 200" in captions
        (laplacian,) = [caption for caption in captions if caption.startswith("Laplacian raw (signed)")]
        gray = to_gray(sample_image(DEFAULT_SAMPLE))
        limit = filters.signed_limit(
            filters.laplacian(gray, ksize=3), percentile=filters.SIGNED_VIEW_PERCENTILE
        )
        assert f"red ≥ +{limit:.4g} ({filters.SIGNED_VIEW_PERCENTILE:g}th percentile" in laplacian
        before = image_urls(app)
        app.slider(key="kb_canny").set_value((50, 100)).run()
        assert_clean(app)
        assert "Canny 50, 100" in image_captions(app) and image_urls(app) != before
        assert "cv2.Canny(image, 50.0, 100.0)" in app.get("code")[0].value
