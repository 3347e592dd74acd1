from tests.pages.harness import assert_clean, image_captions, image_urls, run_page

PAGE = "app_pages/segmentation.py"


def cluster_table(app) -> str:
    return next(m.value for m in app.markdown if m.value.startswith("| cluster |"))


class TestSegmentationPage:
    def test_defaults_use_course_values(self):
        app = run_page(PAGE)
        captions = image_captions(app)
        assert "cv2.THRESH_BINARY, threshold 150" in captions
        assert "Adaptive gaussian, block 11, C 9" in captions
        assert "k = 3: every pixel painted with its cluster's centre" in captions
        assert len(cluster_table(app).splitlines()) == 2 + 3  # header, rule, one row per cluster
        codes = [code.value for code in app.get("code")]
        assert len(codes) == 3
        assert "cv2.threshold(gray, 150, 255, cv2.THRESH_BINARY)" in codes[0]
        assert "cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 11, 9.0" in codes[1]

    def test_threshold_slider_changes_output(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.slider(key="seg_threshold").set_value(90).run()
        assert_clean(app)
        assert "cv2.THRESH_BINARY, threshold 90" in image_captions(app)
        assert image_urls(app) != before

    def test_otsu_reports_its_threshold(self):
        app = run_page(PAGE)
        app.selectbox(key="seg_method").set_value("otsu").run()
        assert_clean(app)
        assert any(
            caption.startswith("cv2.THRESH_BINARY + cv2.THRESH_OTSU, Otsu chose")
            for caption in image_captions(app)
        )

    def test_adaptive_block_size_changes_output(self):
        app = run_page(PAGE)
        before = image_urls(app)
        app.slider(key="seg_block").set_value(25).run()
        assert_clean(app)
        assert "Adaptive gaussian, block 25, C 9" in image_captions(app)
        assert image_urls(app) != before

    def test_k_changes_the_clusters(self):
        app = run_page(PAGE)
        app.slider(key="seg_k").set_value(5).run()
        assert_clean(app)
        assert len(cluster_table(app).splitlines()) == 2 + 5
        shares = [
            float(row.rsplit("|", 2)[1].strip().rstrip("%")) for row in cluster_table(app).splitlines()[2:]
        ]
        assert abs(sum(shares) - 100) < 0.5
        assert shares == sorted(shares, reverse=True)
