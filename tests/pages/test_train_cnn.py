import json

import numpy as np
import pytest

from lib.cv.shapes import SHAPE_CLASSES, make_shapes
from lib.nn.cnn_training import COURSE, QUICK, CnnTrainer
from tests.pages.harness import (
    assert_clean,
    cell_examples,
    cells_to_open,
    image_captions,
    metrics,
    open_confusion_cell,
    run_page,
)
from ui.confusion import cell_state

PAGE = "app_pages/train_cnn.py"
SMALL = {"tc_per_class": 8, "tc_epochs": 2, "tc_size": 32}


class TestTrainCnnPage:
    def test_defaults_wait_for_train(self):
        app = run_page(PAGE)
        assert any("Press **Train**" in info.value for info in app.info)
        code = app.get("code")[0].value
        assert "nn.BatchNorm2d(out_channels)" in code and "self.features(dummy).numel()" in code
        assert "class CnnTrainer" in code and 'np.load("training_data.npz")' in code  # defines what it uses

    def test_train_then_more_then_the_session_model(self):
        app = run_page(PAGE, session_state=SMALL)
        app.button(key="tc_train").click().run()
        assert_clean(app)
        values = metrics(app)
        assert values["Epochs trained"] == "2"
        # The last block's filters x 2 x 2 after four 2x2 poolings of 32 px (the default width: QUICK's).
        assert values["Flattened size (dummy input)"] == f"{QUICK.channels[-1] * 2 * 2:,}" == "256"
        models = app.session_state["trained_models"]
        (name,) = models
        entry = models[name]
        assert entry["class_names"] == ["circle", "square", "triangle", "star", "hexagon"]
        assert entry["input_size"] == [3, 32, 32] and "state_dict" in entry
        assert any(
            button.proto.label.startswith("Download your model") for button in app.get("download_button")
        )
        app.button(key="tc_more").click().run()
        assert_clean(app)
        assert metrics(app)["Epochs trained"] == "4"
        assert app.session_state["trained_models"][name]["epochs"] == 4

    def test_fewer_classes_and_a_bad_choice(self):
        app = run_page(PAGE, session_state=SMALL)
        app.multiselect(key="tc_classes").set_value(["circle", "square"]).run()
        assert_clean(app)
        app.button(key="tc_train").click().run()
        assert_clean(app)
        assert app.session_state["tc_run"]["trainer"].class_names == ("circle", "square")
        app.multiselect(key="tc_classes").set_value(["circle"]).run()
        assert not app.exception
        assert any("at least two" in error.value for error in app.error)

    def test_stopped_before_the_first_epoch_says_so(self):
        app = run_page(PAGE, session_state=SMALL)
        images, labels = make_shapes(4, size=32)
        trainer = CnnTrainer(images, labels, SHAPE_CLASSES, channels=(4, 8), hidden=(16,))
        app.session_state["tc_run"] = {"trainer": trainer, "target": 2, "stopped": True, "settings": None}
        app.run()
        assert_clean(app)
        assert any("Stopped before the first epoch" in info.value for info in app.info)
        assert not trainer.history  # a stopped run does not go on by itself

    def test_presets_are_one_click_away(self):
        app = run_page(PAGE)
        assert app.select_slider(key="tc_size").value == QUICK.image_size
        assert (
            app.toggle(key="tc_flips").value is True and app.selectbox(key="tc_schedule").value == "one-cycle"
        )
        app.button(key="tc_course").click().run()
        assert_clean(app)
        assert app.select_slider(key="tc_size").value == COURSE.image_size == 64
        assert app.selectbox(key="tc_width").value.endswith("32-64-128-256")
        assert (
            app.select_slider(key="tc_lr").value == 0.001
            and app.selectbox(key="tc_schedule").value == "constant"
        )
        assert app.toggle(key="tc_flips").value is False
        code = app.get("code")[0].value
        assert "channels=(32, 64, 128, 256)" in code and "schedule='constant'" in code
        app.button(key="tc_quick").click().run()
        assert app.select_slider(key="tc_size").value == QUICK.image_size
        assert any("min on 2 CPU cores" in button.label for button in app.button)

    @pytest.mark.slow
    def test_progress_inside_each_epoch(self, monkeypatch):
        # The bar's text after each batch: epoch, batch k of n and the time left from measured batch times.
        from streamlit.delta_generator import DeltaGenerator

        texts: list[str] = []
        real = DeltaGenerator.progress

        def spy(self, value, text=None):
            if text:
                texts.append(text)
            return real(self, value, text=text)

        monkeypatch.setattr(DeltaGenerator, "progress", spy)
        monkeypatch.setattr("ui.live_training.REDRAW_SECONDS", 0.0)  # show every batch
        app = run_page(PAGE, session_state={**SMALL, "tc_batch": 8})
        app.button(key="tc_train").click().run()
        assert_clean(app)
        batches = app.session_state["tc_run"]["trainer"].batches_per_epoch
        assert batches > 1
        assert any(text.startswith(f"Epoch 1 of 2 · batch 1 of {batches} · about ") for text in texts)
        assert any(f"Epoch 2 of 2 · batch {batches} of {batches} · about 0 s left" in text for text in texts)


class TestClassroomQueue:
    """Issue 15: a training waits in the process's queue, shows its place, and survives leaving the page."""

    def test_waits_in_line_then_trains_while_the_student_is_away(self, monkeypatch):
        from streamlit.delta_generator import DeltaGenerator
        from streamlit.runtime.scriptrunner_utils.exceptions import StopException

        from lib.nn import training_queue

        queue = training_queue.TrainingQueue(1, stale_seconds=60)
        monkeypatch.setitem(training_queue._SHARED, "queue", queue)
        other = queue.join("another student")  # the one slot is taken
        infos: list[str] = []
        real = DeltaGenerator.info

        def spy(self, body, *args, **kwargs):
            infos.append(str(body))
            shown = real(self, body, *args, **kwargs)
            if str(body).startswith("In the queue"):  # the student leaves the page: Streamlit stops the
                raise StopException  # script run at its next element, as a page switch does
            return shown

        monkeypatch.setattr(DeltaGenerator, "info", spy)
        app = run_page(PAGE, session_state=SMALL)
        app.button(key="tc_train").click().run(timeout=120)
        assert infos[-1].startswith("In the queue: 1 training ahead of yours · the wait is estimated once")
        job = app.session_state["tc_run"]["job"]
        assert job.state == "waiting" and queue.ahead(job.ticket) == 1
        queue.release(other)  # the other training ends; nobody watches this page now
        assert job.join(120) and job.state == "done"
        assert len(job.trainer.history) == SMALL["tc_epochs"]
        app.run()  # back on the page: the finished training is there, not lost
        assert_clean(app)
        assert metrics(app)["Epochs trained"] == "2"
        assert queue.running() == 0 and queue.waiting() == 0


def cell_captions(app) -> list[str]:
    """Captions of the pictures a chosen confusion cell shows ('hexagon 81% · star 12%'), in page order."""
    return [caption for caption in image_captions(app) if "%" in caption and "→" not in caption]


def outlined_cells(app) -> list[tuple[float, float]]:
    """The (x0, y0) of every rectangle drawn on the confusion matrix (the chosen cell's outline)."""
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    (matrix,) = [spec for spec in specs if spec["data"][0]["type"] == "heatmap"]
    return [(shape["x0"], shape["y0"]) for shape in matrix["layout"].get("shapes", [])]


class TestConfusionCells:
    """Issue 14 part 4: a clicked confusion-matrix cell shows exactly its validation images. AppTest cannot
    click a plotly chart, so the tests write what the click writes (ui.confusion.cell_state) into the
    session; tests/e2e/test_confusion_cells.py clicks the real chart in Chromium."""

    def test_a_cell_shows_its_images_then_a_new_run_clears_it(self):
        app = run_page(PAGE, session_state=SMALL)
        app.button(key="tc_train").click().run()
        assert_clean(app)
        assert any("Click a cell" in caption.value for caption in app.caption)
        assert any(markdown.value.startswith("**Misclassified**") for markdown in app.markdown)
        trainer = app.session_state["tc_run"]["trainer"]
        true, predicted, probabilities = trainer.validation_predictions()
        matrix, mistake, right = cells_to_open(true, predicted, len(SHAPE_CLASSES))
        empty = [(int(row), int(column)) for row, column in np.argwhere(matrix == 0)]
        for row, column in [mistake, right, *empty[:1]]:
            count = int(matrix[row, column])
            noun = "image" if count == 1 else "images"
            heading = f"**true {SHAPE_CLASSES[row]} → predicted {SHAPE_CLASSES[column]}: {count} {noun}**"
            open_confusion_cell(app, "tc_confusion_cell", trainer, (row, column), heading)
            assert not any(markdown.value.startswith("**Misclassified**") for markdown in app.markdown)
            assert outlined_cells(app) == [(column - 0.5, row - 0.5)]
            # the items of that cell, surest of the predicted class first (worked out here from the trainer)
            items = cell_examples(true, predicted, probabilities, row, column)
            said = [f"{SHAPE_CLASSES[column]} {probabilities[k, column]:.0%}" for k in items]
            if row != column:
                said = [
                    f"{text} · {SHAPE_CLASSES[row]} {probabilities[k, row]:.0%}"
                    for text, k in zip(said, items, strict=True)
                ]
            assert cell_captions(app) == said[:24]
            if count == 0:
                assert any("None: no validation image" in caption.value for caption in app.caption)
        app.button(key="tc_confusion_clear").click().run()  # back to the list of mistakes
        assert any(markdown.value.startswith("**Misclassified**") for markdown in app.markdown)
        assert outlined_cells(app) == []
        app.session_state["tc_confusion_cell"] = cell_state(trainer, mistake)
        app.run()
        assert outlined_cells(app)
        app.button(key="tc_train").click().run()  # a new run: the chosen cell belonged to the old one
        assert_clean(app)
        assert outlined_cells(app) == [] and app.session_state["tc_confusion_cell"] is None
        assert any(markdown.value.startswith("**Misclassified**") for markdown in app.markdown)
