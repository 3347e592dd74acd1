"""Two replicas behind deploy/nginx.conf (started by deploy/run_replicas.py), driven by real Chromium.

A browser is forced onto a replica by its cookie (cvlab_replica=r1 / r2, what the balancer itself sets).
- Uploads (a sidebar image and a zip of photos, both over nginx's default 1 MB body limit) work on either
  replica, and every HTTP answer that browser gets comes from its own replica.
- The control: the same upload sent to the other replica fails (400), so stickiness is what makes it work.
- benchmarks/balancer.py's protocol sessions keep the cookie: one per replica, clean and apart.
- Killing a replica: its student's page reconnects, lands on the other replica, comes back from its URL
  (the sample) and works; the other replica's student never notices. When the dead replica is started
  again, the moved student stays where their session now is, and uploads still work.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from benchmarks.balancer import StickySession
from benchmarks.classroom import measure_load
from benchmarks.protocol import run_sync
from deploy.run_replicas import COOKIE, Cluster
from tests.e2e.browser import MAIN, app_errors, main_state, wait_for_run
from tests.photo_zip import phone_photo_zip

SIDEBAR = "[data-testid='stSidebar']"
APP = "[data-testid='stApp']"
RECOVERY_MS = 45_000
pytestmark = pytest.mark.timeout(180)  # each test; the module takes about 1-2 minutes on 2 busy cores
ONE_MB = 1024 * 1024


@pytest.fixture(scope="module")
def cluster():
    with Cluster(replicas=2, env={"CVLAB_DEVICE": "cpu"}) as running:
        yield running


@pytest.fixture(scope="module")
def noise_png() -> bytes:
    """A 700×500 PNG of noise: about 1 MB, which does not compress (over nginx's default body limit)."""
    pixels = np.random.default_rng(15).integers(0, 256, (500, 700, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    assert len(buffer.getvalue()) > ONE_MB
    return buffer.getvalue()


@pytest.fixture(scope="module")
def photos_zip(tmp_path_factory):
    """6 photos of 3000×2250 in 3 class folders: about 2 MB (a file: the DevTools protocol is slow with buffers)."""
    path = tmp_path_factory.mktemp("balancer") / "photos.zip"
    path.write_bytes(phone_photo_zip(6, size=(3000, 2250)))
    assert path.stat().st_size > ONE_MB
    return path


def pinned_page(browser, cluster: Cluster, replica: str):
    """A fresh browser (own cookies) whose balancer cookie names `replica`; it records who answered."""
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    context.add_cookies([{"name": COOKIE, "value": replica, "url": cluster.url}])
    page = context.new_page()
    page.console_errors = []
    page.answered_by = []  # (replica header, status, url) of every HTTP response
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.on(
        "response",
        lambda response: page.answered_by.append(
            (response.headers.get("x-cvlab-replica"), response.status, response.url)
        ),
    )
    return page


def balancer_cookie(page) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == COOKIE), None)


def replicas_seen(page) -> set[str | None]:
    return {replica for replica, _, _ in page.answered_by}


def connection_state(page) -> str | None:
    return page.locator(APP).get_attribute("data-test-connection-state")


def upload_sidebar_image(page, name: str, data: bytes) -> None:
    page.locator(f"{SIDEBAR} button", has_text="Upload").click()
    wait_for_run(page)
    page.locator(f"{SIDEBAR} input[type='file']").set_input_files(
        files=[{"name": name, "mimeType": "image/png", "buffer": data}]
    )
    page.wait_for_timeout(500)
    wait_for_run(page)


def slider_changes_the_page(page) -> bool:
    before = main_state(page)
    slider = page.locator(f"{MAIN} input[type='range']:enabled").first
    slider.focus()
    for _ in range(3):
        slider.press("ArrowRight")
    wait_for_run(page)
    return main_state(page) != before


@pytest.mark.parametrize("replica", ["r1", "r2"])
def test_uploads_work_for_a_session_on_either_replica(cluster, browser, noise_png, photos_zip, replica):
    page = pinned_page(browser, cluster, replica)
    try:
        page.goto(f"{cluster.url}/datasets_loaders?dl_images=Your+zip")  # the page that reads a zip of photos
        wait_for_run(page)
        page.locator(f"{MAIN} input[type='file']").set_input_files(photos_zip)
        page.wait_for_timeout(500)
        wait_for_run(page)
        assert page.locator(MAIN).get_by_text("6 images in 3 classes").count() == 1

        upload_sidebar_image(page, f"noise-{replica}.png", noise_png)  # the sidebar is on every page
        assert page.locator(SIDEBAR).get_by_text(f"upload: noise-{replica}.png · 700×500").count() == 1
        assert page.locator(f"{SIDEBAR} [data-testid='stAlert']").count() == 0

        uploads = [(who, status) for who, status, url in page.answered_by if "/_stcore/upload_file/" in url]
        assert len(uploads) >= 2 and all(status < 300 for _, status in uploads), uploads  # zip + image
        assert replicas_seen(page) == {replica}, page.answered_by[:5]
        assert balancer_cookie(page) == replica
        assert app_errors(page) == []
    finally:
        page.context.close()


def test_an_upload_sent_to_the_other_replica_fails(cluster, browser, noise_png):
    """The control for the test above: without stickiness, the upload meets a replica without the session."""
    page = pinned_page(browser, cluster, "r1")
    try:
        page.goto(cluster.url)  # the course map: the lightest page with the sidebar
        wait_for_run(page)
        page.locator(f"{SIDEBAR} button", has_text="Upload").click()
        wait_for_run(page)
        page.context.add_cookies(
            [{"name": COOKIE, "value": "r2", "url": cluster.url}]
        )  # websocket stays on r1
        page.locator(f"{SIDEBAR} input[type='file']").set_input_files(
            files=[{"name": "lost.png", "mimeType": "image/png", "buffer": noise_png}]
        )
        page.wait_for_timeout(1500)
        uploads = [(who, status) for who, status, url in page.answered_by if "/_stcore/upload_file/" in url]
        assert ("r2", 400) in uploads, uploads
        assert page.locator(SIDEBAR).get_by_text("upload: lost.png").count() == 0
    finally:
        page.context.close()


def test_the_benchmark_sessions_stay_on_their_replicas(cluster):
    """benchmarks/balancer.py's client: two sessions, one per replica (new browsers take turns), no errors."""
    row = run_sync(
        measure_load(cluster.url, cluster.pids(), sessions=2, page="colour_thresholding", seconds=3, think=0.5,
                     timeout=60, session_factory=StickySession)
    )  # fmt: skip
    assert row["replicas_used"] == {"r1": 1, "r2": 1}, row["replicas_used"]
    assert row["moves"] >= 2 and row["errors"] == 0, row["error_kinds"]
    assert row["isolation"]["ok"], row["isolation"]


def test_killing_a_replica_moves_its_students_to_the_other(cluster, browser, noise_png):
    path = "colour_thresholding?sample=Cup+of+coffee"
    moved, stayed = pinned_page(browser, cluster, "r1"), pinned_page(browser, cluster, "r2")
    try:
        for page in (moved, stayed):
            page.goto(f"{cluster.url}/{path}")
            wait_for_run(page)
            assert page.locator(SIDEBAR).get_by_text(re.compile(r"^sample: Cup of coffee")).count() == 1
        assert balancer_cookie(moved) == "r1" and balancer_cookie(stayed) == "r2"

        cluster.kill("r1")
        moved.wait_for_function(
            "sel => document.querySelector(sel)?.getAttribute('data-test-connection-state') !== 'CONNECTED'",
            arg=APP,
            timeout=RECOVERY_MS,
        )
        moved.wait_for_function(
            "sel => document.querySelector(sel)?.getAttribute('data-test-connection-state') === 'CONNECTED'",
            arg=APP,
            timeout=RECOVERY_MS,
        )
        wait_for_run(moved, timeout=RECOVERY_MS)
        moved.console_errors.clear()  # "connection lost" while r1 was gone is the expected message
        assert balancer_cookie(moved) == "r2"  # the balancer re-pinned it to the replica that answered
        assert moved.locator(SIDEBAR).get_by_text(re.compile(r"^sample: Cup of coffee")).count() == 1
        assert slider_changes_the_page(moved), "after the failover, moving the slider changed nothing"
        assert app_errors(moved) == []

        assert connection_state(stayed) == "CONNECTED"
        assert slider_changes_the_page(stayed)
        assert app_errors(stayed) == []

        # r1 comes back: the moved student's session is on r2 now, and its uploads must still reach r2.
        cluster.restart("r1")
        upload_sidebar_image(moved, "after-restart.png", noise_png)
        assert moved.locator(SIDEBAR).get_by_text("upload: after-restart.png").count() == 1
        assert balancer_cookie(moved) == "r2"
        assert app_errors(moved) == []
    finally:
        moved.context.close()
        stayed.context.close()
