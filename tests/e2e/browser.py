"""What the browser tests read off a page and how they wait for it: one place for every tests/e2e module."""

from __future__ import annotations

from tests.e2e.server import RERUN_DONE

MAIN = "[data-testid='stMain']"
EXCEPTION = "[data-testid='stException']"
# Console noise that is not an app error: the browser has no network, and Streamlit probes for extras.
IGNORED_CONSOLE = ("favicon", "net::ERR_", "Failed to load resource", "WebSocket")
SKELETON = "[data-testid='stSkeleton']"


def wait_for_run(page, timeout: float = 90_000) -> None:
    page.wait_for_selector(RERUN_DONE, timeout=timeout)
    page.wait_for_timeout(300)  # let the last deltas paint
    page.wait_for_selector(RERUN_DONE, timeout=timeout)
    # Widgets whose JavaScript is still loading are drawn as grey skeletons (seen on a busy machine: the
    # script had finished, the page had none of its controls yet).
    page.wait_for_function(f"() => !document.querySelector({SKELETON!r})", timeout=timeout)


def main_state(page) -> tuple[list[str], str]:
    sources = page.locator(f"{MAIN} img").evaluate_all("images => images.map(image => image.src)")
    return sources, page.locator(MAIN).inner_text()


def broken_images(page) -> list[str]:
    return page.locator(f"{MAIN} img").evaluate_all(
        "images => images.filter(image => image.complete && image.naturalWidth === 0).map(image => image.src)"
    )


def app_errors(page) -> list[str]:
    """Console errors, exception elements, and images that failed to load."""
    errors = [text for text in page.console_errors if not any(noise in text for noise in IGNORED_CONSOLE)]
    broken = [f"broken image {src[:80]}" for src in broken_images(page)]
    return errors + page.locator(EXCEPTION).all_inner_texts() + broken


CLICKABLE = "iframe[title*='streamlit_image_coordinates']"


def clickable(page, index: int = 0):
    """The index-th clickable image (an <img> inside the component's iframe), scrolled into view."""
    page.wait_for_selector(CLICKABLE)
    image = page.frame_locator(CLICKABLE).nth(index).locator("img#image")
    image.scroll_into_view_if_needed()
    image.wait_for(state="visible")
    return image


def click_at(page, image, fx: float, fy: float) -> None:
    """Click at a fraction (fx, fy) of the displayed image, then wait for the page to run."""
    box = image.bounding_box()
    image.click(position={"x": box["width"] * fx, "y": box["height"] * fy})
    page.wait_for_timeout(300)
    wait_for_run(page)
