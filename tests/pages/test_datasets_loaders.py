from tests.pages.harness import assert_clean, image_urls, metrics, run_page

PAGE = "app_pages/datasets_loaders.py"


class TestDatasetsLoadersPage:
    def test_defaults_are_the_course_numbers(self):
        app = run_page(PAGE)
        values = metrics(app)
        # 1338 rows -> 1070 train / 268 test; batch 32 -> 34 batches, the last of 14; 100 epochs -> 3400 steps.
        assert values["Training rows"] == "1,070" and values["Test rows"] == "268"
        assert values["Batches per epoch"] == "34" and values["Last batch"] == "14 rows"
        assert values["Iterations in 100 epochs"] == "3,400"
        assert len(app.get("image")) == 32  # a batch of 16, before and after the transforms
        assert any("(16, 3, 128, 128)" in markdown.value for markdown in app.markdown)

    def test_drop_last_and_batch_size(self):
        app = run_page(PAGE)
        app.toggle(key="dl_drop").set_value(True).run()
        assert_clean(app)
        assert metrics(app)["Batches per epoch"] == "33" and metrics(app)["Rows dropped"] == "14"
        app.number_input(key="dl_batch").set_value(1000).run()
        assert metrics(app)["Last batch"] == "1,000 rows"

    def test_transforms_change_the_preview(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.select_slider(key="dl_resize").set_value(64).run()
        app.slider(key="dl_rotation").set_value(30).run()
        assert_clean(app)
        assert any("(16, 3, 64, 64)" in markdown.value for markdown in app.markdown)
        assert image_urls(app)[16:] != before[16:]
        assert any("RandomRotation(degrees=30.0)" in code.value for code in app.get("code"))

    def test_crop_larger_than_resize_is_impossible_and_zip_waits(self):
        app = run_page(PAGE)
        app.selectbox(key="dl_crop").set_value("center").run()
        assert_clean(app)
        assert any("CenterCrop(112)" in code.value for code in app.get("code"))
        app.segmented_control(key="dl_images").set_value("Your zip").run()
        assert_clean(app)
        assert any("Upload a zip" in info.value for info in app.info)


class TestImageDatasetClass:
    def test_the_notes_class_runs_on_the_bundled_folders(self):
        from lib.nn import loops

        app = run_page(PAGE)
        assert_clean(app)
        values = metrics(app)
        dataset = loops.ImageDataset(str(loops.CLASS_FOLDERS))
        assert values["images.shape"] == str((len(dataset), 3, 128, 128))  # 12 images < batch 32
        assert values["labels.shape"] == str((len(dataset),))
        app.select_slider(key="dl_folder_batch").set_value(8).run()
        assert metrics(app)["images.shape"] == "(8, 3, 128, 128)"
        assert any("def __getitem__(self, idx)" in code.value for code in app.get("code"))
