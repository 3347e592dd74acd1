"""Colour thresholding: an HSV range, its mask, the masked image, and the selected pixels recoloured."""

import streamlit as st

from lib.cv.colour import (
    DAHLIA_LOWER,
    DAHLIA_UPPER,
    GIRAFFE_LOWER,
    GIRAFFE_UPPER,
    colour_threshold_snippet,
    parse_hex_colour,
)
from lib.cv.programs import image_program
from ui.image_source import current_image
from ui.layout import code_panel, page_header, show_error, show_row
from ui.live_camera import live_camera
from ui.sections.colour_thresholding import (
    live_threshold,
    main_colour_range,
    pick_a_colour,
    threshold_colour,
)

page_header(
    "Colour thresholding",
    f"""
To select "everything of one colour", convert to **HSV** and keep the pixels inside a box of
hue, saturation and value: `mask = cv2.inRange(image_hsv, lower, upper)` is 255 where
`lower ≤ pixel ≤ upper` in all three channels, 0 elsewhere. Hue says *which* colour, so the box stays
simple when the light gets brighter or dimmer (a shadow scales R, G and B together and keeps the hue) — in RGB
the same colour is a slanted region, hard to cut with a box. Hue is not invariant to the light's *colour*:
under a warm lamp every hue shifts, and the box must move too.
The page opens on the default sample's obvious colour, the dahlia's orange: hue
**{DAHLIA_LOWER[0]}–{DAHLIA_UPPER[0]}** ({2 * DAHLIA_LOWER[0]}–{2 * DAHLIA_UPPER[0]}°), S ≥ {DAHLIA_LOWER[1]},
V ≥ {DAHLIA_LOWER[2]}, found as the peak of the hue histogram of its colourful pixels ("Main colour of this image" does
the same for any image). The course selects the giraffe's pale patches with lower **(0, 0, 190)** and upper **(30, 80, 255)**:
bright (V ≥ 190), not very saturated (S ≤ 80), brownish-orange hues (0–30, i.e. 0–60°), and paints them
black — HSV (120, 255, 0) is black because V = 0, whatever the hue.
**Red wraps round**: it sits at both ends of the hue circle (0 and 179). Set low hue above high hue
(e.g. 170 → 10) and the mask is the union of two ranges, [170, 179] and [0, 10].
""",
    notes_fix="OpenCV hue spans 0–179 (degrees / 2): a hue slider that goes to 255 selects nothing above 179.",
)

SLIDERS = {"h": ("Hue", 179), "s": ("Saturation", 255), "v": ("Value", 255)}


def set_range(lower: tuple[int, int, int], upper: tuple[int, int, int]) -> None:
    for index, channel in enumerate(SLIDERS):
        st.session_state[f"ct_{channel}_low"] = int(lower[index])
        st.session_state[f"ct_{channel}_high"] = int(upper[index])


def keep_ordered(channel: str, moved: str) -> None:
    """Saturation and value: keep low <= high by moving the other slider (hue may wrap instead)."""
    low, high = st.session_state[f"ct_{channel}_low"], st.session_state[f"ct_{channel}_high"]
    if low > high:
        other = "high" if moved == "low" else "low"
        st.session_state[f"ct_{channel}_{other}"] = low if moved == "low" else high


def use_main_colour() -> None:
    set_range(*main_colour_range(current_image()))


# One fragment: a slider, a preset or a click on the picture reruns this section alone (they all set the
# same six sliders), not the sidebar and the lesson; a new image in the sidebar reruns the whole page.
@st.fragment
def thresholding() -> None:
    image = current_image()
    presets = st.columns(4)
    presets[0].button(
        "Course: giraffe patches", on_click=set_range, args=(GIRAFFE_LOWER, GIRAFFE_UPPER), key="ct_giraffe"
    )
    presets[1].button(
        "Reds (hue wraps 170 → 10)", on_click=set_range, args=((170, 80, 60), (10, 255, 255)), key="ct_reds"
    )
    presets[2].button("Everything", on_click=set_range, args=((0, 0, 0), (179, 255, 255)), key="ct_all")
    presets[3].button(
        "Main colour of this image",
        on_click=use_main_colour,
        key="ct_main",
        help="The peak of the hue histogram of the image's colourful pixels, ± 10.",
    )

    lower, upper = [], []
    for column, (index, (channel, (name, top))) in zip(
        st.columns(3), enumerate(SLIDERS.items()), strict=True
    ):
        for end, bounds, default in (("low", lower, DAHLIA_LOWER), ("high", upper, DAHLIA_UPPER)):
            key = f"ct_{channel}_{end}"
            bounds.append(
                column.slider(
                    f"{name} {end}",
                    0,
                    top,
                    # no default once a button has set the value (Streamlit warns about both)
                    default[index] if key not in st.session_state else None,
                    key=key,
                    bind="query-params",
                    on_change=None if channel == "h" else keep_ordered,
                    args=(channel, end),
                )
            )
    lower, upper = tuple(lower), tuple(upper)
    if lower[0] > upper[0]:
        st.caption(f"Hue wraps around red: selecting {lower[0]}–179 **and** 0–{upper[0]}.")
    paint_hex = st.color_picker(
        "Recolour the selected pixels with", "#000000", key="ct_paint", bind="query-params"
    )

    try:
        paint = parse_hex_colour(paint_hex)
        mask, masked, recoloured = threshold_colour(image, lower, upper, paint)
    except ValueError as error:
        show_error(f"{error} Move the sliders back into range.")
        return
    live_camera(
        "ct_live",
        live_threshold,
        {"lower": lower, "upper": upper, "paint": paint},
        what="each camera frame with the pixels in this HSV range recoloured (the Recoloured picture below).",
    )

    show_row(
        ("Image", image),
        ("Mask (inRange)", mask),
        ("Masked: bitwise_and", masked),
        ("Recoloured", recoloured),
    )
    st.metric("Pixels selected", f"{(mask > 0).mean():.1%}")
    code_panel(
        image_program(
            colour_threshold_snippet(lower=lower, upper=upper, colour=paint),
            image,
            reproduces=f"Colour thresholding: HSV range {lower} to {upper}, selected pixels painted RGB {paint}.",
            name="colour_threshold.py",
            result=recoloured,
        )
    )

    st.subheader("Pick a colour from the image")
    st.caption(
        "Click the picture: the six sliders jump to a range around that pixel's HSV colour. "
        "Or choose a pixel with x / y and press the button."
    )
    pick_a_colour(image, set_range)


thresholding()
