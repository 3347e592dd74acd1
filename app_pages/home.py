"""The course map: every page as a card with one line of what it teaches."""

import streamlit as st

from ui.course_map import SECTIONS
from ui.layout import PRESENTATION_CSS, presentation_mode

st.title("CV Skills Lab")
if presentation_mode():  # the course map has no lesson (page_header), but projects like every page
    st.html(PRESENTATION_CSS)
st.markdown(
    "An interactive course in computer vision and convolutional networks. Every page runs the real "
    "operation — OpenCV or PyTorch — on the image chosen in the sidebar, explains it, and shows the "
    "code that reproduces what you see. Pick a sample, upload your own picture or take a snapshot, "
    "then follow the course from top to bottom or jump to any topic."
)
for section, pages in SECTIONS.items():
    st.subheader(section)
    columns = st.columns(3)
    for index, page in enumerate(pages):
        with columns[index % 3], st.container(border=True):
            st.page_link(page.file, label=page.title, icon=page.icon)
            st.caption(f"{page.teaches}  \nCourse notes {page.seed}")
