"""Live camera (ui/live_camera.py): each page's frame function is the still image's call with the page's
settings; the processor runs it on av.VideoFrames, takes new settings while running and measures the frame
rate from its clock; ICE servers come from the env / secrets; streamlit-webrtc loads only in live mode."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from lib.cv.live import label_frame
from tests.pages.harness import ROOT, assert_clean, run_page
from ui import live_camera
from ui.image_source import sample_image
from ui.live_camera import LiveProcessor, connection_note, ice_servers
from ui.sections import colour_thresholding as ct
from ui.sections import face_detection as fd
from ui.sections import kernels_blur_edges as kb


def camera_frame(sample: str = "flower") -> np.ndarray:
    """A sample at the camera's 640 x 480, RGB uint8 (what the processor gets from the fake device)."""
    return cv2.resize(
        sample_image(sample), (live_camera.WIDTH, live_camera.HEIGHT), interpolation=cv2.INTER_AREA
    )


class TestFrameFunctionsAreThePagesCalls:
    def test_colour_threshold_frame_is_the_recoloured_picture(self):
        frame, lower, upper, paint = camera_frame(), (4, 60, 120), (24, 255, 255), (0, 0, 255)
        live = ct.live_threshold(frame, lower=lower, upper=upper, paint=paint)
        np.testing.assert_array_equal(live, ct.threshold_colour(frame, lower, upper, paint)[2])
        # and that is OpenCV's inRange on HSV, painted
        mask = cv2.inRange(cv2.cvtColor(frame, cv2.COLOR_RGB2HSV), np.array(lower), np.array(upper))
        expected = frame.copy()
        expected[mask > 0] = paint
        np.testing.assert_array_equal(live, expected)
        assert 0.02 < (mask > 0).mean() < 0.9  # the range selects something, not everything

    def test_colour_threshold_frame_wraps_red(self):
        frame = camera_frame()
        live = ct.live_threshold(frame, lower=(170, 80, 60), upper=(10, 255, 255), paint=(0, 0, 0))
        np.testing.assert_array_equal(
            live, ct.threshold_colour(frame, (170, 80, 60), (10, 255, 255), (0, 0, 0))[2]
        )

    @pytest.mark.parametrize("with_eyes", [False, True])
    def test_face_frame_is_the_boxed_picture(self, with_eyes):
        frame = camera_frame("group")
        settings = {"scale_factor": 1.1, "min_neighbors": 5, "min_size": (30, 30), "with_eyes": with_eyes}
        faces = fd.detect_faces(frame, 1.1, 5, (30, 30))
        assert len(faces) >= 2, "the group photo at 640 x 480 should still show faces"
        eyes = fd.detect_eyes(frame, faces, fd.EYE_MIN_NEIGHBORS) if with_eyes else None
        live = fd.live_faces(frame, **settings)
        np.testing.assert_array_equal(live, fd.draw_faces(frame, faces, eyes))
        assert not np.array_equal(live, frame)

    def test_kernel_frame_is_the_signed_output(self):
        frame, kernel = camera_frame(), np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], np.float64)
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        live = kb.live_kernel(frame, kernel=kernel)
        np.testing.assert_array_equal(live, kb.filtered_views(gray, kernel)[1])
        # the signed view is of cv2.filter2D's output
        reference = cv2.filter2D(
            gray.astype(np.float32), -1, kernel.astype(np.float32), borderType=cv2.BORDER_REFLECT_101
        )
        np.testing.assert_array_equal(live, kb.signed_view(reference)[0])

    @pytest.mark.parametrize(("method", "gray"), [("Average", True), ("Gaussian", False), ("Median", True)])
    def test_blur_frame_is_the_blurred_picture(self, method, gray):
        frame = camera_frame()
        image = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) if gray else frame
        live = kb.live_blur(frame, method=method, ksize=11, sigma=2.0, gray=gray)
        np.testing.assert_array_equal(
            live, kb.blurred(image, method, 11, 2.0 if method == "Gaussian" else 0.0)
        )
        reference = {
            "Average": lambda: cv2.blur(image, (11, 11)),
            "Gaussian": lambda: cv2.GaussianBlur(image, (11, 11), 2.0),
            "Median": lambda: cv2.medianBlur(image, 11),
        }[method]()
        np.testing.assert_array_equal(live, reference)

    def test_edge_frames_are_the_edge_pictures(self):
        frame = camera_frame()
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        views, _ = kb.edge_views(gray, 3, 5, (100, 200))
        settings = {"sobel_ksize": 3, "laplacian_ksize": 5, "thresholds": (100, 200)}
        np.testing.assert_array_equal(
            kb.live_edges(frame, which="Sobel", **settings), views[kb.SOBEL_MAGNITUDE]
        )
        laplacian = next(view for caption, view in views.items() if caption.startswith("Laplacian raw"))
        np.testing.assert_array_equal(kb.live_edges(frame, which="Laplacian", **settings), laplacian)
        canny = kb.live_edges(frame, which="Canny", **settings)
        np.testing.assert_array_equal(canny, cv2.Canny(gray, 100, 200))


class FakeClock:
    def __init__(self, *times: float):
        self.times = list(times)

    def __call__(self) -> float:
        return self.times.pop(0)


def video_frame(image: np.ndarray, pts: int) -> av.VideoFrame:
    frame = av.VideoFrame.from_ndarray(image, format="rgb24")
    frame.pts, frame.time_base = pts, Fraction(1, 90_000)  # aiortc's video clock
    return frame


class TestLiveProcessor:
    SETTINGS = {"lower": (4, 60, 120), "upper": (24, 255, 255), "paint": (0, 0, 255)}

    def test_recv_runs_the_frame_function_and_labels_the_rate(self):
        image = camera_frame()
        processor = LiveProcessor(
            ct.live_threshold, self.SETTINGS, clock=FakeClock(10.0, 10.05, 10.10, 10.20)
        )
        out = [processor.recv(video_frame(image, pts)).to_ndarray(format="rgb24") for pts in range(4)]
        expected = ct.live_threshold(image, **self.SETTINGS)
        np.testing.assert_array_equal(out[0], label_frame(expected, "... fps"))
        np.testing.assert_array_equal(out[1], label_frame(expected, "20.0 fps"))  # 1 frame in 0.05 s
        np.testing.assert_array_equal(out[3], label_frame(expected, "15.0 fps"))  # 3 frames in 0.20 s
        assert processor.fps == pytest.approx(15.0) and processor.frames == 4 and processor.error is None

    def test_the_output_frame_keeps_the_input_timing(self):
        processor = LiveProcessor(ct.live_threshold, self.SETTINGS, clock=FakeClock(0.0))
        frame = video_frame(camera_frame(), pts=4321)
        out = processor.recv(frame)
        assert (out.pts, out.time_base, out.width, out.height) == (4321, frame.time_base, 640, 480)

    def test_new_settings_reach_the_running_processor(self):
        image = camera_frame()
        processor = LiveProcessor(ct.live_threshold, self.SETTINGS, clock=FakeClock(0.0, 1.0))
        first = processor.recv(video_frame(image, 0)).to_ndarray(format="rgb24")
        everything = {"lower": (0, 0, 0), "upper": (179, 255, 255), "paint": (0, 0, 0)}
        processor.update(ct.live_threshold, everything)
        second = processor.recv(video_frame(image, 1)).to_ndarray(format="rgb24")
        assert processor.settings == everything
        np.testing.assert_array_equal(second, label_frame(np.zeros_like(image), "1.0 fps"))
        assert not np.array_equal(first[100:], second[100:])

    def test_a_bad_setting_passes_the_frame_through_with_the_message(self):
        image = camera_frame()
        bad = {"lower": (4, 200, 120), "upper": (24, 100, 255), "paint": (0, 0, 0)}  # saturation low > high
        processor = LiveProcessor(ct.live_threshold, bad, clock=FakeClock(0.0))
        out = processor.recv(video_frame(image, 0)).to_ndarray(format="rgb24")
        np.testing.assert_array_equal(out, label_frame(image, "... fps"))
        assert "saturation" in processor.error.lower()

    def test_a_gray_result_goes_out_as_rgb(self):
        processor = LiveProcessor(
            kb.live_edges,
            {"which": "Canny", "sobel_ksize": 3, "laplacian_ksize": 3, "thresholds": (100, 200)},
            clock=FakeClock(0.0),
        )
        image = camera_frame()
        out = processor.recv(video_frame(image, 0)).to_ndarray(format="rgb24")
        edges = cv2.Canny(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), 100, 200)
        np.testing.assert_array_equal(out, label_frame(edges, "... fps"))


class TestIceServers:
    def test_none_configured_is_no_servers(self):
        assert ice_servers({}, {}) == ([], None)

    def test_the_env_var_wins_over_the_secret(self):
        env = {
            live_camera.ICE_ENV: json.dumps(
                [{"urls": "turn:a.example:3478", "username": "u", "credential": "p"}]
            )
        }
        secret = {"ice_servers": [{"urls": ["stun:b.example:3478"]}]}
        assert ice_servers(env, secret) == (
            [{"urls": ["turn:a.example:3478"], "username": "u", "credential": "p"}],
            None,
        )
        assert ice_servers({}, secret) == ([{"urls": ["stun:b.example:3478"]}], None)

    @pytest.mark.parametrize(
        "value", ["{not json", '{"urls": "turn:x"}', '[{"urls": "http://x"}]', "[{}]", "[1]"]
    )
    def test_a_bad_env_value_is_said_and_ignored(self, value):
        servers, problem = ice_servers({live_camera.ICE_ENV: value}, {})
        assert servers == [] and live_camera.ICE_ENV in problem

    def test_a_bad_secret_is_said_and_ignored(self):
        servers, problem = ice_servers({}, {"ice_servers": "turn:x"})
        assert servers == [] and "ice_servers" in problem


class TestConnectionNote:
    def test_the_browser_giving_up_says_why(self):
        assert connection_note(playing=False, signalling=False, frames=0, waited_s=3, gave_up=True) == (
            live_camera.NO_CONNECTION
        )

    def test_connecting_is_quiet_until_the_timeout(self):
        quiet = connection_note(playing=False, signalling=True, frames=0, waited_s=5, gave_up=False)
        late = connection_note(playing=False, signalling=True, frames=0, waited_s=25, gave_up=False)
        assert quiet is None and late == live_camera.NO_CONNECTION
        assert "TURN" in late and "README" in late

    def test_playing_without_frames_is_a_camera_problem(self):
        assert connection_note(playing=True, signalling=True, frames=0, waited_s=25, gave_up=False) == (
            live_camera.NO_FRAMES
        )
        assert connection_note(playing=True, signalling=True, frames=9, waited_s=25, gave_up=False) is None


LIVE_PAGES = {
    "app_pages/colour_thresholding.py": "ct_live_on",
    "app_pages/kernels_blur_edges.py": "kb_live_kernel_on",
    "app_pages/face_detection.py": "fd_live_on",
}


@pytest.mark.parametrize(("page", "toggle"), LIVE_PAGES.items())
def test_each_live_page_offers_the_toggle_off(page, toggle):
    app = run_page(page)
    assert app.toggle(key=toggle).label == "Live camera"
    assert app.toggle(key=toggle).value is False
    assert_clean(app)


PROBE = """
import json, sys
from streamlit.testing.v1 import AppTest
loaded = {}
for path in json.loads(sys.argv[1]):
    app = AppTest.from_file(path, default_timeout=120).run()
    assert not app.exception, [e.value for e in app.exception]
    loaded[path] = sorted(m for m in ("streamlit_webrtc", "aiortc", "av") if m in sys.modules)
print(json.dumps(loaded))
"""


@pytest.mark.slow  # a fresh interpreter runs the three live pages: ~6 s on 2 cores
def test_live_pages_do_not_load_webrtc_until_live_mode_is_on():
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(LIVE_PAGES))],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    loaded = json.loads(completed.stdout.strip().splitlines()[-1])
    assert loaded == {page: [] for page in LIVE_PAGES}
