"""lib.nn.ood: how far an input is from a model's training data, and the threshold chosen on held-out data.

The scores are checked against torch and scikit-learn; the recorded thresholds are computed again here from
the data they were chosen on; the samples a classifier must refuse (the dahlia, the cat) are called far by
both our models, through the Classifier page's own preprocessing, and held-out digits and shapes mostly not.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from lib.cv.canvas_input import drawing_image
from lib.cv.images import fit_to_working_size
from lib.nn import ood
from lib.nn.architectures_torch import DigitsLeNet5, ShapesCNN
from lib.nn.digit_reading import digit_image, search_digits
from lib.nn.drawn_digits import drawn_digits
from lib.nn.models import load_model, normalize, preprocess, read_manifest
from tests.tolerances import OOD_THRESHOLD_ATOL, PROB_ATOL

CPU = torch.device("cpu")


class TestScores:
    def test_energy_is_minus_logsumexp(self):
        logits = torch.randn(20, 10, generator=torch.Generator().manual_seed(0)) * 8
        np.testing.assert_allclose(
            ood.energy_score(logits.numpy()), -torch.logsumexp(logits, dim=1), rtol=1e-5
        )

    def test_max_softmax_is_one_minus_the_top_probability(self):
        logits = torch.randn(20, 5, generator=torch.Generator().manual_seed(1)) * 5
        expected = 1 - torch.softmax(logits, dim=1).max(dim=1).values
        np.testing.assert_allclose(ood.max_softmax_score(logits.numpy()), expected, atol=PROB_ATOL)

    def test_auroc_equals_sklearn(self):
        from sklearn.metrics import roc_auc_score

        rng = np.random.default_rng(2)
        inside, outside = rng.normal(0, 1, 300), rng.normal(1, 1, 200)
        inside[:10] = outside[:10] = 0.5  # ties count half in both
        expected = roc_auc_score(np.r_[np.zeros(300), np.ones(200)], np.r_[inside, outside])
        assert ood.auroc(inside, outside) == pytest.approx(expected, abs=1e-12)

    def test_auroc_by_hand(self):
        assert ood.auroc([0, 1], [2, 3]) == 1.0 and ood.auroc([2, 3], [0, 1]) == 0.0
        assert ood.auroc([1], [1]) == 0.5

    def test_threshold_keeps_the_fraction_asked_for(self):
        scores = np.arange(1, 101, dtype=float)  # 1..100: 95 of them are <= 95
        assert ood.threshold_keeping(scores, keep=0.95) == 95
        assert np.mean(scores <= ood.threshold_keeping(scores[::-1], keep=0.95)) >= 0.95
        with pytest.raises(ValueError):
            ood.threshold_keeping(scores, keep=0)

    def test_nearest_distance_by_hand(self):
        reference = np.array([[1.0, 0.0], [0.0, 1.0]])
        features = np.array([[1.0, 0.0], [-1.0, 0.0], [np.sqrt(0.5), np.sqrt(0.5)]])
        np.testing.assert_allclose(
            ood.nearest_distance(features, reference), [0, 1, 1 - np.sqrt(0.5)], atol=1e-6
        )

    def test_features_are_the_first_linear_layers_input(self):
        torch.manual_seed(0)
        model = DigitsLeNet5().eval()
        inputs = torch.randn(3, 1, 32, 32)
        features, logits = ood.features_and_logits(model, inputs)
        with torch.no_grad():
            x = model.pool(model.relu(model.conv1(inputs)))
            flat = torch.flatten(model.pool(model.relu(model.conv2(x))), 1)  # (3, 400)
            np.testing.assert_allclose(logits, model(inputs), atol=1e-5)
        np.testing.assert_allclose(features, torch.nn.functional.normalize(flat, dim=1), atol=1e-5)
        shapes_features, _ = ood.features_and_logits(ShapesCNN().eval(), torch.randn(2, 3, 64, 64))
        assert shapes_features.shape == (2, 64 * 4 * 4)

    def test_an_input_from_the_reference_is_at_distance_zero(self):
        torch.manual_seed(0)
        model = DigitsLeNet5().eval()
        reference = torch.randn(5, 1, 32, 32)
        bank, _ = ood.features_and_logits(model, reference)
        found = ood.distance_from_training(model, reference[2:3], bank, threshold=0.1, knows="digits")
        assert found.score == pytest.approx(0, abs=1e-5) and not found.far


def _photo(key: str) -> np.ndarray:
    from samples import load_sample

    return fit_to_working_size(load_sample(key))


@functools.cache
def _judged(name: str) -> tuple:
    """The manifest entry, the model and its reference features, once per model for the module."""
    entry = read_manifest()[name]
    model = load_model(name, device=CPU)
    return entry, model, ood.reference_features(model, name, entry)


@pytest.mark.needs_weights
@pytest.mark.parametrize("name", ["lenet_digits", "shapes_cnn"])
class TestRecordedThresholds:
    @pytest.fixture
    def judged(self, name):
        return _judged(name)

    def distance(self, judged, name, image):
        entry, model, bank = judged
        inputs = preprocess(name, image).tensor
        return ood.distance_from_training(
            model, inputs, bank, threshold=entry["ood"]["threshold"], knows=ood.KNOWS[name]
        )

    @pytest.mark.slow
    def test_threshold_reproduces_from_the_held_out_data(self, judged, name):
        entry, model, bank = judged
        features, _ = ood.features_and_logits(model, ood.held_out_inputs(name, entry))
        held_out = ood.nearest_distance(features, bank)
        threshold = ood.threshold_keeping(held_out, keep=entry["ood"]["keeps"])
        assert threshold == pytest.approx(entry["ood"]["threshold"], abs=OOD_THRESHOLD_ATOL)
        assert np.mean(held_out <= entry["ood"]["threshold"]) >= 0.95 - 1 / len(held_out)

    def test_it_separates_better_than_the_softmax_scores(self, judged, name):
        area = judged[0]["ood"]["auroc"]
        assert area["nearest"] >= 0.95 and area["nearest"] > max(area["energy"], area["max_softmax"])

    @pytest.mark.parametrize("photo", ["flower", "cat"])
    def test_the_dahlia_and_the_cat_are_far(self, judged, name, photo):
        image = _photo(photo)
        assert self.distance(judged, name, image).far
        if (
            name == "lenet_digits"
        ):  # what the page reads: the first of the marks it offers, or the whole photo
            assert self.distance(judged, name, digit_image(image, search_digits(image), 0)).far

    def test_noise_and_the_other_models_data_are_far(self, judged, name):
        rng = np.random.default_rng(7)
        noise = [
            rng.integers(0, 256, (96, 96), dtype=np.uint8).repeat(3).reshape(96, 96, 3) for _ in range(5)
        ]
        assert all(self.distance(judged, name, image).far for image in noise)
        if name == "shapes_cnn":
            sheet = _photo("digits")
            assert self.distance(judged, name, sheet).far
            assert self.distance(judged, name, np.full((64, 64, 3), 200, np.uint8)).far  # flat
        else:
            from lib.cv.shapes import make_shapes

            shapes, _ = make_shapes(4, size=128, seed=3)
            readable = [
                image for image in shapes if search_digits(image).readable
            ]  # the page refuses the rest
            assert len(readable) >= 10
            assert np.mean([self.distance(judged, name, image).far for image in readable]) >= 0.8

    def test_new_in_distribution_images_are_mostly_near(self, judged, name):
        entry, model, bank = judged
        if name == "lenet_digits":
            sheet = _photo("digits")
            near = [
                not self.distance(judged, name, digit_image(sheet, search_digits(sheet), i)).far
                for i in range(10)
            ]
            assert sum(near) >= 9
            drawn, _, _ = drawn_digits(2, seed=4321)  # another seed than training's and the reference's
            inputs = (torch.from_numpy(drawn).unsqueeze(1) - entry["mean"][0]) / entry["std"][0]
        else:
            from lib.cv.shapes import make_shapes

            images, _ = make_shapes(20, size=64, seed=99)  # a draw neither trained on nor held out
            inputs = torch.cat([normalize(image, entry["mean"], entry["std"]) for image in images])
        features, _ = ood.features_and_logits(model, inputs)
        assert np.mean(ood.nearest_distance(features, bank) <= entry["ood"]["threshold"]) >= 0.85

    def test_a_drawing_on_the_canvas_is_near(self, judged, name):
        import cv2

        rgba = np.zeros((280, 280, 4), np.uint8)
        if name == "lenet_digits":
            cv2.polylines(
                rgba, [np.array([[80, 60], [200, 60], [120, 230]], np.int32)], False, (0, 0, 0, 255), 23
            )
        else:
            cv2.circle(rgba, (140, 140), 90, (0, 0, 0, 255), -1, cv2.LINE_AA)
        assert not self.distance(judged, name, drawing_image(rgba)).far
