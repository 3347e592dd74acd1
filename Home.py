"""CV Skills Lab: the entry point. Page config, navigation by course section, the sidebar on every page."""

import streamlit as st

from ui.course_map import SECTIONS
from ui.image_source import render_sidebar
from ui.layout import APP_CSS
from ui.memory import freeze_new_imports
from ui.url_state import guard_url_values, link_notice

freeze_new_imports()  # what earlier runs imported leaves the GC's walk after every run (ui/memory.py)
guard_url_values()  # a shared link's values are checked against their widgets (ui/url_state.py)
st.set_page_config(page_title="CV Skills Lab", page_icon=":material/visibility:", layout="wide")

course_map = st.Page("app_pages/home.py", title="Course map", icon=":material/map:", default=True)
navigation = st.navigation(
    {"Start": [course_map]}
    | {
        section: [
            st.Page(page.file, title=page.title, icon=page.icon, url_path=page.url_path) for page in pages
        ]
        for section, pages in SECTIONS.items()
    },
    expanded=True,
)
st.html(APP_CSS)
# First in the sidebar, and drawn at its top by APP_CSS: findable without scrolling past the page list.
st.sidebar.container(key="presentation_switch").toggle(
    "Presentation mode",
    key="presentation",
    bind="query-params",
    help="Larger type for projecting; explanations start collapsed.",
)
render_sidebar()
link_notice_slot = st.empty()  # one quiet line above the page when the link had bad values
with link_notice(link_notice_slot):
    navigation.run()
