"""Issue 14 part 4 in Chromium: click cells of Train a CNN's confusion matrix, see exactly their images.

A quick training (few small images, a few epochs: seconds), then a click on the off-diagonal cell with the
most mistakes and on the fullest diagonal cell. Each cell's pixel position comes from the plotly graph
div's own axes (`_fullLayout`), its count from the heatmap's `z`, so nothing depends on fixed pixels.
"""

from __future__ import annotations

import re

from tests.e2e.browser import MAIN, app_errors, wait_for_run

SETTINGS = "tc_per_class=24&tc_epochs=4&tc_size=32&tc_batch=8"  # URL-bound controls: a few-second run
GRAPH = ".st-key-tc_confusion .js-plotly-plot"
CAPTION = "[data-testid='stImageCaption']"
CELL_SHOWN = 24  # ui.confusion.CELL_EXAMPLES_SHOWN


def matrix_of(page) -> tuple[list[list[int]], list[str]]:
    """The counts and class names the page's confusion matrix shows (from plotly's own data)."""
    page.wait_for_function(
        f"() => {{ const g = document.querySelector({GRAPH!r}); return g && g._fullLayout && g._fullData; }}"
    )
    return page.locator(GRAPH).evaluate("g => [g._fullData[0].z, g._fullLayout.xaxis.ticktext]")


def click_cell(page, row: int, column: int) -> None:
    """Click the centre of cell (row, column): the axes' linear-to-pixel maps plus their offsets."""
    graph = page.locator(GRAPH)
    graph.scroll_into_view_if_needed()
    x, y = graph.evaluate(
        """(g, [row, column]) => {
            const layout = g._fullLayout, box = g.getBoundingClientRect();
            return [box.left + layout.xaxis._offset + layout.xaxis.l2p(column),
                    box.top + layout.yaxis._offset + layout.yaxis.l2p(row)];
        }""",
        [row, column],
    )
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def outline_of(page) -> list[tuple[float, float]]:
    """Centres of the rectangles drawn on the matrix (the chosen cell's outline)."""
    return [
        (shape["x0"] + 0.5, shape["y0"] + 0.5)
        for shape in page.locator(GRAPH).evaluate(
            "g => g._fullLayout.shapes.map(s => ({x0: s.x0, y0: s.y0}))"
        )
    ]


def test_clicked_cells_show_their_images(server, page, screenshots):
    page.goto(f"{server.url}/train_cnn?{SETTINGS}")
    wait_for_run(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Click a cell to see its examples").wait_for(timeout=240_000)
    wait_for_run(page)
    counts, names = matrix_of(page)
    n = len(names)
    off_diagonal = max(
        ((r, c) for r in range(n) for c in range(n) if r != c), key=lambda rc: counts[rc[0]][rc[1]]
    )
    diagonal = max(((k, k) for k in range(n)), key=lambda rc: counts[rc[0]][rc[1]])
    for row, column in (off_diagonal, diagonal):
        count = counts[row][column]
        heading = f"true {names[row]} → predicted {names[column]}: {count} image{'' if count == 1 else 's'}"
        click_cell(page, row, column)
        page.locator(MAIN).get_by_text(heading, exact=True).wait_for(timeout=60_000)
        wait_for_run(page)
        assert matrix_of(page)[0] == counts  # the same run: the matrix did not change, only its outline
        assert outline_of(page) == [(column, row)]
        # the cell's images: captions "answer p% · truth q%" (a diagonal cell: "answer p%")
        pattern = (
            rf"^{names[column]} \d+%$" if row == column else rf"^{names[column]} \d+% · {names[row]} \d+%$"
        )
        captions = page.locator(f"{MAIN} {CAPTION}").all_inner_texts()
        assert len([text for text in captions if re.match(pattern, text)]) == min(count, CELL_SHOWN)
        if count == 0:
            assert page.locator(MAIN).get_by_text("None: no validation image is a true").is_visible()
        page.screenshot(path=screenshots / f"confusion-cell-{row}-{column}.png", full_page=True)
    assert app_errors(page) == []
    page.get_by_role("button", name="Show all the mistakes again").click()
    page.locator(MAIN).get_by_text("Misclassified", exact=False).first.wait_for(timeout=60_000)
    wait_for_run(page)
    assert outline_of(page) == []
