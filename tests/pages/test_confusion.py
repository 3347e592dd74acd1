"""ui.confusion and ui.charts.confusion_figure: the clickable matrix's markers, outline and click parsing."""

import numpy as np
import pytest

from ui.charts import confusion_figure
from ui.confusion import cell_from_selection, cell_heading, empty_cell_text, probability_caption

NAMES = ("circle", "star", "hexagon")
MATRIX = np.array([[5, 1, 0], [2, 7, 3], [0, 0, 9]])


def event(*points) -> dict:
    """A plotly selection as st.plotly_chart reports it (the shape in Streamlit's docs)."""
    return {"selection": {"points": list(points), "point_indices": [], "box": [], "lasso": []}}


class TestConfusionFigure:
    def test_a_marker_on_every_cell_centre_names_its_cell(self):
        figure = confusion_figure(MATRIX, NAMES, clickable=True)
        heatmap, markers = figure.data
        assert heatmap.type == "heatmap" and markers.type == "scatter"
        for x, y, data in zip(markers.x, markers.y, markers.customdata, strict=True):
            assert tuple(data) == (y, x)  # (row = true class, column = predicted class) at x = column
        assert sorted(map(tuple, markers.customdata)) == [(r, c) for r in range(3) for c in range(3)]
        assert list(figure.layout.xaxis.ticktext) == list(NAMES) == list(figure.layout.yaxis.ticktext)
        np.testing.assert_array_equal(heatmap.z, MATRIX)
        assert "true star → predicted hexagon: 3" in list(markers.hovertext)

    def test_the_chosen_cell_is_outlined_and_a_plain_matrix_has_no_markers(self):
        (outline,) = confusion_figure(MATRIX, NAMES, clickable=True, selected=(1, 2)).layout.shapes
        assert (outline.x0, outline.x1, outline.y0, outline.y1) == (1.5, 2.5, 0.5, 1.5)
        plain = confusion_figure(MATRIX, NAMES)
        assert len(plain.data) == 1 and not plain.layout.shapes


class TestCellFromSelection:
    def test_the_clicked_marker(self):
        point = {"curve_number": 1, "point_number": 5, "point_index": 5, "x": 2, "y": 1, "customdata": [1, 2]}
        assert cell_from_selection(event(point), 3) == (1, 2)

    @pytest.mark.parametrize(
        "selection",
        [
            None,
            {},
            event(),
            event({"x": 1, "y": 1}),  # a point without a cell (not one of the markers)
            event({"customdata": [3, 0]}),  # outside a 3×3 matrix
            event({"customdata": [-1, 0]}),
            event({"customdata": ["a", 0]}),
            event({"customdata": [1]}),
            event("not a point"),
            {"selection": {"points": "oops"}},
        ],
    )
    def test_anything_else_is_no_cell(self, selection):
        assert cell_from_selection(selection, 3) is None


class TestWords:
    def test_heading_captions_and_empty_cells(self):
        assert cell_heading(NAMES, (1, 2), 3) == "true star → predicted hexagon: 3 images"
        assert cell_heading(NAMES, (1, 1), 1) == "true star → predicted star: 1 image"
        assert cell_heading(NAMES, (0, 0), 2, "flowers") == "true circle → predicted circle: 2 flowers"
        probabilities = np.array([0.12, 0.07, 0.81])
        assert probability_caption(probabilities, (0, 2), NAMES) == "hexagon 81% · circle 12%"
        assert probability_caption(probabilities, (2, 2), NAMES) == "hexagon 81%"
        assert empty_cell_text(NAMES, (0, 2), "validation image") == (
            "None: no validation image is a true circle predicted hexagon."
        )
