from tests.pages.harness import assert_clean, image_captions, image_urls, run_page

PAGE = "app_pages/geometry.py"


def latex(app) -> list[str]:
    return [element.value for element in app.get("latex")]


class TestGeometryPage:
    def test_defaults_show_matrix_inverse_warp_and_code(self):
        app = run_page(PAGE)
        shown = image_captions(app)
        assert any(caption.startswith("Input ") for caption in shown)
        assert any("(Perspective (4 points))" in caption for caption in shown)
        assert len(latex(app)) == 2 and "M^{-1}" in latex(app)[1]
        assert len(app.get("code")) == 1
        assert "cv2.getPerspectiveTransform" in app.get("code")[0].value

    def test_moving_a_point_changes_matrix_and_output(self):
        app = run_page(PAGE)
        urls, matrices = image_urls(app), latex(app)
        app.number_input(key="geo_per_dst1_x").set_value(150).run()
        assert_clean(app)
        assert latex(app) != matrices
        assert image_urls(app) != urls
        assert "150.0" in app.get("code")[0].value

    def test_collinear_points_give_a_message_not_a_crash(self):
        app = run_page(PAGE, session_state={"geo_mode": "Affine (3 points)"})
        # the course's targets (10, 100) and (200, 50) continue to (390, 0): all three on one line
        app.number_input(key="geo_aff_dst3_x").set_value(390)
        app.number_input(key="geo_aff_dst3_y").set_value(0).run()
        assert not app.exception
        assert any("lie on one straight line" in error.value for error in app.error)
        # and the page recovers when the point moves off the line
        app.number_input(key="geo_aff_dst3_y").set_value(40).run()
        assert_clean(app)

    def test_bow_tie_gives_a_message(self):
        app = run_page(PAGE)
        # corners listed TL, BR, TR, BL: the outline crosses itself
        for index, (x, y) in enumerate([(0, 0), (100, 100), (100, 0), (0, 100)], start=1):
            app.number_input(key=f"geo_per_dst{index}_x").set_value(x)
            app.number_input(key=f"geo_per_dst{index}_y").set_value(y)
        app.run()
        assert not app.exception
        assert app.error and "crosses itself" in app.error[0].value

    def test_presets_run_and_shear_widens_the_canvas(self):
        app = run_page(PAGE, session_state={"geo_mode": "Shear"})
        output = next(caption for caption in image_captions(app) if caption.startswith("Output"))
        source = next(caption for caption in image_captions(app) if caption.startswith("Input"))
        assert int(output.split()[1].split("×")[0]) > int(source.split()[1].split("×")[0])
        app.button_group(key="geo_mode").set_value("Rotation").run()
        assert_clean(app)
        before = image_urls(app)
        app.slider(key="geo_rot_angle").set_value(90).run()
        assert_clean(app)
        assert image_urls(app) != before
        app.button_group(key="geo_mode").set_value("Translation").run()
        assert_clean(app)
        assert "tx, ty = 200.0, 300.0" in app.get("code")[0].value

    def test_document_straightens_the_sample(self):
        app = run_page(PAGE, session_state={"geo_mode": "Straighten a document"})
        assert any("Input 1024×768" in caption for caption in image_captions(app))
        assert "cv2.warpPerspective" in app.get("code")[0].value
        app.toggle(key="geo_doc_sample").set_value(False).run()
        assert_clean(app)
