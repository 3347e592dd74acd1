"""Face detection: OpenCV's bundled Haar cascade, its three knobs, faces boxed and counted, eyes optional."""

import streamlit as st

from lib.cv.faces import faces_snippet
from lib.cv.images import ImageError
from lib.cv.programs import image_program
from ui.image_source import page_picture
from ui.layout import code_panel, page_header, show_error, show_image
from ui.live_camera import live_camera
from ui.sections.face_detection import EYE_MIN_NEIGHBORS, detect_eyes, detect_faces, draw_faces, live_faces

page_header(
    "Face detection with Haar cascades",
    """
The Viola–Jones detector (2001) that ships with OpenCV looks at a **24×24 window** and asks thousands of
yes/no questions, each a **Haar-like feature**: the sum of the pixels under white rectangles minus the sum
under black ones (eyes are darker than cheeks; the nose bridge is lighter than the eyes). An *integral
image* makes every rectangle sum four lookups. The questions are arranged in a **cascade** of stages:
most windows fail the first cheap stages and are dropped, so only face-like windows pay for the rest.

`detectMultiScale` slides the window over an image pyramid:
- **scaleFactor** — how much the image shrinks per pyramid level (1.1 = 10 %). Closer to 1 finds more
  sizes but is slower.
- **minNeighbors** — how many overlapping raw hits a face needs. Higher = fewer false faces, more misses.
- **minSize** — the smallest face looked for, in pixels.

OpenCV's own defaults are scaleFactor 1.1, minNeighbors **3** and **no** minSize (the 24×24 window is the
smallest face). This page starts at 1.1, 5 and 30 px, its own choice: fewer false faces in a photo.

Haar cascades want upright, frontal, evenly lit faces; they find "faces" in coins and patterns too —
try the coins sample as the current image.
""",
)

picture = st.segmented_control(
    "Picture",
    ["Group", "Portrait", "Current image"],
    default="Group",
    required=True,
    key="fd_picture",
    bind="query-params",
)
image, label = page_picture(picture, {"Group": "group", "Portrait": "portrait"})

left, middle, right = st.columns(3)
scale_factor = left.slider(
    "scaleFactor (OpenCV default 1.1)", 1.01, 2.0, 1.1, 0.01, key="fd_scale_factor", bind="query-params"
)
min_neighbors = middle.slider(
    "minNeighbors (page starts at 5; OpenCV default 3)", 0, 20, 5, key="fd_min_neighbors", bind="query-params"
)
min_side = right.slider(
    "minSize, px (page starts at 30; OpenCV: none)", 10, 300, 30, 5, key="fd_min_size", bind="query-params"
)
with_eyes = st.toggle("Also look for eyes inside each face", False, key="fd_eyes", bind="query-params")

try:
    faces = detect_faces(image, scale_factor, min_neighbors, (min_side, min_side))
    eyes = detect_eyes(image, faces, EYE_MIN_NEIGHBORS) if with_eyes else None
except (ImageError, ValueError) as error:
    show_error(f"Cannot look for faces in this picture: {error}")
    st.stop()

live_camera(
    "fd_live",
    live_faces,
    {
        "scale_factor": scale_factor,
        "min_neighbors": min_neighbors,
        "min_size": (min_side, min_side),
        "with_eyes": with_eyes,
    },
    what="each camera frame through the same cascade and settings, faces boxed"
    + (" and eyes marked." if with_eyes else "."),
)
st.metric("Faces found", len(faces))
eye_note = f" · {sum(len(found) for found in eyes)} eyes" if eyes is not None else ""
show_image(
    draw_faces(image, faces, eyes),
    caption=f"{len(faces)} face(s){eye_note} · {label} · {image.shape[1]}×{image.shape[0]}",
)
if faces:
    st.dataframe(
        [{"face": n, "x": x, "y": y, "width": w, "height": h} for n, (x, y, w, h) in enumerate(faces, 1)],
        hide_index=True,
    )
code_panel(
    image_program(
        faces_snippet(
            scale_factor=scale_factor,
            min_neighbors=min_neighbors,
            min_size=(min_side, min_side),
            with_eyes=with_eyes,
        ),
        image,
        reproduces=f"Face detection (Haar cascade) on the {label} picture: scaleFactor {scale_factor}, "
        f"minNeighbors {min_neighbors}, minSize {min_side}; prints the face boxes the page lists.",
        name="face_detection.py",
        result=faces,
        result_name="faces",
    )
)
