import base64
import json

from tests.pages.harness import assert_clean, image_captions, image_urls, run_page

PAGE = "app_pages/histograms.py"


def chart_traces(app, index: int = 0) -> list[str]:
    """Trace names of the index-th plotly chart on the page."""
    figure = json.loads(app.get("plotly_chart")[index].proto.spec)
    return [trace.get("name") for trace in figure["data"]]


def trace_lengths(app, index: int = 0) -> dict[str, int]:
    """Number of points of each trace (plotly stores numpy arrays as base64 "bdata")."""
    figure = json.loads(app.get("plotly_chart")[index].proto.spec)
    sizes = {"f4": 4, "f8": 8, "i2": 2, "i4": 4, "i8": 8}
    return {
        trace["name"]: len(base64.b64decode(trace["y"]["bdata"])) // sizes[trace["y"]["dtype"]]
        for trace in figure["data"]
    }


class TestHistogramsPage:
    def test_defaults(self):
        app = run_page(PAGE)
        assert len(app.get("plotly_chart")) == 3
        assert chart_traces(app) == ["Red", "Green", "Blue"]
        assert trace_lengths(app) == {"Red": 256, "Green": 256, "Blue": 256}
        assert app.metric[0].value in ("Bright", "Dark", "Balanced")
        assert any("have V > 150" in m.value for m in app.markdown)
        assert "CLAHE (clip 2, 8×8 tiles) on Y (YCrCb)" in image_captions(app)
        assert len(app.get("code")) == 3  # histogram, verdict, equalisation

    def test_verdict_panel_is_the_code_that_ran(self):
        """The verdict's panel uses the slider's threshold and the whole image, as the page does, even while
        the histogram counts a region."""
        app = run_page(PAGE, session_state={"hist_space": "HSV", "hist_region": True})
        app.slider(key="hist_threshold").set_value(51).run()
        assert_clean(app)
        codes = [code.value for code in app.get("code")]
        (verdict,) = [code for code in codes if "share_bright" in code]
        assert "v > 51" in verdict and "150" not in verdict and "mask" not in verdict
        assert not any("share_bright" in code for code in codes if code != verdict)
        assert any("have V > 51" in m.value for m in app.markdown)

    def test_hsv_histogram_has_180_hue_bins(self):
        app = run_page(PAGE)
        app.button_group(key="hist_space").set_value("HSV").run()
        assert_clean(app)
        assert chart_traces(app) == ["Hue", "Saturation", "Value"]
        assert trace_lengths(app) == {"Hue": 180, "Saturation": 256, "Value": 256}
        assert "[180]" in app.get("code")[0].value

    def test_region_toggle_adds_a_mask(self):
        app = run_page(PAGE)
        app.toggle(key="hist_region").set_value(True).run()
        assert_clean(app)
        assert any(caption.startswith("Counted pixels") for caption in image_captions(app))
        assert "mask[" in app.get("code")[0].value

    def test_threshold_moves_the_verdict(self):
        app = run_page(PAGE)
        app.slider(key="hist_threshold").set_value(0).run()
        assert_clean(app)
        assert app.metric[0].value == "Bright"  # nearly every pixel has V > 0
        app.slider(key="hist_threshold").set_value(255).run()
        assert_clean(app)
        assert app.metric[0].value == "Dark"  # nearly every pixel has V < 255

    def test_clip_limit_changes_output(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.slider(key="hist_clip").set_value(6.0).run()
        assert_clean(app)
        assert "CLAHE (clip 6, 8×8 tiles) on Y (YCrCb)" in image_captions(app)
        assert image_urls(app) != before

    def test_equalize_on_gray(self):
        app = run_page(PAGE)
        app.button_group(key="hist_method").set_value("Equalize").run()
        app.radio(key="hist_channel").set_value("Gray image").run()
        assert_clean(app)
        assert "Equalized on Gray image" in image_captions(app)
        assert "cv2.equalizeHist(gray)" in app.get("code")[2].value  # after the histogram and verdict panels
