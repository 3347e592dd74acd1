"""Images & video: read, convert, brighten and write images; process a clip frame by frame."""

import streamlit as st

from lib.cv.basics import bgr_shown_as_rgb, images_snippet, wrapped_fraction
from lib.cv.programs import image_program
from lib.cv.video import MAX_VIDEO_FRAMES, VideoError, brighten_video, video_snippet
from ui.image_source import current_image
from ui.layout import code_panel, download_button, page_header, show_error, show_row
from ui.sections.images_video import add_brightness, encode_for_download
from ui.video_source import current_clip, video_frame

page_header(
    "Images & video",
    """
`cv2.imread` turns a file into a NumPy array of shape (height, width, 3) — in **BGR** order, not RGB.
Show that array with a library that expects RGB and red and blue swap: the classic blue-faced portrait.

Pixels are `uint8`, 0–255. `image + 30` is NumPy arithmetic **modulo 256**: a pixel at 250 becomes 24,
so bright areas turn dark. `cv2.add` **saturates** instead: 250 + 30 stays at 255. To darken, `image - 30`
wraps the same way (10 − 30 = 236), but NumPy 2 refuses `image + -30` with an `OverflowError` (−30 is no
`uint8`); the dtype-safe way is `cv2.subtract`, or `np.clip(image.astype(np.int16) + amount, 0, 255).astype(np.uint8)`.
A video is just frames: read one, process it, write it, until `read()` returns `ret == False`.
""",
    notes_fix='The notes\' video loop writes `frame + 20` and says "It is not a corrupter image"; in fact every '
    "value above 235 wraps round to a dark one (above 225 for the notes' `image + 30`). Use `cv2.add` to brighten "
    "without wrapping.",
)

image = current_image()
st.subheader("BGR vs RGB")
bgr_as_rgb = bgr_shown_as_rgb(image)
show_row(("RGB — what the camera saw", image), ("BGR shown as RGB — the classic mistake", bgr_as_rgb))

st.subheader("Brightness: wrap-around vs saturation")
amount = st.slider("Add to every pixel", -100, 100, 30, key="io_amount", bind="query-params")
wrapped = add_brightness(image, amount, False)
saturated = add_brightness(image, amount, True)
show_row(
    ("Original", image),
    (f"image + {amount} (uint8 wraps)" if amount >= 0 else f"image - {-amount} (uint8 wraps)", wrapped),
    ("cv2.add (saturates)" if amount >= 0 else "cv2.subtract (saturates)", saturated),
)
st.caption(f"{wrapped_fraction(image, amount):.1%} of the values wrapped around with plain `+`.")

st.subheader("Write and download")
left, right = st.columns(2)
file_format = left.segmented_control(
    "Format", ["PNG", "JPEG"], default="JPEG", required=True, key="io_format", bind="query-params"
)
quality = right.slider(
    "JPEG quality", 1, 100, 95, key="io_quality", bind="query-params", disabled=file_format == "PNG"
)
encoded = encode_for_download(saturated, file_format, quality)
download_button(
    f"Download {file_format} ({len(encoded) / 1024:,.0f} KiB)",
    encoded,
    file_name=f"output.{'png' if file_format == 'PNG' else 'jpg'}",
    mime=f"image/{file_format.lower()}",
)
output_name = f"output.{'png' if file_format == 'PNG' else 'jpg'}"
code_panel(
    image_program(
        images_snippet(amount=amount, saturate=True, file_format=file_format, jpeg_quality=quality),
        image,
        reproduces=f"Images: BGR shown as RGB, {amount:+d} added with wrap-around and with saturation, "
        f"written as {output_name}" + (f" (quality {quality})." if file_format == "JPEG" else "."),
        name="example.py",
        results={"bgr_as_rgb": bgr_as_rgb, "wrapped": wrapped, "result": saturated},
        writes={output_name: encoded},
    )
)

st.subheader("Video, frame by frame")
uploaded_video = st.file_uploader(
    "Upload a short clip (or use the sample)",
    type=["mp4", "avi", "mov", "mkv"],
    help=f"At most {MAX_VIDEO_FRAMES} frames (30 s at 30 fps) of up to 1920×1080. It is checked once: "
    "a file that is not a playable clip leaves the previous one in use.",
)
clip, refused = current_clip(uploaded_video)
if refused:
    show_error(refused)
info = clip.info
st.caption(
    f"{clip.name}: {info.frame_count} frame{'s' if info.frame_count > 1 else ''} · {info.fps:.1f} fps · "
    f"{info.width}×{info.height} · {info.seconds:.1f} s"
)
if info.frame_count > 1:
    if not 0 <= st.session_state.get("io_frame", 0) < info.frame_count:  # a frame of the previous clip
        st.session_state["io_frame"] = 0
    frame_index = st.slider("Frame", 0, info.frame_count - 1, 0, key="io_frame", bind="query-params")
else:
    frame_index = 0
    st.info(
        "This clip has a single frame, so there is no frame to choose: it is shown below, and the processed "
        "clip will be one frame long too. Upload a longer clip to step through frames.",
        icon=":material/info:",
    )
video_amount = st.slider("Add to every frame", -100, 100, 20, key="io_video_amount", bind="query-params")
frame = video_frame(clip.data, frame_index)
processed = add_brightness(frame, video_amount, True)
show_row((f"Frame {frame_index}", frame), (f"Frame {frame_index} + {video_amount}", processed))
if st.button("Write the processed clip (mp4v)", icon=":material/movie:"):
    bar = st.progress(0.0, text="Writing frames…")
    try:
        st.session_state["io_processed_clip"] = brighten_video(
            clip.data,
            amount=video_amount,
            progress=lambda done: bar.progress(done, text=f"Writing frames… {done:.0%}"),
        )
    except VideoError as error:
        show_error(str(error))
if "io_processed_clip" in st.session_state:
    download_button(
        "Download the processed clip",
        st.session_state["io_processed_clip"],
        file_name="output.mp4",
        mime="video/mp4",
    )
code_panel(
    image_program(
        video_snippet(amount=video_amount, saturate=True, frame_index=frame_index),
        None,
        reproduces=f"Video: {video_amount:+d} added to every frame of the clip (saturating), written as "
        f"output.mp4; frame {frame_index} is the one the page shows.",
        name="video.py",
        results={"frames": info.frame_count, "result": processed},
        files={"input.mp4": clip.data},
    )
)
