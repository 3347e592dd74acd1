"""A Streamlit client that speaks the browser's websocket protocol, for load tests and fault tests.

It does what the frontend does, minus the drawing: it opens `/_stcore/stream`, sends a `rerun_script`
BackMsg (the page's url path, the URL's query string and the widget values the "user" has set), and reads
ForwardMsgs until `script_finished`. Every run returns what the page showed: images (their media URLs
are content hashes), text, exceptions, st.error boxes and widgets (so a later run can move them).

    async with StreamlitSession("http://127.0.0.1:8501") as session:
        first = await session.open("colour_thresholding")
        moved = await session.set("Hue high", 60)
        print(moved.seconds, [image.caption for image in moved.images])

Only 127.0.0.1 / localhost is accepted: this is a test tool, not a crawler.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import json
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

T = TypeVar("T")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
FINISHED = ForwardMsg.ScriptFinishedStatus
# Widget element kinds this client can set, and the WidgetState field the frontend fills for each.
VALUE_FIELDS = {
    "slider": "double_array_value",
    "select_slider": "string_array_value",
    "selectbox": "string_value",
    "radio": "string_value",
    "text_input": "string_value",
    "text_area": "string_value",
    "color_picker": "string_value",
    "number_input": "double_value",
    "checkbox": "bool_value",
    "button": "trigger_value",
    "button_group": "string_array_value",
    "multiselect": "string_array_value",
    "component_instance": "json_value",  # a custom component (ui.clickable's images): the JSON it sends
}
TEXT_KINDS = ("markdown", "heading", "caption", "code", "text")
CLICKABLE_COMPONENT = "streamlit_image_coordinates"


class ProtocolError(RuntimeError):
    """The server did not answer as a Streamlit server does (closed, timed out, unknown widget)."""


@dataclass(frozen=True)
class Image:
    """One picture of an st.image element or a clickable image: where it sits, its URL and caption."""

    path: tuple[int, ...]  # delta path: (0, ...) main area, (1, ...) sidebar
    url: str  # /media/<content hash>.<ext>, or a data: URL
    caption: str

    @property
    def in_sidebar(self) -> bool:
        return self.path[:1] == (1,)


@dataclass(frozen=True)
class Widget:
    """A widget as the server described it in this run."""

    kind: str  # the element's proto field: "slider", "selectbox", ...
    id: str
    label: str
    path: tuple[int, ...]
    proto: Any  # the element's protobuf message (slider.min, selectbox.options, ...)

    @property
    def in_sidebar(self) -> bool:
        return self.path[:1] == (1,)


@dataclass
class RunResult:
    """What one script run sent back."""

    seconds: float = 0.0  # from sending the BackMsg to script_finished
    status: str = ""  # FINISHED_SUCCESSFULLY, FINISHED_WITH_COMPILE_ERROR, ...
    images: list[Image] = field(default_factory=list)
    texts: list[str] = field(
        default_factory=list
    )  # markdown, headings, captions, alert bodies, image captions
    exceptions: list[str] = field(default_factory=list)  # "Type: message" of every st.exception element
    errors: list[str] = field(default_factory=list)  # bodies of st.error boxes
    widgets: list[Widget] = field(default_factory=list)
    page_not_found: bool = False

    @property
    def ok(self) -> bool:
        """Finished normally, without an exception element or an error box."""
        return self.status == "FINISHED_SUCCESSFULLY" and not self.exceptions and not self.errors

    def widget(self, label: str, *, sidebar: bool | None = None) -> Widget:
        """The one widget with this label (sidebar=True / False narrows the search); ProtocolError otherwise."""
        found = [
            widget
            for widget in self.widgets
            if widget.label == label and (sidebar is None or widget.in_sidebar == sidebar)
        ]
        if len(found) != 1:
            labels = sorted({widget.label for widget in self.widgets})
            raise ProtocolError(f"{len(found)} widgets labelled {label!r}; the page has: {labels}")
        return found[0]

    def main_images(self) -> list[Image]:
        return [image for image in self.images if not image.in_sidebar]

    def sidebar_images(self) -> list[Image]:
        return [image for image in self.images if image.in_sidebar]


def check_local(base_url: str) -> tuple[str, int]:
    """(host, port) of an http://127.0.0.1:<port> URL; ValueError for any other host."""
    parts = urlsplit(base_url)
    if parts.scheme != "http" or parts.hostname not in LOCAL_HOSTS or parts.port is None:
        raise ValueError(f"only http://127.0.0.1:<port> servers may be driven, got {base_url!r}")
    return parts.hostname, parts.port


def encode_value(widget: Widget, value: Any) -> WidgetState:
    """The WidgetState the frontend would send for `widget` showing `value`."""
    value_field = VALUE_FIELDS.get(widget.kind)
    if value_field is None:
        raise ProtocolError(f"cannot set a {widget.kind} widget ({widget.label!r})")
    state = WidgetState(id=widget.id)
    if value_field == "double_array_value":
        values = value if isinstance(value, list | tuple) else [value]
        state.double_array_value.data.extend(float(item) for item in values)
    elif value_field == "string_array_value":
        values = value if isinstance(value, list | tuple) else [value]
        state.string_array_value.data.extend(str(item) for item in values)
    elif value_field == "double_value":
        state.double_value = float(value)
    elif value_field == "json_value":
        state.json_value = value if isinstance(value, str) else json.dumps(value)
    elif value_field in ("bool_value", "trigger_value"):
        setattr(state, value_field, bool(value))
    else:
        state.string_value = str(value)
    return state


class StreamlitSession:
    """One browser tab's worth of protocol: a websocket session with its own widget values and URL."""

    def __init__(self, base_url: str, *, timeout: float = 120.0) -> None:
        self.host, self.port = check_local(base_url)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session_id = ""
        self.page_script_hash = ""
        self.query_string = ""
        self.widget_states: dict[str, WidgetState] = {}  # what this "user" has set, resent every run
        self.last: RunResult | None = None
        self._socket: Any = None
        self._inbox: asyncio.Queue[ForwardMsg | BaseException] = asyncio.Queue()
        self._reader: asyncio.Task | None = None
        self._sent_at = 0.0

    async def __aenter__(self) -> StreamlitSession:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        url = f"ws://{self.host}:{self.port}/_stcore/stream"
        try:
            self._socket = await asyncio.wait_for(
                websockets.connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout),
                self.timeout,
            )
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as error:
            raise ProtocolError(f"cannot open {url}: {error}") from error
        self._inbox = asyncio.Queue()
        self._reader = asyncio.create_task(self._read_forever())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close()
        self._socket = self._reader = None

    async def _read_forever(self) -> None:
        try:
            async for data in self._socket:
                message = ForwardMsg()
                message.ParseFromString(data)
                self._inbox.put_nowait(message)
        except Exception as error:  # noqa: BLE001 - handed to the waiting run
            self._inbox.put_nowait(error)
        else:
            self._inbox.put_nowait(ProtocolError("the server closed the websocket"))

    def _note(self, message: ForwardMsg) -> None:
        """Session-level messages: the session id, the current page, the URL's query string."""
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.session_id = message.new_session.initialize.session_id or self.session_id
            self.page_script_hash = message.new_session.page_script_hash or self.page_script_hash
        elif kind == "navigation" and message.navigation.page_script_hash:
            self.page_script_hash = message.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string

    def _drain(self) -> None:
        """Take in messages that arrived after the last run finished (URL updates, status)."""
        while not self._inbox.empty():
            item = self._inbox.get_nowait()
            if isinstance(item, BaseException):
                self._inbox.put_nowait(item)  # the next run reports it
                return
            self._note(item)

    async def rerun(self, *, page_name: str = "") -> RunResult:
        """Send rerun_script with this session's widget values and URL; collect the run until it finishes."""
        await self.send(page_name=page_name)
        return await self.collect()

    async def send(self, *, page_name: str = "") -> None:
        """Only send rerun_script (while a run is going, this interrupts it, as a browser does); see collect()."""
        if self._socket is None:
            raise ProtocolError("not connected")
        self._drain()
        message = BackMsg()
        client_state = message.rerun_script
        client_state.query_string = self.query_string
        if page_name:
            client_state.page_name = page_name
        else:
            client_state.page_script_hash = self.page_script_hash
        client_state.widget_states.widgets.extend(self.widget_states.values())
        client_state.context_info.timezone = "UTC"
        client_state.context_info.locale = "en-GB"
        client_state.context_info.url = f"{self.base_url}/{page_name}"
        self._sent_at = time.perf_counter()
        try:
            await self._socket.send(message.SerializeToString())
        except websockets.exceptions.WebSocketException as error:
            raise ProtocolError(f"send failed: {error}") from error

    async def collect(self) -> RunResult:
        """Read until the run answering the last send() finishes (interrupted runs are skipped over)."""
        result = await self._collect(self._sent_at)
        self.last = result
        return result

    async def _collect(self, started: float) -> RunResult:
        result = RunResult()
        elements: dict[tuple[int, ...], tuple[str, Any]] = {}
        deadline = started + self.timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise ProtocolError(f"no script_finished within {self.timeout:.0f} s")
            try:
                item = await asyncio.wait_for(self._inbox.get(), remaining)
            except TimeoutError as error:
                raise ProtocolError(f"no script_finished within {self.timeout:.0f} s") from error
            if isinstance(item, BaseException):
                raise ProtocolError(f"connection lost: {item!r}") from item
            self._note(item)
            kind = item.WhichOneof("type")
            if kind == "delta" and item.delta.WhichOneof("type") == "new_element":
                element = item.delta.new_element
                element_kind = element.WhichOneof("type")
                path = tuple(item.metadata.delta_path)
                elements[path] = (element_kind, getattr(element, element_kind))
                self._record(result, path, element_kind, getattr(element, element_kind))
            elif kind == "page_not_found":
                result.page_not_found = True
            elif kind == "script_finished":
                status = FINISHED.Name(item.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue  # st.rerun() or a newer request: the run that answers comes next
                result.status = status
                result.seconds = time.perf_counter() - started
                result.widgets = [
                    Widget(kind, proto.id, getattr(proto, "label", None) or proto.component_name, path, proto)
                    for path, (kind, proto) in sorted(elements.items())
                    if kind in VALUE_FIELDS and getattr(proto, "id", "")
                ]
                return result

    @staticmethod
    def _record(result: RunResult, path: tuple[int, ...], kind: str, proto: Any) -> None:
        if kind == "imgs":
            for image in proto.imgs:
                result.images.append(Image(path, image.url, image.caption))
                if image.caption:
                    result.texts.append(image.caption)
        elif kind == "component_instance" and proto.component_name.startswith(CLICKABLE_COMPONENT):
            # ui.clickable: the picture travels as the component's src; its caption is the next element
            result.images.append(Image(path, json.loads(proto.json_args).get("src", ""), ""))
        elif (
            kind in ("markdown", "caption")
            and result.images
            and result.images[-1].path == path[:-1] + (path[-1] - 1,)
        ):
            last = result.images[-1]
            if not last.caption and not last.url.startswith("/media/"):
                result.images[-1] = Image(last.path, last.url, proto.body)
            result.texts.append(proto.body)
        elif kind == "exception":
            result.exceptions.append(f"{proto.type}: {proto.message}")
        elif kind == "alert":
            result.texts.append(proto.body)
            if proto.format == Alert.ERROR:
                result.errors.append(proto.body)
        elif kind == "metric":
            result.texts.append(f"{proto.label}: {proto.body}")
        elif kind in TEXT_KINDS:
            fields = proto.DESCRIPTOR.fields_by_name
            name = next((name for name in ("body", "code_text", "text") if name in fields), None)
            if name:
                result.texts.append(getattr(proto, name))

    async def open(self, page: str, *, query: str = "") -> RunResult:
        """The first run of a page, as when a browser opens http://host/<page>?<query> ('' is the home page)."""
        self.query_string = query
        self.widget_states.clear()
        return await self.rerun(page_name=page)

    def remember(self, widget: Widget, value: Any) -> None:
        """Set a widget's value for the next run without running (several changes, one rerun).

        A widget bound to the URL (bind="query-params") also gets its parameter written into this session's
        query string, as the frontend does when a user moves it.
        """
        self.widget_states[widget.id] = encode_value(widget, value)
        fields = widget.proto.DESCRIPTOR.fields_by_name
        if "query_param_key" in fields and widget.proto.HasField("query_param_key"):
            params = [
                (key, item)
                for key, item in parse_qsl(self.query_string)
                if key != widget.proto.query_param_key
            ]
            values = value if isinstance(value, list | tuple) else [value]
            params += [(widget.proto.query_param_key, _url_text(item)) for item in values]
            self.query_string = urlencode(params)

    async def set(self, label: str, value: Any, *, sidebar: bool | None = None) -> RunResult:
        """Move / type / pick `value` into the widget labelled `label` of the last run, then rerun."""
        if self.last is None:
            raise ProtocolError("open a page first")
        self.remember(self.last.widget(label, sidebar=sidebar), value)
        result = await self.rerun()
        for widget_id, state in list(self.widget_states.items()):
            if state.WhichOneof("value") == "trigger_value":
                del self.widget_states[widget_id]  # buttons fire once
        return result

    async def fetch(self, url: str) -> bytes:
        """GET a path of this server (a /media/... URL) over plain HTTP/1.1, as the browser loads an image."""
        if not url.startswith("/"):
            raise ProtocolError(f"expected a server path, got {url!r}")
        reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), self.timeout)
        try:
            request = f"GET {url} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nConnection: close\r\n\r\n"
            writer.write(request.encode("ascii"))
            await writer.drain()
            response = await asyncio.wait_for(reader.read(), self.timeout)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        head, _, body = response.partition(b"\r\n\r\n")
        status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        if " 200 " not in f"{status_line} ":
            raise ProtocolError(f"GET {url}: {status_line}")
        if b"transfer-encoding: chunked" in head.lower():
            body = _unchunk(body)
        return body

    async def fetch_images(self, images: list[Image]) -> dict[str, str]:
        """Load every image like the browser does; url -> sha256 of the bytes served."""
        urls = sorted({image.url for image in images if image.url.startswith("/media/")})
        bodies = await asyncio.gather(*(self.fetch(url) for url in urls))
        return {url: hashlib.sha256(body).hexdigest() for url, body in zip(urls, bodies, strict=True)}


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a worker thread: works where an event loop already runs (Playwright's sync API)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _url_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _unchunk(body: bytes) -> bytes:
    out, rest = bytearray(), body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        rest = rest[size + 2 :]
    return bytes(out)
