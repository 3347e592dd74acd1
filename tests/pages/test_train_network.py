import inspect

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lib.nn import data, insurance, loops, training
from tests.pages.harness import (
    ROOT,
    assert_clean,
    cells_to_open,
    metrics,
    open_confusion_cell,
    pictures,
    run_page,
)
from ui.confusion import cell_state
from ui.layout import CODE_PANELS

PAGE = "app_pages/train_network.py"


class TestTrainNetworkPage:
    def test_defaults_show_both_ways(self):
        app = run_page(PAGE)
        codes = [code.value for code in app.get("code")]
        for shown in (training.SimpleFunctional, training.SimpleSequential):  # the classes the page runs
            assert inspect.getsource(shown).strip() in [code.strip() for code in codes]
        assert any("self.fc1 = nn.Linear" in code for code in codes)
        assert any("nn.Sequential(" in code for code in codes)
        assert any("differ by at most **0**" in markdown.value for markdown in app.markdown)
        assert any("**67** parameters" in markdown.value for markdown in app.markdown)
        app.number_input(key="tn_hidden").set_value(16).run()
        assert_clean(app)
        assert any("**131** parameters" in markdown.value for markdown in app.markdown)

    @pytest.mark.slow
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

    @pytest.mark.slow
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

    @pytest.mark.slow
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

    @pytest.mark.slow
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


def boundary_z(app) -> list:
    """The decision boundary's heat map (the first chart of the Playground tab)."""
    import json

    return json.loads(app.get("plotly_chart")[0].proto.spec)["data"][0]["z"]


class TestPlaygroundTab:
    STATE = {"tn_part": "Playground"}

    def test_steps_train_and_the_boundary_changes(self):
        app = run_page(PAGE, session_state=self.STATE)
        assert metrics(app)["Epoch"] == "0"
        before = boundary_z(app)
        for _ in range(3):
            app.button(key="pg_step").click().run()
        assert_clean(app)
        values = metrics(app)
        assert values["Epoch"] == "3"
        assert boundary_z(app) != before
        history = app.session_state["pg_run"]["trainer"].history
        assert float(values["Test loss"]) == pytest.approx(history[-1].test_loss, abs=5e-4)
        assert history[-1].train_loss < history[0].train_loss
        # default 4 -> 2 network: one small map per hidden neuron
        assert len(pictures(app)) == 6
        assert any("playground.py" in name for name in app.session_state[CODE_PANELS])

    def test_train_runs_in_bounded_reruns_and_stop_keeps_the_epochs(self):
        app = run_page(PAGE, session_state=self.STATE | {"pg_max": 400})
        app.button(key="pg_train").click().run()
        assert_clean(app)
        run = app.session_state["pg_run"]
        assert run["running"]
        done = run["trainer"].epoch
        assert 1 <= done < 400  # one rerun trains a bounded number of epochs, not all of them
        app.run()  # the fragment's timer would rerun it: more epochs
        assert app.session_state["pg_run"]["trainer"].epoch > done
        app.button(key="pg_stop").click().run()
        assert_clean(app)
        stopped = app.session_state["pg_run"]["trainer"].epoch
        assert not app.session_state["pg_run"]["running"] and metrics(app)["Epoch"] == str(stopped)
        app.run()
        assert app.session_state["pg_run"]["trainer"].epoch == stopped

    def test_training_stops_at_the_epoch_limit(self):
        app = run_page(PAGE, session_state=self.STATE | {"pg_max": 2})
        app.button(key="pg_train").click().run()
        # each rerun trains the epochs that fit in its CPU budget (at least one): two reruns at the most
        if app.session_state["pg_run"]["running"]:
            app.run()
        assert_clean(app)
        assert metrics(app)["Epoch"] == "2" and not app.session_state["pg_run"]["running"]
        app.run()  # the timer's next rerun trains nothing more
        assert metrics(app)["Epoch"] == "2"

    def test_a_new_setting_starts_a_new_network(self):
        app = run_page(PAGE, session_state=self.STATE)
        app.button(key="pg_step").click().run()
        assert metrics(app)["Epoch"] == "1"
        app.number_input(key="pg_layers").set_value(0).run()
        assert_clean(app)
        assert metrics(app)["Epoch"] == "0" and not pictures(app)
        assert app.session_state["pg_run"]["trainer"].settings.hidden_sizes == ()

    def test_no_input_is_a_message_not_a_traceback(self):
        app = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
        for key, value in (self.STATE | {"pg_x1": False, "pg_x2": False}).items():
            app.session_state[key] = value
        app.run()
        assert not app.exception
        assert any("at least one input" in error.value for error in app.error)


class TestIrisConfusionCells:
    """Issue 14 part 4: a chosen cell of the iris confusion matrix lists exactly its test flowers (AppTest
    cannot click plotly: the test writes what the click writes, ui.confusion.cell_state)."""

    def test_a_cell_lists_its_flowers_with_their_probabilities(self):
        app = run_page(PAGE, session_state={"tn_part": "Iris classification", "tn_iris_epochs": 10})
        app.button(key="tn_iris_train").click().run()
        assert_clean(app)
        trainer = app.session_state["tn_iris_run"]["trainer"]
        split = trainer.split
        probabilities = trainer.predict_raw(split.raw_test)  # the network on the raw measurements
        true, predicted = split.y_test, probabilities.argmax(1)
        matrix, mistake, right = cells_to_open(true, predicted, 3)
        wrong = np.flatnonzero(true != predicted)
        assert len(wrong) and app.dataframe[0].value.shape[0] == len(wrong)  # no cell: the mistakes
        names = split.class_names
        for row, column in (mistake, right):
            heading = f"**true {names[row]} → predicted {names[column]}: {int(matrix[row, column])} flowers**"
            open_confusion_cell(app, "tn_confusion_cell", trainer, (row, column), heading)
            table = app.dataframe[0].value
            rows = np.flatnonzero((true == row) & (predicted == column))
            assert sorted(table.index) == rows.tolist()
            np.testing.assert_allclose(
                table[list(split.feature_names)].to_numpy(), split.raw_test[table.index]
            )
            assert (table["true"] == names[row]).all() and (table["predicted"] == names[column]).all()
            np.testing.assert_allclose(table["P(predicted)"], probabilities[table.index, column], rtol=1e-6)
            np.testing.assert_allclose(table["P(true)"], probabilities[table.index, row], rtol=1e-6)
            assert list(table["P(predicted)"]) == sorted(table["P(predicted)"], reverse=True)

    def test_an_empty_cell_says_so(self):
        app = run_page(PAGE, session_state={"tn_part": "Iris classification", "tn_iris_epochs": 10})
        app.button(key="tn_iris_train").click().run()
        trainer = app.session_state["tn_iris_run"]["trainer"]
        matrix = trainer.confusion()
        row, column = (int(v) for v in np.argwhere(matrix == 0)[0])
        app.session_state["tn_confusion_cell"] = cell_state(trainer, (row, column))
        app.run()
        assert_clean(app)
        assert not app.dataframe
        assert any(caption.value.startswith("None: no test flower is a true") for caption in app.caption)
