"""The clip the Images & video page works on: the bundled sample, or the last upload that passed check_video.

An upload is checked once (lib.cv.video.check_video, cached by content). A clip that fails leaves a message
and changes nothing: the page goes on with the previous good upload, or the sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from lib.cv import video
from lib.cv.video import VideoError, VideoInfo
from samples import SAMPLE_VIDEO

_STATE_CLIP = "io_clip"  # (name, bytes) of the last upload that passed the check
_STATE_FILE_ID = "io_clip_file_id"  # the upload last looked at, good or bad
_STATE_ERROR = "io_clip_error"


@dataclass(frozen=True)
class Clip:
    name: str  # what to call it in captions: "the sample clip" or the file's name
    data: bytes
    info: VideoInfo


def current_clip(uploaded) -> tuple[Clip, str | None]:
    """The clip to use, and the message for a refused upload (None when there is nothing to say).

    uploaded: what st.file_uploader returned (None when no file is chosen: back to the sample).
    """
    if uploaded is None:
        st.session_state.pop(_STATE_CLIP, None)
        st.session_state.pop(_STATE_FILE_ID, None)
        st.session_state.pop(_STATE_ERROR, None)
    elif st.session_state.get(_STATE_FILE_ID) != uploaded.file_id:
        st.session_state[_STATE_FILE_ID] = uploaded.file_id
        data = uploaded.getvalue()
        try:
            video_info(data)
        except VideoError as error:
            st.session_state[_STATE_ERROR] = f"{uploaded.name}: {error}"
        else:
            st.session_state[_STATE_CLIP] = (uploaded.name, data)
            st.session_state.pop(_STATE_ERROR, None)
    name, data = st.session_state.get(_STATE_CLIP, ("the sample clip", None))
    if data is None:
        data = SAMPLE_VIDEO.read_bytes()
    message = st.session_state.get(_STATE_ERROR)
    if message:
        message += f" Still showing {name}."
    return Clip(name, data, video_info(data)), message


@st.cache_data(max_entries=8, show_spinner=False)
def video_info(data: bytes) -> video.VideoInfo:
    return video.read_video_info(data)


@st.cache_data(max_entries=64, show_spinner=False)
def video_frame(data: bytes, index: int) -> np.ndarray:
    return video.read_frame(data, index)
