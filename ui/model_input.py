"""The model pages' input picker: the model's example, the current image, a camera snapshot or a drawing."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib.nn import models
from ui.cache import image_cache
from ui.cached import decoded
from ui.models import digit_boxes, digit_crop, info, model_source

INPUTS = ("Example", "Current image", "Camera", "Draw")
PHOTO_EXAMPLES = ("cat", "coffee", "portrait", "flower", "china")


@image_cache(max_entries=8)
def shape_example(shape: str, seed: int) -> np.ndarray:
    """A 128x128 drawing of a known shape (lib.cv.shapes) or of a new one (lib.nn.transfer)."""
    from lib.cv.shapes import SHAPE_CLASSES, draw_shape
    from lib.nn.transfer import make_new_shapes

    if shape in SHAPE_CLASSES:
        return draw_shape(shape, np.random.default_rng(seed), size=128)
    return make_new_shapes(1, size=128, seed=seed, classes=(shape,))[0][0]


def _drawable_shapes() -> tuple[str, ...]:
    from lib.cv.shapes import SHAPE_CLASSES
    from lib.nn.transfer import NEW_SHAPE_CLASSES

    return (*SHAPE_CLASSES, *NEW_SHAPE_CLASSES)


def _example(
    name: str, prefix: str, container, shapes: tuple[str, ...] | None
) -> tuple[np.ndarray, str, np.ndarray]:
    from lib.cv.shapes import SHAPE_CLASSES
    from ui.image_source import sample_image

    if name == "lenet_digits":
        digit = container.slider(
            "Digit from the digits sample", 0, 9, 3, key=f"{prefix}_digit", bind="query-params"
        )
        sheet = sample_image("digits")
        return digit_crop(sheet, digit), f"digit {digit} from the digits sample", sheet
    if name == "shapes_cnn":
        options = shapes or SHAPE_CLASSES
        shape = container.selectbox(
            "Shape", options, index=0 if shapes else 3, key=f"{prefix}_shape", bind="query-params"
        )
        image = shape_example(shape, 7)
        return image, f"a generated {shape}", image
    photo = container.selectbox("Photo", PHOTO_EXAMPLES, key=f"{prefix}_photo", bind="query-params")
    image = sample_image(photo)
    return image, f"sample: {photo}", image


DRAW_TIPS = {
    "lenet_digits": "Draw one digit, large, with the mouse. LeNet learned from the UCI digits, whose writers "
    "crossed their 7s and based their 1s, and from digits drawn on this canvas the way most people write them "
    "(a 7 without the bar, a 1 in one stroke, an open 4): what the data holds is what it reads.",
    "shapes_cnn": "The shapes CNN learned filled circles, squares, triangles, stars and hexagons: draw one with "
    "the Circle, Rectangle or Polygon tool (click the corners, then the first one again), or scribble it full.",
}


# The canvas's tools: drawing_mode of streamlit-drawable-canvas. Shapes are drawn filled with the ink.
DRAW_TOOLS = {"Pen": "freedraw", "Circle": "circle", "Rectangle": "rect", "Polygon": "polygon"}


def canvas_drawing(container, key: str, *, tool: str = "Pen") -> np.ndarray | None:
    """The canvas, in `container`: what was drawn as RGBA (H, W, 4) uint8, None before the first stroke.

    tool: one of DRAW_TOOLS. Sent when a stroke or shape ends; raises ImageError for anything else.
    (Tests replace this function: AppTest cannot draw.)
    """
    from streamlit_drawable_canvas import st_canvas

    from lib.cv.canvas_input import CANVAS_SIDE, INK, PAPER, STROKE_WIDTH, decode_drawing, hex_colour
    from lib.cv.images import ImageError

    with container:
        result = st_canvas(
            fill_color=hex_colour(INK),  # shape tools draw filled shapes; the pen ignores it
            stroke_width=STROKE_WIDTH if tool == "Pen" else 2,
            stroke_color=hex_colour(INK),
            background_color=hex_colour(PAPER),
            height=CANVAS_SIDE,
            width=CANVAS_SIDE,
            drawing_mode=DRAW_TOOLS.get(tool, "freedraw"),
            return_image_data=True,
            key=key,
        )
    try:
        png = result.image_bytes  # checked before it is decoded (result.image_data would not)
    except ValueError:  # not a base64 data: URL
        raise ImageError("The canvas sent something that is not an image.") from None
    return None if png is None else decode_drawing(png)


def drawn_input(name: str, prefix: str, tip: str, *, tools: bool = False) -> np.ndarray | None:
    """The canvas and, beside it, what the model is given; the drawing as RGB uint8, or None (blank).

    tools: offer the shape tools (circle, rectangle, polygon) beside the pen.
    """
    from lib.cv.canvas_input import CANVAS_SIDE, drawing_image
    from lib.cv.images import ImageError
    from ui.layout import display_url, show_error

    canvas_column, view_column = st.columns(2)
    tool = "Pen"
    if tools:
        tool = canvas_column.segmented_control(
            "Tool", tuple(DRAW_TOOLS), default="Pen", required=True, key=f"{prefix}_tool"
        )
    canvas_column.caption("Draw here; the bin above the canvas clears it.")
    try:
        image = drawing_image(canvas_drawing(canvas_column, f"{prefix}_canvas", tool=tool))
    except ImageError as error:
        show_error(f"The drawing could not be used: {error}")
        image = None
    if image is None:
        view_column.caption(f"{tip} Until you draw, the example below is shown.")
        return None
    try:
        described = info(name)
        caption, view = models.preprocess(described.name, image, info=described).steps[-1]
    except (models.ModelError, ImageError):
        return image  # the page says what is wrong
    view_column.image(
        display_url(view, CANVAS_SIDE), caption=f"The model is given: {caption}", width=CANVAS_SIDE
    )
    view_column.caption(tip)
    return image


def input_picker(
    name: str, prefix: str, *, shapes: tuple[str, ...] | None = None
) -> tuple[np.ndarray, str, np.ndarray]:
    """The input controls: the model's example, the current image, a camera snapshot or a drawing.

    Returns (image for the model, what it is, the whole picture it came from). `shapes`: the shapes the
    shapes CNN's example offers (default: the five it was trained on). LeNet reads one digit at a
    time: from a picture with several digits, a slider picks one (the image is its crop); a drawing
    is always one digit. A blank canvas or a missing snapshot shows the example.
    """
    from lib.cv.images import ImageError
    from ui.image_source import current_image, current_label
    from ui.layout import show_error

    model_name = name
    if model_source(name).trained:  # its own classes' shapes when it learned shapes, else the photos
        classes = info(name).classes
        name, shapes = ("shapes_cnn", classes) if set(classes) <= set(_drawable_shapes()) else ("photo", None)
    left, right = st.columns([2, 3])
    source = left.segmented_control(
        "Input", INPUTS, default="Example", required=True, key=f"{prefix}_input", bind="query-params"
    )
    image = None
    if source == "Camera":
        snapshot = right.camera_input("Snapshot", key=f"{prefix}_camera")
        if snapshot is None:
            right.caption("Take a snapshot; until then the example is shown.")
        else:
            try:
                image, label = decoded(snapshot.getvalue()), "camera snapshot"
            except ImageError as error:
                show_error(f"The snapshot could not be used: {error}")
    elif source == "Current image":
        image, label = current_image(), current_label()
    elif source == "Draw":
        tip = DRAW_TIPS.get(name, "Draw anything: whatever is on the canvas is the input.")
        image, label = drawn_input(model_name, prefix, tip, tools=name == "shapes_cnn"), "your drawing"
        if image is not None:
            return image, label, image  # the canvas holds one digit: never split into several
    if image is None:
        return _example(name, prefix, right, shapes)
    if name == "lenet_digits":
        count = len(digit_boxes(image))  # the one search: several readable marks, else the whole picture
        if count > 1:
            which = right.slider(
                f"{count} separate marks found: read which one", 1, count, 1, key=f"{prefix}_which"
            )
            return digit_crop(image, which - 1), f"{label}, mark {which}", image
    return image, label, image
