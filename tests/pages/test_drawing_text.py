"""Drawing & text page: the default canvas is the course's, controls redraw it, the snippet reproduces it."""

from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

from lib.cv import drawing
from tests.helpers import run_program
from tests.pages.harness import ROOT, assert_clean, image_captions, image_urls, run_page

PAGE = "app_pages/drawing_text.py"


def canvas_code(app) -> str:
    (code,) = [code.value for code in app.get("code")]
    return code


def canvas_url(app) -> str:
    return dict(zip(image_captions(app), image_urls(app), strict=True))[
        next(caption for caption in image_captions(app) if caption.startswith("Canvas "))
    ]


class TestDrawingTextPage:
    def test_defaults_draw_the_course_canvas(self):
        app = run_page(PAGE)
        captions = image_captions(app)
        assert "Canvas 700×500 · 6 shapes, drawn in tab order" in captions
        assert "cv2.FONT_HERSHEY_* fonts, top to bottom" in captions
        code = canvas_code(app)
        assert "background = (255, 127, 0)" in code  # the course's BGR blue
        assert "cv2.ellipse(canvas, (350, 350), (100, 50), 45.0, 0.0, 360.0, (0, 255, 0), 3)" in code
        np.testing.assert_array_equal(run_program(code), drawing.draw_canvas())
        assert any("org (200, 100) is on its baseline" in caption.value for caption in app.caption)

    def test_line_slider_moves_the_line(self):
        app = run_page(PAGE)
        before = canvas_url(app)
        app.slider(key="dt_line_start_x").set_value(600).run()
        assert_clean(app)
        assert canvas_url(app) != before
        assert "cv2.line(canvas, (600, 50), (650, 450), (255, 255, 255), 5)" in canvas_code(app)

    def test_background_colour_is_converted_to_bgr(self):
        app = run_page(PAGE)
        app.color_picker(key="dt_background").set_value("#ff0000").run()
        assert_clean(app)
        code = canvas_code(app)
        assert "background = (0, 0, 255)" in code  # red in OpenCV's (blue, green, red)
        assert np.all(run_program(code)[499, 0] == (255, 0, 0))  # a corner no shape reaches, in RGB

    def test_text_controls(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.text_input(key="dt_text").set_value("It's 3 o'clock").run()
        app.selectbox(key="dt_font").set_value("script_simplex").run()
        app.checkbox(key="dt_font_italic").set_value(True).run()
        assert_clean(app)
        code = canvas_code(app)
        assert "\"It's 3 o'clock\"" in code
        assert "cv2.FONT_HERSHEY_SCRIPT_SIMPLEX | cv2.FONT_ITALIC" in code
        assert image_urls(app) != before
        app.checkbox(key="dt_text_on").set_value(False).run()
        assert_clean(app)
        assert "Canvas 700×500 · 5 shapes, drawn in tab order" in image_captions(app)
        assert "putText" not in canvas_code(app)

    def test_rectangle_outline_and_closed_polyline(self):
        app = run_page(PAGE)
        app.toggle(key="dt_rect_filled").set_value(False).run()
        app.toggle(key="dt_poly_closed").set_value(True).run()
        app.toggle(key="dt_shapes_aa").set_value(True).run()
        assert_clean(app)
        code = canvas_code(app)
        assert "cv2.rectangle(canvas, (100, 100), (300, 300), (0, 255, 255), 3, cv2.LINE_AA)" in code
        assert "cv2.polylines(canvas, [points], True, (255, 0, 255), 3, cv2.LINE_AA)" in code

    def test_gallery_follows_the_text_style(self):
        app = run_page(PAGE)
        gallery = [
            url
            for caption, url in zip(image_captions(app), image_urls(app), strict=True)
            if "fonts" in caption
        ]
        app.slider(key="dt_font_scale").set_value(0.8).run()
        assert_clean(app)
        after = [
            url
            for caption, url in zip(image_captions(app), image_urls(app), strict=True)
            if "fonts" in caption
        ]
        assert gallery != after

    def test_long_text_does_not_break_the_page(self):
        app = run_page(PAGE)
        app.text_input(key="dt_text").set_value("x" * 500).run()
        assert not app.exception
        assert "Canvas 700×500" in image_captions(app)[0]

    def test_a_shared_link_restores_the_canvas(self):
        app = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
        app.query_params.update({"dt_background": "#ff0000", "dt_text": "Hi", "dt_font": "plain"})
        app.run()
        assert_clean(app)
        code = canvas_code(app)
        assert "background = (0, 0, 255)" in code
        assert "cv2.putText(canvas, 'Hi', (200, 100), cv2.FONT_HERSHEY_PLAIN," in code
