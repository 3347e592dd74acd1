"""The classroom load client, small: two protocol-level sessions for a few seconds, no errors, kept apart."""

from __future__ import annotations

import pytest

from benchmarks.classroom import PROFILES, Student, check_run, isolation_summary, measure_load
from benchmarks.protocol import Image, RunResult, StreamlitSession, check_local, run_sync
from ui.course_map import all_pages

PAGES = {info.url_path for info in all_pages()}
PROFILED = [name for name in PROFILES if name in PAGES]


@pytest.fixture(scope="module")
def profiled_page() -> str:
    if not PROFILED:
        pytest.skip(f"none of the profiled pages ({', '.join(PROFILES)}) is built yet")
    return PROFILED[0]


def test_two_sessions_run_clean_and_apart(server, profiled_page):
    row = run_sync(
        measure_load(
            server.url, server.pid(), sessions=2, page=profiled_page, seconds=4, think=0.2, timeout=60
        )
    )
    assert row["errors"] == 0, row["error_kinds"]
    assert row["moves"] >= 4, row
    assert row["isolation"]["ok"], row["isolation"]
    assert row["isolation"]["states_checked"] >= 4
    assert row["rss_peak_mb"] > 0 and row["server_cpu_percent"] >= 0


def test_a_session_moves_a_slider_and_the_picture_follows(server, profiled_page):
    async def scenario() -> tuple[RunResult, RunResult, RunResult]:
        async with StreamlitSession(server.url, timeout=60) as session:
            opened = await session.open(profiled_page)
            slider = opened.widget(PROFILES[profiled_page].move, sidebar=False)
            low, high = int(slider.proto.min), int(slider.proto.max)
            moved = await session.set(slider.label, low + (high - low) // 3)
            back = await session.set(slider.label, low + 2 * (high - low) // 3)
            again = await session.set(slider.label, low + (high - low) // 3)
            return moved, back, again

    moved, back, again = run_sync(scenario())
    assert moved.ok and back.ok and again.ok, (moved.exceptions, moved.errors, moved.status)
    urls = [[image.url for image in run.images] for run in (moved, back, again)]
    assert urls[0] != urls[1], "moving the slider changed no image"
    assert urls[0] == urls[2], "the same settings gave other images"


def test_the_checks_catch_a_crossed_reply():
    """A reply meant for another session (its sample, its marker) is reported, not silently counted."""
    profile = PROFILES["colour_thresholding"]
    mine = Student(0, "Greek coins", 5, [10, 20])
    other = Student(1, "Dahlia (colourful)", 6, [10, 20])

    def reply(sample: str, marker: int, url: str) -> RunResult:
        return RunResult(
            status="FINISHED_SUCCESSFULLY",
            images=[
                Image((1, 5, 0), f"/media/{sample[:3]}.jpg", f"sample: {sample} · 640×427"),
                Image((0, 11, 0, 0), url, f"Pixel (320, {marker})"),
            ],
            texts=[f"Pixel (320, {marker})"],
        )

    check_run(mine, reply("Greek coins", 5, "/media/a.jpg"), profile, ("Greek coins", 5, 10))
    check_run(other, reply("Dahlia (colourful)", 6, "/media/b.jpg"), profile, ("Dahlia (colourful)", 6, 10))
    assert isolation_summary([mine, other], profile)["ok"]
    check_run(mine, reply("Dahlia (colourful)", 6, "/media/b.jpg"), profile, ("Greek coins", 5, 10))
    summary = isolation_summary([mine, other], profile)
    assert not summary["ok"]
    assert summary["inconsistent_states"] == 1
    assert summary["shared_marker_images"] == 1
    assert any("sidebar shows" in text for text in summary["violations"])
    assert any("marker 5 expected" in text for text in summary["violations"])


@pytest.mark.parametrize("url", ["http://example.com:80", "https://127.0.0.1:8501", "http://10.0.0.1:8501"])
def test_only_local_servers(url):
    with pytest.raises(ValueError, match="only http://127.0.0.1"):
        check_local(url)
