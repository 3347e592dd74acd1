"""Real Chromium on Train a network's Playground tab: Train keeps training on the fragment's timer (the epoch
counter climbs with no further click), Stop halts it, the boundary is drawn; a screenshot of each state."""

from __future__ import annotations

import re

from tests.e2e.browser import MAIN, app_errors, wait_for_run

LINK = "train_network?tn_part=Playground&pg_data=XOR&pg_layers=1&pg_max=3000"


def epoch(page) -> int:
    metric = page.locator(f"{MAIN} [data-testid='stMetric']").filter(has_text="Epoch").first
    return int(re.search(r"\d+", metric.locator("[data-testid='stMetricValue']").inner_text()).group())


def test_playground_trains_live_and_stops(server, page, screenshots):
    page.goto(f"{server.url}/{LINK}")
    wait_for_run(page)
    assert epoch(page) == 0
    assert page.locator(f"{MAIN} .js-plotly-plot").count() >= 2  # the boundary and the loss curves
    assert page.locator(f"{MAIN} img").count() >= 4  # one map per hidden neuron
    page.get_by_role("button", name="Train").click()
    seen = []
    for _ in range(120):  # up to ~60 s on a busy machine; the timer reruns the fragment every 0.4 s
        page.wait_for_timeout(500)
        seen.append(epoch(page))
        if len(set(seen)) >= 3 and seen[-1] >= 5:
            break
    assert len(set(seen)) >= 3 and seen == sorted(seen), f"the epoch did not climb on its own: {seen}"
    page.screenshot(path=screenshots / "playground-training.png", full_page=True)
    page.get_by_role("button", name="Stop").click()
    wait_for_run(page)
    page.wait_for_timeout(1000)
    stopped = epoch(page)
    page.wait_for_timeout(2000)
    assert epoch(page) == stopped, "training went on after Stop"
    assert 0 < stopped < 3000
    page.screenshot(path=screenshots / "playground-stopped.png", full_page=True)
    assert app_errors(page) == []
