import inspect

import numpy as np
import pandas as pd
import pytest
import torch

from lib.nn.records import confusion_matrix
from lib.nn.training import (
    COURSE_IRIS_FLOWER,
    SimpleFunctional,
    SimpleSequential,
    TableTrainer,
    build_mlp,
    compare_two_ways,
    decision_boundary,
    diabetes_frame,
    iris_frame,
    iris_snippet,
    prepare_table,
    read_csv_table,
    regression_snippet,
    sequential_from_functional,
    two_ways_snippet,
)
from tests.helpers import run_snippet
from tests.tolerances import LINEAR_FIT_ATOL, PROB_ATOL, STANDARDISED_ATOL, TRAINING_REPRO_RTOL


@pytest.fixture(scope="module")
def iris_split():
    frame, names = iris_frame()
    return prepare_table(frame, target="target", task="classification", class_names=names)


@pytest.fixture(scope="module")
def diabetes_split():
    return prepare_table(diabetes_frame(), target="progression")


class TestTwoWaysToWriteIt:
    def test_same_weights_same_outputs(self):
        torch.manual_seed(0)
        functional = SimpleFunctional(4, 8, 3)
        sequential = sequential_from_functional(functional)
        x = torch.rand(10, 4)
        assert torch.equal(functional(x), sequential(x))
        assert sum(p.numel() for p in functional.parameters()) == 4 * 8 + 8 + 8 * 3 + 3  # 67

    @pytest.mark.parametrize(("input_size", "hidden_size", "output_size"), [(4, 8, 3), (1, 1, 1), (7, 33, 5)])
    def test_both_classes_count_the_same_parameters_and_answer_alike(
        self, input_size, hidden_size, output_size
    ):
        torch.manual_seed(1)
        functional = SimpleFunctional(input_size, hidden_size, output_size)
        sequential = SimpleSequential(input_size, hidden_size, output_size)
        count = (input_size * hidden_size + hidden_size) + (hidden_size * output_size + output_size)
        assert sum(p.numel() for p in functional.parameters()) == count
        assert sum(p.numel() for p in sequential.parameters()) == count
        x = torch.rand(6, input_size)
        assert not torch.equal(functional(x), sequential(x))  # independently initialised: different numbers
        assert torch.equal(functional(x), sequential_from_functional(functional)(x))
        assert isinstance(sequential.network, torch.nn.Sequential)

    def test_two_ways_snippet_runs_the_real_classes(self):
        snippet = two_ways_snippet()
        for item in (SimpleFunctional, SimpleSequential, sequential_from_functional):
            assert inspect.getsource(item) in snippet
        namespace = run_snippet(snippet)
        assert namespace["result"]["parameters"] == 67  # 4*8 + 8 + 8*3 + 3, the course's network
        assert type(namespace["model_seq"]).__name__ == "SimpleSequential"

    def test_build_mlp_layers(self):
        model = build_mlp(6, (64, 128), 1)  # the course's regression network
        linear_shapes = [(m.in_features, m.out_features) for m in model if isinstance(m, torch.nn.Linear)]
        assert linear_shapes == [(6, 64), (64, 128), (128, 1)]
        with pytest.raises(ValueError, match="hidden sizes"):
            build_mlp(4, (), 3)


class TestPrepareTable:
    def test_iris_split_is_stratified_120_30(self, iris_split):
        assert iris_split.x_train.shape == (120, 4) and iris_split.x_test.shape == (30, 4)
        assert np.bincount(iris_split.y_test).tolist() == [10, 10, 10]
        assert iris_split.class_names == ("setosa", "versicolor", "virginica")

    def test_standard_scaling_by_hand(self, iris_split):
        assert np.allclose(iris_split.x_train.mean(axis=0), 0, atol=STANDARDISED_ATOL)
        assert np.allclose(iris_split.x_train.std(axis=0), 1, atol=STANDARDISED_ATOL)

    def test_label_encoding_of_text_columns_like_labelencoder(self):
        frame = pd.DataFrame(
            {
                "age": np.arange(20),
                "smoker": ["yes", "no"] * 10,
                "region": ["south", "north", "east", "west"] * 5,
                "charges": np.arange(20) * 10.0,
            }
        )
        split = prepare_table(frame, target="charges")
        assert split.categories == {"smoker": ("no", "yes"), "region": ("east", "north", "south", "west")}
        assert split.encode_row({"age": 3, "smoker": "yes", "region": "west"}).tolist() == [[3.0, 1.0, 3.0]]
        with pytest.raises(ValueError, match="not a known region"):
            split.encode_row({"age": 3, "smoker": "yes", "region": "mars"})

    @pytest.mark.parametrize(
        ("frame", "kwargs", "message"),
        [
            (pd.DataFrame({"a": [1.0, None] * 10, "y": range(20)}), {"target": "y"}, "empty cells in 'a'"),
            (pd.DataFrame({"a": range(20), "y": ["x", "z"] * 10}), {"target": "y"}, "not numeric"),
            (
                pd.DataFrame({"id": [f"p{i}" for i in range(60)], "y": range(60)}),
                {"target": "y"},
                "looks like an ID",
            ),
            (pd.DataFrame({"a": range(20), "y": range(20)}), {"target": "nope"}, "no column"),
            (pd.DataFrame({"a": range(20), "y": range(20)}), {"target": "y", "features": []}, "at least one"),
            (pd.DataFrame({"a": range(5), "y": range(5)}), {"target": "y"}, "at least 10"),
        ],
    )
    def test_rejects_with_messages(self, frame, kwargs, message):
        with pytest.raises(ValueError, match=message):
            prepare_table(frame, **kwargs)


class TestReadCsv:
    def test_reads_a_small_table(self):
        text = "age,sex,bmi,charges\n" + "\n".join(
            f"{20 + i},{'male' if i % 2 else 'female'},{25 + i / 10},{1000 + i}" for i in range(12)
        )
        frame = read_csv_table(text.encode())
        assert list(frame.columns) == ["age", "sex", "bmi", "charges"] and len(frame) == 12
        split = prepare_table(frame, target="charges")
        assert split.categories == {"sex": ("female", "male")}

    def test_semicolons_are_sniffed(self):
        text = "a;b\n" + "\n".join(f"{i};{i * 2}" for i in range(12))
        assert list(read_csv_table(text.encode()).columns) == ["a", "b"]

    @pytest.mark.parametrize(
        ("data", "kwargs", "message"),
        [
            (b"", {}, "empty"),
            (b"a,b\n" + b"1,2\n" * 20, {"max_bytes": 50}, "MB"),
            (b"a,b\n" + b"1,2\n" * 20, {"max_rows": 10}, "more than 10"),
            (b"a\n" + b"1\n" * 20, {}, "two columns"),
            (b"a,b\n1,2\n", {}, "only 1 rows"),
            (b"\xff\xfe\x00garbage\x00\x01", {}, "could not read|columns|rows"),
        ],
    )
    def test_rejects(self, data, kwargs, message):
        with pytest.raises(ValueError, match=message):
            read_csv_table(data, **kwargs)


class TestIrisTraining:
    def test_reaches_the_course_accuracy_on_a_small_budget(self, iris_split):
        trainer = TableTrainer(iris_split, hidden_sizes=(16, 16), learning_rate=0.01, seed=42)
        trainer.train(150)
        assert trainer.history[-1].train_loss < 0.1
        assert trainer.test_accuracy() >= 0.9  # the course reports ~96 % after 500 epochs

    def test_course_flower_is_setosa(self, iris_split):
        trainer = TableTrainer(iris_split, hidden_sizes=(16, 16), seed=42)
        trainer.train(60)
        species, probabilities = trainer.predict_row(
            dict(zip(iris_split.feature_names, COURSE_IRIS_FLOWER, strict=True))
        )
        assert species == "setosa"
        assert probabilities.sum() == pytest.approx(1.0, abs=PROB_ATOL)

    def test_generator_yields_every_epoch_and_can_stop(self, iris_split):
        trainer = TableTrainer(iris_split, hidden_sizes=(16, 16))
        for metrics in trainer.epochs(100):
            if metrics.epoch == 7:
                break  # the page's stop button
        assert len(trainer.history) == 7
        trainer.train(3)  # and can go on later
        assert [m.epoch for m in trainer.history] == list(range(1, 11))

    def test_fixed_seed_is_reproducible(self, iris_split):
        runs = [
            TableTrainer(iris_split, hidden_sizes=(16, 16), seed=s).train(20)[-1].train_loss
            for s in (1, 1, 2)
        ]
        assert runs[0] == runs[1] and runs[0] != runs[2]

    def test_confusion_matrix_counts_the_test_rows(self, iris_split):
        trainer = TableTrainer(iris_split, hidden_sizes=(16, 16))
        trainer.train(100)
        matrix = trainer.confusion()
        assert matrix.shape == (3, 3) and matrix.sum() == 30
        assert np.trace(matrix) / 30 == pytest.approx(trainer.test_accuracy())

    def test_snippet_reproduces_the_trainer(self, iris_split):
        trainer = TableTrainer(iris_split, hidden_sizes=(16, 16), learning_rate=0.01, seed=42)
        trainer.train(40)
        namespace = run_snippet(iris_snippet(epochs=40))
        assert namespace["result"]["test_accuracy"] == pytest.approx(trainer.test_accuracy())
        assert (namespace["result"]["train_rows"], namespace["result"]["test_rows"]) == (120, 30)
        assert (
            namespace["predicted"]
            == trainer.predict_row(dict(zip(iris_split.feature_names, COURSE_IRIS_FLOWER, strict=True)))[0]
        )


def test_two_ways_snippet_reproduces_the_comparison():
    functional_out, sequential_out, parameters = compare_two_ways(hidden_size=6)
    result = run_snippet(two_ways_snippet(hidden_size=6))["result"]
    assert result["parameters"] == parameters == (4 * 6 + 6) + (6 * 3 + 3)
    assert np.array_equal(np.array(result["outputs"], dtype=np.float32), functional_out)
    assert result["difference"] == float(abs(functional_out - sequential_out).max()) == 0.0


class TestRegressionTraining:
    def test_learns_diabetes_better_than_the_mean(self, diabetes_split):
        trainer = TableTrainer(diabetes_split, hidden_sizes=(64, 128), learning_rate=0.001, seed=42)
        trainer.train(60)
        report = trainer.regression_report()
        assert report["r2"] > 0.3  # predicting the mean scores 0
        assert report["rmse"] >= report["mae"] > 0  # RMSE is never below MAE

    def test_best_epoch_is_tracked(self, diabetes_split):
        trainer = TableTrainer(diabetes_split, learning_rate=0.01, seed=42)
        trainer.train(60)
        best = trainer.history[trainer.best_epoch - 1].val_loss  # the test rows are the held-out part
        assert best == min(m.val_loss for m in trainer.history)
        assert trainer.regression_report(best=True)["r2"] >= trainer.regression_report()["r2"] - 1e-9

    def test_metrics_by_hand_with_a_perfect_linear_target(self):
        x = np.linspace(-1, 1, 60)
        frame = pd.DataFrame({"x": x, "y": 3 * x + 2})
        trainer = TableTrainer(prepare_table(frame, target="y"), hidden_sizes=(16,), learning_rate=0.01)
        trainer.train(300)
        assert trainer.regression_report()["r2"] > 0.99
        assert trainer.predict_row({"x": 0.5}) == pytest.approx(3.5, abs=LINEAR_FIT_ATOL)

    def test_snippet_reproduces_the_metrics(self, diabetes_split):
        trainer = TableTrainer(diabetes_split, hidden_sizes=(64, 128), learning_rate=0.01, seed=42)
        trainer.train(15)
        result = run_snippet(regression_snippet(diabetes_split, epochs=15))["result"]
        rmse, mae, r2 = result["rmse"], result["mae"], result["r2"]
        assert (result["train_rows"], result["test_rows"]) == (
            len(diabetes_split.y_train),
            len(diabetes_split.y_test),
        )
        report = trainer.regression_report()
        assert (rmse, mae, r2) == pytest.approx(
            (report["rmse"], report["mae"], report["r2"]), rel=TRAINING_REPRO_RTOL
        )

    def test_rejects(self, diabetes_split):
        with pytest.raises(ValueError, match="learning rate"):
            TableTrainer(diabetes_split, learning_rate=0)
        with pytest.raises(ValueError, match="classification"):
            TableTrainer(diabetes_split).confusion()


class TestDecisionBoundary:
    def test_petal_features_separate_iris(self):
        frame, names = iris_frame()
        boundary = decision_boundary(
            frame,
            target="target",
            feature_x="petal length (cm)",
            feature_y="petal width (cm)",
            class_names=names,
            epochs=150,
            resolution=40,
        )
        assert boundary.predicted.shape == (40, 40)
        assert boundary.test_accuracy >= 0.9
        assert set(np.unique(boundary.predicted)) == {0, 1, 2}
        # Small petals (bottom-left corner) are setosa; large ones (top-right) virginica.
        assert boundary.predicted[0, 0] == 0 and boundary.predicted[-1, -1] == 2
        assert boundary.points.shape == (150, 2)

    def test_rejects_the_same_feature_twice(self):
        frame, names = iris_frame()
        with pytest.raises(ValueError, match="two different"):
            decision_boundary(
                frame, target="target", feature_x="petal length (cm)", feature_y="petal length (cm)"
            )


class TestConfusionMatrix:
    def test_by_hand(self):
        matrix = confusion_matrix(np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0]), 3)
        assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]

    def test_iris_mistakes_match_the_confusion_matrix(self, iris_split):
        trainer = TableTrainer(iris_split, hidden_sizes=(4,), seed=3)
        trainer.train(15)  # few epochs: some test rows are still wrong
        matrix, wrong = trainer.confusion(), trainer.mistakes()
        assert len(wrong) == matrix.sum() - np.trace(matrix) > 0
        for item in wrong:
            true = iris_split.class_names.index(item.true_class)
            predicted = iris_split.class_names.index(item.predicted_class)
            assert iris_split.y_test[item.index] == true != predicted
            assert matrix[true, predicted] >= 1 and item.confidence == max(item.probabilities)
        confidences = [item.confidence for item in wrong]
        assert confidences == sorted(confidences, reverse=True)


class TestCompareTwoWays:
    def test_equal_outputs_and_course_parameter_count(self):
        functional, sequential, parameters = compare_two_ways(rows=4)
        assert functional.shape == (4, 3) and np.array_equal(functional, sequential)
        assert parameters == (4 * 8 + 8) + (8 * 3 + 3)
        assert compare_two_ways(hidden_size=16)[2] == (4 * 16 + 16) + (16 * 3 + 3)
        with pytest.raises(ValueError, match="sizes"):
            compare_two_ways(hidden_size=0)


class TestThreads:
    def test_training_restores_the_thread_count(self, iris_split):
        before = torch.get_num_threads()
        trainer = TableTrainer(iris_split, hidden_sizes=(16, 16))
        for _ in trainer.epochs(3):
            assert torch.get_num_threads() == before  # only one thread while an epoch runs, not in between
        assert torch.get_num_threads() == before
