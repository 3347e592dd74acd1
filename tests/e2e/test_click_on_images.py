"""Clicking and dragging on images in a real browser sets the page's own controls (and the URL)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlparse

from benchmarks.protocol import StreamlitSession, run_sync
from tests.e2e.browser import CLICKABLE, app_errors, click_at, clickable, wait_for_run


def drag(page, image, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Press at fraction `start` of the displayed image, move to `end`, release; wait for the run."""
    box = image.bounding_box()
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    for step in range(1, 6):
        fraction = step / 5
        page.mouse.move(
            box["x"] + box["width"] * (start[0] + (end[0] - start[0]) * fraction),
            box["y"] + box["height"] * (start[1] + (end[1] - start[1]) * fraction),
        )
    page.mouse.up()
    page.wait_for_timeout(300)
    wait_for_run(page)


def query(page) -> dict[str, str]:
    """The page's URL parameters; a range slider's two values (repeated parameters) joined by a comma."""
    return {key: ",".join(values) for key, values in parse_qs(urlparse(page.url).query).items()}


def test_colour_spaces_pixel_inspector_follows_a_click(server, page, screenshots):
    page.goto(f"{server.url}/colour_spaces?sample=Dahlia+%28colourful%29")
    wait_for_run(page)
    image = clickable(page)
    click_at(page, image, 0.25, 0.75)
    # the Dahlia sample is 640 x 427 at the default working size
    x, y = int(query(page)["cs_x"]), int(query(page)["cs_y"])
    assert abs(x - 160) <= 2 and abs(y - 320) <= 2, (x, y)
    assert page.get_by_text(f"Pixel ({x}, {y})").count() == 1
    assert page.get_by_text(f"image[{y}, {x}]").count() == 1
    click_at(page, clickable(page), 0.9, 0.1)
    x2, y2 = int(query(page)["cs_x"]), int(query(page)["cs_y"])
    assert abs(x2 - 576) <= 2 and abs(y2 - 43) <= 2, (x2, y2)
    page.screenshot(path=screenshots / "click_colour_spaces.png", full_page=True)
    assert app_errors(page) == []


def test_colour_thresholding_picks_the_clicked_colour(server, page, screenshots):
    page.goto(f"{server.url}/colour_thresholding?sample=Dahlia+%28colourful%29")
    wait_for_run(page)
    click_at(page, clickable(page), 0.42, 0.55)  # on the orange flower
    values = query(page)
    x, y = int(values["ct_x"]), int(values["ct_y"])
    assert abs(x - 269) <= 2 and abs(y - 235) <= 2, (x, y)
    shown = page.get_by_text("Range around this pixel").inner_text()
    lower = tuple(int(values[f"ct_{channel}_low"]) for channel in "hsv")
    upper = tuple(int(values[f"ct_{channel}_high"]) for channel in "hsv")
    assert f"lower {lower}" in shown and f"upper {upper}" in shown, (shown, lower, upper)
    assert (lower, upper) != ((0, 0, 190), (30, 80, 255))  # not the course preset the page starts with
    page.screenshot(path=screenshots / "click_colour_thresholding.png", full_page=True)
    assert app_errors(page) == []


def test_geometry_points_follow_drags_and_clicks(server, page, screenshots):
    # Dahlia: 640 x 427; the course's perspective points start at (50, 50), (590, 50), (590, 377), (50, 377)
    page.goto(f"{server.url}/geometry?sample=Dahlia+%28colourful%29")
    wait_for_run(page)
    drag(page, clickable(page, 0), (52 / 640, 48 / 427), (0.25, 0.3))  # red point 1, on the input
    values = query(page)
    assert abs(int(values["geo_per_src1_x"]) - 160) <= 2, values
    assert abs(int(values["geo_per_src1_y"]) - 128) <= 2, values
    assert "geo_per_src2_x" not in values  # only the nearest point moved
    drag(page, clickable(page, 1), (590 / 640, 327 / 427), (0.75, 0.6))  # blue point 3, on the output
    values = query(page)
    assert abs(int(values["geo_per_dst3_x"]) - 480) <= 2 and abs(int(values["geo_per_dst3_y"]) - 256) <= 2
    page.screenshot(path=screenshots / "drag_geometry.png", full_page=True)

    page.locator("[role='radio']", has_text="Rotation").click()
    wait_for_run(page)
    click_at(page, clickable(page, 0), 0.25, 0.25)
    values = query(page)
    assert abs(int(values["geo_rot_cx"]) - 160) <= 2 and abs(int(values["geo_rot_cy"]) - 107) <= 2, values
    assert app_errors(page) == []


def test_kernels_pixel_and_blur_zoom_follow_clicks(server, page, screenshots):
    page.goto(f"{server.url}/kernels_blur_edges?sample=Dahlia+%28colourful%29")
    wait_for_run(page)
    click_at(page, clickable(page), 0.1, 0.2)
    values = query(page)
    x, y = int(values["kb_x"]), int(values["kb_y"])
    assert abs(x - 64) <= 2 and abs(y - 85) <= 2, (x, y)
    assert page.get_by_text(f"at row {y}, column {x}").count() == 1
    page.screenshot(path=screenshots / "click_kernel_pixel.png", full_page=True)

    page.get_by_role("tab", name="Blur").click()
    wait_for_run(page)
    click_at(page, clickable(page), 0.8, 0.3)
    values = query(page)
    assert abs(int(values["kb_zoom_x"]) - 80) <= 1 and abs(int(values["kb_zoom_y"]) - 30) <= 1, values
    assert app_errors(page) == []


def test_histogram_region_and_crop_follow_drags(server, page, screenshots):
    page.goto(f"{server.url}/histograms?sample=Dahlia+%28colourful%29&hist_region=true")
    wait_for_run(page)
    drag(page, clickable(page), (0.1, 0.2), (0.5, 0.6))
    values = query(page)
    assert values["hist_region_x"].split(",") == ["10", "50"], values  # percent of the width, end excluded
    assert values["hist_region_y"].split(",") == ["20", "60"], values
    assert app_errors(page) == []

    page.goto(f"{server.url}/resize_flip_rotate_crop?sample=Dahlia+%28colourful%29")
    wait_for_run(page)
    click_at(page, clickable(page, 0), 0.25, 0.75)  # the magnifier's region
    values = query(page)
    assert (values["rf_mag_x"], values["rf_mag_y"]) == ("25", "75"), values
    drag(page, clickable(page, 1), (0.5, 0.5), (0.25, 0.25))  # a crop rectangle, dragged up-left
    values = query(page)
    x_range = [int(value) for value in values["rf_crop_x"].split(",")]
    y_range = [int(value) for value in values["rf_crop_y"].split(",")]
    assert abs(x_range[0] - 160) <= 2 and abs(x_range[1] - 321) <= 2, x_range
    assert abs(y_range[0] - 106) <= 2 and abs(y_range[1] - 214) <= 2, y_range
    page.screenshot(path=screenshots / "drag_crop.png", full_page=True)
    assert app_errors(page) == []


HOSTILE_EVENTS = [
    {},
    [1, 2],
    None,
    json.dumps("a" * 100_000),
    {"x": "a", "y": 2, "width": 3, "height": 4},
    '{"x": NaN, "y": Infinity, "width": 640, "height": 427}',  # not JSON a browser sends, but json.loads reads it
    {"x": 1e308, "y": -1e308, "width": 1e-300, "height": 5},
    {"x": 10, "y": 20, "width": 0, "height": 0},
    {"x1": 5, "y1": 5, "x2": 1e400, "y2": 3, "width": 640, "height": 427},
]


def test_hostile_click_events_change_nothing_and_break_nothing(server):
    """A hand-made client sends the clickable image odd values: the page runs clean and keeps its pixel."""

    async def scenario() -> list:
        async with StreamlitSession(server.url, timeout=60) as session:
            opened = await session.open("colour_spaces")
            (component,) = [widget for widget in opened.widgets if widget.kind == "component_instance"]
            runs = []
            for event in HOSTILE_EVENTS:
                session.remember(component, event if isinstance(event, str) else json.dumps(event))
                runs.append(await session.rerun(page_name="colour_spaces"))
            session.remember(component, {"x": 10, "y": 20, "width": 640, "height": 427})
            runs.append(await session.rerun(page_name="colour_spaces"))
            return runs

    *hostile, valid = run_sync(scenario())
    for event, run in zip(HOSTILE_EVENTS, hostile, strict=True):
        assert run.ok, (event, run.exceptions, run.errors)
        (pixel,) = [
            re.match(r"Pixel \((\d+), (\d+)\)", text) for text in run.texts if text.startswith("Pixel (")
        ]
        assert 0 <= int(pixel[1]) < 640 and 0 <= int(pixel[2]) < 427, (event, pixel[0])
    shown = [
        "".join(text.split(" ·")[:1]) for run in hostile for text in run.texts if text.startswith("Pixel (")
    ]
    # malformed events change nothing; the huge but well-formed click is clamped to the image's corner
    assert shown == ["Pixel (320, 213)"] * 6 + ["Pixel (639, 0)"] * 3, shown
    assert valid.ok and any(text.startswith("Pixel (10, 20)") for text in valid.texts)


def test_feature_map_unit_follows_a_click(server, page, screenshots):
    page.goto(f"{server.url}/feature_maps")  # LeNet on its example digit; conv1 maps are 28 x 28
    wait_for_run(page)
    assert page.get_by_text("Unit (14, 14) sees").count() == 1
    click_at(page, clickable(page, 1), 0.25, 0.75)  # the unit's map (the network overview comes first)
    assert page.get_by_text("Unit (21, 7) sees").count() == 1
    page.screenshot(path=screenshots / "click_feature_map_unit.png", full_page=True)
    assert app_errors(page) == []


def test_a_session_sending_broken_json_does_not_reach_another(server):
    """Not JSON at all (no browser sends it) breaks Streamlit's own state of that session; others go on."""

    async def scenario() -> tuple:
        async with (
            StreamlitSession(server.url, timeout=60) as hostile,
            StreamlitSession(server.url, timeout=60) as student,
        ):
            opened = await hostile.open("colour_spaces")
            (component,) = [widget for widget in opened.widgets if widget.kind == "component_instance"]
            await student.open("colour_spaces")
            hostile.remember(component, "not json {")
            broken = await hostile.rerun(page_name="colour_spaces")
            moved = await student.set("x (column)", 100)
            return broken, moved

    broken, moved = run_sync(scenario())
    assert (
        not broken.ok
    )  # Streamlit's session state cannot read the value (its own code, before the page runs)
    assert moved.ok and any(text.startswith("Pixel (100, 213)") for text in moved.texts)


# Marks the component's iframe and its window; returns whether each was already marked (kept, not re-mounted).
MARK_FRAMES = f"""() => [...document.querySelectorAll({CLICKABLE!r})].map(frame => {{
  const kept = frame.__cvlab === 1 && frame.contentWindow.__cvlab === 1;
  frame.__cvlab = 1; frame.contentWindow.__cvlab = 1;
  return kept;
}})"""

# Counts the script runs the browser sees start (the app's state turning 'running').
COUNT_RUNS = """() => {
  window.__cvlabRuns = 0;
  const app = document.querySelector("[data-testid='stApp']");
  new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__cvlabRuns += 1;
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def test_quick_second_click_counts_and_the_picture_stays_mounted(server, page):
    """Two quick clicks: the first starts a run, the second lands while it runs (or just after) and is the
    one the page ends on; the component's iframe is the same element throughout (never re-mounted)."""
    page.goto(f"{server.url}/colour_spaces?sample=Dahlia+%28colourful%29")
    wait_for_run(page)
    image = clickable(page)
    page.evaluate(MARK_FRAMES)
    page.evaluate(COUNT_RUNS)
    first_points = [(0.1, 0.2), (0.3, 0.8), (0.6, 0.1), (0.85, 0.45), (0.2, 0.55)]
    second_points = [(0.9, 0.9), (0.7, 0.3), (0.15, 0.6), (0.4, 0.2), (0.65, 0.85)]
    for (fx1, fy1), (fx2, fy2) in zip(first_points, second_points, strict=True):
        box = image.bounding_box()
        runs = page.evaluate("window.__cvlabRuns")
        image.click(position={"x": box["width"] * fx1, "y": box["height"] * fy1})
        # the first click started a run (it registered) before the second click
        page.wait_for_function(f"window.__cvlabRuns > {runs}", timeout=10_000)
        image.click(position={"x": box["width"] * fx2, "y": box["height"] * fy2})
        page.wait_for_timeout(300)
        wait_for_run(page)
        values = query(page)
        x, y = int(values.get("cs_x", 320)), int(values.get("cs_y", 213))
        assert abs(x - 640 * fx2) <= 2 and abs(y - 427 * fy2) <= 2, ((fx2, fy2), (x, y))
        assert page.evaluate(MARK_FRAMES) == [True], "the clickable picture was re-mounted by the rerun"
    assert app_errors(page) == []
