"""A shared link is input from outside: every URL-bound value is checked against its own widget first.

Pages bind their controls with `bind="query-params"`; Streamlit seeds each bound widget from the URL in
one place, `SessionState._seed_widget_from_url`, which already turns an out-of-range number, an unknown
option or unparsable text into the widget's default and removes it from the URL. Streamlit 1.67.0 leaves
four holes there, closed by `guard_url_values()` around that one method:
- `int(float("inf"))` in the int number_input / slider deserializers raises OverflowError, which escapes
  (only ValueError, TypeError and IndexError are caught): the page crashed on `?cnn_i=inf`;
- an empty value (`?cs_space=`) empties a segmented control even with required=True (it registers as
  clearable), so the page got None where it is promised a choice;
- a value of any length is parsed (a 100 kB string);
- a repeated key (`?cnn_i=200&cnn_i=3`) for a one-value widget uses the last value and keeps both in the URL.
A text widget whose value has a form of its own registers a check (`check_text`), applied in the same place.
Every value so refused or corrected is noted, and `link_notice()` says so in one quiet line. The URL is
rewritten by Streamlit itself (the refused key is removed, a clamped one corrected), so a link heals.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator

from streamlit.runtime.scriptrunner import RerunException, get_script_run_ctx
from streamlit.runtime.state.query_params import is_empty_url_value, parse_url_param
from streamlit.runtime.state.session_state import SessionState

MAX_URL_VALUE_CHARS = 2_000  # longer than any value our controls write: a longer one is refused
SINGLE_VALUE_TYPES = {"int_value", "double_value", "string_value", "bool_value"}
NOTICE = (
    "This link had values the page could not use as written: {keys}. Out-of-range or unreadable ones are "
    "back at their defaults, the rest written the page's way; the address now shows what the page uses."
)

_refused: dict[str, list[str]] = {}  # session id -> keys refused or corrected in this run
_slots: dict[str, object] = {}  # session id -> the placeholder the notice goes into
_lock = threading.Lock()
_readers: dict[str, Callable[[str], bool]] = {}  # key -> check of a text value's own form (check_text)


def _note(key: str) -> None:
    session = _session_id()
    if session is None:
        return
    with _lock:
        keys = _refused.setdefault(session, [])
        if key not in keys:
            keys.append(key)
        slot, keys = _slots.get(session), list(keys)
    if slot is not None:
        _show(slot, keys)


def _is_default(metadata, url_value) -> bool:
    """True when the URL value is the widget's default written out (Streamlit drops those quietly).

    Compared in URL form: an out-of-range number also deserializes to the default, but it was refused.
    """
    try:
        parsed = parse_url_param(url_value, metadata.value_type)
        return metadata.serializer(metadata.deserializer(None)) == parsed
    except Exception:  # noqa: BLE001 - any failure to read it means it was not the default
        return False


def _checked_seed(seed):
    @functools.wraps(seed)
    def seed_checked(self, metadata, user_key, widget_id, url_value):
        values = url_value if isinstance(url_value, list) else [url_value]
        too_long = any(len(value) > MAX_URL_VALUE_CHARS for value in values)
        empty_choice = (
            is_empty_url_value(url_value)
            and metadata.value_type != "string_value"  # text may be empty; choices and numbers may not
            and metadata.deserializer(None) not in (None, [])
        )
        # a repeated key (?k=1&k=2) for a one-value widget: Streamlit would use the last and keep both
        repeated = (
            isinstance(url_value, list) and len(url_value) > 1 and metadata.value_type in SINGLE_VALUE_TYPES
        )
        reader = _readers.get(user_key)
        unreadable = reader is not None and not too_long and not all(reader(value) for value in values)
        if too_long or empty_choice or repeated or unreadable:
            self._clear_url_param(user_key)
            _note(user_key)
            return False
        try:
            seeded = seed(self, metadata, user_key, widget_id, url_value)
        except Exception:  # noqa: BLE001 - Streamlit 1.67 lets OverflowError (inf for an int) through
            self._clear_url_param(user_key)
            _note(user_key)
            return False
        if not seeded and not _is_default(metadata, url_value):
            _note(user_key)
        return seeded

    seed_checked.cvlab_guard = True
    return seed_checked


def _noted_correction(correct):
    @functools.wraps(correct)
    def correct_noted(self, metadata, user_key, parsed_value, deserialized_value):
        if metadata.serializer(deserialized_value) != parsed_value:
            _note(user_key)  # clamped or filtered: the URL is rewritten to what the page uses
        return correct(self, metadata, user_key, parsed_value, deserialized_value)

    return correct_noted


def guard_url_values() -> None:
    """Wrap Streamlit's URL seeding once per process (idempotent)."""
    if getattr(SessionState._seed_widget_from_url, "cvlab_guard", False):
        return
    SessionState._seed_widget_from_url = _checked_seed(SessionState._seed_widget_from_url)
    SessionState._auto_correct_url_if_needed = _noted_correction(SessionState._auto_correct_url_if_needed)


def check_text(key: str, readable: Callable[[str], bool]) -> None:
    """A bound text widget whose value has a form of its own (a kernel written as text): a link value that
    `readable` rejects is refused like the values Streamlit's own checks refuse (removed from the URL, noted,
    the widget at its default). Call before the widget; one check per key for the process."""
    _readers[key] = readable


def _session_id() -> str | None:
    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.session_id


@contextlib.contextmanager
def link_notice(container) -> Iterator[None]:
    """Run the page inside, with one quiet line in `container` while this run refuses or corrects link values.

    The line is written the moment a value is refused (a page may st.stop() later, after which nothing
    new is drawn). A run that ends in st.rerun() keeps its notes for the run that follows.
    """
    session = _session_id()
    with _lock:
        _slots[session] = container
        leftover = list(_refused.get(session, []))
    if leftover:
        _show(container, leftover)
    rerun = False
    try:
        yield
    except RerunException:
        rerun = True
        raise
    finally:
        with _lock:
            _slots.pop(session, None)
            if not rerun:
                _refused.pop(session, None)


def _show(container, keys: list[str]) -> None:
    shown = ", ".join(f"`{key[:40]}`" for key in keys[:12]) + (" …" if len(keys) > 12 else "")
    container.caption(NOTICE.format(keys=shown), help="The address bar now shows what the page uses.")
