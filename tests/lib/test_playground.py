"""lib.nn.playground: TensorFlow Playground's data sets, the inputs, the MLP, its training and its grid maps."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import log_loss
from torch import nn

from lib.cv.display import NEGATIVE, POSITIVE
from lib.nn import playground as pg


def settings(**changes) -> pg.PlaygroundSettings:
    return pg.PlaygroundSettings(**changes)


class TestMakePoints:
    @pytest.mark.parametrize("name", pg.DATASETS)
    def test_shapes_dtypes_and_the_plane(self, name):
        points, labels = pg.make_points(name, noise=0.2, seed=1)
        assert points.shape == (pg.SAMPLES, 2) and labels.shape == (pg.SAMPLES,)
        assert points.dtype == np.float32 and labels.dtype == np.float32
        assert set(np.unique(labels)) <= {0.0, 1.0}
        assert np.abs(points).max() < 12  # about the [-6, 6] plane (Gaussian tails aside)

    @pytest.mark.parametrize("name", pg.DATASETS)
    def test_the_same_seed_gives_the_same_points_and_another_seed_others(self, name):
        first, again, other = (pg.make_points(name, noise=0.3, seed=seed) for seed in (5, 5, 6))
        np.testing.assert_array_equal(first[0], again[0])
        np.testing.assert_array_equal(first[1], again[1])
        assert not np.array_equal(first[0], other[0])

    @pytest.mark.parametrize("name", pg.DATASETS)
    def test_without_noise_the_classes_are_balanced_and_separable_by_their_rule(self, name):
        points, labels = pg.make_points(name, noise=0.0, seed=2)
        x1, x2 = points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)
        if name == "circle":  # inside radius 2.5 vs a ring from 3.5 to 5: exactly half each
            assert labels.mean() == 0.5
            np.testing.assert_array_equal(labels == 1, np.hypot(x1, x2) < 2.5)
            assert np.hypot(x1, x2)[labels == 0].min() >= 3.5 - 1e-5
        elif name == "xor":  # uniform in the square: about half on each side; label = sign of x1 * x2
            assert 0.4 < labels.mean() < 0.6
            np.testing.assert_array_equal(labels == 1, x1 * x2 >= 0)
            assert np.abs(points).min() >= 0.3 - 1e-6  # Playground's padding off the axes
        elif name == "gaussians":  # 250 around (2, 2), 250 around (-2, -2), variance 0.5
            assert labels.mean() == 0.5
            np.testing.assert_allclose(points[labels == 1].mean(axis=0), [2, 2], atol=0.15)
            np.testing.assert_allclose(points[labels == 0].mean(axis=0), [-2, -2], atol=0.15)
            np.testing.assert_allclose(points[labels == 1].std(axis=0), math.sqrt(0.5), rtol=0.15)
        else:  # point i of each arm at radius 5 i / 250, angle 1.75 * 2 pi * i / 250 (+ pi for class 0)
            assert labels.mean() == 0.5
            i = np.arange(250)
            radius, angle = 5 * i / 250, 1.75 * 2 * math.pi * i / 250
            arm = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
            np.testing.assert_allclose(points[:250], arm, atol=1e-5)
            np.testing.assert_allclose(points[250:], -arm, atol=1e-5)  # rotated by pi

    def test_noise_flips_labels_near_the_border_of_circle_and_xor(self):
        for name, rule in (
            ("circle", lambda p: np.hypot(p[:, 0], p[:, 1]) < 2.5),
            ("xor", lambda p: p[:, 0] * p[:, 1] >= 0),
        ):
            flipped = []
            for noise in (0.0, 0.25, 0.5):
                points, labels = pg.make_points(name, noise=noise, seed=0)
                flipped.append(np.mean((labels == 1) != rule(points.astype(np.float64))))
            assert flipped[0] == 0 and 0 < flipped[1] < flipped[2] < 0.5, (name, flipped)

    def test_noise_widens_the_gaussians_as_playground_maps_it(self):
        for noise, variance in ((0.0, 0.5), (0.25, 2.25), (0.5, 4.0)):  # linear from 0.5 to 4
            points, labels = pg.make_points("gaussians", noise=noise, seed=0, samples=4000)
            spread = points[labels == 1] - 2.0
            np.testing.assert_allclose(spread.var(axis=0), variance, rtol=0.1)

    def test_spiral_noise_moves_each_point_by_at_most_the_noise(self):
        clean, _ = pg.make_points("spiral", noise=0.0, seed=0)
        noisy, _ = pg.make_points("spiral", noise=0.4, seed=0)
        shift = np.abs(noisy - clean)
        assert shift.max() <= 0.4 + 1e-5 and shift.mean() > 0.1

    @pytest.mark.parametrize(
        ("name", "noise", "samples"), [("moons", 0.0, 500), ("circle", 0.6, 500), ("xor", 0.0, 7)]
    )
    def test_bad_arguments_are_refused(self, name, noise, samples):
        with pytest.raises(ValueError):
            pg.make_points(name, noise=noise, samples=samples)


class TestMakeDataset:
    @pytest.mark.parametrize("fraction", [0.1, 0.5, 0.7, 0.9])
    def test_the_split_is_a_shuffle_of_all_points(self, fraction):
        train_x, train_y, test_x, test_y = pg.make_dataset(
            "spiral", noise=0.1, train_fraction=fraction, seed=4
        )
        assert len(train_x) == int(pg.SAMPLES * fraction) and len(train_x) + len(test_x) == pg.SAMPLES
        points, labels = pg.make_points("spiral", noise=0.1, seed=4)
        together = np.concatenate([train_x, test_x])
        order = np.lexsort(together.T)
        np.testing.assert_array_equal(together[order], points[np.lexsort(points.T)])
        assert abs(np.concatenate([train_y, test_y]).mean() - labels.mean()) < 1e-9
        assert 0.35 < train_y.mean() < 0.65  # shuffled: both classes in the training part

    def test_a_fraction_outside_playgrounds_range_is_refused(self):
        with pytest.raises(ValueError):
            pg.make_dataset("circle", train_fraction=0.95)


class TestInputFeatures:
    def test_every_feature_by_hand(self):
        points = np.array([[1.0, 2.0], [-0.5, 3.0]], dtype=np.float32)
        x = pg.input_features(points, pg.FEATURES)
        x1, x2 = points[:, 0], points[:, 1]
        expected = np.stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)], axis=1)
        assert x.dtype == torch.float32 and x.shape == (2, 7)
        np.testing.assert_allclose(x.numpy(), expected, rtol=1e-6)

    def test_the_order_is_the_order_asked_for(self):
        points = np.array([[0.5, 2.0]], dtype=np.float32)
        assert pg.input_features(points, ("x2²", "x1")).tolist() == [[4.0, 0.5]]

    @pytest.mark.parametrize("names", [(), ("x3",)])
    def test_no_input_or_an_unknown_one_is_refused(self, names):
        with pytest.raises(ValueError):
            pg.input_features(np.zeros((1, 2), np.float32), names)


class TestNetwork:
    @pytest.mark.parametrize("hidden", [(), (3,), (8, 2), (1, 8, 4), (8, 8, 8, 8)])
    @pytest.mark.parametrize("activation", pg.ACTIVATIONS)
    def test_shapes_and_parameters_for_0_to_4_hidden_layers(self, hidden, activation):
        model = pg.playground_network(3, hidden, activation)
        linears = [m for m in model if isinstance(m, nn.Linear)]
        sizes = [3, *hidden, 1]
        assert [(m.in_features, m.out_features) for m in linears] == list(zip(sizes, sizes[1:], strict=False))
        assert sum(p.numel() for p in model.parameters()) == sum(
            a * b + b for a, b in zip(sizes, sizes[1:], strict=False)
        )
        assert model(torch.zeros(5, 3)).shape == (5, 1)
        kinds = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}
        assert sum(isinstance(m, kinds[activation]) for m in model) == len(hidden)

    @pytest.mark.parametrize(
        ("hidden", "activation"), [((4, 4, 4, 4, 4), "tanh"), ((9,), "tanh"), ((0,), "tanh"), ((4,), "elu")]
    )
    def test_outside_playgrounds_limits_is_refused(self, hidden, activation):
        with pytest.raises(ValueError):
            pg.playground_network(2, hidden, activation)


class TestTraining:
    def test_the_loss_is_scikit_learns_log_loss(self):
        trainer = pg.PlaygroundTrainer(settings(dataset="xor", noise=0.2))
        trainer.step(3)
        with torch.no_grad():
            probability = torch.sigmoid(trainer.model(trainer.x_test)).squeeze(1).double().numpy()
        expected = log_loss(trainer.test_labels, probability, labels=[0, 1])
        assert math.isclose(trainer.history[-1].test_loss, expected, rel_tol=1e-5)

    def test_penalties_by_hand(self):
        model = pg.playground_network(2, (3,), "tanh")
        weights = [model[0].weight, model[2].weight]
        l1 = 0.1 * sum(w.abs().sum() for w in weights)
        l2 = 0.1 * sum((w**2).sum() for w in weights) / 2
        assert torch.isclose(pg.weight_penalty(model, "L1", 0.1), l1)
        assert torch.isclose(pg.weight_penalty(model, "L2", 0.1), l2)
        assert float(pg.weight_penalty(model, "none", 0.1)) == 0.0

    def test_one_full_batch_epoch_is_one_sgd_step_on_the_penalised_loss(self):
        torch.manual_seed(0)
        model = pg.playground_network(2, (3,), "tanh")
        x, y = torch.randn(16, 2), (torch.rand(16) > 0.5).float()
        before = [p.detach().clone() for p in model.parameters()]
        # By hand: loss = mean of -(y log p + (1 - y) log(1 - p)) + 0.05 * sum w² / 2; w <- w - 0.5 * dloss/dw
        p = torch.sigmoid(model(x).squeeze(1))
        loss = -(y * p.log() + (1 - y) * (1 - p).log()).mean()
        loss = loss + 0.05 * (model[0].weight.pow(2).sum() + model[2].weight.pow(2).sum()) / 2
        grads = torch.autograd.grad(loss, list(model.parameters()))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        pg.train_epoch(model, optimizer, x, y, batch_size=16, regularization="L2", rate=0.05)
        for after, old, grad in zip(model.parameters(), before, grads, strict=True):
            torch.testing.assert_close(after.detach(), old - 0.5 * grad, rtol=1e-5, atol=1e-6)

    def test_xor_is_not_linearly_separable_but_one_hidden_layer_of_4_tanh_learns_it(self):
        linear = pg.PlaygroundTrainer(settings(dataset="xor", hidden_sizes=(), activation="linear"))
        hidden = pg.PlaygroundTrainer(settings(dataset="xor", hidden_sizes=(4,), activation="tanh"))
        linear.step(150)
        hidden.step(150)
        # a straight line cannot beat chance by much on XOR: the loss stays near log 2
        assert min(e.test_loss for e in linear.history) > 0.6 > math.log(2) - 0.1
        assert hidden.history[-1].test_loss < 0.2

    def test_the_circle_with_squared_inputs_is_learned_by_a_linear_model(self):
        squared = pg.PlaygroundTrainer(
            settings(features=("x1²", "x2²"), hidden_sizes=(), activation="linear")
        )
        plain = pg.PlaygroundTrainer(settings(features=("x1", "x2"), hidden_sizes=(), activation="linear"))
        squared.step(150)
        plain.step(150)
        assert squared.history[-1].test_loss < 0.1
        assert plain.history[-1].test_loss > 0.6  # x1, x2 alone: a line through a disc

    def test_l2_shrinks_the_weights(self):
        free = pg.PlaygroundTrainer(settings(dataset="xor", hidden_sizes=(4,)))
        penalised = pg.PlaygroundTrainer(
            settings(dataset="xor", hidden_sizes=(4,), regularization="L2", rate=0.03)
        )
        assert free.weight_norm() == penalised.weight_norm()  # the same first weights (same seed)
        free.step(100)
        penalised.step(100)
        assert penalised.weight_norm() < 0.7 * free.weight_norm()

    def test_l1_sets_useless_weights_near_zero(self):
        # x1·x2 alone separates XOR; with L1 the weights on x1 and x2 fall towards 0
        trainer = pg.PlaygroundTrainer(
            settings(
                dataset="xor", features=("x1", "x2", "x1·x2"), hidden_sizes=(), regularization="L1", rate=0.01
            )
        )
        trainer.step(100)
        weights = trainer.model[0].weight.detach().abs().squeeze(0)
        assert weights[2] > 5 * max(weights[0], weights[1])

    def test_the_same_settings_train_the_same_way(self):
        first, second = (
            pg.PlaygroundTrainer(settings(dataset="spiral")),
            pg.PlaygroundTrainer(settings(dataset="spiral")),
        )
        first.step(4)
        second.step(2)
        second.step(2)
        assert first.history == second.history and len(first.history) == 5  # epoch 0, then 4 epochs
        third = pg.PlaygroundTrainer(settings(dataset="spiral", seed=1))
        assert third.history[0] != first.history[0]

    def test_the_script_is_the_code_that_ran(self):
        """playground_script runs (as the Code panel's download does) and prints the trainer's losses."""
        chosen = settings(
            dataset="gaussians", noise=0.3, hidden_sizes=(3, 2), activation="relu", batch_size=7, seed=9
        )
        trainer = pg.PlaygroundTrainer(chosen)
        trainer.step(4)
        namespace: dict = {}
        exec(compile(pg.playground_script(chosen, epochs=4), "playground.py", "exec"), namespace)  # noqa: S102
        result = namespace["result"]
        assert result["epochs"] == 4
        assert math.isclose(result["train_loss"], trainer.history[-1].train_loss, rel_tol=1e-6)
        assert math.isclose(result["test_loss"], trainer.history[-1].test_loss, rel_tol=1e-6)


class TestGrid:
    def test_the_maps_are_the_networks_outputs_at_the_grid_points(self):
        trainer = pg.PlaygroundTrainer(settings(features=("x1", "x2", "x1·x2"), hidden_sizes=(3, 2)))
        trainer.step(2)
        probability, hidden = trainer.grid(resolution=9)
        axis, _ = pg.grid_points(9)
        assert probability.shape == (9, 9) and [h.shape for h in hidden] == [(3, 9, 9), (2, 9, 9)]
        row, column = 2, 7  # row i is x2 = axis[i], column j is x1 = axis[j]
        point = np.array([[axis[column], axis[row]]], dtype=np.float32)
        x = pg.input_features(point, trainer.settings.features)
        with torch.no_grad():
            first = torch.tanh(trainer.model[0](x))
            second = torch.tanh(trainer.model[2](first))
            out = torch.sigmoid(trainer.model[4](second))
        np.testing.assert_allclose(hidden[0][:, row, column], first[0].numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(hidden[1][:, row, column], second[0].numpy(), rtol=1e-5, atol=1e-6)
        assert math.isclose(probability[row, column], float(out), rel_tol=1e-5)

    def test_no_hidden_layer_has_no_neuron_maps(self):
        _, hidden = pg.PlaygroundTrainer(settings(hidden_sizes=())).grid(resolution=5)
        assert hidden == []

    def test_a_neuron_picture_is_signed_and_upright(self):
        values = np.zeros((4, 4))
        values[0, :] = 2.0  # row 0: x2 = -6, the bottom of the plane
        values[3, :] = -1.0
        picture = pg.neuron_picture(values)
        assert picture.shape == (4, 4, 3) and picture.dtype == np.uint8
        assert tuple(picture[3, 0]) == POSITIVE  # the largest value, at the bottom
        assert tuple(picture[1, 0]) == (255, 255, 255)
        assert picture[0, 0, 2] > picture[0, 0, 0]  # -1 / 2: blue-ish, towards NEGATIVE
        assert tuple(pg.neuron_picture(-np.ones((2, 2)))[0, 0]) == NEGATIVE
