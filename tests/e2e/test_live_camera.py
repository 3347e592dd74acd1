"""Live camera in real Chromium: its fake camera (a moving test pattern) streams through Colour
thresholding over WebRTC on this machine, with no STUN/TURN server (host candidates only).

The browser gets its own launch with the fake-device flags (not the shared CHROMIUM_ARGS). Every wait is
a condition with a generous timeout, never a fixed sleep.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import MAIN, app_errors, wait_for_run
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS

FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
TIMEOUT = 60_000  # ms: connecting and the first frames on a loaded 2-core machine
FPS_CAPTION = re.compile(r"Live: (\d+(?:\.\d+)?) frames per second")
WEBRTC_FRAME = "streamlit_webrtc"

# Mean green of the bottom half of the output video, sampled through a canvas (the fps label is top left).
BOTTOM_GREEN = """() => {
  const video = document.querySelector('video');
  if (!video || !video.videoWidth) return -1;
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 48;
  const context = canvas.getContext('2d');
  context.drawImage(video, 0, 0, 64, 48);
  const pixels = context.getImageData(0, 24, 64, 24).data;
  let green = 0;
  for (let i = 1; i < pixels.length; i += 4) green += pixels[i];
  return green / (pixels.length / 4);
}"""


def host_addresses() -> list[str]:
    """The addresses aiortc offers as host candidates (aioice leaves out 127.0.0.1)."""
    from aioice.ice import get_host_addresses

    return get_host_addresses(use_ipv4=True, use_ipv6=False)


@pytest.fixture(scope="module")
def camera_browser(playwright_driver):
    launched = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + FAKE_CAMERA)
    yield launched
    launched.close()


# What Community Cloud looks like to WebRTC: no direct path between browser and server, only a relay (TURN)
# would do. Every RTCPeerConnection in the page (and the component's iframe) is made relay-only; with no
# TURN server configured it has no candidate at all and never connects.
RELAY_ONLY = """(() => {
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  window.RTCPeerConnection = class extends Native {
    constructor(config) { super({...(config || {}), iceTransportPolicy: 'relay'}); }
  };
})()"""


@pytest.fixture
def camera_page(camera_browser, request):
    context = camera_browser.new_context(viewport={"width": 1400, "height": 1800}, permissions=["camera"])
    if getattr(request, "param", None) == "relay_only":
        context.add_init_script(RELAY_ONLY)
    opened = context.new_page()
    opened.console_errors = []
    opened.on("console", lambda m: m.type == "error" and opened.console_errors.append(m.text))
    opened.on("pageerror", lambda error: opened.console_errors.append(str(error)))
    yield opened
    context.close()


def webrtc_frame(page):
    page.wait_for_selector(f"{MAIN} iframe[src*='{WEBRTC_FRAME}']", timeout=TIMEOUT)
    return next(frame for frame in page.frames if WEBRTC_FRAME in frame.url)


def shown_fps(page) -> float:
    for text in page.locator(f"{MAIN} [data-testid='stCaptionContainer']").all_inner_texts():
        match = FPS_CAPTION.search(text)
        if match:
            return float(match.group(1))
    return 0.0


@pytest.mark.slow
def test_colour_thresholding_streams_the_fake_camera(server, camera_page, screenshots):
    if not host_addresses():
        pytest.skip("no non-loopback IPv4 address: aiortc offers no host candidate without STUN/TURN")
    page = camera_page
    page.goto(f"{server.url}/colour_thresholding")
    wait_for_run(page)
    assert page.locator(f"{MAIN} iframe[src*='{WEBRTC_FRAME}']").count() == 0  # off until asked
    page.locator(MAIN).get_by_text("Live camera", exact=True).click()
    frame = webrtc_frame(page)
    frame.get_by_role("button", name="START").click(timeout=TIMEOUT)

    # the processed video plays: it has a size and its clock moves on
    frame.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.videoWidth > 0 && v.currentTime > 0.5 }",
        timeout=TIMEOUT,
    )
    width, started = frame.evaluate(
        "() => { const v = document.querySelector('video'); return [v.videoWidth, v.currentTime] }"
    )
    assert width == 640
    frame.wait_for_function(
        f"() => document.querySelector('video').currentTime > {started} + 1", timeout=TIMEOUT
    )

    # the frame rate next to the video is a number above 0 (the status reruns every second)
    page.wait_for_function(
        """() => [...document.querySelectorAll("[data-testid='stCaptionContainer']")]
                 .some(c => /Live: (?!0\\.0 )\\d+(\\.\\d+)? frames per second/.test(c.innerText))""",
        timeout=TIMEOUT,
    )
    assert shown_fps(page) > 0

    # settings changed while streaming reach the processor: "Everything" paints every pixel black
    assert frame.evaluate(BOTTOM_GREEN) > 40, "the fake camera's green pattern should show"
    page.locator(MAIN).get_by_role("button", name="Everything").click()
    frame.wait_for_function(
        f"() => {{ const g = ({BOTTOM_GREEN})(); return g >= 0 && g < 12 }}", timeout=TIMEOUT
    )
    page.screenshot(path=screenshots / "live-colour-thresholding.png", full_page=True)

    frame.get_by_role("button", name="STOP").click()
    frame.get_by_role("button", name="START").wait_for(timeout=TIMEOUT)
    wait_for_run(page)
    assert page.locator(f"{MAIN} [data-testid='stAlert']").get_by_text("could not connect").count() == 0
    assert app_errors(page) == []


@pytest.mark.slow
@pytest.mark.parametrize("camera_page", ["relay_only"], indirect=True)
def test_a_connection_that_cannot_be_made_says_so_in_one_line(server, camera_page):
    page = camera_page
    page.goto(f"{server.url}/colour_thresholding")
    wait_for_run(page)
    page.locator(MAIN).get_by_text("Live camera", exact=True).click()
    frame = webrtc_frame(page)
    frame.get_by_role("button", name="START").click(timeout=TIMEOUT)
    # the page gives up after CONNECT_TIMEOUT_S (20 s) of signalling without a connection
    notice = page.locator(f"{MAIN} [data-testid='stAlert']").get_by_text("Live video could not connect")
    notice.wait_for(timeout=TIMEOUT)
    assert "TURN server" in notice.inner_text()
    assert frame.evaluate("() => document.querySelector('video')?.videoWidth ?? 0") == 0
    frame.get_by_role("button", name="STOP").click()
    assert app_errors(page) == []
