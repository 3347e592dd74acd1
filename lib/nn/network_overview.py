"""The whole network at a glance: every layer of one forward pass as one left-to-right flow of columns.

After CNN Explainer (Wang et al., 2020): the input, then each convolution / ReLU / pooling layer as a stack of
its most active maps, then the dense layers as strips of their values and the softmax as class bars. The
layout is computed first (overview_layout: where each column and each thumbnail goes), then drawn
(draw_overview) and read back for clicks (overview_hit), so a click always lands on what was drawn.

BatchNorm (it rescales each map) and Dropout (it does nothing at test time) are left out of the flow.
A flow wider than the image wraps onto the next row; the dense part starts a row of its own. A network with
more layers than fit in max_rows rows shows its stages: the first layer, every layer that shrinks the maps
and the last, with "..." for the layers between.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from lib.nn.features import LayerActivation, colorize, order_by_activity

FONT = cv2.FONT_HERSHEY_SIMPLEX
FONT_SCALE = 0.55  # capital letters 13 px high: about an 18 px font where the image is shown 1:1
LINE_HEIGHT = 22
LABEL_LINES = 3  # name, kind, shape
THUMB_SIDE = 40
THUMB_GAP = 4
STRIP_WIDTH = 24  # a dense layer's values, top to bottom
SOFTMAX_ROW = 22
SOFTMAX_BAR = 60
SOFTMAX_NAMES = 110  # class names are cut to this width
COLUMN_PAD = 6
COLUMN_GAP = 18  # room for the arrow between two columns
ROW_GAP = 20
MARGIN = 8
LEFT_OUT_KINDS = ("BatchNorm2d", "Dropout")
TEXT = (20, 20, 20)
TEXT_MUTED = (90, 90, 90)
ARROW = (150, 150, 150)
WINNER = (255, 214, 140)  # the winning class's band
BAR = (70, 110, 190)
SELECTED = (255, 140, 0)


@dataclass(frozen=True)
class Thumbnail:
    """One map drawn in the overview: channel `channel` of layer `layer`, at (x, y), side × side pixels."""

    layer: str
    channel: int
    x: int
    y: int
    side: int
    map_shape: tuple[int, int]  # the map's (H, W)


@dataclass(frozen=True)
class Column:
    """One column of the flow: a label (name, kind, shape) over a body (thumbnails, a strip, class bars)."""

    layer: str  # layer name, "input", "softmax", or "..." for layers left out
    body: str  # "input", "maps", "vector", "softmax" or "gap"
    label: tuple[str, ...]  # the lines written above the body
    x: int
    y: int  # top of the row
    width: int
    thumbnails: tuple[Thumbnail, ...] = ()


@dataclass(frozen=True)
class OverviewLayout:
    width: int
    height: int
    body_height: int
    columns: tuple[Column, ...]

    @property
    def layers_shown(self) -> list[str]:
        """The network's layers that have a column, in flow order."""
        return [c.layer for c in self.columns if c.body in ("maps", "vector")]


@dataclass(frozen=True)
class OverviewHit:
    """What a click on the overview landed on: a map (layer, channel) and the unit (row, col) under it."""

    layer: str
    channel: int
    row: int
    col: int


def shape_text(shape: Sequence[int]) -> str:
    """(C, H, W) -> "CxHxW" (Hershey fonts have no multiplication sign); (F,) -> "F"."""
    return "x".join(str(int(size)) for size in shape)


def _text_width(text: str) -> int:
    return cv2.getTextSize(text, FONT, FONT_SCALE, 1)[0][0]


def _label_width(lines: Sequence[str]) -> int:
    return max(_text_width(line) for line in lines)


def _candidates(layers: Sequence[LayerActivation]) -> list[LayerActivation]:
    return [layer for layer in layers if layer.kind not in LEFT_OUT_KINDS and layer.values.ndim in (1, 3)]


def _stages(candidates: list[LayerActivation]) -> list[LayerActivation | int]:
    """The first spatial layer, each one that shrinks the maps and the last spatial one; an int stands for
    that many layers left out between two of them. Every vector layer is kept."""
    spatial = [layer for layer in candidates if layer.values.ndim == 3]
    kept_indices = {0, len(spatial) - 1} | {
        index for index in range(1, len(spatial)) if spatial[index].shape[1:] < spatial[index - 1].shape[1:]
    }
    flow: list[LayerActivation | int] = []
    for index, layer in enumerate(spatial):
        if index in kept_indices:
            flow.append(layer)
        elif isinstance(flow[-1], int):
            flow[-1] += 1
        else:
            flow.append(1)
    return flow + [layer for layer in candidates if layer.values.ndim == 1]


def _column_specs(flow, input_shape, num_classes: int, maps_per_layer: int):
    """(layer, body, label lines, width) for each column, in flow order."""
    specs = [("input", "input", ("input", "image", shape_text(input_shape)))]
    for layer in flow:
        if isinstance(layer, int):
            specs.append(("...", "gap", (f"+{layer}", "layers", "")))
            continue
        body = "maps" if layer.values.ndim == 3 else "vector"
        specs.append((layer.name, body, (layer.name, layer.kind, shape_text(layer.shape))))
    specs.append(("softmax", "softmax", ("softmax", "P(class)", f"{num_classes} classes")))
    widths = {
        "input": 2 * THUMB_SIDE + THUMB_GAP,
        "maps": THUMB_SIDE,
        "vector": STRIP_WIDTH,
        "softmax": SOFTMAX_NAMES + SOFTMAX_BAR + _text_width("100%") + 16,
        "gap": _text_width("..."),
    }
    return [
        (name, body, label, max(_label_width(label), widths[body]) + 2 * COLUMN_PAD)
        for name, body, label in specs
    ]


def _rows(specs, max_width: int) -> list[list[int]]:
    """Column indices per row: the feature part wraps into rows of about equal width; the dense part
    (from the first vector column) starts its own row unless everything fits in one."""
    total = sum(spec[3] for spec in specs) + COLUMN_GAP * (len(specs) - 1) + 2 * MARGIN
    if total <= max_width:
        return [list(range(len(specs)))]
    first_dense = next((i for i, spec in enumerate(specs) if spec[1] in ("vector", "softmax")), len(specs))
    rows: list[list[int]] = []
    for part in (range(first_dense), range(first_dense, len(specs))):
        if not part:
            continue
        part_width = sum(specs[i][3] + COLUMN_GAP for i in part) + 2 * MARGIN
        target = part_width / -(-part_width // max_width)  # equal rows, as few as fit
        row: list[int] = []
        width = 2 * MARGIN
        for index in part:
            step = specs[index][3] + COLUMN_GAP
            if row and (width + step - COLUMN_GAP > max_width or width + step / 2 > target + MARGIN):
                rows.append(row)
                row, width = [], 2 * MARGIN
            row.append(index)
            width += step
        rows.append(row)
    return rows


def overview_layout(
    layers: Sequence[LayerActivation],
    input_shape: Sequence[int],
    num_classes: int,
    *,
    maps_per_layer: int = 3,
    max_width: int = 1000,
    max_rows: int = 3,
) -> OverviewLayout:
    """Where every column and thumbnail of the overview goes (draw_overview draws it, overview_hit reads it).

    layers: one forward pass (lib.nn.features.extract_activations); input_shape: the model's (C, H, W).
    maps_per_layer: thumbnails per spatial layer, its most active maps (order_by_activity) top to bottom.
    """
    if not 1 <= maps_per_layer <= 8:
        raise ValueError(f"maps_per_layer must be 1..8, got {maps_per_layer}")
    candidates = _candidates(layers)
    specs = _column_specs(candidates, input_shape, num_classes, maps_per_layer)
    rows = _rows(specs, max_width)
    if len(rows) > max_rows:
        specs = _column_specs(_stages(candidates), input_shape, num_classes, maps_per_layer)
        rows = _rows(specs, max_width)
    by_name = {layer.name: layer for layer in layers}
    body_height = maps_per_layer * THUMB_SIDE + (maps_per_layer - 1) * THUMB_GAP
    row_height = LABEL_LINES * LINE_HEIGHT + 6 + body_height
    columns = []
    width = 0
    for row_index, row in enumerate(rows):
        y = MARGIN + row_index * (row_height + ROW_GAP)
        x = MARGIN
        for index in row:
            name, body, label, column_width = specs[index]
            thumbnails = ()
            if body == "maps":
                values = by_name[name].values
                order = order_by_activity(values)[:maps_per_layer]
                left = x + (column_width - THUMB_SIDE) // 2
                top = y + LABEL_LINES * LINE_HEIGHT + 6
                thumbnails = tuple(
                    Thumbnail(
                        name,
                        int(channel),
                        left,
                        top + rank * (THUMB_SIDE + THUMB_GAP),
                        THUMB_SIDE,
                        values.shape[1:],
                    )
                    for rank, channel in enumerate(order)
                )
            columns.append(Column(name, body, label, x, y, column_width, thumbnails))
            x += column_width + COLUMN_GAP
        width = max(width, x - COLUMN_GAP + MARGIN)
    height = MARGIN + len(rows) * (row_height + ROW_GAP) - ROW_GAP + MARGIN
    return OverviewLayout(int(width), int(height), body_height, tuple(columns))


def overview_hit(layout: OverviewLayout, point: tuple[int, int]) -> OverviewHit | None:
    """The map and unit under an image point (x, y) of the overview, or None off the thumbnails."""
    x, y = point
    for column in layout.columns:
        for thumb in column.thumbnails:
            if thumb.x <= x < thumb.x + thumb.side and thumb.y <= y < thumb.y + thumb.side:
                rows = unit_index(thumb.side, thumb.map_shape[0])
                cols = unit_index(thumb.side, thumb.map_shape[1])
                return OverviewHit(thumb.layer, thumb.channel, int(rows[y - thumb.y]), int(cols[x - thumb.x]))
    return None


def unit_index(side: int, size: int) -> np.ndarray:
    """For each of `side` thumbnail pixels, the map unit (of `size`) under its centre: (side,) int64."""
    return np.minimum(size - 1, ((np.arange(side) + 0.5) * size) // side).astype(np.int64)


def thumbnail_of(layout: OverviewLayout, layer: str, channel: int) -> Thumbnail | None:
    """Where map `channel` of `layer` is drawn, or None if it is not in the overview."""
    for column in layout.columns:
        for thumb in column.thumbnails:
            if thumb.layer == layer and thumb.channel == channel:
                return thumb
    return None


def _put(canvas: np.ndarray, text: str, x: int, y: int, colour, *, thickness: int = 1) -> None:
    cv2.putText(canvas, text, (x, y), FONT, FONT_SCALE, colour, thickness, cv2.LINE_AA)


def _resized(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Enlarged by repeating each unit (the one under each pixel's centre, unit_index), or shrunk by averaging."""
    if image.shape[0] <= height and image.shape[1] <= width:
        return image[np.ix_(unit_index(height, image.shape[0]), unit_index(width, image.shape[1]))]
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def _strip(values: np.ndarray, height: int) -> np.ndarray:
    """A dense layer's values (F,) as a (height, STRIP_WIDTH, 3) strip: one band per value, or, for more values
    than pixels, each pixel row shows the value of largest magnitude among those it covers."""
    values = np.asarray(values, dtype=np.float32)
    edges = np.linspace(0, values.size, min(values.size, height) + 1).astype(int)
    picked = np.array(
        [values[a:b][np.argmax(np.abs(values[a:b]))] for a, b in zip(edges[:-1], edges[1:], strict=True)]
    )
    colours = colorize(picked[None, :, None], shared_scale=True)[0]  # (bands, 1, 3)
    return _resized(colours, STRIP_WIDTH, height)


def draw_overview(
    layout: OverviewLayout,
    layers: Sequence[LayerActivation],
    input_image: np.ndarray,
    classes: Sequence[str],
    probabilities: np.ndarray,
    *,
    selected: tuple[str, int] | None = None,
) -> np.ndarray:
    """The overview as one RGB uint8 image (layout.height, layout.width, 3).

    Each column of maps shares one colour scale (lib.nn.features.colorize: blue-white-red when it has negative
    values, viridis from 0 otherwise); `selected` = (layer, channel) is framed in orange.
    """
    canvas = np.full((layout.height, layout.width, 3), 255, dtype=np.uint8)
    by_name = {layer.name: layer for layer in layers}
    body_top = LABEL_LINES * LINE_HEIGHT + 6
    for index, column in enumerate(layout.columns):
        for line, text in enumerate(column.label):
            width = _text_width(text)
            colour = TEXT if line == 0 else TEXT_MUTED
            _put(
                canvas,
                text,
                column.x + (column.width - width) // 2,
                column.y + (line + 1) * LINE_HEIGHT - 6,
                colour,
            )
        top = column.y + body_top
        middle = top + layout.body_height // 2
        if index + 1 < len(layout.columns) and layout.columns[index + 1].y == column.y:
            start, end = column.x + column.width + 2, column.x + column.width + COLUMN_GAP - 2
            cv2.arrowedLine(canvas, (start, middle), (end, middle), ARROW, 2, cv2.LINE_AA, tipLength=0.45)
        if column.body == "input":
            _draw_input(canvas, input_image, column, top, layout.body_height)
        elif column.body == "maps":
            values = by_name[column.layer].values
            channels = [thumb.channel for thumb in column.thumbnails]
            coloured = colorize(values[channels], shared_scale=True)
            for thumb, picture in zip(column.thumbnails, coloured, strict=True):
                canvas[thumb.y : thumb.y + thumb.side, thumb.x : thumb.x + thumb.side] = _resized(
                    picture, thumb.side, thumb.side
                )
                cv2.rectangle(
                    canvas, (thumb.x - 1, thumb.y - 1), (thumb.x + thumb.side, thumb.y + thumb.side), ARROW, 1
                )
        elif column.body == "vector":
            left = column.x + (column.width - STRIP_WIDTH) // 2
            canvas[top : top + layout.body_height, left : left + STRIP_WIDTH] = _strip(
                by_name[column.layer].values, layout.body_height
            )
            cv2.rectangle(
                canvas, (left - 1, top - 1), (left + STRIP_WIDTH, top + layout.body_height), ARROW, 1
            )
        elif column.body == "softmax":
            _draw_softmax(canvas, column, top, layout.body_height, classes, probabilities)
        else:  # the layers left out
            for dot in range(3):
                centre = (column.x + column.width // 2 - 10 + 10 * dot, middle)
                cv2.circle(canvas, centre, 3, TEXT_MUTED, -1, cv2.LINE_AA)
    if selected is not None:
        thumb = thumbnail_of(layout, *selected)
        if thumb is not None:
            inner = canvas[
                thumb.y - 1 : thumb.y + thumb.side + 1, thumb.x - 1 : thumb.x + thumb.side + 1
            ].copy()
            canvas[thumb.y - 4 : thumb.y + thumb.side + 4, thumb.x - 4 : thumb.x + thumb.side + 4] = SELECTED
            canvas[thumb.y - 1 : thumb.y + thumb.side + 1, thumb.x - 1 : thumb.x + thumb.side + 1] = inner
    return canvas


def _draw_input(canvas: np.ndarray, image: np.ndarray, column: Column, top: int, body_height: int) -> None:
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    side = min(column.width - 2 * COLUMN_PAD, body_height)
    scale = side / max(image.shape[:2])
    height, width = max(1, round(image.shape[0] * scale)), max(1, round(image.shape[1] * scale))
    left = column.x + (column.width - width) // 2
    canvas[top : top + height, left : left + width] = _resized(image.astype(np.uint8), width, height)
    cv2.rectangle(canvas, (left - 1, top - 1), (left + width, top + height), ARROW, 1)


def _draw_softmax(canvas, column: Column, top: int, body_height: int, classes, probabilities) -> None:
    """Class names with their probability bars, most probable first; the winner on a coloured band."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    rows = max(1, min(len(classes), body_height // SOFTMAX_ROW, 10))
    order = np.argsort(-probabilities, kind="stable")[:rows]
    name_width = column.width - 2 * COLUMN_PAD - SOFTMAX_BAR - _text_width("100%") - 12
    for rank, index in enumerate(order):
        y = top + rank * SOFTMAX_ROW
        if rank == 0:
            cv2.rectangle(canvas, (column.x, y), (column.x + column.width, y + SOFTMAX_ROW - 2), WINNER, -1)
        name = str(classes[index])
        while len(name) > 1 and _text_width(name) > name_width:
            name = name[:-1]
        baseline = y + SOFTMAX_ROW - 6
        _put(canvas, name, column.x + COLUMN_PAD, baseline, TEXT)
        bar_left = column.x + COLUMN_PAD + name_width + 4
        length = round(SOFTMAX_BAR * float(probabilities[index]))
        if length > 0:
            cv2.rectangle(canvas, (bar_left, y + 5), (bar_left + length, y + SOFTMAX_ROW - 7), BAR, -1)
        percent = f"{100 * probabilities[index]:.0f}%"
        _put(canvas, percent, bar_left + SOFTMAX_BAR + 4, baseline, TEXT)
