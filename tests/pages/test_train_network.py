from lib.nn import data, insurance, loops, training
from tests.pages.harness import assert_clean, run_page

PAGE = "app_pages/train_network.py"


def metrics(app) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


class TestTrainNetworkPage:
    def test_defaults_show_both_ways(self):
        app = run_page(PAGE)
        codes = [code.value for code in app.get("code")]
        assert any("self.fc1 = nn.Linear" in code for code in codes)
        assert any("nn.Sequential(" in code for code in codes)
        assert any("differ by at most **0**" in markdown.value for markdown in app.markdown)
        assert any("**67** parameters" in markdown.value for markdown in app.markdown)
        app.number_input(key="tn_hidden").set_value(16).run()
        assert_clean(app)
        assert any("**131** parameters" in markdown.value for markdown in app.markdown)

    def test_iris_trains_live_and_predicts_setosa(self):
        app = run_page(PAGE, session_state={"tn_part": "Iris classification", "tn_iris_epochs": 120})
        assert any("Press **Train**" in info.value for info in app.info)
        app.button(key="tn_iris_train").click().run()
        assert_clean(app)
        values = metrics(app)
        assert values["Epochs"] == "120"
        assert float(values["Test accuracy"].rstrip("%")) >= 90.0
        assert values["Predicted species"] == "setosa"  # the course's flower 5.1, 3.5, 1.4, 0.2
        assert app.get("plotly_chart")  # curves, confusion matrix, decision boundary
        # Another flower: long, wide petals are virginica.
        app.slider(key="tn_flower_2").set_value(6.0).run()
        app.slider(key="tn_flower_3").set_value(2.3).run()
        assert metrics(app)["Predicted species"] == "virginica"

    def test_stop_keeps_the_epochs_done(self):
        app = run_page(PAGE, session_state={"tn_part": "Iris classification", "tn_iris_epochs": 30})
        app.button(key="tn_iris_train").click().run()
        assert metrics(app)["Epochs"] == "30"
        run = app.session_state["tn_iris_run"]
        run["target"] = 500  # as if training were still going when Stop is pressed
        app.button(key="tn_iris_stop").click().run()
        assert_clean(app)
        assert metrics(app)["Epochs"] == "30" and app.session_state["tn_iris_run"]["stopped"]

    def test_regression_on_diabetes(self):
        app = run_page(
            PAGE,
            session_state={
                "tn_part": "Regression",
                "tn_source": "Diabetes (scikit-learn)",
                "tn_reg_epochs": 20,
                "tn_reg_lr": 0.001,
            },
        )
        app.button(key="tn_reg_train").click().run()
        assert_clean(app)
        values = metrics(app)
        assert {"RMSE (test)", "MAE (test)", "R² (test)", "Predicted progression"} <= set(values)
        assert float(values["R² (test)"]) > 0.2
        assert any("load_diabetes" in code.value for code in app.get("code"))

    def test_correction_names_what_the_regression_tab_trains(self):
        app = run_page(PAGE, session_state={"tn_part": "Regression"})
        (fix,) = [info.value for info in app.info if "insurance.csv" in info.value]
        assert "synthetic" in fix and "diabetes" in fix
        hidden = " → ".join(str(n) for n in training.COURSE_REGRESSION_HIDDEN)
        assert f"same {hidden} network" in fix  # the network the tab trains by default
        rows = len(insurance.insurance_frame())
        assert any(f"{rows:,} people" in c.value and "Synthetic" in c.value for c in app.caption)
        app = run_page(PAGE, session_state={"tn_part": "Regression", "tn_source": "Diabetes (scikit-learn)"})
        assert any("442 patients" in caption.value for caption in app.caption)  # the second example

    def test_insurance_recipe_shows_the_notes_numbers(self):
        app = run_page(PAGE, session_state={"tn_part": "Regression"})
        assert_clean(app)
        values = metrics(app)
        frame = insurance.insurance_frame()
        n_train, n_test = data.split_sizes(len(frame))
        assert values["Train / test rows"] == f"{n_train} / {n_test}" == "1070 / 268"
        batches = data.loader_facts(n_train, batch_size=32).batches_per_epoch
        assert values["Batches per epoch"] == str(batches) == "34"
        expected = insurance.run_recipe(frame, epochs=insurance.COURSE_INSURANCE_EPOCHS)
        label = "predict_charges(19, 'female', 27.9, 0, 'yes', 'southwest')"
        assert values[label] == f"{expected['predicted_charge']:,.2f}"
        assert any("insurance_recipe(df" in code.value for code in app.get("code"))

    def test_insurance_trains_live_and_predicts_the_notes_person(self):
        app = run_page(PAGE, session_state={"tn_part": "Regression", "tn_reg_epochs": 40})
        app.button(key="tn_reg_train").click().run()
        assert_clean(app)
        values = metrics(app)
        assert float(values["R² (test)"]) > 0.5
        form = {
            box.label: box.value for box in app.selectbox if box.key and box.key.startswith("tn_reg_form")
        }
        assert form == {"sex": "female", "smoker": "yes", "region": "southwest"}  # the course's person
        numbers = {n.label: n.value for n in app.number_input if n.key and n.key.startswith("tn_reg_form")}
        assert numbers == {"age": 19, "bmi": 27.9, "children": 0}
        assert "Predicted charges" in values

    def test_dummy_run_is_the_notes_loop(self):
        app = run_page(PAGE)
        losses = loops.dummy_training_run(epochs=loops.COURSE_DUMMY_EPOCHS)
        assert any(f"{losses[0]:.4f}" in c.value and f"{losses[-1]:.4f}" in c.value for c in app.caption)
        assert any("def dummy_training_run" in code.value for code in app.get("code"))

    def test_settings_change_after_training_is_flagged(self):
        app = run_page(PAGE, session_state={"tn_part": "Iris classification", "tn_iris_epochs": 10})
        app.button(key="tn_iris_train").click().run()
        app.number_input(key="tn_iris_h1").set_value(8).run()
        assert_clean(app)
        assert any("settings changed" in info.value for info in app.info)
