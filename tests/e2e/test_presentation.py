"""Every page read at the sizes a class sees it: a 1280×720 projector, a 1920×1080 one, 150 % browser zoom of a
1280×720 screen (853×480 CSS px at device scale 1.5), with presentation mode on; 1280×720 with it off, and
a 390×844 phone.

At each size: presentation mode's style sheet is applied (or not), every page's choices fit their boxes, no text
is cut off with an ellipsis, metric values are the largest text on their cards, no visible text (typed values
included) in the main area is smaller than 14 px, nothing makes the main area scroll sideways, and the
presentation toggle is in view at the top of the sidebar (where the window is too narrow and Streamlit
collapses the sidebar, the button that opens it is in view, and the opened sidebar shows the toggle).

One server, one browser context per size, every page visited once per size; a screenshot of each lands in the
screenshots folder as presentation-<page>.png (1280×720) or <size>-<page>.png. The problems of every page are
collected and reported together.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.e2e.browser import app_errors, wait_for_run
from ui.course_map import all_pages

PAGES = all_pages()
MIN_TEXT_PX = 14
PLAIN_MIN_TEXT_PX = 12
# Text that may stay below the minimum: none. (Plotly's axis ticks and legends follow the figure's font,
# which ui.layout.plot_font_size() raises in presentation mode; dataframes draw on a canvas: TABLE_TEXT_JS.)
SMALL_TEXT_EXCEPTIONS: tuple[str, ...] = ()
SIDEBAR_PROBLEMS = ("stSidebarNavLink", "the presentation toggle", "text cut off")


@dataclass(frozen=True)
class Screen:
    """A window as the page sees it: CSS pixels, device pixels per CSS pixel, presentation mode on or off."""

    width: int
    height: int
    scale: float = 1.0
    presentation: bool = True
    prefix: str = "presentation"  # screenshot file names: <prefix>-<page>.png
    min_text_px: float = MIN_TEXT_PX
    # A table (a dataframe, a markdown table) or a displayed formula may scroll sideways inside its own box, the
    # page never: only at 150 % zoom, where the main area beside the sidebar is 489 px, and on a phone (358 px),
    # where a ten-column table cannot fit at a readable size.
    tables_may_scroll: bool = False

    @property
    def viewport(self) -> dict[str, int]:
        return {"width": self.width, "height": self.height}


PROJECTOR = Screen(1280, 720)
SCREENS = {
    "projector-1280x720": PROJECTOR,
    "projector-1920x1080": Screen(1920, 1080, prefix="1920x1080"),
    # 150 % browser zoom on a 1280×720 screen: 1280 / 1.5 × 720 / 1.5 CSS px, 1.5 device px each
    "zoom-150-1280x720": Screen(853, 480, scale=1.5, prefix="zoom150", tables_may_scroll=True),
    # not projected: text no smaller than Streamlit's own code and chart text (12 px), on a screen read up close
    "plain-1280x720": Screen(1280, 720, presentation=False, prefix="plain", min_text_px=PLAIN_MIN_TEXT_PX),
    # a student's phone (390×844 CSS px, an iPhone 12–14): read in the hand, not projected; Streamlit stacks
    # columns below 640 px, and a wide table may scroll inside its own box
    "phone-390x844": Screen(
        390,
        844,
        scale=3,
        presentation=False,
        prefix="phone",
        min_text_px=PLAIN_MIN_TEXT_PX,
        tables_may_scroll=True,
    ),
}

# Choices (segmented controls, radios, selectboxes) whose options are wider than their box, in the main
# area and the sidebar; sidebar page links whose names are cut off.
OVERFLOWS_JS = """
() => {
  const widgets = '[data-testid="stButtonGroup"], [data-testid="stRadio"], [data-testid="stSelectbox"],'
    + ' [data-testid="stSidebarNavLink"]';
  const found = [];
  for (const widget of document.querySelectorAll(widgets)) {
    if (!widget.checkVisibility()) continue;
    const box = widget.getBoundingClientRect();
    if (box.width === 0 || box.right <= 0) continue;  // not drawn, or off screen (in a collapsed sidebar)
    const name = (widget.closest('[data-testid="stElementContainer"]') || widget).innerText.split('\\n')[0];
    const kind = widget.dataset.testid;
    for (const element of [widget, ...widget.querySelectorAll('*')]) {
      // visually hidden helpers (a radio's 1 px input label) are not shown text
      if (!element.checkVisibility() || element.clientWidth <= 1) continue;
      const rect = element.getBoundingClientRect();
      const clipped = element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 0
        && getComputedStyle(element).overflowX !== 'visible';
      const outside = rect.width > 0 && (rect.right > box.right + 1 || rect.left < box.left - 1);
      if (clipped || outside) {
        found.push(`${kind} "${name.slice(0, 40)}": ${element.tagName.toLowerCase()} "`
          + `${element.innerText.trim().slice(0, 30)}" ${clipped ? 'clipped' : 'outside its box'}`
          + ` (${Math.round(element.scrollWidth)} > ${Math.round(element.clientWidth)} px)`);
        break;
      }
    }
  }
  return found;
}
"""

# Text cut off with an ellipsis (widget labels, page names, table cells drawn as HTML), main area and sidebar.
CUT_TEXT_JS = """
() => [...document.querySelectorAll('[data-testid="stMain"] *, [data-testid="stSidebar"] *')].filter(e =>
  getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 1
  && e.innerText.trim() && e.checkVisibility() && e.getBoundingClientRect().right > 0
).map(e => `text cut off: "${e.innerText.trim().slice(0, 40)}" (${e.scrollWidth} > ${e.clientWidth} px)`)
"""

# Metric cards whose value is not drawn larger than their label (the size of the element holding the text).
METRICS_JS = """
() => [...document.querySelectorAll('[data-testid="stMetric"]')].flatMap(metric => {
  const size = selector => {
    const part = metric.querySelector(selector);
    if (!part) return 0;
    const walker = document.createTreeWalker(part, NodeFilter.SHOW_TEXT);
    let largest = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.textContent.trim()) largest = Math.max(largest, parseFloat(getComputedStyle(node.parentElement).fontSize));
    }
    return largest;
  };
  const label = size('[data-testid="stMetricLabel"]');
  const value = size('[data-testid="stMetricValue"]');
  return value > label ? [] : [`metric "${metric.innerText.split('\\n')[0]}": value ${value} px is not larger than label ${label} px`];
})
"""

# Visible text in the main area below the minimum size, one line per distinct (size, text).
SMALL_TEXT_JS = """
([minimum, exceptions]) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const found = new Map();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if (!text) continue;
    const element = node.parentElement;
    if (!element.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
    if (element.closest('[aria-hidden="true"], [data-testid="stTooltipContent"]')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rect = range.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    const px = parseFloat(getComputedStyle(element).fontSize);
    if (px >= minimum || exceptions.some(allowed => element.closest(allowed))) continue;
    const where = element.closest('svg') ? 'chart' : element.tagName.toLowerCase();
    found.set(`${px}|${where}`, `${px.toFixed(1)} px ${where} "${text.slice(0, 30)}"`);
  }
  // typed and chosen values (inputs, text areas) are text too, though not text nodes
  const fields = 'input:not([type=range]):not([type=checkbox]):not([type=radio]):not([type=file]), textarea';
  for (const field of main.querySelectorAll(fields)) {
    if (!field.value || !field.checkVisibility()) continue;
    const px = parseFloat(getComputedStyle(field).fontSize);
    if (px < minimum) found.set(`${px}|${field.tagName}`, `${px.toFixed(1)} px ${field.tagName.toLowerCase()} value "${field.value.slice(0, 30)}"`);
  }
  return [...found.values()];
}
"""


# Boxes in the main area that scroll sideways (a table wider than the page, the page itself); code blocks
# outside presentation mode may (code is not wrapped there, and reads as code).
SIDEWAYS_JS = """
(tablesMayScroll) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const found = [];
  for (const element of [main, ...main.querySelectorAll('*')]) {
    // 2 px: scrollWidth is rounded, and a formula 480.2 px wide in a 480 px box reports 482
    if (element.scrollWidth <= element.clientWidth + 2 || element.clientWidth <= 1) continue;
    if (!['auto', 'scroll'].includes(getComputedStyle(element).overflowX) || !element.checkVisibility()) continue;
    if (element.closest('[data-testid="stCode"]')) continue;
    // a table (dataframe or markdown) or a displayed formula may scroll inside its own box, where allowed
    const owner = element.closest('[data-testid="stDataFrame"], [data-testid="stTable"], table, .katex-display');
    if (owner && tablesMayScroll) continue;
    const name = (owner || element).dataset.testid || (owner || element).tagName.toLowerCase();
    found.push(`${name} scrolls sideways (${element.scrollWidth} > ${element.clientWidth} px)`);
  }
  return found;
}
"""


# Dataframes draw their cells on a canvas: the font they are given (the grid's CSS variables) is their text size.
TABLE_TEXT_JS = """
(minimum) => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stDataFrame"]')].flatMap(table => {
  const grid = [table, ...table.querySelectorAll('*')].find(e =>
    getComputedStyle(e).getPropertyValue('--gdg-base-font-style').trim());
  if (!grid || !table.checkVisibility()) return [];
  const style = getComputedStyle(grid);
  return ['--gdg-base-font-style', '--gdg-header-font-style'].flatMap(name => {
    const px = parseFloat(style.getPropertyValue(name).match(/([0-9.]+)px/)[1]);
    return px >= minimum ? [] : [`table text ${px} px (${name})`];
  });
})
"""


# The opened sidebar has finished sliding in: its left edge is on screen and has not moved for 200 ms.
SIDEBAR_IN_PLACE_JS = """
() => {
  const left = document.querySelector('[data-testid="stSidebar"]').getBoundingClientRect().left;
  const now = performance.now();
  const last = window.__cvlabSidebar;
  if (!last || Math.abs(last.left - left) > 0.5) { window.__cvlabSidebar = { left, since: now }; return false; }
  return left >= -0.5 && now - last.since >= 200;
}
"""


def survey(page, url: str, screen: Screen) -> list[str]:
    """Open url, wait for the run, and list what is wrong with its text and choices."""
    page.goto(url)
    wait_for_run(page)
    page.wait_for_timeout(500)  # plotly draws its SVG after the run
    # The presentation style sheet is in the page (st.html drops a <style> its sanitiser dislikes, silently).
    applied = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)") > 16
    style = []
    if applied != screen.presentation:
        style = [f"presentation mode's style sheet is {'not ' if screen.presentation else ''}applied"]
    return (
        style
        + page.evaluate(OVERFLOWS_JS)
        + page.evaluate(CUT_TEXT_JS)
        + page.evaluate(METRICS_JS)
        + page.evaluate(SMALL_TEXT_JS, [screen.min_text_px, list(SMALL_TEXT_EXCEPTIONS)])
        + page.evaluate(TABLE_TEXT_JS, screen.min_text_px)
        + page.evaluate(SIDEWAYS_JS, screen.tables_may_scroll)
    )


def toggle_problems(page, screen: Screen) -> list[str]:
    """The presentation toggle is at the top of the sidebar, in view; a collapsed sidebar's opener is in view."""
    toggle = page.get_by_role("switch", name="Presentation mode")
    found = (
        []
        if toggle.is_checked() == screen.presentation
        else ["the presentation toggle is in the wrong state"]
    )
    opener = page.get_by_test_id("stExpandSidebarButton")
    # collapsed: Streamlit moves the sidebar off screen (a phone: 0 px wide at x = -300)
    collapsed = page.evaluate(
        "() => document.querySelector('[data-testid=\"stSidebar\"]').getBoundingClientRect().right <= 0"
    )
    if collapsed:
        if not opener.is_visible():
            return [*found, "the sidebar is collapsed and the button that opens it is not in view"]
        box = opener.bounding_box()
        if box["y"] + box["height"] > screen.height or box["x"] + box["width"] > screen.width:
            found.append("the button that opens the sidebar is outside the window")
        opener.click()
        page.get_by_test_id("stSidebarContent").wait_for(state="visible")
        page.wait_for_function(
            SIDEBAR_IN_PLACE_JS, timeout=5_000
        )  # it slides in: measure it once it is still
    box = page.locator("[data-testid='stSidebar'] label").filter(has=toggle).bounding_box()
    bottom = box["y"] + box["height"]
    if bottom > screen.height or box["x"] < 0:
        found.append(f"the presentation toggle is below the sidebar's fold ({bottom:.0f} px)")
    if collapsed:
        # the opened sidebar's own text and choices, then close it again for the main area's screenshot
        found += [
            line
            for line in page.evaluate(OVERFLOWS_JS) + page.evaluate(CUT_TEXT_JS)
            if "stSidebar" in line or line.startswith("text cut off")
        ]
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stSidebar\"]').getBoundingClientRect().right <= 0"
        )
    return found


def screenshot_whole_page(page, path, screen: Screen) -> None:
    """The page scrolls inside stMain, so a full-page screenshot is one screen: grow the viewport to it."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": screen.width, "height": min(max(height, screen.height), 6000)})
    page.wait_for_timeout(300)
    page.screenshot(path=path)
    page.set_viewport_size(screen.viewport)


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(name, marks=[] if screen == PROJECTOR else [pytest.mark.slow])
        for name, screen in SCREENS.items()
    ],
)
def test_every_page_reads_at_every_size(server, browser, screenshots, size):
    screen = SCREENS[size]
    context = browser.new_context(viewport=screen.viewport, device_scale_factor=screen.scale)
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()  # the sidebar is the same on every page: its problems are reported once
    query = "?presentation=true" if screen.presentation else ""
    try:
        for path in ["", *(info.url_path for info in PAGES)]:
            found = survey(page, f"{server.url}/{path}{query}", screen)
            name = path or "home"
            found += toggle_problems(page, screen)
            screenshot_whole_page(page, screenshots / f"{screen.prefix}-{name}.png", screen)
            found = [line for line in found + app_errors(page) if line not in seen]
            seen.update(line for line in found if line.startswith(SIDEBAR_PROBLEMS))
            if found:
                problems[name] = found
    finally:
        context.close()
    report = "\n".join(f"{name}:\n  " + "\n  ".join(found) for name, found in problems.items())
    assert not problems, f"{len(problems)} pages do not read at {size}:\n{report}"
