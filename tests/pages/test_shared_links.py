"""A shared link can never break a page: every URL-bound key of every page, opened with hostile values.

The keys come from the pages themselves: each page is opened through Home.py (as the app runs it) and every
element whose proto carries a `query_param_key` is bound to the URL. Choice widgets (selectboxes, radios,
segmented controls) are switched to each of their options once, because some controls exist only on one
branch (Affine mode's points, a factory's seed, one model's layer list).

For each page branch and each hostile value, all of the page's keys get that value at once in a fresh
session. The page must show no exception; the URL it leaves behind must be healed: opened again in a fresh
session it runs clean and has nothing left to refuse. Whenever the link was changed, the page says so in
one quiet line (ui.url_state.NOTICE).
"""

from __future__ import annotations

import functools

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import HOSTILE, NOTICE_START, bound_widgets, open_page
from ui.course_map import all_pages
from ui.url_state import MAX_URL_VALUE_CHARS

pytestmark = pytest.mark.usefixtures("full_error_details")  # tests/conftest.py

SIDEBAR_KEYS = {"sample", "working_side", "presentation"}  # on every page; covered once, on the first page
CHOICE_TYPES = {"selectbox", "radio", "button_group"}


@functools.cache
def branches(page: str) -> tuple[tuple[dict[str, str], frozenset[str]], ...]:
    """(choice that opens a branch, the keys bound there): the defaults, then each option revealing new keys."""
    default = bound_widgets(open_page(page, {}))
    seen = set(default)
    found = [({}, frozenset(default))]
    for widget in default.values():
        if widget.type not in CHOICE_TYPES or widget.key in SIDEBAR_KEYS:
            continue
        for option in widget.options[:12]:
            keys = set(bound_widgets(open_page(page, {widget.key: option})))
            if keys - seen:
                seen |= keys
                found.append(({widget.key: option}, frozenset(keys)))
    return tuple(found)


PAGES = [page for page in all_pages() if page.url_path != "home"]


LONG_VALUES_PER_LINK = 4  # Streamlit ignores a whole query string over 512 kB; a browser would not send it


def hostile_queries(
    keys: frozenset[str], choice: dict[str, str], value: object, *, sidebar: bool
) -> list[dict]:
    """Links giving every key the value: one link, or for very long values a few keys at a time."""
    targets = [key for key in sorted(keys) if key not in choice and (sidebar or key not in SIDEBAR_KEYS)]
    size = (
        LONG_VALUES_PER_LINK if isinstance(value, str) and len(value) > MAX_URL_VALUE_CHARS else len(targets)
    )
    chunks = [targets[start : start + size] for start in range(0, len(targets), max(size, 1))]
    return [dict.fromkeys(chunk, value) | choice for chunk in chunks or [[]]]


def notice(app: AppTest) -> list[str]:
    return [caption.value for caption in app.caption if caption.value.startswith(NOTICE_START)]


@pytest.mark.slow
@pytest.mark.parametrize("page", [page.file for page in PAGES], ids=[page.url_path for page in PAGES])
def test_every_bound_key_survives_hostile_values(page):
    sidebar = page == PAGES[0].file
    failures = []
    for choice, keys in branches(page):
        for label, value in HOSTILE.items():
            for query in hostile_queries(keys, choice, value, sidebar=sidebar):
                app = open_page(page, query)
                where = f"{page} {choice or 'defaults'} with {label}"
                if app.exception:
                    failures.append(f"{where}: {[e.value for e in app.exception][:1]}")
                    continue
                healed = dict(app.query_params)
                changed = any(healed.get(key) != sent for key, sent in query.items())
                if changed and not notice(app):
                    failures.append(f"{where}: the link was changed but the page did not say so")
                too_long = [
                    key
                    for key, kept in healed.items()
                    if max(map(len, kept if isinstance(kept, list) else [kept])) > MAX_URL_VALUE_CHARS
                ]
                if too_long:
                    failures.append(f"{where}: {too_long} still carry over {MAX_URL_VALUE_CHARS} characters")
                again = open_page(page, healed)
                if again.exception or notice(again):
                    failures.append(
                        f"{where}: the healed link {healed} is not clean: "
                        f"{[e.value for e in again.exception][:1] or notice(again)}"
                    )
    assert not failures, "\n".join(failures[:20])


@pytest.mark.slow
def test_branches_find_the_keys_of_other_modes():
    """Discovery switches choices: Affine mode's points and a factory's seed are found, not typed here."""
    geometry = set().union(*(keys for _, keys in branches("app_pages/geometry.py")))
    tensors = set().union(*(keys for _, keys in branches("app_pages/tensor_playground.py")))
    assert {"geo_aff_src1_x", "geo_rot_cx"} <= geometry
    assert "tp_seed" in tensors


@pytest.mark.parametrize(
    ("page", "query", "refused"),
    [
        ("app_pages/geometry.py", {"geo_per_src1_x": "inf"}, ["geo_per_src1_x"]),
        ("app_pages/cnn_calculators.py", {"cnn_i": "inf", "cnn_k": "3"}, ["cnn_i"]),
        (
            "app_pages/colour_spaces.py",
            {"cs_space": "", "cs_hue_shift": "1e308"},
            ["cs_space", "cs_hue_shift"],
        ),
        ("app_pages/architectures.py", {"arch_model": ""}, ["arch_model"]),
    ],
)
def test_the_reported_crashes_heal_with_one_quiet_line(page, query, refused):
    app = open_page(page, query)
    assert not app.exception, [e.value for e in app.exception]
    (line,) = notice(app)
    assert all(f"`{key}`" in line for key in refused), line
    assert not set(refused) & set(app.query_params), app.query_params
    app.run()
    assert not app.exception and not notice(app)


def test_good_and_default_values_are_kept_without_a_notice():
    app = open_page("app_pages/colour_spaces.py", {"cs_hue_shift": "5", "cs_saturation": "1.0"})
    assert not app.exception and not notice(app)
    assert app.query_params.get("cs_hue_shift") == "5"
    assert app.slider(key="cs_hue_shift").value == 5


@pytest.mark.parametrize("written", ["#abc", "abc", "aabbcc", "#AABBCC"])
def test_colours_in_short_or_bare_hex_are_read(written):
    """#rgb and digits without '#' are colours (CSS reads #abc as #aabbcc); the canvas draws, no error."""
    app = open_page("app_pages/drawing_text.py", {"dt_background": written})
    assert not app.exception and not app.error, [e.value for e in [*app.exception, *app.error]]
    assert app.color_picker(key="dt_background").value.lstrip("#").lower() in {"abc", "aabbcc"}


def test_a_colour_that_is_not_one_falls_back_with_a_notice():
    app = open_page("app_pages/drawing_text.py", {"dt_background": "zzzzzz"})
    assert not app.exception and not app.error and notice(app)
    assert "dt_background" not in app.query_params
