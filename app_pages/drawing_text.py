"""Drawing & text: a canvas with the course's line, rectangle, circle, ellipse, polyline and Hershey text."""

import streamlit as st

from lib.cv import drawing as dr
from lib.cv.programs import image_program
from ui.layout import code_panel, page_header, show_error, show_image
from ui.sections.drawing_text import (
    CANVAS_MAX_X,
    CANVAS_MAX_Y,
    canvas_point,
    draw_canvas,
    font_gallery,
    shape_style,
)

page_header(
    "Drawing & text",
    """
A canvas is just an array: `np.full((height, width, 3), colour, dtype=np.uint8)`. OpenCV draws **into** it
(the functions change the array in place) with colours in **BGR** order — the course's blue is `(255, 127, 0)`;
convert with `cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB)` before showing it, or blue turns orange.
Points are `(x, y)`: x to the right, y **down**, `(0, 0)` at the top-left. A thickness of `-1` fills a closed
shape. `cv2.ellipse` takes the centre, the **half**-axes, the turn angle and the arc's start and end angles;
`cv2.polylines` joins points (closed or open); `cv2.putText` writes from `org`, the **bottom-left** corner of
the text, in one of the Hershey stroke fonts. `cv2.LINE_AA` blends the edges (anti-aliasing); `LINE_8` does not.
""",
    notes_fix="The notes call (350, 350) the ellipse's starting point and (100, 50) its axis lengths; in fact "
    "(350, 350) is the centre and (100, 50) are half-axes: the ellipse is 200 × 100 px.",
)
URL = {"bind": "query-params"}

st.subheader("Canvas")
columns = st.columns(4)
width = columns[0].slider("Width (px)", 100, CANVAS_MAX_X, dr.CanvasSpec.width, key="dt_width", **URL)
height = columns[1].slider("Height (px)", 100, CANVAS_MAX_Y, dr.CanvasSpec.height, key="dt_height", **URL)
background = columns[2].color_picker(
    "Background", dr.rgb_to_hex(dr.COURSE_BACKGROUND), key="dt_background", **URL
)
smooth = columns[3].toggle("Shapes with LINE_AA", False, key="dt_shapes_aa", **URL)

shapes = []
tabs = st.tabs(["Line", "Rectangle", "Circle", "Ellipse", "Polyline", "Text"])
with tabs[0]:
    line = dr.Line()
    start, end = (
        canvas_point("Start", line.start, "dt_line_start"),
        canvas_point("End", line.end, "dt_line_end"),
    )
    looks, draw_it = shape_style(line, "dt_line", smooth)
    shapes += [dr.Line(start, end, **looks)] if draw_it else []
with tabs[1]:
    rectangle = dr.Rectangle()
    corners = (
        canvas_point("Top-left", rectangle.top_left, "dt_rect_tl"),
        canvas_point("Bottom-right", rectangle.bottom_right, "dt_rect_br"),
    )
    looks, draw_it = shape_style(dr.Rectangle(thickness=3), "dt_rect", smooth)
    if st.toggle("Filled (thickness -1)", True, key="dt_rect_filled", **URL):
        looks["thickness"] = dr.FILLED
    shapes += [dr.Rectangle(*corners, **looks)] if draw_it else []
with tabs[2]:
    circle = dr.Circle()
    center = canvas_point("Centre", circle.center, "dt_circle_c")
    radius = st.slider("Radius (px)", 0, 500, circle.radius, key="dt_circle_r", **URL)
    looks, draw_it = shape_style(circle, "dt_circle", smooth)
    shapes += [dr.Circle(center, radius, **looks)] if draw_it else []
with tabs[3]:
    ellipse = dr.Ellipse()
    center, axes = (
        canvas_point("Centre", ellipse.center, "dt_ell_c"),
        canvas_point("Half-axis", ellipse.axes, "dt_ell_axes"),
    )
    left, right = st.columns(2)
    angle = left.slider("Turn angle (°)", 0, 360, int(ellipse.angle), key="dt_ell_angle", **URL)
    arc = right.slider("Arc from … to (°)", 0, 360, (0, 360), key="dt_ell_arc", **URL)  # the course: 0..360
    looks, draw_it = shape_style(ellipse, "dt_ell", smooth)
    shapes += [dr.Ellipse(center, axes, angle, *arc, **looks)] if draw_it else []
with tabs[4]:
    polyline = dr.Polyline()
    points = tuple(canvas_point(f"Point {n}", p, f"dt_poly_{n}") for n, p in enumerate(polyline.points, 1))
    closed = st.toggle("Closed (joins the last point to the first)", False, key="dt_poly_closed", **URL)
    looks, draw_it = shape_style(polyline, "dt_poly", smooth)
    shapes += [dr.Polyline(points, closed, **looks)] if draw_it else []
with tabs[5]:
    text = dr.Text()
    words = st.text_input("Text", text.text, max_chars=dr.MAX_TEXT_LENGTH, key="dt_text", **URL)
    org = canvas_point("Bottom-left (org)", text.org, "dt_text_org")
    left, middle, right = st.columns(3)
    fonts = list(dr.HERSHEY_FONTS)
    font = left.selectbox("Font", fonts, fonts.index(text.font), key="dt_font", **URL)
    scale = middle.slider("Scale", 0.2, 5.0, text.scale, 0.1, key="dt_font_scale", **URL)
    italic = right.checkbox("FONT_ITALIC", False, key="dt_font_italic", **URL)
    text_aa = right.checkbox("LINE_AA", text.antialiased, key="dt_text_aa", **URL)
    text_looks, text_on = shape_style(text, "dt_text", text_aa, max_thickness=10)
    text = dr.Text(words, org, font, scale, italic=italic, **text_looks)
    shapes += [text] if text_on else []

try:
    spec = dr.CanvasSpec(width, height, dr.hex_to_rgb(background), tuple(shapes))
    canvas = draw_canvas(spec)
    show_image(canvas, caption=f"Canvas {width}×{height} · {len(shapes)} shapes, drawn in tab order")
    if text_on:
        (left, top), (right, bottom) = dr.text_box(text)
        st.caption(f"Text box ({left}, {top})–({right}, {bottom}); org {org} is on its baseline.")
    code_panel(
        image_program(
            dr.canvas_snippet(spec),
            None,
            reproduces=f"Drawing & text: the {width}×{height} canvas with its {len(shapes)} shapes, in tab order.",
            name="canvas.py",
            result=canvas,
        )
    )
except ValueError as error:
    show_error(f"{error} Change that setting to draw the canvas.")

st.subheader("Every Hershey font")
st.caption(
    "The text tab's scale, thickness, italic and LINE_AA settings, applied to each font in turn. "
    f"FONT_ITALIC slants only {', '.join(dr.ITALIC_FONTS)}: OpenCV has no other italic glyphs."
)
gallery = font_gallery(scale, text_looks["thickness"], italic, text_aa)
show_image(gallery, caption="cv2.FONT_HERSHEY_* fonts, top to bottom")
