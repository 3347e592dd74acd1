from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest

from lib.cv.faces import (
    FACE_CASCADE,
    detect_eyes_in_faces,
    detect_faces,
    draw_detections,
    eye_band_height,
    faces_snippet,
    load_cascade,
)
from lib.cv.images import ImageError
from samples import SAMPLES, load_sample, sample_path

# Counted by looking at the images: the portrait shows one face; the group is four portraits side by
# side, one face each, in these x ranges (the panels' left and right edges in group.jpg).
PORTRAIT_FACES = 1
GROUP_PANELS = [(20, 320), (332, 632), (644, 904), (916, 1176)]


def sample(key: str) -> np.ndarray:
    if key not in SAMPLES or not sample_path(key).exists():
        pytest.skip(f"samples/{key} is missing")
    return load_sample(key)


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    return sample("portrait")


@pytest.fixture(scope="module")
def group() -> np.ndarray:
    return sample("group")


def direct_opencv(image_rgb, scale_factor, min_neighbors, min_size):
    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + FACE_CASCADE)
    gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
    found = classifier.detectMultiScale(
        gray, scaleFactor=scale_factor, minNeighbors=min_neighbors, minSize=min_size
    )
    return sorted(tuple(int(v) for v in box) for box in found)


class TestDetectFaces:
    @pytest.mark.parametrize(
        ("scale_factor", "min_neighbors", "min_size"),
        [(1.1, 5, (30, 30)), (1.3, 3, (60, 60)), (1.05, 8, (20, 20))],
    )
    def test_equals_direct_cascade_call(self, group, scale_factor, min_neighbors, min_size):
        found = detect_faces(group, scale_factor=scale_factor, min_neighbors=min_neighbors, min_size=min_size)
        assert found == direct_opencv(group, scale_factor, min_neighbors, min_size)

    def test_portrait_has_one_face(self, portrait):
        faces = detect_faces(portrait)
        assert len(faces) == PORTRAIT_FACES
        # The face is in the upper middle of the 512x512 portrait (looked at by hand: about x 180-270, y 70-160).
        x, y, w, h = faces[0]
        assert 150 < x + w / 2 < 300 and 60 < y + h / 2 < 180

    def test_group_has_one_face_per_portrait(self, group):
        faces = detect_faces(group)
        assert len(faces) == len(GROUP_PANELS)
        for (x, _, w, _), (left, right) in zip(faces, GROUP_PANELS, strict=True):
            assert left <= x and x + w <= right

    def test_boxes_are_python_ints_inside_the_image(self, group):
        height, width = group.shape[:2]
        for box in detect_faces(group):
            assert all(type(v) is int for v in box)
            x, y, w, h = box
            assert x >= 0 and y >= 0 and x + w <= width and y + h <= height

    @pytest.mark.parametrize("value", [0, 128, 255])
    def test_blank_image_has_no_faces(self, value):
        assert detect_faces(np.full((240, 320, 3), value, np.uint8)) == []

    def test_min_size_larger_than_the_face_finds_nothing(self, portrait):
        ((_, _, w, h),) = detect_faces(portrait)
        assert detect_faces(portrait, min_size=(w + 40, h + 40)) == []

    def test_gray_input_equals_rgb_input(self, portrait):
        gray = cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY)
        assert detect_faces(gray) == detect_faces(portrait)

    def test_opencv_defaults_are_3_neighbours_and_no_minimum_size(self, group):
        # The face detection page says so: OpenCV's defaults differ from the page's 5 and 30 px.
        classifier = cv2.CascadeClassifier(cv2.data.haarcascades + FACE_CASCADE)
        small = cv2.resize(
            cv2.cvtColor(group, cv2.COLOR_RGB2GRAY), None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA
        )
        found_default = sorted(tuple(int(v) for v in box) for box in classifier.detectMultiScale(small))
        assert found_default == direct_opencv(cv2.cvtColor(small, cv2.COLOR_GRAY2RGB), 1.1, 3, (0, 0))
        assert found_default != direct_opencv(cv2.cvtColor(small, cv2.COLOR_GRAY2RGB), 1.1, 3, (30, 30))
        assert min(w for _, _, w, _ in found_default) < 30  # a face under 30 px, kept by default
        coins = sample("coins")
        gray_coins = cv2.cvtColor(coins, cv2.COLOR_RGB2GRAY)
        found_coins = sorted(tuple(int(v) for v in box) for box in classifier.detectMultiScale(gray_coins))
        assert found_coins == direct_opencv(coins, 1.1, 3, (0, 0))
        assert found_coins != direct_opencv(coins, 1.1, 5, (0, 0))

    def test_bad_min_neighbors_message_names_both_defaults(self, portrait):
        with pytest.raises(ValueError, match="OpenCV's default 3, this page's 5"):
            detect_faces(portrait, min_neighbors=-1)

    def test_cascade_is_loaded_once(self):
        assert load_cascade(FACE_CASCADE) is load_cascade(FACE_CASCADE)

    def test_an_opencv_without_cascades_gets_a_clear_message(self, monkeypatch):
        # OpenCV 5 (seen on the GPU machine) has no CascadeClassifier and an empty cv2.data.haarcascades
        monkeypatch.delattr(cv2, "CascadeClassifier")
        load_cascade.cache_clear()
        try:
            with pytest.raises(ValueError, match="no Haar cascades"):
                load_cascade(FACE_CASCADE)
        finally:
            load_cascade.cache_clear()

    def test_threads_share_the_cascade_safely(self, portrait):
        expected = detect_faces(portrait)
        with ThreadPoolExecutor(max_workers=3) as pool:
            results = list(pool.map(lambda _: detect_faces(portrait), range(3)))
        assert all(result == expected for result in results)


class TestDetectEyes:
    def test_portrait_eyes_lie_in_the_upper_face(self, portrait):
        faces = detect_faces(portrait)
        (eyes,) = detect_eyes_in_faces(portrait, faces)
        assert len(eyes) == 2
        fx, fy, fw, fh = faces[0]
        for x, y, w, h in eyes:
            assert fx <= x and x + w <= fx + fw
            assert fy <= y and y + h <= fy + eye_band_height(fh)

    def test_no_faces_no_eyes(self, portrait):
        assert detect_eyes_in_faces(portrait, []) == []

    def test_eye_band_by_hand(self):
        assert eye_band_height(100) == 60
        assert eye_band_height(1) == 1


class TestDrawDetections:
    def test_draws_on_a_copy(self, portrait):
        faces = detect_faces(portrait)
        original = portrait.copy()
        drawn = draw_detections(portrait, faces, detect_eyes_in_faces(portrait, faces))
        assert np.array_equal(portrait, original)
        assert drawn.shape == portrait.shape and drawn.dtype == np.uint8
        x, y, w, h = faces[0]
        assert tuple(drawn[y + h // 2, x]) == (0, 255, 0)  # the left edge of the face box

    def test_gray_input_gives_rgb(self):
        assert draw_detections(np.zeros((20, 30), np.uint8), []).shape == (20, 30, 3)


class TestSnippet:
    @pytest.mark.parametrize(
        "params",
        [{}, {"scale_factor": 1.3, "min_neighbors": 3, "min_size": (60, 60)}],
        ids=["defaults", "coarse"],
    )
    def test_snippet_reproduces_detect_faces(self, group, params):
        namespace = {"image_rgb": group.copy()}
        exec(faces_snippet(**params), namespace)  # noqa: S102 - our own generated code
        assert namespace["faces"] == detect_faces(group, **params)

    def test_snippet_with_eyes_runs(self, portrait):
        namespace = {"image_rgb": portrait.copy()}
        exec(faces_snippet(with_eyes=True), namespace)  # noqa: S102 - our own generated code
        assert namespace["faces"] == detect_faces(portrait)
        assert namespace["annotated"].shape == portrait.shape

    def test_snippet_starts_from_image_rgb(self):
        # it starts with its imports and uses image_rgb, which lib.cv.programs reads from the page's image
        code = faces_snippet()
        assert code.startswith("import cv2\n") and "image_rgb" in code


class TestErrors:
    @pytest.mark.parametrize(
        "params",
        [
            {"scale_factor": 1.0},
            {"scale_factor": 0.9},
            {"scale_factor": float("nan")},
            {"min_neighbors": -1},
            {"min_neighbors": 2.5},
            {"min_size": (-1, 30)},
            {"min_size": (30,)},
        ],
    )
    def test_bad_parameters(self, params):
        with pytest.raises(ValueError):
            detect_faces(np.zeros((50, 50, 3), np.uint8), **params)

    @pytest.mark.parametrize(
        "image",
        [np.zeros((50, 50, 3), np.float32), np.zeros((50, 50, 4), np.uint8), np.zeros((0, 0, 3), np.uint8)],
        ids=["float", "rgba", "empty"],
    )
    def test_bad_images(self, image):
        with pytest.raises(ImageError):
            detect_faces(image)
