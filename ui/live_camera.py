"""Live camera: the page's own frame function on a webcam stream (streamlit-webrtc), with its frame rate.

A page calls `live_camera(key, function, settings)`: a "Live camera" toggle; when it is on, a webrtc
streamer sends the browser's camera to the server, where each frame goes through `function(frame_rgb,
**settings)` (the lib call the page makes on the still image) and comes back with its frame rate drawn on it.
The settings of every rerun reach the running stream (`LiveProcessor.update`, called with
`ctx.video_processor`). streamlit-webrtc (and aiortc, av) is imported only once the toggle is on.

ICE servers: none by default (host candidates: the browser and the server on one machine or one network).
A department server sets the env var CVLAB_ICE_SERVERS, Community Cloud the secret `ice_servers`: a list of
RTCIceServer entries, e.g. [{"urls": ["turn:turn.example.org:3478"], "username": "u", "credential": "p"}].
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import streamlit as st

from lib.cv.live import FrameRate, label_frame

ICE_ENV = "CVLAB_ICE_SERVERS"  # JSON list of RTCIceServer dicts (department server, tests)
ICE_SECRET = "ice_servers"  # the same list in .streamlit/secrets.toml (Community Cloud)
WIDTH, HEIGHT = 640, 480  # asked of the camera: the frame size the page processes
CONNECT_TIMEOUT_S = 20.0  # signalling this long without a connection: say it could not connect
GAVE_UP_AFTER_S = 5.0  # an attempt that ended unconnected after this long: the browser gave up (ICE failed)
NO_CONNECTION = (
    "Live video could not connect: the browser and the server found no network path. On Streamlit "
    'Community Cloud (or behind a firewall) it needs a TURN server, see README, "Live camera".'
)
NO_FRAMES = "Live video connected but no camera frame has arrived yet: is the camera in use elsewhere?"

FrameFunction = Callable[..., np.ndarray]


class LiveProcessor:
    """Runs `function(frame_rgb, **settings)` on every frame streamlit-webrtc hands to `recv`.

    `update` swaps function and settings while the stream runs (the page calls it on every rerun); a lock
    keeps a frame from seeing half an update. The frame rate is measured with `clock` (injectable) over
    the last frames and drawn top left. A ValueError of the function (a bad setting) shows the frame as it
    came with the message, instead of stopping the stream.
    """

    def __init__(
        self,
        function: FrameFunction,
        settings: Mapping[str, Any],
        *,
        clock: Callable[[], float] = time.monotonic,
        window: int = 30,
    ) -> None:
        self._lock = threading.Lock()
        self._function = function
        self._settings = dict(settings)
        self._clock = clock
        self._rate = FrameRate(window=window)
        self.frames = 0
        self.error: str | None = None

    def update(self, function: FrameFunction, settings: Mapping[str, Any]) -> None:
        with self._lock:
            self._function, self._settings = function, dict(settings)

    @property
    def settings(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._settings)

    @property
    def fps(self) -> float:
        return self._rate.fps

    def process(self, frame_rgb: np.ndarray) -> np.ndarray:
        """One RGB frame -> the labelled RGB frame to send back."""
        with self._lock:
            function, settings = self._function, self._settings
        try:
            shown, self.error = function(frame_rgb, **settings), None
        except ValueError as error:
            shown, self.error = frame_rgb, str(error)
        fps = self._rate.tick(self._clock())
        self.frames += 1
        return label_frame(shown, f"{fps:.1f} fps" if fps > 0 else "... fps")

    def recv(self, frame):  # av.VideoFrame -> av.VideoFrame (av arrives with the frame: no import here)
        out = type(frame).from_ndarray(self.process(frame.to_ndarray(format="rgb24")), format="rgb24")
        out.pts = frame.pts
        if frame.time_base is not None:
            out.time_base = frame.time_base
        return out


def ice_servers(
    environ: Mapping[str, str] | None = None, secrets: Any = None
) -> tuple[list[dict], str | None]:
    """(the ICE servers to use, a message when the configured ones could not be read).

    CVLAB_ICE_SERVERS (JSON) wins over the secret `ice_servers`; neither: [] (no STUN: offline works).
    """
    environ = os.environ if environ is None else environ
    if environ.get(ICE_ENV, "").strip():
        try:
            return _checked_servers(json.loads(environ[ICE_ENV])), None
        except (ValueError, TypeError) as error:
            return [], f"{ICE_ENV} is not a JSON list of ICE servers ({error}); using none."
    try:
        configured = (st.secrets if secrets is None else secrets).get(ICE_SECRET)
    except Exception:  # no secrets.toml at all: Streamlit raises its own not-found error
        configured = None
    if configured is None:
        return [], None
    try:
        return _checked_servers(configured), None
    except (ValueError, TypeError) as error:
        return [], f"The secret {ICE_SECRET!r} is not a list of ICE servers ({error}); using none."


def _checked_servers(value: Any) -> list[dict]:
    if not isinstance(value, list | tuple):
        raise TypeError("expected a list")
    servers = []
    for entry in value:
        entry = dict(entry)
        urls = entry.get("urls")
        urls = [urls] if isinstance(urls, str) else list(urls or [])
        if not urls or not all(
            isinstance(u, str) and u.split(":")[0] in ("stun", "turn", "turns") for u in urls
        ):
            raise ValueError("every entry needs urls starting stun:, turn: or turns:")
        server = {"urls": urls}
        for field in ("username", "credential"):
            if field in entry:
                server[field] = str(entry[field])
        servers.append(server)
    return servers


def connection_note(
    *, playing: bool, signalling: bool, frames: int, waited_s: float, gave_up: bool
) -> str | None:
    """What to say about the connection, or None: the browser gave up, it is taking too long, no frames."""
    if gave_up:
        return NO_CONNECTION
    if signalling and not playing and waited_s > CONNECT_TIMEOUT_S:
        return NO_CONNECTION
    if playing and frames == 0 and waited_s > CONNECT_TIMEOUT_S:
        return NO_FRAMES
    return None


def live_camera(key: str, function: FrameFunction, settings: Mapping[str, Any], *, what: str) -> None:
    """The "Live camera" toggle and, when on, the streamer running `function(frame, **settings)`.

    key: unique per page (and tab); what: one line saying what the live picture shows.
    """
    if not st.toggle(
        "Live camera",
        False,
        key=f"{key}_on",
        help="Stream your webcam through this page's settings (the sidebar's snapshot stays the still image).",
    ):
        _forget_attempt(key)
        return
    from streamlit_webrtc import WebRtcMode, webrtc_streamer  # lazy: aiortc and av load only now

    servers, problem = ice_servers()
    if problem:
        st.warning(problem, icon=":material/warning:")
    st.caption(f"Live: {what} Press START; the frame rate is drawn on the picture.")
    ctx = webrtc_streamer(
        key=key,
        mode=WebRtcMode.SENDRECV,
        rtc_configuration={"iceServers": servers},
        media_stream_constraints={"video": {"width": WIDTH, "height": HEIGHT}, "audio": False},
        video_processor_factory=lambda: LiveProcessor(function, settings),
        async_processing=True,
        video_html_attrs={
            "autoPlay": True,
            "controls": False,
            "muted": True,
            "style": {"width": "100%", "maxWidth": f"{WIDTH}px"},
        },
    )
    processor = ctx.video_processor
    if processor is not None:
        processor.update(function, settings)
    active = ctx.state.playing or ctx.state.signalling
    st.fragment(_status, run_every=1.0 if active else None)(key, ctx)


_ATTEMPT = "{}_attempt"  # session key: {"started": monotonic s, "connected": bool, "over": bool, "lasted": s}


def _forget_attempt(key: str) -> None:
    st.session_state.pop(_ATTEMPT.format(key), None)


def _status(key: str, ctx) -> None:
    """Frame rate while streaming; one line when the connection cannot be made (reruns every second)."""
    state, processor = ctx.state, ctx.video_processor
    attempt = st.session_state.get(_ATTEMPT.format(key))
    if state.playing or state.signalling:
        if attempt is None or attempt["over"]:
            attempt = {"started": time.monotonic(), "connected": False, "over": False}
        attempt["connected"] = attempt["connected"] or state.playing
    elif attempt is not None and not attempt["over"]:
        attempt["over"], attempt["lasted"] = True, time.monotonic() - attempt["started"]
    if attempt is not None:
        st.session_state[_ATTEMPT.format(key)] = attempt
    frames = processor.frames if processor is not None else 0
    note = connection_note(
        playing=state.playing,
        signalling=state.signalling,
        frames=frames,
        waited_s=time.monotonic() - attempt["started"] if attempt else 0.0,
        # the browser stopped an attempt that never connected (a STOP pressed at once is not giving up)
        gave_up=bool(
            attempt and attempt["over"] and not attempt["connected"] and attempt["lasted"] > GAVE_UP_AFTER_S
        ),
    )
    if note:
        st.warning(note, icon=":material/videocam_off:")
    elif processor is not None and state.playing:
        fps = processor.fps
        st.caption(
            f"Live: **{fps:.1f}** frames per second ({frames} frames processed)"
            if fps > 0
            else "Live: waiting for frames"
        )
        if processor.error:
            st.warning(processor.error, icon=":material/warning:")
