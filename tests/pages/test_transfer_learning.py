import json

import numpy as np

from lib.nn.image_store import ImageStore
from tests.pages.harness import (
    assert_clean,
    cell_examples,
    cells_to_open,
    image_captions,
    open_confusion_cell,
    run_page,
)

PAGE = "app_pages/transfer_learning.py"


def captions(app) -> list[str]:
    return [caption.value for caption in app.caption]


class TestTransferLearningPage:
    def test_defaults_show_the_example_classes_and_wait_for_train(self):
        app = run_page(PAGE)
        assert [c.split(" (")[0] for c in image_captions(app)] == ["cross", "ring", "pentagon"]
        assert any("Press **Train**" in info.value for info in app.info)
        (code,) = [code.value for code in app.code if "HeadTrainer(features" in code.value]
        assert "frozen = backbone(model, cut='last layer')" in code  # what the page trains, not a VGG recipe
        assert 'torch.load("weights/shapes_cnn.pt", weights_only=True' in code

    def test_train_then_more_then_try(self):
        app = run_page(PAGE)
        app.slider(key="tl_epochs").set_value(10).run()
        app.button(key="tl_train").click().run()
        assert_clean(app)
        assert any("Epoch 10: validation accuracy" in text for text in captions(app))
        assert len(app.get("plotly_chart")) == 3  # curves, confusion matrix, the new image's probabilities
        assert len(app.get("download_button")) == 3  # the head, the code, the VGG16 recipe's code
        app.button(key="tl_more").click().run()
        assert_clean(app)
        assert any("Epoch 20: validation accuracy" in text for text in captions(app))

    def test_other_classes_change_the_images(self):
        app = run_page(PAGE)
        app.segmented_control(key="tl_classes").set_value(["star", "arrow"]).run()
        assert_clean(app)
        assert [c.split(" (")[0] for c in image_captions(app)] == ["star", "arrow"]

    def test_one_class_is_not_enough(self):
        app = run_page(PAGE, session_state={"tl_classes": ["ring"]})
        assert any("at least 2 classes" in info.value for info in app.info)

    def test_own_images_train(self):
        rng = np.random.default_rng(0)
        dark = [rng.integers(0, 60, (64, 64, 3), dtype=np.uint8) for _ in range(8)]
        light = [rng.integers(190, 256, (64, 64, 3), dtype=np.uint8) for _ in range(8)]
        store = ImageStore(images={"dark": dark, "light": light})
        app = run_page(
            PAGE, session_state={"tl_source": "My own images", "tl_names": "dark, light", "tl_store": store}
        )
        assert any(markdown.value.startswith("**dark** — 8 images") for markdown in app.markdown)
        app.button(key="tl_train").click().run()
        assert_clean(app)
        assert any("validation accuracy" in text for text in captions(app))

    def test_try_a_drawn_shape(self, monkeypatch):
        import cv2

        from ui import model_input

        rgba = np.zeros((280, 280, 4), np.uint8)
        cv2.circle(rgba, (140, 140), 90, (0, 0, 0, 255), -1, cv2.LINE_AA)  # a ring is a circle with a hole
        cv2.circle(rgba, (140, 140), 45, (0, 0, 0, 0), -1)
        monkeypatch.setattr(model_input, "canvas_drawing", lambda container, key, **_: rgba)
        app = run_page(PAGE, session_state={"tl_epochs": 10})
        app.button(key="tl_train").click().run()
        app.segmented_control(key="tl_input").set_value("Draw").run()
        assert_clean(app)
        assert "your drawing" in image_captions(app)
        assert app.button_group(key="tl_tool").value == "Pen"  # the shape tools are offered here too
        chart = json.loads(app.get("plotly_chart")[-1].proto.spec)
        assert chart["data"][0]["y"][-1] == "ring"  # bars sorted, most likely on top

    def test_one_difference_colour_is_seen_with_colour_statistics(self):
        # Red vs yellow discs at the page's defaults: the colour statistics let the head tell them apart.
        app = run_page(PAGE, session_state={"tl_source": "One difference"})
        assert [c.split(" (")[0] for c in image_captions(app)] == ["red disc", "yellow disc"]
        assert app.segmented_control(key="tl_embedding").value == "shapes CNN + colour"
        assert any("cannot tell a red disc from a yellow one" in md.value for md in app.markdown)
        app.button(key="tl_train").click().run()
        assert_clean(app)
        trainer = app.session_state["tl_run"]["trainer"]
        assert trainer.features.shape[1] == 64 + 33 and trainer.history[-1].val_accuracy >= 0.9
        (code,) = [code.value for code in app.code if "HeadTrainer(features" in code.value]
        assert "embedding='shapes CNN + colour'" in code and "def colour_statistics" in code


class TestConfusionCells:
    """Issue 14 part 4: a chosen confusion-matrix cell shows exactly its validation images (AppTest cannot
    click plotly, so the test writes what the click writes: ui.confusion.cell_state)."""

    def test_a_cell_shows_its_images_and_train_more_clears_it(self):
        app = run_page(PAGE, session_state={"tl_epochs": 1, "tl_lr": 0.1})
        app.button(key="tl_train").click().run()
        assert_clean(app)
        trainer = app.session_state["tl_run"]["trainer"]
        names = list(trainer.class_names)
        true, predicted, probabilities = trainer.validation_predictions()
        matrix, mistake, right = cells_to_open(true, predicted, len(names))
        assert matrix[mistake] > 0 and mistake[0] != mistake[1]  # one epoch at 0.1 leaves mistakes to open
        grids = [caption for caption in image_captions(app) if caption.startswith("Left to right")]
        assert len(grids) == 1  # no cell chosen: every mistake in one grid, as before
        for row, column in (mistake, right):
            count = int(matrix[row, column])
            noun = "image" if count == 1 else "images"
            heading = f"**true {names[row]} → predicted {names[column]}: {count} {noun}**"
            open_confusion_cell(app, "tl_confusion_cell", trainer, (row, column), heading)
            items = cell_examples(true, predicted, probabilities, row, column)
            shown = [c for c in image_captions(app) if c.startswith(f"{names[column]} ") and "%" in c]
            assert len(shown) == min(count, 24)
            for caption, k in zip(shown, items, strict=False):
                assert caption.startswith(f"{names[column]} {probabilities[k, column]:.0%}")
                if row != column:
                    assert caption.endswith(f" · {names[row]} {probabilities[k, row]:.0%}")
            spec = json.loads(
                [c for c in app.get("plotly_chart") if '"hovertext"' in c.proto.spec][0].proto.spec
            )
            (outline,) = spec["layout"]["shapes"]  # the chosen cell is outlined
            assert (outline["x0"], outline["y1"]) == (column - 0.5, row + 0.5)
            assert not any(caption.startswith("Left to right") for caption in image_captions(app))
        app.button(key="tl_more").click().run()  # more epochs: another run, the chosen cell is cleared
        assert_clean(app)
        assert app.session_state["tl_confusion_cell"] is None
        assert not any("→ predicted" in markdown.value for markdown in app.markdown)
