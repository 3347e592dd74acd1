"""Presentation mode on a 1280×720 projector: its style sheet is applied, every page's choices fit their boxes,
metric values are the largest text on their cards, and no visible text (typed values included) in the main
area is smaller than 14 px.

One server, one browser context, pages visited in sequence; a screenshot of each lands in the screenshots
folder as presentation-<page>.png. The problems of every page are collected and reported together.
"""

from __future__ import annotations

from tests.e2e.test_every_page import app_errors, wait_for_run
from ui.course_map import all_pages

PAGES = all_pages()
PROJECTOR = {"width": 1280, "height": 720}
MIN_TEXT_PX = 14
# Text that may stay below MIN_TEXT_PX: none. (Plotly's axis ticks and legends follow the figure's font,
# which ui.layout.plot_font_size() raises in presentation mode; dataframes draw on a canvas, not in text.)
SMALL_TEXT_EXCEPTIONS: tuple[str, ...] = ()
SIDEBAR_PROBLEMS = ("stSidebarNavLink", "the presentation toggle", "text cut off")

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
    if (box.width === 0) continue;
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
  && e.innerText.trim() && e.checkVisibility()
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


def survey(page, url: str) -> list[str]:
    """Open url, wait for the run, and list what is wrong with its text and choices."""
    page.goto(url)
    wait_for_run(page)
    page.wait_for_timeout(500)  # plotly draws its SVG after the run
    # The presentation style sheet is in the page (st.html drops a <style> its sanitiser dislikes, silently).
    applied = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)") > 16
    return (
        ([] if applied else ["presentation mode's style sheet is not applied (root font size 16 px)"])
        + page.evaluate(OVERFLOWS_JS)
        + page.evaluate(CUT_TEXT_JS)
        + page.evaluate(METRICS_JS)
        + page.evaluate(SMALL_TEXT_JS, [MIN_TEXT_PX, list(SMALL_TEXT_EXCEPTIONS)])
    )


def screenshot_whole_page(page, path) -> None:
    """The page scrolls inside stMain, so a full-page screenshot is one screen: grow the viewport to it."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size(
        {"width": PROJECTOR["width"], "height": min(max(height, PROJECTOR["height"]), 8000)}
    )
    page.wait_for_timeout(300)
    page.screenshot(path=path)
    page.set_viewport_size(PROJECTOR)


def test_every_page_reads_on_a_projector(server, browser, screenshots):
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()  # the sidebar is the same on every page: its problems are reported once
    try:
        for path in ["", *(info.url_path for info in PAGES)]:
            found = survey(page, f"{server.url}/{path}?presentation=true")
            name = path or "home"
            toggle = page.get_by_role("switch", name="Presentation mode")
            assert toggle.is_checked(), name
            box = page.locator("[data-testid='stSidebar'] label").filter(has=toggle).bounding_box()
            bottom = box["y"] + box["height"]
            if bottom > PROJECTOR["height"]:
                found.append(f"the presentation toggle is below the sidebar's fold ({bottom:.0f} px)")
            screenshot_whole_page(page, screenshots / f"presentation-{name}.png")
            found = [line for line in found + app_errors(page) if line not in seen]
            seen.update(line for line in found if line.startswith(SIDEBAR_PROBLEMS))
            if found:
                problems[name] = found
    finally:
        context.close()
    report = "\n".join(f"{name}:\n  " + "\n  ".join(found) for name, found in problems.items())
    assert not problems, f"{len(problems)} pages do not read on a projector:\n{report}"
