"""Drawing shapes and text on a canvas, as the course does (notes, sections I.G-H).

Shapes are described by frozen dataclasses whose defaults are the course's values. Colours are RGB
tuples (the app's convention; st.color_picker gives RGB hex): draw_canvas converts them to BGR at the
OpenCV boundary, draws in BGR as the course does, and returns RGB.
Points are (x, y): x to the right, y down, (0, 0) the top-left corner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from lib.cv.colour import parse_hex_colour
from lib.cv.programs import literal, snippet

Color = tuple[int, int, int]  # RGB, 0-255 each
Point = tuple[int, int]  # (x, y)

# The course's colours, written in RGB (the notes write them in BGR: blue = (255, 127, 0)).
COURSE_BACKGROUND: Color = (0, 127, 255)  # BGR (255, 127, 0): full blue, some green, no red
WHITE: Color = (255, 255, 255)
YELLOW: Color = (255, 255, 0)  # BGR (0, 255, 255)
RED: Color = (255, 0, 0)  # BGR (0, 0, 255)
GREEN: Color = (0, 255, 0)
MAGENTA: Color = (255, 0, 255)

# name -> OpenCV flag; every Hershey font OpenCV has.
HERSHEY_FONTS: dict[str, int] = {
    "simplex": cv2.FONT_HERSHEY_SIMPLEX,
    "plain": cv2.FONT_HERSHEY_PLAIN,
    "duplex": cv2.FONT_HERSHEY_DUPLEX,
    "complex": cv2.FONT_HERSHEY_COMPLEX,
    "triplex": cv2.FONT_HERSHEY_TRIPLEX,
    "complex_small": cv2.FONT_HERSHEY_COMPLEX_SMALL,
    "script_simplex": cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    "script_complex": cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
}
# OpenCV has italic glyphs for these fonts only; FONT_ITALIC leaves the others upright.
ITALIC_FONTS = ("plain", "complex", "triplex", "complex_small")
FILLED = -1  # thickness -1 (cv2.FILLED) fills a closed shape

MAX_CANVAS_SIDE = 4096
MAX_THICKNESS = 100
MAX_TEXT_LENGTH = 200


# ---------------------------------------------------------------------------------------------------------
# the spec: one dataclass per shape, with the course's defaults


@dataclass(frozen=True)
class Line:
    """cv2.line(canvas, start, end, color, thickness)."""

    start: Point = (50, 50)
    end: Point = (650, 450)
    color: Color = WHITE
    thickness: int = 5
    antialiased: bool = False  # LINE_AA instead of the default LINE_8


@dataclass(frozen=True)
class Rectangle:
    """cv2.rectangle(canvas, top_left, bottom_right, color, thickness); thickness -1 fills it."""

    top_left: Point = (100, 100)
    bottom_right: Point = (300, 300)
    color: Color = YELLOW
    thickness: int = FILLED
    antialiased: bool = False


@dataclass(frozen=True)
class Circle:
    """cv2.circle(canvas, center, radius, color, thickness); only the centre and radius are needed."""

    center: Point = (500, 150)
    radius: int = 100
    color: Color = RED
    thickness: int = 5
    antialiased: bool = False


@dataclass(frozen=True)
class Ellipse:
    """cv2.ellipse(canvas, center, axes, angle, start_angle, end_angle, color, thickness).

    axes are the HALF-lengths (semi-axes) along the ellipse's own x and y; angle turns the ellipse
    (degrees, clockwise on screen since y points down); the arc runs from start_angle to end_angle,
    measured from the turned x axis.
    """

    center: Point = (350, 350)
    axes: tuple[int, int] = (100, 50)
    angle: float = 45.0
    start_angle: float = 0.0
    end_angle: float = 360.0
    color: Color = GREEN
    thickness: int = 3
    antialiased: bool = False


@dataclass(frozen=True)
class Polyline:
    """cv2.polylines(canvas, [points.reshape(-1, 1, 2)], closed, color, thickness)."""

    points: tuple[Point, ...] = ((150, 400), (300, 400), (225, 300))
    closed: bool = False
    color: Color = MAGENTA
    thickness: int = 3
    antialiased: bool = False


@dataclass(frozen=True)
class Text:
    """cv2.putText(canvas, text, org, font, scale, color, thickness, line_type); org is the bottom-left
    corner of the text (on its baseline). Hershey fonts draw ASCII only: other characters become '?'."""

    text: str = "Hello, OpenCV"
    org: Point = (200, 100)
    font: str = "complex"
    scale: float = 1.5
    color: Color = WHITE
    thickness: int = 2
    italic: bool = False  # OR cv2.FONT_ITALIC into the font (slants ITALIC_FONTS only)
    antialiased: bool = True  # the course passes cv2.LINE_AA


Shape = Line | Rectangle | Circle | Ellipse | Polyline | Text


def course_shapes() -> tuple[Shape, ...]:
    """The course's drawings in its order: line, rectangle, circle, ellipse, polyline, then the text."""
    return (Line(), Rectangle(), Circle(), Ellipse(), Polyline(), Text())


@dataclass(frozen=True)
class CanvasSpec:
    """A canvas of width x height pixels filled with `background` (RGB), and the shapes drawn in order."""

    width: int = 700
    height: int = 500
    background: Color = COURSE_BACKGROUND
    shapes: tuple[Shape, ...] = field(default_factory=course_shapes)


# ---------------------------------------------------------------------------------------------------------
# colours


def hex_to_rgb(hex_color: str) -> Color:
    """'#ff7f00' -> (255, 127, 0); '#f70' and digits without '#' too (lib.cv.colour.parse_hex_colour)."""
    return parse_hex_colour(hex_color)


def rgb_to_hex(color: Color) -> str:
    """(255, 127, 0) -> '#ff7f00'."""
    red, green, blue = _check_color(color)
    return f"#{red:02x}{green:02x}{blue:02x}"


def rgb_to_bgr(color: Color) -> Color:
    """(R, G, B) -> (B, G, R): the order OpenCV's drawing functions expect on a BGR canvas."""
    red, green, blue = _check_color(color)
    return blue, green, red


def _check_color(color: Color) -> Color:
    try:
        values = tuple(int(v) for v in color)
    except (TypeError, ValueError):
        raise ValueError(f"A colour is three numbers 0-255 (R, G, B); got {color!r}.") from None
    if len(values) != 3 or not all(0 <= v <= 255 for v in values):
        raise ValueError(f"A colour is three numbers 0-255 (R, G, B); got {color!r}.")
    return values  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------------------
# checks


def _check_point(point: Sequence[int], what: str) -> Point:
    try:
        x, y = (int(v) for v in point)
    except (TypeError, ValueError):
        raise ValueError(f"The {what} must be an (x, y) pair of integers; got {point!r}.") from None
    if abs(x) > 10 * MAX_CANVAS_SIDE or abs(y) > 10 * MAX_CANVAS_SIDE:
        raise ValueError(f"The {what} {point!r} is far outside any canvas; keep it near the canvas.")
    return x, y


def _check_thickness(thickness: int, what: str, *, can_fill: bool) -> int:
    thickness = int(thickness)
    if can_fill and thickness == FILLED:
        return thickness
    if not 1 <= thickness <= MAX_THICKNESS:
        fill = " or -1 to fill it" if can_fill else ""
        raise ValueError(f"The {what}'s thickness must be 1 to {MAX_THICKNESS}{fill}; got {thickness}.")
    return thickness


def _line_type(antialiased: bool) -> int:
    return cv2.LINE_AA if antialiased else cv2.LINE_8


def font_flag(font: str, *, italic: bool = False) -> int:
    """The OpenCV font flag for a Hershey font name, with cv2.FONT_ITALIC OR-ed in when asked."""
    if font not in HERSHEY_FONTS:
        raise ValueError(f"Unknown font {font!r}; choose one of {', '.join(HERSHEY_FONTS)}.")
    return HERSHEY_FONTS[font] | (cv2.FONT_ITALIC if italic else 0)


def _check_text(text: Text) -> None:
    if len(text.text) > MAX_TEXT_LENGTH:
        raise ValueError(f"The text is {len(text.text)} characters long; keep it under {MAX_TEXT_LENGTH}.")
    if not (math.isfinite(text.scale) and 0 < text.scale <= 20):
        raise ValueError(f"The font scale must be above 0 and at most 20; got {text.scale}.")


def _check_spec(spec: CanvasSpec) -> None:
    if not (1 <= spec.width <= MAX_CANVAS_SIDE and 1 <= spec.height <= MAX_CANVAS_SIDE):
        raise ValueError(
            f"The canvas must be 1 to {MAX_CANVAS_SIDE} pixels per side; got {spec.width}×{spec.height}."
        )
    _check_color(spec.background)


# ---------------------------------------------------------------------------------------------------------
# drawing


def _draw_shape(canvas_bgr: np.ndarray, shape: Shape) -> None:
    """Draw one shape in place on a BGR canvas (the OpenCV boundary: colours become BGR here)."""
    color = rgb_to_bgr(shape.color)
    line_type = _line_type(shape.antialiased)
    if isinstance(shape, Line):
        thickness = _check_thickness(shape.thickness, "line", can_fill=False)
        start, end = _check_point(shape.start, "line start"), _check_point(shape.end, "line end")
        cv2.line(canvas_bgr, start, end, color, thickness, line_type)
    elif isinstance(shape, Rectangle):
        thickness = _check_thickness(shape.thickness, "rectangle", can_fill=True)
        top_left = _check_point(shape.top_left, "rectangle corner")
        bottom_right = _check_point(shape.bottom_right, "rectangle corner")
        cv2.rectangle(canvas_bgr, top_left, bottom_right, color, thickness, line_type)
    elif isinstance(shape, Circle):
        thickness = _check_thickness(shape.thickness, "circle", can_fill=True)
        if not 0 <= int(shape.radius) <= 10 * MAX_CANVAS_SIDE:
            raise ValueError(f"The circle's radius must be 0 or more; got {shape.radius}.")
        center = _check_point(shape.center, "circle centre")
        cv2.circle(canvas_bgr, center, int(shape.radius), color, thickness, line_type)
    elif isinstance(shape, Ellipse):
        thickness = _check_thickness(shape.thickness, "ellipse", can_fill=True)
        axes = _check_point(shape.axes, "ellipse axes")
        if min(axes) < 0:
            raise ValueError(f"The ellipse's half-axes must be 0 or more; got {shape.axes}.")
        if not all(math.isfinite(v) for v in (shape.angle, shape.start_angle, shape.end_angle)):
            raise ValueError("The ellipse's angles must be finite numbers of degrees.")
        center = _check_point(shape.center, "ellipse centre")
        cv2.ellipse(
            canvas_bgr,
            center,
            axes,
            float(shape.angle),
            float(shape.start_angle),
            float(shape.end_angle),
            color,
            thickness,
            line_type,
        )
    elif isinstance(shape, Polyline):
        thickness = _check_thickness(shape.thickness, "polyline", can_fill=False)
        if len(shape.points) < 2:
            raise ValueError(f"A polyline needs at least 2 points; got {len(shape.points)}.")
        points = np.array([_check_point(p, "polyline point") for p in shape.points], np.int32)
        cv2.polylines(
            canvas_bgr, [points.reshape((-1, 1, 2))], bool(shape.closed), color, thickness, line_type
        )
    elif isinstance(shape, Text):
        _check_text(shape)
        thickness = _check_thickness(shape.thickness, "text", can_fill=False)
        flag = font_flag(shape.font, italic=shape.italic)
        org = _check_point(shape.org, "text position")
        cv2.putText(canvas_bgr, shape.text, org, flag, float(shape.scale), color, thickness, line_type)
    else:
        raise ValueError(f"Unknown shape {shape!r}.")


def draw_canvas(spec: CanvasSpec | None = None) -> np.ndarray:
    """Fill a canvas with the background and draw every shape in order. Returns RGB uint8 (height, width, 3).

    Drawing happens on a BGR canvas with BGR colours, as in the course; the result is converted to RGB.
    Shapes reaching past the border are clipped. Raises ValueError for bad sizes, colours or shapes.
    """
    spec = spec or CanvasSpec()
    _check_spec(spec)
    canvas_bgr = np.full((spec.height, spec.width, 3), rgb_to_bgr(spec.background), dtype=np.uint8)
    for shape in spec.shapes:
        _draw_shape(canvas_bgr, shape)
    return cv2.cvtColor(canvas_bgr, cv2.COLOR_BGR2RGB)


def text_box(text: Text) -> tuple[Point, Point]:
    """The text's bounding box as (top_left, bottom_right), from cv2.getTextSize: org is its bottom-left,
    on the baseline; letters such as 'g' and 'p' hang below it by `baseline` pixels (included)."""
    _check_text(text)
    thickness = _check_thickness(text.thickness, "text", can_fill=False)
    (width, height), baseline = cv2.getTextSize(
        text.text, font_flag(text.font, italic=text.italic), float(text.scale), thickness
    )
    x, y = _check_point(text.org, "text position")
    return (x, y - height), (x + width, y + baseline)


def font_gallery(
    *,
    scale: float = 1.0,
    thickness: int = 2,
    italic: bool = False,
    antialiased: bool = True,
    color: Color = WHITE,
    background: Color = COURSE_BACKGROUND,
    width: int = 700,
) -> np.ndarray:
    """Every Hershey font's name, one per row 50 px apart from (50, 50), as the course's font loop does.

    Rows grow with the scale. Returns RGB uint8 (height, width, 3); height = 430 px at scale 1.
    """
    row_height = max(50, int(round(45 * scale)))
    height = 50 + row_height * (len(HERSHEY_FONTS) - 1) + max(30, int(round(25 * scale)))
    shapes = tuple(
        Text(
            text=f"{name}: Hello, OpenCV",
            org=(50, 50 + index * row_height),
            font=name,
            scale=scale,
            color=color,
            thickness=thickness,
            italic=italic,
            antialiased=antialiased,
        )
        for index, name in enumerate(HERSHEY_FONTS)
    )
    return draw_canvas(CanvasSpec(width=width, height=height, background=background, shapes=shapes))


# ---------------------------------------------------------------------------------------------------------
# snippet: the canvas written as the course writes it (BGR), converted to RGB into `result`


def _bgr_literal(color: Color) -> str:
    return literal(tuple(int(v) for v in rgb_to_bgr(color)))


def _line_type_literal(antialiased: bool) -> str:
    """', cv2.LINE_AA' when antialiased; nothing otherwise (cv2.LINE_8 is the default, as in the course)."""
    return ", cv2.LINE_AA" if antialiased else ""


def _font_literal(font: str, italic: bool) -> str:
    font_flag(font)  # validates the name
    name = f"cv2.FONT_HERSHEY_{font.upper()}"
    return f"{name} | cv2.FONT_ITALIC" if italic else name


def _point_literal(point: Sequence[int]) -> str:
    return literal(tuple(int(v) for v in point))


def _shape_code(shape: Shape) -> str:
    color = _bgr_literal(shape.color)
    tail = f"{color}, {int(shape.thickness)}{_line_type_literal(shape.antialiased)})"
    if isinstance(shape, Line):
        return f"cv2.line(canvas, {_point_literal(shape.start)}, {_point_literal(shape.end)}, {tail}\n"
    if isinstance(shape, Rectangle):
        fill = "  # thickness -1 fills it" if shape.thickness == FILLED else ""
        corners = f"{_point_literal(shape.top_left)}, {_point_literal(shape.bottom_right)}"
        return f"cv2.rectangle(canvas, {corners}, {tail}{fill}\n"
    if isinstance(shape, Circle):
        return f"cv2.circle(canvas, {_point_literal(shape.center)}, {int(shape.radius)}, {tail}\n"
    if isinstance(shape, Ellipse):
        center, axes = _point_literal(shape.center), _point_literal(shape.axes)
        angles = ", ".join(literal(float(v)) for v in (shape.angle, shape.start_angle, shape.end_angle))
        return (
            f"# centre {center}, half-axes {axes}: the ellipse is {2 * int(shape.axes[0])} x "
            f"{2 * int(shape.axes[1])} px before turning\n"
            f"cv2.ellipse(canvas, {center}, {axes}, {angles}, {tail}\n"
        )
    if isinstance(shape, Polyline):
        points = literal([[int(x), int(y)] for x, y in shape.points])
        return (
            f"points = np.array({points}, np.int32).reshape((-1, 1, 2))\n"
            f"cv2.polylines(canvas, [points], {bool(shape.closed)}, {tail}\n"
        )
    if isinstance(shape, Text):
        line_type = "cv2.LINE_AA" if shape.antialiased else "cv2.LINE_8"
        font = _font_literal(shape.font, shape.italic)
        return (
            f"cv2.putText(canvas, {str(shape.text)!r}, {_point_literal(shape.org)}, {font}, "
            f"{literal(float(shape.scale))}, {color}, {int(shape.thickness)}, {line_type})\n"
        )
    raise ValueError(f"Unknown shape {shape!r}.")


def canvas_snippet(spec: CanvasSpec | None = None) -> str:
    """Runnable code that draws the same canvas in BGR, as the course does, and ends with RGB `result`."""
    spec = spec or CanvasSpec()
    _check_spec(spec)
    code = (
        f"height, width = {spec.height}, {spec.width}\n"
        f"background = {_bgr_literal(spec.background)}  # OpenCV colours are (blue, green, red)\n"
        "canvas = np.full((height, width, 3), background, dtype=np.uint8)\n"
    )
    for shape in spec.shapes:
        code += _shape_code(shape)
    code += "result = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB)  # RGB for st.image / matplotlib\n"
    return snippet(code)
