"""Affine and perspective transforms: matrices from point pairs, warps, mapped grids and presets.

Points are (x, y) pixel coordinates, x to the right and y down, as OpenCV expects them.
An affine map needs 3 point pairs (a 2x3 matrix); a perspective map needs 4 (a 3x3 matrix).
Quadrilaterals are listed in order round the shape: top-left, top-right, bottom-right, bottom-left.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import cv2
import numpy as np

from lib.cv.images import check_image, check_output_size, to_rgb
from lib.cv.programs import literal, snippet

# Points closer than this (pixels) count as the same point.
MIN_POINT_DISTANCE = 0.5
# Three points whose triangle is thinner than this (pixels, the height over the longest side) are collinear.
MIN_TRIANGLE_HEIGHT = 0.5
# A quadrilateral with less area than this (square pixels) has "no area".
MIN_QUAD_AREA = 1.0
# The largest output side a warp may ask for (keeps memory bounded when points fly far apart).

# Course defaults (notes, section I.I).
COURSE_AFFINE_SOURCE = ((50.0, 50.0), (200.0, 50.0), (50.0, 200.0))
COURSE_AFFINE_TARGET = ((10.0, 100.0), (200.0, 50.0), (100.0, 250.0))
COURSE_ROTATION_ANGLE = 45.0
COURSE_ROTATION_SCALE = 1.0
COURSE_SHEAR = (0.5, 0.0)
COURSE_TRANSLATION = (200.0, 300.0)

PointsLike = Sequence[Sequence[float]] | np.ndarray


def course_perspective_points(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The course's perspective example for an image of the given size, in round order (TL, TR, BR, BL).

    Returns (source, target), each float32 (4, 2). The notes list TL, TR, BL, BR; the same pairs in
    another order give the same matrix.
    """
    cols, rows = float(width), float(height)
    source = np.float32([[50, 50], [cols - 50, 50], [cols - 50, rows - 50], [50, rows - 50]])
    target = np.float32([[10, 100], [cols - 100, 50], [cols - 50, rows - 100], [100, rows - 10]])
    return source, target


def inset_corners(width: int, height: int, *, inset: float = 0.1) -> np.ndarray:
    """Corners of a rectangle `inset` (a fraction of each side) inside the image: float32 (4, 2), TL, TR, BR, BL."""
    unit = np.float32([[0, 0], [1, 0], [1, 1], [0, 1]]) * (1 - 2 * inset) + inset
    return unit * np.float32([width - 1, height - 1])


# ---------------------------------------------------------------------------------------------------------
# checks


def _as_points(points: PointsLike, count: int, role: str) -> np.ndarray:
    """Validate `count` finite (x, y) points and return them as float32 (count, 2)."""
    try:
        array = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"The {role} points must be numbers (x, y); got {points!r}.") from None
    if array.shape != (count, 2):
        raise ValueError(
            f"Give exactly {count} {role} points as (x, y) pairs; got an array of shape {array.shape}."
        )
    for index, (x, y) in enumerate(array, start=1):
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(
                f"{role.capitalize()} point {index} is ({x}, {y}): every coordinate must be a finite number."
            )
    if np.abs(array).max() > 1e6:
        raise ValueError(
            f"The {role} points are more than a million pixels away: use coordinates near the image."
        )
    return array.astype(np.float32)


def _check_distinct(points: np.ndarray, role: str) -> None:
    for (i, p), (j, q) in itertools.combinations(enumerate(points, start=1), 2):
        if math.dist(p, q) < MIN_POINT_DISTANCE:
            raise ValueError(
                f"{role.capitalize()} points {i} and {j} are the same point ({p[0]:g}, {p[1]:g}). "
                "Move one of them: a transform needs separate points."
            )


def _triangle_height(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Twice the area over the longest side: how far the triangle is from a line, in pixels."""
    a, b, c = (np.asarray(p, dtype=np.float64) for p in (a, b, c))
    twice_area = abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))
    longest = max(math.dist(a, b), math.dist(b, c), math.dist(a, c))
    return twice_area / longest if longest > 0 else 0.0


def _check_not_collinear(points: np.ndarray, role: str) -> None:
    for trio in itertools.combinations(range(len(points)), 3):
        if _triangle_height(*points[list(trio)]) < MIN_TRIANGLE_HEIGHT:
            names = ", ".join(str(i + 1) for i in trio)
            raise ValueError(
                f"{role.capitalize()} points {names} lie on one straight line. "
                "The transform would squash the plane onto a line; move a point off that line."
            )


def _segments_cross(p1: np.ndarray, p2: np.ndarray, q1: np.ndarray, q2: np.ndarray) -> bool:
    """Whether segments p1-p2 and q1-q2 properly intersect."""

    def orientation(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
        return float((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))

    d1, d2 = orientation(q1, q2, p1), orientation(q1, q2, p2)
    d3, d4 = orientation(p1, p2, q1), orientation(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0


def quad_area(points: PointsLike) -> float:
    """Signed area (shoelace) of a polygon (N, 2); positive when the points run clockwise on screen."""
    array = np.asarray(points, dtype=np.float64)
    x, y = array[:, 0], array[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _check_quadrilateral(points: np.ndarray, role: str) -> None:
    _check_distinct(points, role)
    _check_not_collinear(points, role)
    a, b, c, d = points.astype(np.float64)
    if _segments_cross(a, b, c, d) or _segments_cross(b, c, d, a):
        raise ValueError(
            f"The {role} quadrilateral crosses itself (a bow-tie). List its corners in order round the shape: "
            "top-left, top-right, bottom-right, bottom-left."
        )
    if abs(quad_area(points)) < MIN_QUAD_AREA:
        raise ValueError(f"The {role} quadrilateral has (almost) no area; spread its corners apart.")


# ---------------------------------------------------------------------------------------------------------
# matrices


def affine_matrix(source_points: PointsLike, target_points: PointsLike) -> np.ndarray:
    """The 2x3 affine matrix that sends 3 source points to 3 target points (cv2.getAffineTransform).

    source_points, target_points: (3, 2) as (x, y). Returns float64 (2, 3).
    Raises ValueError for repeated, collinear or non-finite points.
    """
    source = _as_points(source_points, 3, "source")
    target = _as_points(target_points, 3, "target")
    for points, role in ((source, "source"), (target, "target")):
        _check_distinct(points, role)
        _check_not_collinear(points, role)
    return cv2.getAffineTransform(source, target)


def perspective_matrix(source_points: PointsLike, target_points: PointsLike) -> np.ndarray:
    """The 3x3 perspective matrix that sends 4 source corners to 4 target corners (cv2.getPerspectiveTransform).

    source_points, target_points: (4, 2) as (x, y), each in order round its quadrilateral (TL, TR, BR, BL).
    Returns float64 (3, 3) with M[2, 2] == 1. Raises ValueError for repeated, collinear, non-finite points,
    a self-intersecting quadrilateral or one without area.
    """
    source = _as_points(source_points, 4, "source")
    target = _as_points(target_points, 4, "target")
    for points, role in ((source, "source"), (target, "target")):
        _check_quadrilateral(points, role)
    return cv2.getPerspectiveTransform(source, target)


def invert_matrix(matrix: np.ndarray) -> np.ndarray:
    """The inverse transform: 2x3 -> 2x3 (cv2.invertAffineTransform), 3x3 -> 3x3 scaled so M[2, 2] == 1.

    Raises ValueError when the matrix is singular (it squashes the plane onto a line or a point).
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.shape == (2, 3):
        if abs(np.linalg.det(matrix[:, :2])) < 1e-12:
            raise ValueError("This affine matrix squashes the plane onto a line, so it has no inverse.")
        return cv2.invertAffineTransform(matrix)
    if matrix.shape == (3, 3):
        if not np.isfinite(matrix).all() or abs(np.linalg.det(matrix)) < 1e-12:
            raise ValueError("This perspective matrix is singular, so it has no inverse.")
        inverse = np.linalg.inv(matrix)
        return inverse / inverse[2, 2] if abs(inverse[2, 2]) > 1e-12 else inverse
    raise ValueError(f"A transform matrix is 2x3 (affine) or 3x3 (perspective); got shape {matrix.shape}.")


def rotation_matrix(
    center: tuple[float, float], *, angle: float = COURSE_ROTATION_ANGLE, scale: float = COURSE_ROTATION_SCALE
) -> np.ndarray:
    """2x3 rotation about `center` (x, y) by `angle` degrees counter-clockwise, with `scale` (cv2.getRotationMatrix2D)."""
    if not all(math.isfinite(v) for v in (*center, angle, scale)):
        raise ValueError("Rotation centre, angle and scale must be finite numbers.")
    if abs(scale) < 1e-6:
        raise ValueError("A scale of 0 shrinks the image to a point; use a scale such as 1.0.")
    return cv2.getRotationMatrix2D((float(center[0]), float(center[1])), float(angle), float(scale))


def translation_matrix(*, tx: float = COURSE_TRANSLATION[0], ty: float = COURSE_TRANSLATION[1]) -> np.ndarray:
    """2x3 translation by (tx, ty) pixels, float32 as in the course: [[1, 0, tx], [0, 1, ty]]."""
    if not (math.isfinite(tx) and math.isfinite(ty)):
        raise ValueError("Translation tx and ty must be finite numbers.")
    return np.float32([[1, 0, tx], [0, 1, ty]])


def shear_matrix(*, shear_x: float = COURSE_SHEAR[0], shear_y: float = COURSE_SHEAR[1]) -> np.ndarray:
    """2x3 shear, float32 as in the course: x' = x + shear_x * y, y' = shear_y * x + y.

    Exactly [[1, shear_x, 0], [shear_y, 1, 0]]. Raises ValueError when shear_x * shear_y == 1 (singular).
    """
    if not (math.isfinite(shear_x) and math.isfinite(shear_y)):
        raise ValueError("Shear values must be finite numbers.")
    if abs(1.0 - shear_x * shear_y) < 1e-6:
        raise ValueError(
            f"shear_x × shear_y = {shear_x * shear_y:g}: when it equals 1 the image collapses onto a line. "
            "Change one of them."
        )
    return np.float32([[1, shear_x, 0], [shear_y, 1, 0]])


def fit_canvas(matrix: np.ndarray, width: int, height: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Widen the output canvas so the whole warped image fits, shifting it to start at (0, 0).

    matrix: 2x3 affine (float32 kept float32). Returns (shifted matrix, (out_width, out_height)).
    The course passes (cols * 2, rows) for a shear of 0.5; this sizes the canvas from the mapped corners.
    """
    matrix = np.array(matrix, copy=True)
    corners = np.float32([[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]])
    mapped = cv2.transform(corners[None], matrix)[0]
    matrix[:, 2] -= mapped.min(axis=0)
    out_width, out_height = (int(v) for v in np.ceil(mapped.max(axis=0) - mapped.min(axis=0)).astype(int) + 1)
    check_output_size(out_width, out_height)
    return matrix, (out_width, out_height)


def document_target(corners: PointsLike) -> tuple[np.ndarray, tuple[int, int]]:
    """An upright rectangle for a photographed page: its size from the corner distances.

    corners: (4, 2) TL, TR, BR, BL. width = the longer of the top and bottom edges, height = the longer of
    the left and right edges (rounded). Returns (target corners float32 (4, 2), (width, height)).
    """
    corners = _as_points(corners, 4, "page corner")
    _check_quadrilateral(corners, "page corner")
    top_left, top_right, bottom_right, bottom_left = corners
    width = int(round(max(np.linalg.norm(top_right - top_left), np.linalg.norm(bottom_right - bottom_left))))
    height = int(round(max(np.linalg.norm(bottom_left - top_left), np.linalg.norm(bottom_right - top_right))))
    width, height = max(width, 2), max(height, 2)
    check_output_size(width, height)
    target = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    return target, (width, height)


# ---------------------------------------------------------------------------------------------------------
# applying a transform


def warp_image(
    image: np.ndarray, matrix: np.ndarray, *, output_size: tuple[int, int] | None = None
) -> np.ndarray:
    """Warp an image with a 2x3 (cv2.warpAffine) or 3x3 (cv2.warpPerspective) matrix.

    image: (H, W) or (H, W, 3) uint8. output_size: (width, height); default the input's size, as in the course.
    Returns uint8 of shape (out_height, out_width[, 3]); pixels from outside the input are black.
    """
    check_image(image)
    height, width = image.shape[:2]
    size = (width, height) if output_size is None else (int(output_size[0]), int(output_size[1]))
    check_output_size(*size)
    matrix = np.asarray(matrix)
    if not np.isfinite(matrix).all():
        raise ValueError("The transform matrix contains NaN or infinity; check the points.")
    if matrix.shape == (2, 3):
        return cv2.warpAffine(image, matrix, size)
    if matrix.shape == (3, 3):
        return cv2.warpPerspective(image, matrix, size)
    raise ValueError(f"A transform matrix is 2x3 (affine) or 3x3 (perspective); got shape {matrix.shape}.")


def map_points(points: PointsLike, matrix: np.ndarray) -> np.ndarray:
    """Send (N, 2) points through a 2x3 or 3x3 matrix. Returns float64 (N, 2); points sent to infinity are NaN."""
    mapped, _ = _map_homogeneous(points, matrix)
    return mapped


def nearest_point(points: PointsLike, position: tuple[float, float]) -> int:
    """Index of the point nearest `position` (x, y); the first of equally near ones."""
    array = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if array.size == 0:
        raise ValueError("No points to choose from.")
    return int(np.argmin(np.hypot(array[:, 0] - position[0], array[:, 1] - position[1])))


def _map_homogeneous(points: PointsLike, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mapped (N, 2), w (N,)): w is the homogeneous scale (1 for affine); where w == 0 the point is at infinity."""
    array = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    matrix = np.asarray(matrix, dtype=np.float64)
    homogeneous = np.hstack([array, np.ones((len(array), 1))])  # (N, 3)
    if matrix.shape == (2, 3):
        return homogeneous @ matrix.T, np.ones(len(array))
    if matrix.shape != (3, 3):
        raise ValueError(f"A transform matrix is 2x3 or 3x3; got shape {matrix.shape}.")
    projected = homogeneous @ matrix.T  # (N, 3)
    w = projected[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        mapped = projected[:, :2] / w[:, None]
    mapped[np.abs(w) < 1e-12] = np.nan
    return mapped, w


def grid_lines(width: int, height: int, *, cells: int = 8, samples: int = 64) -> list[np.ndarray]:
    """Lines of a cells x cells grid over a width x height image, each sampled as (samples, 2) float64 points."""
    xs = np.linspace(0, width - 1, cells + 1)
    ys = np.linspace(0, height - 1, cells + 1)
    along_x = np.linspace(0, width - 1, samples)
    along_y = np.linspace(0, height - 1, samples)
    lines = [np.column_stack([np.full(samples, x), along_y]) for x in xs]
    lines += [np.column_stack([along_x, np.full(samples, y)]) for y in ys]
    return lines


def draw_grid(
    image: np.ndarray,
    *,
    matrix: np.ndarray | None = None,
    source_size: tuple[int, int] | None = None,
    cells: int = 8,
    color: tuple[int, int, int] = (0, 255, 255),
    thickness: int = 1,
) -> np.ndarray:
    """Draw a grid (of the source image, size (width, height)) mapped through `matrix` on a copy of `image`.

    image: (H, W, 3) uint8 (gray is converted to RGB). Without a matrix the grid is drawn as is.
    A perspective map sends one line (its horizon, w = 0) to infinity: grid lines are cut where they cross it.
    Returns RGB uint8.
    """
    canvas = to_rgb(image).copy()
    out_height, out_width = canvas.shape[:2]
    width, height = source_size if source_size is not None else (out_width, out_height)
    limit = 4 * max(out_width, out_height, width, height)
    for line in grid_lines(width, height, cells=cells):
        mapped, w = (line, np.ones(len(line))) if matrix is None else _map_homogeneous(line, matrix)
        usable = np.isfinite(mapped).all(axis=1) & (np.abs(mapped) < limit).all(axis=1)
        side_changes = np.flatnonzero(np.sign(w[1:]) != np.sign(w[:-1])) + 1  # crossing the horizon
        breaks = np.zeros(len(line), dtype=bool)
        breaks[side_changes] = True
        for run in _runs(usable, breaks):
            segment = np.round(mapped[run]).astype(np.int32)
            if len(segment) >= 2:
                cv2.polylines(
                    canvas, [segment], isClosed=False, color=color, thickness=thickness, lineType=cv2.LINE_AA
                )
    return canvas


def _runs(mask: np.ndarray, breaks: np.ndarray) -> list[slice]:
    """Slices of consecutive True values in a 1-D boolean mask; a run also ends before each index in `breaks`."""
    runs, start = [], None
    for index, value in enumerate(mask):
        if start is not None and (not value or breaks[index]):
            runs.append(slice(start, index))
            start = None
        if value and start is None:
            start = index
    if start is not None:
        runs.append(slice(start, len(mask)))
    return runs


def draw_points(
    image: np.ndarray,
    points: PointsLike,
    *,
    color: tuple[int, int, int] = (255, 0, 0),
    closed: bool = False,
) -> np.ndarray:
    """Draw numbered points (1, 2, ...) on a copy of an RGB image; `closed` joins them as a polygon.

    image: (H, W, 3) or (H, W) uint8. points: (N, 2) as (x, y). Returns RGB uint8.
    """
    canvas = to_rgb(image).copy()
    array = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if not np.isfinite(array).all():
        return canvas
    size = max(canvas.shape[:2])
    radius = max(3, size // 120)
    font_scale = max(0.5, size / 900)
    thickness = max(1, size // 400)
    pixels = np.round(np.clip(array, -1e5, 1e5)).astype(np.int32)
    if len(pixels) >= 2:
        cv2.polylines(
            canvas, [pixels], isClosed=closed, color=color, thickness=thickness, lineType=cv2.LINE_AA
        )
    for number, (x, y) in enumerate(pixels, start=1):
        cv2.circle(canvas, (int(x), int(y)), radius, color, -1, lineType=cv2.LINE_AA)
        cv2.circle(
            canvas, (int(x), int(y)), radius, (255, 255, 255), max(1, thickness // 2), lineType=cv2.LINE_AA
        )
        origin = (int(x) + radius + 2, int(y) - radius - 2)
        cv2.putText(
            canvas, str(number), origin, cv2.FONT_HERSHEY_SIMPLEX, font_scale, (255, 255, 255), thickness + 2
        )
        cv2.putText(canvas, str(number), origin, cv2.FONT_HERSHEY_SIMPLEX, font_scale, color, thickness)
    return canvas


# ---------------------------------------------------------------------------------------------------------
# snippets: runnable code that reproduces warp_image(...) for the same settings


def _points_literal(points: np.ndarray) -> str:
    return literal(np.asarray(points, dtype=np.float32))


def affine_snippet(source_points: PointsLike, target_points: PointsLike) -> str:
    """Runnable code: affine warp from 3 point pairs (output the input's size); ends with `result`."""
    source = _as_points(source_points, 3, "source")
    target = _as_points(target_points, 3, "target")
    return snippet(
        "rows, cols = image_rgb.shape[:2]\n"
        f"input_points = {_points_literal(source)}\n"
        f"output_points = {_points_literal(target)}\n"
        "M = cv2.getAffineTransform(input_points, output_points)  # 2x3\n"
        "M_inverse = cv2.invertAffineTransform(M)\n"
        "result = cv2.warpAffine(image_rgb, M, (cols, rows))\n"
    )


def perspective_snippet(source_points: PointsLike, target_points: PointsLike) -> str:
    """Runnable code: perspective warp from 4 point pairs (output the input's size); ends with `result`."""
    source = _as_points(source_points, 4, "source")
    target = _as_points(target_points, 4, "target")
    return snippet(
        "rows, cols = image_rgb.shape[:2]\n"
        "# corners in order round the shape: top-left, top-right, bottom-right, bottom-left\n"
        f"input_points = {_points_literal(source)}\n"
        f"output_points = {_points_literal(target)}\n"
        "M = cv2.getPerspectiveTransform(input_points, output_points)  # 3x3\n"
        "M_inverse = np.linalg.inv(M)\n"
        "result = cv2.warpPerspective(image_rgb, M, (cols, rows))\n"
    )


def rotation_snippet(
    center: tuple[float, float], *, angle: float = COURSE_ROTATION_ANGLE, scale: float = COURSE_ROTATION_SCALE
) -> str:
    """Runnable code: rotation about `center` with getRotationMatrix2D; ends with `result`."""
    rotation_matrix(center, angle=angle, scale=scale)  # same checks
    return snippet(
        "rows, cols = image_rgb.shape[:2]\n"
        f"center = ({literal(float(center[0]))}, {literal(float(center[1]))})\n"
        f"angle, scale = {literal(float(angle))}, {literal(float(scale))}  # degrees, counter-clockwise\n"
        "M = cv2.getRotationMatrix2D(center, angle, scale)\n"
        "result = cv2.warpAffine(image_rgb, M, (cols, rows))\n"
    )


def translation_snippet(*, tx: float = COURSE_TRANSLATION[0], ty: float = COURSE_TRANSLATION[1]) -> str:
    """Runnable code: translation by (tx, ty); ends with `result`."""
    translation_matrix(tx=tx, ty=ty)
    return snippet(
        "rows, cols = image_rgb.shape[:2]\n"
        f"tx, ty = {literal(float(tx))}, {literal(float(ty))}\n"
        "M = np.float32([[1, 0, tx], [0, 1, ty]])\n"
        "result = cv2.warpAffine(image_rgb, M, (cols, rows))\n"
    )


def shear_snippet(*, shear_x: float = COURSE_SHEAR[0], shear_y: float = COURSE_SHEAR[1]) -> str:
    """Runnable code: shear on a canvas widened to fit the whole result; ends with `result`."""
    shear_matrix(shear_x=shear_x, shear_y=shear_y)
    return snippet(
        "rows, cols = image_rgb.shape[:2]\n"
        f"shear_x, shear_y = {literal(float(shear_x))}, {literal(float(shear_y))}\n"
        "M = np.float32([[1, shear_x, 0], [shear_y, 1, 0]])\n"
        "# widen the canvas so nothing is cut off: map the 4 corners, shift the result to start at (0, 0)\n"
        "corners = np.float32([[0, 0], [cols - 1, 0], [0, rows - 1], [cols - 1, rows - 1]])\n"
        "mapped = cv2.transform(corners[None], M)[0]\n"
        "M[:, 2] -= mapped.min(axis=0)\n"
        "width, height = (int(v) for v in np.ceil(mapped.max(axis=0) - mapped.min(axis=0)).astype(int) + 1)\n"
        "result = cv2.warpAffine(image_rgb, M, (width, height))\n"
    )


def document_snippet(corners: PointsLike) -> str:
    """Runnable code: straighten a photographed page given its 4 corners (TL, TR, BR, BL); ends with `result`."""
    corners = _as_points(corners, 4, "page corner")
    document_target(corners)  # same checks
    return snippet(
        "# the page's corners in the photo: top-left, top-right, bottom-right, bottom-left\n"
        f"corners = {_points_literal(corners)}\n"
        "top_left, top_right, bottom_right, bottom_left = corners\n"
        "width = int(round(max(np.linalg.norm(top_right - top_left), np.linalg.norm(bottom_right - bottom_left))))\n"
        "height = int(round(max(np.linalg.norm(bottom_left - top_left), np.linalg.norm(bottom_right - top_right))))\n"
        "width, height = max(width, 2), max(height, 2)\n"
        "target = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])\n"
        "M = cv2.getPerspectiveTransform(corners, target)\n"
        "result = cv2.warpPerspective(image_rgb, M, (width, height))\n"
    )
