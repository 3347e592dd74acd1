"""The notes' tensor examples (II.C, G, H, J), loops (II.K, II.O) and insurance regression (II.L, II.N),
each checked against torch / sklearn / NumPy computed another way, never against typed results alone."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import minmax_scale
from torch.utils.data import DataLoader, TensorDataset

from lib.nn import data, insurance, loops, tensors
from lib.nn.training import SimpleFunctional

GRID = np.array(tensors.COURSE_GRID)
MATRIX = np.array(tensors.COURSE_MATRIX, dtype=np.float32)


class TestTensorExamples:
    def test_assignment_matches_numpy(self):
        one, column = tensors.assign_through_an_index().values()
        expected = GRID.copy()
        expected[0, 1] = 25
        np.testing.assert_array_equal(one.numpy(), expected)
        expected[:, 0] = [100, 200, 300]
        np.testing.assert_array_equal(column.numpy(), expected)

    def test_index_select_and_flip_match_numpy(self):
        rows, columns, stepped, flipped_rows, flipped_columns = tensors.select_and_flip().values()
        np.testing.assert_array_equal(rows.numpy(), GRID[[0, 2]])
        np.testing.assert_array_equal(columns.numpy(), GRID[:, [0, 2]])
        np.testing.assert_array_equal(stepped.numpy(), GRID[:, ::2])
        np.testing.assert_array_equal(flipped_rows.numpy(), GRID[::-1])
        np.testing.assert_array_equal(flipped_columns.numpy(), GRID[:, ::-1])

    def test_masked_sum_is_the_notes_30_and_nonzero_counts(self):
        masked, count, where, n_nonzero, n_after = tensors.masked_sums_and_nonzero().values()
        assert masked.item() == MATRIX[MATRIX > 5].sum() == 30  # the notes' number
        assert count.item() == np.count_nonzero(MATRIX > 8) == 1
        np.testing.assert_array_equal(where.numpy(), np.argwhere(MATRIX))
        assert n_nonzero.item() == np.count_nonzero(MATRIX) == 9
        assert n_after.item() == np.count_nonzero(MATRIX * (1 - np.eye(3))) == 6

    def test_min_max_matches_sklearn(self):
        (normalised,) = tensors.min_max_normalise().values()
        expected = minmax_scale(MATRIX.reshape(-1)).reshape(3, 3)
        np.testing.assert_allclose(normalised.numpy(), expected, rtol=1e-6)
        assert normalised[0, 0] == 0 and normalised[2, 2] == 1 and normalised[1, 1] == 0.5

    def test_stacking_vectors_matches_numpy(self):
        two_rows, pairs, three_rows, three_columns, joined = tensors.stack_vectors().values()
        a, b, c = np.array([1, 2, 3]), np.array([4, 5, 6]), np.array([7, 8, 9])
        np.testing.assert_array_equal(two_rows.numpy(), np.stack([a, b], axis=0))
        np.testing.assert_array_equal(pairs.numpy(), np.stack([a, b], axis=1))
        np.testing.assert_array_equal(three_rows.numpy(), np.stack([a, b, c], axis=0))
        np.testing.assert_array_equal(three_columns.numpy(), np.stack([a, b, c], axis=1))
        np.testing.assert_array_equal(joined.numpy(), np.concatenate([a, b]))
        assert pairs.shape == (3, 2) and joined.ndim == 1

    def test_clone_and_detach(self):
        facts = tensors.clone_and_detach()
        probe = torch.ones(2, requires_grad=True)
        assert facts["cloned.requires_grad"] is probe.clone().requires_grad is True
        assert facts["detached.requires_grad"] is probe.detach().requires_grad is False
        assert facts["detached shares memory"] and not facts["cloned shares memory"]
        assert facts["detached[0, 0] after tensor[0, 0] = 5"] == 5.0  # shared storage sees the write
        assert facts["cloned[0, 0] after tensor[0, 0] = 5"] == 1.0  # the copy does not
        assert facts["tensor.grad after cloned.sum().backward()"] == torch.ones(3, 3).tolist()

    def test_every_example_is_registered(self):
        assert len(tensors.COURSE_EXAMPLES) == 6
        for function in tensors.COURSE_EXAMPLES.values():
            assert function()  # runs and gives something to show


class TestDummyTrainingRun:
    def test_first_loss_is_cross_entropy_by_hand(self):
        losses = loops.dummy_training_run(epochs=1, seed=3)
        torch.manual_seed(3)
        model = SimpleFunctional(4, 8, 3)
        x = torch.rand(10, 4)
        y = torch.randint(0, 3, (10,))
        assert x.shape == (10, 4) and set(y.tolist()) <= {0, 1, 2}
        with torch.no_grad():
            logits = model(x)
        by_hand = -(logits - logits.exp().sum(dim=1, keepdim=True).log())[torch.arange(10), y].mean()
        assert math.isclose(losses[0], float(by_hand), rel_tol=1e-5)
        assert math.isclose(losses[0], float(F.cross_entropy(logits, y)), rel_tol=1e-5)

    def test_the_loss_falls_with_adam(self):
        losses = loops.dummy_training_run(epochs=120)
        assert len(losses) == 120
        assert losses[-1] < losses[49] < losses[0]  # the notes: it keeps falling with more epochs


class TestImageDataset:
    def test_the_bundled_folders_load_as_the_notes_say(self):
        dataset = loops.ImageDataset(str(loops.CLASS_FOLDERS))
        assert dataset.class_name == {0: "circle", 1: "square", 2: "triangle"}
        assert len(dataset) == 12
        image, label = dataset[0]
        assert image.mode == "RGB" and dataset.class_name[label] == "circle"
        assert {dataset[i][0].size for i in range(len(dataset))} == {(48, 48), (80, 80)}

    def test_first_batch_matches_torchvision(self):
        from torchvision import transforms

        facts = loops.first_image_batch(str(loops.CLASS_FOLDERS), batch_size=32, seed=0)
        assert facts["images_shape"] == [12, 3, 128, 128] and facts["labels_shape"] == [12]
        assert facts["pixel_range"][0] >= 0 and facts["pixel_range"][1] <= 1
        dataset = loops.ImageDataset(
            str(loops.CLASS_FOLDERS),
            transform=transforms.Compose([transforms.Resize((128, 128)), transforms.ToTensor()]),
        )
        loader = DataLoader(dataset, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))
        _, labels = next(iter(loader))
        assert facts["labels"] == labels.tolist()


@pytest.fixture(scope="module")
def frame():
    return insurance.insurance_frame()


class TestInsurance:
    def test_the_course_columns_and_rows(self, frame):
        assert tuple(frame.columns) == insurance.INSURANCE_COLUMNS and len(frame) == 1338
        assert frame.equals(insurance.insurance_frame())  # seeded: the same table every time
        assert set(frame["region"]) == set(insurance.REGIONS) and set(frame["smoker"]) == {"no", "yes"}
        assert frame["age"].between(18, 64).all() and frame["bmi"].between(16, 53).all()

    def test_charges_follow_the_documented_formula(self, frame):
        expected = np.array([insurance.expected_charges(*row[:6]) for row in frame.itertuples(index=False)])
        log_ratio = np.log(frame["charges"].to_numpy() / expected)
        assert abs(log_ratio.mean()) < 0.02 and abs(log_ratio.std() - insurance.NOISE_SIGMA) < 0.02

    def test_split_and_batches_are_the_notes(self, frame):
        X_train, X_test, y_train, y_test, encoders, _ = insurance.prepare_insurance(frame)
        reference_train, reference_test = train_test_split(frame, test_size=0.2, random_state=42)
        assert (len(X_train), len(X_test)) == (len(reference_train), len(reference_test)) == (1070, 268)
        assert (len(X_train), len(X_test)) == data.split_sizes(len(frame))
        np.testing.assert_array_equal(y_test, reference_test["charges"].to_numpy())
        assert list(encoders["region"].classes_) == sorted(insurance.REGIONS)
        loader = DataLoader(TensorDataset(torch.from_numpy(X_train)), batch_size=32)
        assert len(loader) == data.loader_facts(len(X_train), batch_size=32).batches_per_epoch == 34

    def test_recipe_predicts_the_notes_person(self, frame):
        result = insurance.run_recipe(frame, epochs=5)
        assert (result["train_rows"], result["test_rows"], result["batches_per_epoch"]) == (1070, 268, 34)
        assert result["r2"] > 0.7
        formula = insurance.expected_charges(**insurance.COURSE_PERSON)
        assert abs(result["predicted_charge"] - formula) < 0.35 * formula
        assert result == insurance.run_recipe(frame, epochs=5)  # seeded

    def test_predict_charges_is_the_model_on_the_encoded_scaled_row(self, frame):
        X_train, _, y_train, _, encoders, scaler = insurance.prepare_insurance(frame)
        model, y_mean, y_std, _, _ = insurance.train_in_batches(X_train, y_train, epochs=1)
        charge = insurance.predict_charges(
            19, "female", 27.9, 0, "yes", "southwest",
            model=model, encoders=encoders, scaler=scaler, y_mean=y_mean, y_std=y_std,
        )  # fmt: skip
        codes = [19, 0, 27.9, 0, 1, 3]  # female < male, no < yes, southwest is the 4th region sorted
        scaled = (np.array(codes) - scaler.mean_) / scaler.scale_
        with torch.no_grad():
            by_hand = model(torch.tensor(scaled[None], dtype=torch.float32)).item() * y_std + y_mean
        assert math.isclose(charge, by_hand, rel_tol=1e-6)

    def test_smoking_raises_the_prediction(self, frame):
        X_train, _, y_train, _, encoders, scaler = insurance.prepare_insurance(frame)
        model, y_mean, y_std, _, _ = insurance.train_in_batches(X_train, y_train, epochs=5)
        fitted = dict(model=model, encoders=encoders, scaler=scaler, y_mean=y_mean, y_std=y_std)
        smoker = insurance.predict_charges(19, "female", 27.9, 0, "yes", "southwest", **fitted)
        non_smoker = insurance.predict_charges(19, "female", 27.9, 0, "no", "southwest", **fitted)
        assert smoker - non_smoker > 0.5 * insurance.SMOKER_EXTRA

    def test_bad_person_is_refused(self):
        with pytest.raises(ValueError, match="smoker"):
            insurance.expected_charges(19, "female", 27.9, 0, "sometimes", "southwest")
