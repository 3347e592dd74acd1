"""lib.cv.drawing: the course's canvas against OpenCV called directly, hand-worked shape areas, snippets."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from lib.cv import drawing
from lib.cv.drawing import CanvasSpec, Circle, Ellipse, Line, Polyline, Rectangle, Text
from tests.helpers import snippet_result

BLACK = (0, 0, 0)


def only(*shapes, width: int = 700, height: int = 500) -> np.ndarray:
    """The shapes drawn on a black canvas."""
    return drawing.draw_canvas(CanvasSpec(width=width, height=height, background=BLACK, shapes=shapes))


def painted(image: np.ndarray) -> np.ndarray:
    """Mask of the pixels that are not black."""
    return image.any(axis=2)


def course_canvas_in_bgr() -> np.ndarray:
    """The notes' code, verbatim (BGR), with the text of section I.H on the same canvas."""
    height, width = 500, 700
    blue = (255, 127, 0)
    canvas = np.full((height, width, 3), blue, dtype=np.uint8)
    cv2.line(canvas, (50, 50), (650, 450), (255, 255, 255), 5)
    cv2.rectangle(canvas, (100, 100), (300, 300), (0, 255, 255), -1)
    cv2.circle(canvas, (500, 150), 100, (0, 0, 255), 5)
    cv2.ellipse(canvas, (350, 350), (100, 50), 45, 0, 360, (0, 255, 0), 3)
    points = np.array([[150, 400], [300, 400], [225, 300]], np.int32)
    cv2.polylines(canvas, [points.reshape((-1, 1, 2))], False, (255, 0, 255), 3)
    cv2.putText(
        canvas, "Hello, OpenCV", (200, 100), cv2.FONT_HERSHEY_COMPLEX, 1.5, (255, 255, 255), 2, cv2.LINE_AA
    )
    return canvas


class TestDrawCanvas:
    def test_course_canvas_equals_the_notes_code(self):
        expected = cv2.cvtColor(course_canvas_in_bgr(), cv2.COLOR_BGR2RGB)
        result = drawing.draw_canvas()
        assert result.shape == (500, 700, 3) and result.dtype == np.uint8
        np.testing.assert_array_equal(result, expected)

    def test_background_is_blue_in_rgb(self):
        # the notes' BGR (255, 127, 0) is RGB (0, 127, 255): blue, not the orange you get without converting
        result = drawing.draw_canvas(CanvasSpec(shapes=()))
        assert np.all(result == (0, 127, 255))

    def test_filled_rectangle_pixels_equal_its_colour(self):
        result = only(Rectangle(color=(10, 200, 30)))
        # both corners are included: x 100..300 and y 100..300 is 201 x 201 pixels
        assert np.all(result[100:301, 100:301] == (10, 200, 30))
        assert painted(result).sum() == 201 * 201

    def test_rectangle_outline_is_hollow(self):
        result = only(Rectangle(thickness=1))
        assert painted(result).sum() == 4 * 200  # the border of a 201 x 201 square
        assert not painted(result)[101:300, 101:300].any()

    @pytest.mark.parametrize("thickness", [1, 5, 11])
    def test_line_covers_about_thickness_times_length(self, thickness):
        # area ~ thickness x length. OpenCV's thick lines come out up to 2 px wider than `thickness`
        # (see the next test), and a 1 px 8-connected line has one pixel per step along its longer
        # axis: max(600, 400) + 1 = 601 px for the course's 721 px line.
        painted_pixels = painted(only(Line(thickness=thickness))).sum()
        length = math.hypot(650 - 50, 450 - 50)  # 721.1
        if thickness == 1:
            assert painted_pixels == 601
        else:
            assert thickness * length <= painted_pixels <= (thickness + 3) * length

    @pytest.mark.parametrize("thickness", [2, 3, 5, 8, 11])
    def test_horizontal_line_width(self, thickness):
        # symmetric about its centre row, so an odd number of rows, at least `thickness`, at most 2 more
        result = only(Line(start=(50, 100), end=(350, 100), thickness=thickness))
        rows = np.flatnonzero(painted(result)[:, 200])
        assert rows.size % 2 == 1 and thickness <= rows.size <= thickness + 2
        assert rows.min() + rows.max() == 200  # centred on y = 100

    def test_line_endpoints_are_painted_white(self):
        result = only(Line())
        assert tuple(result[50, 50]) == (255, 255, 255) and tuple(result[450, 650]) == (255, 255, 255)

    def test_filled_circle_area(self):
        result = only(Circle(thickness=drawing.FILLED))
        assert abs(painted(result).sum() - math.pi * 100**2) < 0.02 * math.pi * 100**2
        assert tuple(result[150, 500]) == (255, 0, 0)  # red in RGB: the notes' BGR (0, 0, 255)

    def test_circle_ring_area(self):
        # a ring of thickness t round a circle of radius r covers ~2 pi r t (up to t + 2 px wide, as lines)
        result = only(Circle(thickness=5))
        circumference = 2 * math.pi * 100
        assert 5 * circumference <= painted(result).sum() <= 7 * circumference
        assert not painted(result)[150, 500]  # hollow

    def test_ellipse_axes_are_half_lengths(self):
        result = only(Ellipse(angle=0, thickness=drawing.FILLED))
        rows, columns = np.nonzero(painted(result))
        assert (columns.min(), columns.max()) == (250, 450)  # 350 ± 100: 201 px wide
        assert (rows.min(), rows.max()) == (300, 400)  # 350 ± 50: 101 px tall
        assert abs(painted(result).sum() - math.pi * 100 * 50) < 0.02 * math.pi * 100 * 50

    def test_ellipse_angle_turns_it_clockwise_on_screen(self):
        upright = only(Ellipse(angle=90, thickness=drawing.FILLED))
        rows, columns = np.nonzero(painted(upright))
        assert (columns.min(), columns.max()) == (300, 400) and (rows.min(), rows.max()) == (250, 450)
        turned = only(Ellipse(angle=45, thickness=drawing.FILLED))
        rows, columns = np.nonzero(painted(turned))
        assert np.corrcoef(columns, rows)[0, 1] > 0.5  # long axis runs down-right: clockwise, y points down

    def test_ellipse_arc_from_0_to_180_is_the_lower_half(self):
        result = only(Ellipse(angle=0, start_angle=0, end_angle=180, thickness=1))
        rows, _ = np.nonzero(painted(result))
        assert rows.min() >= 350 and rows.max() == 400

    def test_polyline_closed_adds_the_last_edge(self):
        # the course's triangle: the closing edge runs from (225, 300) back to (150, 400)
        midpoint = (350, 187)  # (row, column) halfway along that edge
        assert not painted(only(Polyline(closed=False)))[midpoint]
        assert painted(only(Polyline(closed=True)))[midpoint]

    def test_shapes_past_the_border_are_clipped(self):
        result = only(Circle(center=(0, 0), radius=30, thickness=drawing.FILLED), width=50, height=40)
        assert result.shape == (40, 50, 3)
        assert abs(painted(result).sum() - math.pi * 30**2 / 4) < 0.05 * math.pi * 30**2 / 4

    def test_text_equals_put_text(self):
        text = Text(text="abc XYZ", org=(10, 60), font="triplex", scale=1.2, color=(1, 2, 3), thickness=3)
        expected = np.zeros((100, 300, 3), np.uint8)
        cv2.putText(expected, "abc XYZ", (10, 60), cv2.FONT_HERSHEY_TRIPLEX, 1.2, (3, 2, 1), 3, cv2.LINE_AA)
        np.testing.assert_array_equal(
            only(text, width=300, height=100), cv2.cvtColor(expected, cv2.COLOR_BGR2RGB)
        )

    def test_line_aa_blends_edges(self):
        sharp = only(Text(antialiased=False))
        smooth = only(Text(antialiased=True))
        assert set(np.unique(sharp)) == {0, 255}  # LINE_8: only text and background
        assert len(np.unique(smooth)) > 10  # LINE_AA: intermediate shades on the edges

    def test_every_font_and_italic_draw_differently(self):
        images = [only(Text(font=name)).tobytes() for name in drawing.HERSHEY_FONTS]
        assert len(set(images)) == len(drawing.HERSHEY_FONTS) == 8
        assert not np.array_equal(only(Text(italic=True)), only(Text(italic=False)))

    def test_italic_slants_only_the_fonts_that_have_italics(self):
        slanted = {
            name
            for name in drawing.HERSHEY_FONTS
            if not np.array_equal(only(Text(font=name, italic=True)), only(Text(font=name)))
        }
        assert slanted == set(drawing.ITALIC_FONTS)

    def test_text_box_holds_the_text(self):
        text = Text(text="Typography", org=(30, 120), scale=2.0, thickness=2, antialiased=False)
        (left, top), (right, bottom) = drawing.text_box(text)
        rows, columns = np.nonzero(painted(only(text)))
        assert bottom > 120 > top  # org is on the baseline; 'y', 'p' hang below it
        assert left - 2 <= columns.min() and columns.max() <= right + 2
        assert top - 2 <= rows.min() and rows.max() <= bottom + 2

    def test_font_gallery_has_a_row_per_font(self):
        gallery = drawing.font_gallery()
        assert gallery.shape == (430, 700, 3)
        background = np.all(gallery == drawing.COURSE_BACKGROUND, axis=2)
        text_rows = ~background.all(axis=1)
        # count bands of rows with text: one per font
        starts = np.flatnonzero(text_rows[1:] & ~text_rows[:-1])
        assert len(starts) == len(drawing.HERSHEY_FONTS)

    @pytest.mark.parametrize(
        ("spec", "message"),
        [
            (CanvasSpec(width=0), "1 to 4096"),
            (CanvasSpec(height=5000), "1 to 4096"),
            (CanvasSpec(background=(0, 0, 256)), "0-255"),
            (CanvasSpec(shapes=(Line(thickness=-1),)), "line's thickness must be 1 to 100"),
            (CanvasSpec(shapes=(Line(thickness=0),)), "line's thickness"),
            (CanvasSpec(shapes=(Rectangle(thickness=0),)), "or -1 to fill it"),
            (CanvasSpec(shapes=(Circle(radius=-3),)), "radius"),
            (CanvasSpec(shapes=(Ellipse(axes=(-1, 5)),)), "half-axes"),
            (CanvasSpec(shapes=(Polyline(points=((1, 2),)),)), "at least 2 points"),
            (CanvasSpec(shapes=(Text(font="arial"),)), "Unknown font 'arial'"),
            (CanvasSpec(shapes=(Text(scale=0),)), "font scale"),
            (CanvasSpec(shapes=(Text(text="x" * 500),)), "characters long"),
            (CanvasSpec(shapes=(Line(start=("a", 3)),)), "pair of integers"),
        ],
    )
    def test_bad_specs(self, spec, message):
        with pytest.raises(ValueError, match=message):
            drawing.draw_canvas(spec)


class TestColours:
    def test_hex_to_rgb(self):
        assert drawing.hex_to_rgb("#ff7f00") == (255, 127, 0)
        assert drawing.hex_to_rgb("00FF7f") == (0, 255, 127)
        assert (
            drawing.hex_to_rgb("#abc") == drawing.hex_to_rgb("aabbcc") == (170, 187, 204)
        )  # a link's short form

    def test_round_trip(self):
        for colour in [(0, 0, 0), (255, 255, 255), (12, 34, 56)]:
            assert drawing.hex_to_rgb(drawing.rgb_to_hex(colour)) == colour

    def test_bgr_swaps_red_and_blue(self):
        assert drawing.rgb_to_bgr((1, 2, 3)) == (3, 2, 1)

    @pytest.mark.parametrize("text", ["red", "#ffff", "#gg0000", "#-12345", "#+ffff", "", None])
    def test_bad_hex(self, text):
        with pytest.raises(ValueError, match="#RRGGBB"):
            drawing.hex_to_rgb(text)


class TestCanvasSnippet:
    def test_course_canvas(self):
        code = drawing.canvas_snippet()
        assert "blue" in code.lower() or "(255, 127, 0)" in code
        assert "cv2.line(canvas, (50, 50), (650, 450), (255, 255, 255), 5)" in code  # the notes' call
        np.testing.assert_array_equal(snippet_result(code), drawing.draw_canvas())

    def test_every_option(self):
        spec = CanvasSpec(
            width=400,
            height=300,
            background=(250, 240, 230),
            shapes=(
                Line(start=(-20, 10), end=(380, 290), color=(200, 10, 10), thickness=2, antialiased=True),
                Rectangle(top_left=(300, 250), bottom_right=(20, 30), thickness=4),
                Circle(
                    center=(200, 150),
                    radius=60,
                    color=(0, 0, 200),
                    thickness=drawing.FILLED,
                    antialiased=True,
                ),
                Ellipse(
                    center=(100, 200), axes=(80, 20), angle=-30.5, start_angle=45, end_angle=300, thickness=2
                ),
                Polyline(points=((10, 10), (100, 40), (60, 90), (20, 70)), closed=True, thickness=6),
                Text(text='It\'s "quoted"\\n', org=(15, 280), font="script_complex", scale=0.8, italic=True),
                Text(text="plain", org=(250, 40), font="plain", scale=2, thickness=1, antialiased=False),
            ),
        )
        np.testing.assert_array_equal(snippet_result(drawing.canvas_snippet(spec)), drawing.draw_canvas(spec))
