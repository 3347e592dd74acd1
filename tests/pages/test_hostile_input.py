"""Hostile input, every page: each text and number input is fed what a careless or malicious user types.

The pages are found through ui.course_map.all_pages(); those whose code shows a text or number input (read
from the source at collection, tests.helpers.page_code: no page is run to collect) are the parameters, and
their inputs are found through AppTest, so new pages and new inputs are covered without editing this file.
A page whose inputs sit behind a choice is opened with that choice made (SHOW_INPUTS); one whose code has
inputs that neither its defaults nor SHOW_INPUTS show fails, so an input is never left untested, and a slow
test checks that every page left out really shows too few inputs. For every input: very long text, code,
markup, control characters, number-like strings; numbers at and beyond their limits, NaN / infinity where
the widget takes floats, empty where it may be cleared. Then all number inputs of a page at their minimum,
and at their maximum, at once. After each value the page must show no exception element (a clear st.error is
the right answer to nonsense); afterwards, with the original values back, it must run clean again.

AppTest cannot drive st.file_uploader or st.data_editor: hostile uploads are tested in lib (decode_image,
read_image_zip, load_state_dict_bytes) and in the browser (tests/e2e/test_hostile_input.py).
"""

from __future__ import annotations

import functools
import math
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.testing.v1 import AppTest

from tests.helpers import page_code, page_params
from tests.pages.harness import ROOT, assert_clean
from ui.course_map import all_pages

pytestmark = pytest.mark.usefixtures("full_error_details")  # tests/conftest.py

PAGES = all_pages()
TIMEOUT = 120
# Pages with many inputs, whose sweep takes over ~3 s on 2 cores: `dev.sh quick` leaves them to `dev.sh test`.
SLOW_SWEEPS = {"datasets_loaders", "cnn_calculators", "geometry", "train_cnn"}
TEXT_KINDS = ("text_input", "text_area")
INPUT_CALL = re.compile(r"\.(text_input|text_area|number_input)\(")
# Pages whose inputs appear only after a choice: the session state (as a link would set it) that shows them.
SHOW_INPUTS = {
    "transfer_learning": {"tl_source": "My own images"},  # the class names
    "tensor_playground": {"tp_source": "A factory"},  # the factory's seed beside the shape lab's n
}
# If any page ever evaluated what it is given, this file would appear.
PWNED = Path(tempfile.gettempdir()) / f"cvlab_pwned_{os.getpid()}"
HOSTILE_TEXT = {
    "100k digits": "9" * 100_000,  # very long, and too many digits for int() (Python's 4300-digit limit)
    "python code": f"__import__('pathlib').Path({str(PWNED)!r}).touch()",
    "empty": "",
    "control characters": "a\x00b\x1b[31mc\r\nd\x7f\t",
    "markup and format": "<script>alert(1)</script>**$\\frac{1}{0}$** {0.__class__} %s %n {}",
    "unicode": "ﬁ 🎉 \u202egnp.exe e\u0301 한국어 " + "\U0001f4a5" * 500,
    "nan": "nan",
    "huge negative": "-1e309",
}


@dataclass(frozen=True)
class Input:
    kind: str  # "text_input", "text_area", "number_input"
    key: str | None
    label: str
    occurrence: int  # among inputs of this kind and label, when there is no key
    original: object
    proto: object

    def find(self, app: AppTest):
        """This input in a later run of the app, or None when the page stopped before drawing it."""
        widgets = list(getattr(app, self.kind))
        if self.key:
            matches = [widget for widget in widgets if widget.key == self.key]
        else:
            matches = [widget for widget in widgets if widget.label == self.label][self.occurrence :]
        return matches[0] if matches else None

    def __str__(self) -> str:
        return f"{self.kind} {self.label!r}" + (f" (key {self.key})" if self.key else "")


def input_calls(info) -> list[str]:
    """The kinds of the text and number input calls in a page's code, one per call site (read, not run)."""
    return [kind for code in page_code(info.file) for kind in INPUT_CALL.findall(code)]


def pages_with(enough) -> list:
    """Pages whose code has the inputs `enough` asks for (a predicate on input_calls)."""
    return [info for info in PAGES if enough(input_calls(info))]


def fresh_app(path: str, state: tuple = ()) -> AppTest:
    app = AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)
    for key, value in state:
        app.session_state[key] = value
    app.run()
    assert not app.exception, f"{path} fails before any hostile input: {[e.value for e in app.exception]}"
    return app


@functools.cache
def inputs_of(path: str, state: tuple = ()) -> tuple[Input, ...]:
    """The text and number inputs a page shows with its defaults (one run per page and state for both tests)."""
    return tuple(discover(fresh_app(path, state)))


def page_inputs(info, enough) -> tuple[tuple, tuple[Input, ...]]:
    """(state, inputs): the page's defaults, or SHOW_INPUTS' state where the defaults show too few inputs."""
    inputs = inputs_of(info.file)
    if not enough(inputs) and info.url_path in SHOW_INPUTS:
        state = tuple(SHOW_INPUTS[info.url_path].items())
        return state, inputs_of(info.file, state)
    return (), inputs


def discover(app: AppTest) -> list[Input]:
    inputs, seen = [], {}
    for kind in (*TEXT_KINDS, "number_input"):
        for widget in getattr(app, kind):
            occurrence = seen.get((kind, widget.label), 0)
            seen[(kind, widget.label)] = occurrence + 1
            inputs.append(Input(kind, widget.key, widget.label, occurrence, widget.value, widget.proto))
    return inputs


def number_values(proto) -> dict[str, float | int | None]:
    """Hostile numbers this widget can be sent: its limits, past them (Streamlit must drop those), huge,
    NaN and infinities for float inputs, None where it may be cleared."""
    is_int = proto.data_type == NumberInput.INT
    low = proto.min if proto.has_min else None
    high = proto.max if proto.has_max else None
    values: dict[str, float | int | None] = {"zero": 0}
    if low is None:
        values["hugely negative"] = -(10**18) if is_int else -1e308
    if high is None:
        values["huge"] = 10**18 if is_int else 1e308
    if low is not None:
        values |= {
            "minimum": int(low) if is_int else low,
            "below minimum": int(low) - 1 if is_int else low - 1,
        }
    if high is not None:
        values |= {
            "maximum": int(high) if is_int else high,
            "above maximum": int(high) + 1 if is_int else high * 2 + 1,
        }
    if not is_int:
        values |= {"NaN": math.nan, "infinity": math.inf, "-infinity": -math.inf, "denormal": 5e-324}
    if not proto.HasField("default"):
        values["empty"] = None
    return values


def hostile_values(item: Input) -> dict[str, object]:
    return HOSTILE_TEXT if item.kind in TEXT_KINDS else number_values(item.proto)


def run_with(app: AppTest, item: Input, value: object) -> str | None:
    """Set one input and run; a description of what went wrong, or None."""
    widget = item.find(app)
    if widget is None:
        return None  # an earlier value stopped the page above this input (with a message); nothing to set
    widget.set_value(value)
    app.run()
    if app.exception:
        return "; ".join(f"{element.proto.type}: {element.value[:300]}" for element in app.exception)
    return None


def any_input(inputs) -> bool:
    """inputs: a page's Input objects, or the kinds of the input calls in its code."""
    return len(inputs) >= 1


def two_numbers(inputs) -> bool:
    """inputs: a page's Input objects, or the kinds of the input calls in its code."""
    return sum(1 for item in inputs if getattr(item, "kind", item) == "number_input") >= 2


INPUT_PAGES = pages_with(any_input)
NUMBER_PAGES = pages_with(two_numbers)


@pytest.mark.parametrize("info", page_params(INPUT_PAGES, slow=SLOW_SWEEPS))
def test_every_text_and_number_input_survives_hostile_values(info):
    state, inputs = page_inputs(info, any_input)
    assert inputs, f"{info.title}'s code has {input_calls(info)} but it shows none: add to SHOW_INPUTS"
    app = fresh_app(info.file, state)
    failures = []
    for item in inputs:
        for name, value in hostile_values(item).items():
            problem = run_with(app, item, value)
            if problem:
                failures.append(f"{item} = {name}: {problem}")
                app = fresh_app(info.file, state)  # carry on from a clean session to find every failure
        # The same session with the original value back: the page works again.
        widget = item.find(app)
        if widget is not None:
            widget.set_value(item.original)
        app.run()
        try:
            assert_clean(app)
        except AssertionError as error:
            failures.append(f"{item}: with its original value back the page did not recover: {error}")
            app = fresh_app(info.file, state)
    assert not PWNED.exists(), f"{info.title} executed text typed into it"
    assert not failures, f"{info.title}:\n" + "\n".join(failures)


@pytest.mark.parametrize("info", NUMBER_PAGES, ids=[info.url_path for info in NUMBER_PAGES])
def test_all_number_inputs_at_their_limits_at_once(info):
    state, inputs = page_inputs(info, two_numbers)
    numbers = [item for item in inputs if item.kind == "number_input"]
    assert len(numbers) >= 2, f"{info.title}'s code has number inputs it does not show: add to SHOW_INPUTS"
    app = fresh_app(info.file, state)
    for limit in ("min", "max"):
        for item in numbers:
            widget = item.find(app)
            if widget is not None and getattr(item.proto, f"has_{limit}"):
                widget.set_value(getattr(item.proto, limit))
        app.run()
        assert not app.exception, (limit, [element.value for element in app.exception])
    for item in numbers:
        widget = item.find(app)
        if widget is not None:
            widget.set_value(item.original)
    app.run()
    assert_clean(app)


def test_upload_limit_and_xsrf_protection_are_configured():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server = config["server"]
    assert server["enableXsrfProtection"] is True
    assert 0 < server["maxUploadSize"] <= 200, "upload limit in MB: large enough for photos, far below RAM"
    assert config["client"]["showErrorDetails"] in ("none", False), "students never see tracebacks"


@pytest.mark.slow
@pytest.mark.parametrize(
    "info",
    [i for i in PAGES if i not in NUMBER_PAGES],
    ids=[i.url_path for i in PAGES if i not in NUMBER_PAGES],
)
def test_the_source_reading_leaves_out_no_page_with_inputs(info):
    """A page the collection left out of a test (its code shows too few inputs) shows too few when it runs."""
    inputs = inputs_of(info.file)
    assert info in INPUT_PAGES or not inputs, f"{info.title} shows {[str(i) for i in inputs]}: see page_code"
    assert not two_numbers(inputs), f"{info.title} shows two or more number inputs: see page_code"
