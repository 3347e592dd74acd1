"""Drawing a digit on the canvas in a real browser: LeNet reads what the mouse drew, on both CNN pages.

The canvas (streamlit-drawable-canvas) sends its pixels when a stroke ends (mouse up); the page reruns
with the drawing as LeNet's input. Strokes are drawn with page.mouse in canvas pixels (280 x 280).
"""

from __future__ import annotations

from tests.e2e.browser import MAIN, app_errors, main_state, wait_for_run
from tests.e2e.server import RERUN_DONE

MODEL = f"{MAIN} [data-testid='stSelectbox'] input[aria-label='Model']"
CANVAS = f"{MAIN} canvas.upper-canvas"  # fabric.js's top canvas takes the mouse
ONE = [[(150, 75), (180, 40), (180, 245)]]  # a flag, then straight down
CROSSED_SEVEN = [[(70, 50), (220, 50), (120, 250)], [(100, 150), (200, 150)]]  # as the UCI writers did


def draw(page, strokes: list[list[tuple[int, int]]]) -> None:
    """Each stroke: mouse down at its first point, through the others in small steps, up; a rerun after each."""
    box = page.locator(CANVAS).bounding_box()
    for stroke in strokes:
        before = main_state(page)
        page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        page.mouse.down()
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False):
            for step in range(1, 13):
                page.mouse.move(box["x"] + x0 + (x1 - x0) * step / 12, box["y"] + y0 + (y1 - y0) * step / 12)
        page.mouse.up()
        for _ in range(120):  # up to ~60 s on a busy machine
            page.wait_for_timeout(500)
            if page.locator(RERUN_DONE).count() and main_state(page) != before:
                break
        wait_for_run(page)


def softmax_best(page) -> str:
    """The top class of the page's last Plotly bar chart (the softmax; bars are sorted best on top)."""
    return page.locator(f"{MAIN} .js-plotly-plot").last.evaluate("plot => plot.data[0].y.at(-1)")


def test_classifier_reads_a_drawn_one(server, page, screenshots):
    page.goto(f"{server.url}/classifier")
    wait_for_run(page)
    assert page.locator(MODEL).input_value() == "LeNet-5 on handwritten digits (ours)"
    page.locator(f"{MAIN} [data-testid='stButtonGroup']").get_by_text("Draw", exact=True).click()
    wait_for_run(page)
    page.locator(CANVAS).wait_for()
    assert page.locator(MAIN).get_by_text("Draw one digit", exact=False).count() == 1
    prediction = page.locator(f"{MAIN} [data-testid='stMetricValue']").first
    assert prediction.inner_text() == "3"  # the example, until something is drawn
    draw(page, ONE)
    assert prediction.inner_text() == "1"
    assert page.locator(MAIN).get_by_text("The model is given: LeNet input 32×32").count() == 1
    assert page.locator(MAIN).get_by_text("your drawing.", exact=False).count() == 1
    assert "cls_input=Draw" in page.url
    page.mouse.move(5, 5)  # away from the canvas: its toolbar hides
    page.screenshot(path=screenshots / "draw_classifier.png", full_page=True)
    assert app_errors(page) == []


def test_feature_maps_of_a_drawn_crossed_seven(server, page, screenshots):
    page.goto(f"{server.url}/feature_maps?fm_input=Draw")
    wait_for_run(page)
    page.locator(CANVAS).wait_for()
    assert page.locator(MODEL).input_value() == "LeNet-5 on handwritten digits (ours)"
    assert softmax_best(page) == "3"  # the example
    draw(page, CROSSED_SEVEN)
    assert page.locator(MAIN).get_by_text("layers of your drawing", exact=False).count() == 1
    assert softmax_best(page) == "7"
    page.mouse.move(5, 5)
    page.screenshot(path=screenshots / "draw_feature_maps.png", full_page=True)
    assert app_errors(page) == []


def test_shapes_cnn_reads_a_circle_drawn_with_the_circle_tool(server, page, screenshots):
    page.goto(f"{server.url}/classifier?cls_input=Draw&cls_model=Shapes+CNN+%28ours%29")
    wait_for_run(page)
    page.locator(CANVAS).wait_for()
    page.locator(f"{MAIN} [data-testid='stButtonGroup']").get_by_text("Circle", exact=True).click()
    wait_for_run(page)
    prediction = page.locator(f"{MAIN} [data-testid='stMetricValue']").first
    assert prediction.inner_text() != "circle"  # the example is a star
    draw(page, [[(140, 140), (240, 140), (240, 200)]])  # press at one side of the circle, drag out
    assert prediction.inner_text() == "circle", prediction.inner_text()
    page.mouse.move(5, 5)
    page.screenshot(path=screenshots / "draw_circle_shapes_cnn.png", full_page=True)
    assert app_errors(page) == []
