from tests.pages.harness import ROOT, image_captions, image_urls, run_page
from ui.course_map import SECTIONS, all_pages


class TestHome:
    def test_entry_runs_and_shows_course_map(self):
        app = run_page("Home.py")
        assert app.title[0].value == "CV Skills Lab"
        # one card (caption) per built page
        captions = " ".join(caption.value for caption in app.caption)
        for page in all_pages():
            assert page.teaches in captions

    def test_sidebar_sample_choice_changes_current_image(self):
        # AppTest drops the entry script's sidebar on reruns under st.navigation, so each choice is a
        # fresh run with the choice preset; the browser test covers moving the widget itself.
        default = run_page("Home.py")
        coins = run_page("Home.py", session_state={"sample": "coins"})
        assert any("Dahlia" in caption for caption in image_captions(default.sidebar))
        assert any(
            "Greek coins" in caption and "384×303" in caption for caption in image_captions(coins.sidebar)
        )
        assert image_urls(coins.sidebar) != image_urls(default.sidebar)

    def test_working_size_scales_the_image(self):
        small = run_page("Home.py", session_state={"sample": "group", "working_side": 512})
        assert any("512×182" in caption for caption in image_captions(small.sidebar))

    def test_course_map_files_are_unique_and_in_pages(self):
        files = [page.file for pages in SECTIONS.values() for page in pages]
        assert len(files) == len(set(files))
        assert all(file.startswith("app_pages/") for file in files)
        assert all((ROOT / page.file).is_file() for page in all_pages())
