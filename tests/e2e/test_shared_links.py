"""Shared links in real Chromium: the pages that crashed on a hostile link now heal it and say so.

The corpus is the one tests/pages/test_shared_links.py gives every key of every page under AppTest; here a
few pages get it through the address bar, as a student's pasted link would.
"""

from __future__ import annotations

import statistics
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.e2e.browser import EXCEPTION, MAIN, wait_for_run
from tests.helpers import HOSTILE, NOTICE_START

# The keys seen crashing a page from a link (issue "A shared link can never break a page"), by page.
LINKS = {
    "geometry": {"geo_mode": "Perspective (4 points)", "geo_per_src1_x": None, "geo_per_dst2_y": None},
    "cnn_calculators": {"cnn_i": None, "cnn_k": None},
    "datasets_loaders": {"dl_rows": None, "dl_batch": None},
    "train_network": {"tn_hidden": None},
    "architectures": {"arch_model": None},
    "colour_spaces": {"cs_space": None, "cs_hue_shift": None},
}
# Values a browser can carry in an address (a 100 kB one is tested under AppTest).
VALUES = {label: value for label, value in HOSTILE.items() if label != "100 kB"}


def link(server, page: str, keys: dict[str, str | None], value) -> str:
    query = []
    for key, fixed in keys.items():
        values = [fixed] if fixed is not None else value if isinstance(value, list) else [value]
        query += [(key, item) for item in values]
    return f"{server.url}/{page}?{urlencode(query)}"


@pytest.mark.parametrize("page_name", list(LINKS))
def test_hostile_links_heal_in_the_browser(server, page, page_name, screenshots):
    failures = []
    for label, value in VALUES.items():
        page.goto(link(server, page_name, LINKS[page_name], value))
        wait_for_run(page)
        if page.locator(EXCEPTION).count():
            failures.append(f"{label}: {page.locator(EXCEPTION).first.inner_text()[:200]}")
            continue
        left = parse_qs(urlsplit(page.url).query, keep_blank_values=True)
        hostile_keys = [key for key, fixed in LINKS[page_name].items() if fixed is None]
        sent = value if isinstance(value, list) else [value]
        if any(left.get(key) == sent for key in hostile_keys):
            # a value the widget takes as it is ("-1" where negatives are allowed) may stay: it must reload
            page.reload()
            wait_for_run(page)
            if page.locator(EXCEPTION).count():
                failures.append(f"{label}: kept in the URL and crashes on reload")
        changed = any(left.get(key) != sent for key in hostile_keys)
        if changed and not page.locator(MAIN).get_by_text(NOTICE_START).count():
            failures.append(f"{label}: the link was rewritten to {left} without a word")
        if label == "inf":
            page.screenshot(path=screenshots / f"link_{page_name}_inf.png")
    assert not failures, "\n".join(failures)


SLOW_LINKS = {  # pages that took 18-20 s from a link with empty values (before the URL guard)
    "classifier": ["cls_model", "cls_k"],
    "feature_maps": ["fm_model", "fm_layer_lenet_digits"],
    "datasets_loaders": ["dl_rows", "dl_resize"],
}


def test_a_link_opens_as_fast_as_the_menu(server, page):
    """Median seconds to a finished run, from the plain address and from a link with empty values.

    Printed for benchmarks/README.md, not asserted (timings are noisy); each page is visited once first.
    """
    timings = {}
    for page_name, keys in SLOW_LINKS.items():
        urls = {
            "menu": f"{server.url}/{page_name}",
            "link": f"{server.url}/{page_name}?" + "&".join(f"{key}=" for key in keys),
        }
        page.goto(urls["menu"])
        wait_for_run(page)
        for _ in range(3):
            for how, url in urls.items():
                start = time.perf_counter()
                page.goto(url)
                wait_for_run(page)
                timings.setdefault(f"{page_name} {how}", []).append(time.perf_counter() - start)
                assert not page.locator(EXCEPTION).count(), (page_name, how)
    print(
        "seconds, median of 3:", {name: round(statistics.median(times), 2) for name, times in timings.items()}
    )
