"""Tiny networks trained on tables (II.K–M): regression and iris classification, epoch by epoch.

Training is a generator: each `next()` runs one full-batch epoch (as the course does) and yields its
metrics, so a page can redraw a chart every epoch and stop whenever the student asks. A fixed seed
gives the same network, the same split and the same numbers every time.
"""

from __future__ import annotations

import inspect
import io
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from lib.nn.programs import sources
from lib.nn.random_state import GLOBAL_RNG_LOCK as _SEED_LOCK
from lib.nn.records import EpochRecord, Mistake, confusion_matrix, find_mistakes
from lib.nn.training_queue import training_elsewhere

COURSE_SEED = 42
COURSE_TEST_SIZE = 0.2
COURSE_REGRESSION_HIDDEN = (64, 128)  # Linear(in, 64) -> ReLU -> Linear(64, 128) -> ReLU -> Linear(128, 1)
COURSE_IRIS_HIDDEN = (16, 16)  # 4 -> 16 -> 16 -> 3
COURSE_LEARNING_RATE = 0.01  # Adam
COURSE_IRIS_EPOCHS = 500
COURSE_IRIS_FLOWER = (5.1, 3.5, 1.4, 0.2)  # -> setosa

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 100_000
MAX_CSV_COLUMNS = 50
MAX_CATEGORIES = 50  # a text column with more distinct values is an ID or free text, not a category

_THREADS_LOCK = threading.Lock()
_threads_state = {"users": 0, "saved": 0}


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run torch on one CPU thread inside the block: for networks this small, threads cost more than they give
    (iris trains about 5x faster). Nested and concurrent blocks share one saved setting, restored by the last.
    While another session's training runs (lib.nn.training_queue.training_elsewhere) the setting is left alone:
    it is process-wide, and changing it mid-training would change that training's result."""
    with _THREADS_LOCK:
        changes = _threads_state["users"] > 0 or not training_elsewhere()
        if changes:
            if _threads_state["users"] == 0:
                _threads_state["saved"] = torch.get_num_threads()
                torch.set_num_threads(1)
            _threads_state["users"] += 1
    try:
        yield
    finally:
        if changes:
            with _THREADS_LOCK:
                _threads_state["users"] -= 1
                if _threads_state["users"] == 0:
                    torch.set_num_threads(_threads_state["saved"])


# ---------------------------------------------------------------------------------------------------------
# The same tiny network, written two ways (II.K).


class SimpleFunctional(nn.Module):
    """The course's network written layer by layer: fc1 -> ReLU -> fc2, with the flow spelled out in forward."""

    def __init__(self, input_size: int = 4, hidden_size: int = 8, output_size: int = 3) -> None:
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc1(x)  # (batch, input_size) -> (batch, hidden_size)
        x = self.relu(x)
        x = self.fc2(x)  # -> (batch, output_size)
        return x  # free to reuse x, add skip connections, branch...


class SimpleSequential(nn.Module):
    """The same network as an nn.Sequential: layers run in the order they are listed."""

    def __init__(self, input_size: int = 4, hidden_size: int = 8, output_size: int = 3) -> None:
        super().__init__()
        self.network = nn.Sequential(
            nn.Linear(input_size, hidden_size),
            nn.ReLU(),
            nn.Linear(hidden_size, output_size),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(x)  # always in the listed order


def sequential_from_functional(functional: SimpleFunctional) -> SimpleSequential:
    """A SimpleSequential with the functional model's weights: same numbers, other way of writing it."""
    sequential = SimpleSequential(
        functional.fc1.in_features, functional.fc1.out_features, functional.fc2.out_features
    )
    sequential.network[0].load_state_dict(functional.fc1.state_dict())
    sequential.network[2].load_state_dict(functional.fc2.state_dict())
    return sequential


def two_ways_snippet(*, hidden_size: int = 8, seed: int = COURSE_SEED, rows: int = 5) -> str:
    """Runnable code for compare_two_ways: both classes and the weight copy as this module defines them, the
    same input; result = the parameter count, the functional model's outputs and how far the Sequential one's
    are from them."""
    return (
        "import torch\nfrom torch import nn\n\n\n"
        + sources(SimpleFunctional, SimpleSequential, sequential_from_functional)
        + f"""

torch.manual_seed({seed})
model_fun = SimpleFunctional(input_size=4, hidden_size={hidden_size}, output_size=3)
x = torch.rand({rows}, 4)  # {rows} rows of 4 features
model_seq = sequential_from_functional(model_fun)  # the same weights, written the other way
with torch.no_grad():
    out_fun, out_seq = model_fun(x), model_seq(x)
parameters = sum(p.numel() for p in model_fun.parameters())
print(parameters, "parameters; largest difference:", float((out_fun - out_seq).abs().max()))
result = {{"parameters": parameters, "outputs": out_fun.tolist(), "difference": float((out_fun - out_seq).abs().max())}}
"""
    )


def compare_two_ways(
    *, input_size: int = 4, hidden_size: int = 8, output_size: int = 3, seed: int = COURSE_SEED, rows: int = 5
) -> tuple[np.ndarray, np.ndarray, int]:
    """The functional and Sequential models with the same weights on the same random input (rows, input_size).

    Returns (functional output, Sequential output, parameter count): the outputs are equal, (rows, output_size)
    float32. Course sizes: 4 -> 8 -> 3.
    """
    if (
        min(input_size, hidden_size, output_size, rows) < 1
        or max(input_size, hidden_size, output_size) > 4096
    ):
        raise ValueError("sizes must be between 1 and 4096")
    with _SEED_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        functional = SimpleFunctional(input_size, hidden_size, output_size)
        x = torch.rand(rows, input_size)
    sequential = sequential_from_functional(functional)
    with torch.no_grad():
        return functional(x).numpy(), sequential(x).numpy(), sum(p.numel() for p in functional.parameters())


def build_mlp(input_dim: int, hidden_sizes: Sequence[int], output_dim: int) -> nn.Sequential:
    """Linear -> ReLU for each hidden size, then a final Linear: the course's regression and iris networks."""
    if input_dim < 1 or output_dim < 1:
        raise ValueError(f"input and output sizes must be positive, got {input_dim} and {output_dim}")
    if not hidden_sizes or any(size < 1 or size > 4096 for size in hidden_sizes):
        raise ValueError(f"hidden sizes must be between 1 and 4096, got {tuple(hidden_sizes)}")
    layers: list[nn.Module] = []
    previous = input_dim
    for size in hidden_sizes:
        layers += [nn.Linear(previous, size), nn.ReLU()]
        previous = size
    layers.append(nn.Linear(previous, output_dim))
    return nn.Sequential(*layers)


def seeded_mlp(input_dim: int, hidden_sizes: Sequence[int], output_dim: int, *, seed: int) -> nn.Sequential:
    """build_mlp after torch.manual_seed(seed), without disturbing the global random state."""
    with _SEED_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build_mlp(input_dim, hidden_sizes, output_dim)


# ---------------------------------------------------------------------------------------------------------
# Tables.


DIABETES_TARGET = "progression"


def diabetes_frame() -> pd.DataFrame:
    """scikit-learn's bundled diabetes table in its original units: 442 patients, 10 measurements (age, sex,
    bmi, bp, s1-s6 blood serum values) and 'progression', a measure of the disease one year later."""
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True, scaled=False).frame.rename(columns={"target": DIABETES_TARGET})


def iris_frame() -> tuple[pd.DataFrame, tuple[str, ...]]:
    """scikit-learn's iris table (150 rows, 4 features in cm, integer 'target') and the species names."""
    from sklearn.datasets import load_iris

    iris = load_iris()
    frame = pd.DataFrame(iris.data, columns=iris.feature_names)
    frame["target"] = iris.target
    return frame, tuple(str(name) for name in iris.target_names)


def read_csv_table(
    data: bytes,
    *,
    max_bytes: int = MAX_CSV_BYTES,
    max_rows: int = MAX_CSV_ROWS,
    max_columns: int = MAX_CSV_COLUMNS,
) -> pd.DataFrame:
    """Read an uploaded CSV with limits: ValueError with a message for empty, huge or unreadable files."""
    if not data:
        raise ValueError("the CSV file is empty")
    if len(data) > max_bytes:
        raise ValueError(f"the CSV is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB")
    try:
        frame = pd.read_csv(io.BytesIO(data), nrows=max_rows + 1, sep=_delimiter(data))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as error:
        reason = str(error).strip() or type(error).__name__
        raise ValueError(f"could not read the CSV ({reason}); save it as comma-separated UTF-8") from None
    if len(frame) > max_rows:
        raise ValueError(f"the CSV has more than {max_rows:,} rows; use a sample of it")
    if frame.shape[1] > max_columns:
        raise ValueError(f"the CSV has {frame.shape[1]} columns; at most {max_columns}")
    if frame.shape[1] < 2:
        raise ValueError("the CSV needs at least two columns: one or more features and a target")
    if len(frame) < 10:
        raise ValueError(f"the CSV has only {len(frame)} rows; at least 10 are needed to train and test")
    frame.columns = [str(column).strip() for column in frame.columns]
    if len(set(frame.columns)) != len(frame.columns):
        raise ValueError("two columns have the same name; rename one of them")
    return frame


def _delimiter(data: bytes) -> str:
    """',' unless the first lines are clearly separated by ';' or tabs (as spreadsheets in some locales save)."""
    import csv

    head = data[:4096].decode("utf-8", errors="replace")
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


@dataclass
class TableSplit:
    """A table ready for a network: encoded, split, scaled as the course does it."""

    task: str  # "regression" or "classification"
    feature_names: tuple[str, ...]
    target_name: str
    x_train: np.ndarray  # (n_train, n_features) float32, standard-scaled with the training rows' statistics
    x_test: np.ndarray
    y_train: np.ndarray  # regression: float32 in the target's units; classification: int64 class indices
    y_test: np.ndarray
    feature_mean: np.ndarray  # StandardScaler statistics (float64), to scale new rows the same way
    feature_scale: np.ndarray
    categories: dict[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # label encoding: text column -> values
    class_names: tuple[str, ...] = ()
    raw_train: np.ndarray | None = None  # encoded but unscaled features (float64), for plots and forms
    raw_test: np.ndarray | None = None

    def scale(self, raw: np.ndarray) -> np.ndarray:
        """Scale encoded feature rows (n, n_features) like the training data; float32."""
        return ((np.asarray(raw, dtype=np.float64) - self.feature_mean) / self.feature_scale).astype(
            np.float32
        )

    def encode_row(self, values: dict[str, float | str]) -> np.ndarray:
        """One raw row (feature -> number or category text) to encoded, unscaled values (1, n_features)."""
        row = []
        for name in self.feature_names:
            if name not in values:
                raise ValueError(f"a value for {name!r} is missing")
            value = values[name]
            if name in self.categories:
                if str(value) not in self.categories[name]:
                    raise ValueError(
                        f"{value!r} is not a known {name}; choose one of {', '.join(self.categories[name])}"
                    )
                row.append(float(self.categories[name].index(str(value))))
            else:
                try:
                    row.append(float(value))
                except (TypeError, ValueError):
                    raise ValueError(f"{name} must be a number, got {value!r}") from None
        return np.asarray([row], dtype=np.float64)


def prepare_table(
    frame: pd.DataFrame,
    *,
    target: str,
    features: Sequence[str] | None = None,
    task: str = "regression",
    test_size: float = COURSE_TEST_SIZE,
    seed: int = COURSE_SEED,
    class_names: Sequence[str] | None = None,
) -> TableSplit:
    """Choose columns, label-encode text columns, split 80/20 (stratified for classification), standard-scale.

    Text feature columns get the codes LabelEncoder gives (sorted values -> 0, 1, 2...). Empty cells, a text
    target for regression, or a column that looks like an ID raise ValueError with what to do.
    """
    from sklearn.model_selection import train_test_split

    if task not in ("regression", "classification"):
        raise ValueError(f"task must be 'regression' or 'classification', got {task!r}")
    if target not in frame.columns:
        raise ValueError(f"there is no column {target!r}; choose one of {', '.join(map(str, frame.columns))}")
    feature_names = [c for c in frame.columns if c != target] if features is None else list(features)
    missing = [name for name in feature_names if name not in frame.columns]
    if missing:
        raise ValueError(f"unknown feature column(s): {', '.join(missing)}")
    if not feature_names:
        raise ValueError("choose at least one feature column")
    if target in feature_names:
        raise ValueError(f"{target!r} is the target; it cannot also be a feature")
    used = frame[[*feature_names, target]]
    empty = used.isna().sum()
    empty = empty[empty > 0]
    if len(empty):
        listed = ", ".join(f"{name!r} ({count})" for name, count in empty.items())
        raise ValueError(f"empty cells in {listed}; fill them or remove those rows, then upload again")
    if len(used) < 10:
        raise ValueError(f"only {len(used)} rows; at least 10 are needed")

    categories: dict[str, tuple[str, ...]] = {}
    encoded = pd.DataFrame(index=used.index)
    for name in feature_names:
        column = used[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            encoded[name] = column.astype(np.float64)
        else:
            values = tuple(sorted(column.astype(str).unique()))
            if len(values) > MAX_CATEGORIES:
                raise ValueError(
                    f"column {name!r} has {len(values)} different text values: it looks like an ID or free text, "
                    "not a category; leave it out"
                )
            categories[name] = values
            encoded[name] = (
                column.astype(str).map({value: code for code, value in enumerate(values)}).astype(np.float64)
            )

    target_column = used[target]
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(target_column) or pd.api.types.is_bool_dtype(target_column):
            raise ValueError(
                f"the target {target!r} is not numeric; regression predicts a number, choose a numeric column"
            )
        y = target_column.to_numpy(dtype=np.float32)
        stratify = None
        names: tuple[str, ...] = ()
    else:
        if class_names is None:
            names = tuple(str(value) for value in sorted(target_column.astype(str).unique()))
            y = (
                target_column.astype(str)
                .map({name: code for code, name in enumerate(names)})
                .to_numpy(dtype=np.int64)
            )
        else:
            names = tuple(class_names)
            y = target_column.to_numpy(dtype=np.int64)
            if y.min() < 0 or y.max() >= len(names):
                raise ValueError(f"target codes must be 0..{len(names) - 1}")
        if len(names) < 2:
            raise ValueError("classification needs at least two classes in the target")
        counts = np.bincount(y, minlength=len(names))
        stratify = y if counts.min() >= 2 else None

    raw = encoded.to_numpy(dtype=np.float64)
    try:
        raw_train, raw_test, y_train, y_test = train_test_split(
            raw, y, test_size=test_size, random_state=seed, stratify=stratify
        )
    except ValueError as error:
        raise ValueError(f"could not split the rows: {error}") from None
    mean = raw_train.mean(axis=0)
    scale = raw_train.std(axis=0)
    scale[scale == 0] = 1.0  # StandardScaler leaves constant columns unscaled
    split = TableSplit(
        task=task,
        feature_names=tuple(feature_names),
        target_name=target,
        x_train=np.empty(0),
        x_test=np.empty(0),
        y_train=y_train,
        y_test=y_test,
        feature_mean=mean,
        feature_scale=scale,
        categories=categories,
        class_names=names,
        raw_train=raw_train,
        raw_test=raw_test,
    )
    split.x_train = split.scale(raw_train)
    split.x_test = split.scale(raw_test)
    return split


# ---------------------------------------------------------------------------------------------------------
# Training, one epoch per next().


def train_step(model, criterion, optimizer, x, y):
    """One step of gradient descent on (x, y): forward, loss, backward, update. Returns the loss."""
    model.train()
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


class TableTrainer:
    """A network, its optimiser and its history; `epochs(n)` trains n more epochs as a generator.

    Each epoch is an EpochRecord whose val_loss / val_accuracy are measured on the table's test rows (the
    held-out part; the page calls it "test", as the course does).

    Regression trains on a standardised target (mean 0, std 1) so a few hundred epochs suffice; every
    metric and prediction is turned back into the target's own units.
    """

    def __init__(
        self,
        split: TableSplit,
        *,
        hidden_sizes: Sequence[int] = COURSE_REGRESSION_HIDDEN,
        learning_rate: float = COURSE_LEARNING_RATE,
        seed: int = COURSE_SEED,
        batch_size: int | None = None,
    ) -> None:
        if not 0 < learning_rate <= 1:
            raise ValueError(f"learning rate must be in (0, 1], got {learning_rate}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.split = split
        self.hidden_sizes = tuple(int(size) for size in hidden_sizes)
        self.learning_rate = learning_rate
        self.seed = seed
        self.batch_size = batch_size
        classification = split.task == "classification"
        output_dim = len(split.class_names) if classification else 1
        self.model = seeded_mlp(len(split.feature_names), self.hidden_sizes, output_dim, seed=seed)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=learning_rate)
        self.criterion: nn.Module = nn.CrossEntropyLoss() if classification else nn.MSELoss()
        self.x_train = torch.from_numpy(split.x_train)
        self.x_test = torch.from_numpy(split.x_test)
        if classification:
            self.target_mean, self.target_std = 0.0, 1.0
            self.y_train = torch.from_numpy(split.y_train.astype(np.int64))
            self.y_test = torch.from_numpy(split.y_test.astype(np.int64))
        else:
            self.target_mean = float(split.y_train.mean())
            self.target_std = float(split.y_train.std()) or 1.0
            self.y_train = torch.from_numpy(
                ((split.y_train - self.target_mean) / self.target_std).astype(np.float32)
            ).view(-1, 1)
            self.y_test = torch.from_numpy(
                ((split.y_test - self.target_mean) / self.target_std).astype(np.float32)
            ).view(-1, 1)
        self.history: list[EpochRecord] = []
        self.best_epoch = 0  # the epoch with the lowest test loss so far, and the weights it had
        self.best_state: dict[str, torch.Tensor] | None = None
        self._shuffle = torch.Generator().manual_seed(seed)

    @property
    def classification(self) -> bool:
        return self.split.task == "classification"

    def epochs(self, count: int) -> Iterator[EpochRecord]:
        """Train `count` more epochs, yielding each epoch's metrics as soon as it is done."""
        if count < 0:
            raise ValueError(f"epochs cannot be negative, got {count}")
        for _ in range(count):
            with _one_thread():
                metrics = self._train_one_epoch()
            yield metrics

    def _train_one_epoch(self) -> EpochRecord:
        """One epoch of training, then the metrics of it (recorded in history)."""
        start = time.perf_counter()
        if self.batch_size is None:  # the course: the whole training table in one step per epoch
            train_step(self.model, self.criterion, self.optimizer, self.x_train, self.y_train)
        else:
            order = torch.randperm(len(self.x_train), generator=self._shuffle)
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                train_step(self.model, self.criterion, self.optimizer, self.x_train[rows], self.y_train[rows])
        metrics = self._measure(len(self.history) + 1, seconds=time.perf_counter() - start)
        self.history.append(metrics)
        if self.best_epoch == 0 or metrics.val_loss < self.history[self.best_epoch - 1].val_loss:
            self.best_epoch = metrics.epoch
            self.best_state = {name: value.clone() for name, value in self.model.state_dict().items()}
        return metrics

    def train(self, count: int) -> list[EpochRecord]:
        """Run `count` epochs to the end; the metrics of each."""
        return list(self.epochs(count))

    @torch.no_grad()
    def _measure(self, epoch: int, *, seconds: float) -> EpochRecord:
        """The epoch's losses (and accuracies) on the training and test rows, after the epoch, in eval mode."""
        self.model.eval()
        train_out = self.model(self.x_train)
        test_out = self.model(self.x_test)
        train_loss = float(self.criterion(train_out, self.y_train))
        test_loss = float(self.criterion(test_out, self.y_test))
        if not self.classification:
            return EpochRecord(epoch, train_loss, test_loss, seconds=seconds)
        train_accuracy = float((train_out.argmax(dim=1) == self.y_train).float().mean())
        test_accuracy = float((test_out.argmax(dim=1) == self.y_test).float().mean())
        return EpochRecord(epoch, train_loss, test_loss, train_accuracy, test_accuracy, seconds)

    @torch.no_grad()
    def predict_scaled(self, x: np.ndarray) -> np.ndarray:
        """Regression: predictions in target units (n,). Classification: class probabilities (n, classes)."""
        self.model.eval()
        output = self.model(torch.from_numpy(np.asarray(x, dtype=np.float32)))
        if self.classification:
            return torch.softmax(output, dim=1).numpy()
        return output.view(-1).numpy().astype(np.float64) * self.target_std + self.target_mean

    def predict_raw(self, raw: np.ndarray) -> np.ndarray:
        """Like predict_scaled, for encoded but unscaled rows (n, n_features)."""
        return self.predict_scaled(self.split.scale(raw))

    def predict_row(self, values: dict[str, float | str]) -> float | tuple[str, np.ndarray]:
        """One row of raw values: the predicted number, or (class name, probabilities) for classification."""
        prediction = self.predict_raw(self.split.encode_row(values))
        if self.classification:
            return self.split.class_names[int(prediction[0].argmax())], prediction[0]
        return float(prediction[0])

    def regression_report(self, *, best: bool = False) -> dict[str, float]:
        """RMSE, MAE and R² on the test rows, in the target's units (sklearn.metrics).

        best=True measures the weights of the epoch with the lowest test loss (what early stopping keeps).
        """
        from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

        if self.classification:
            raise ValueError("regression_report is for regression; use confusion() for classification")
        if best and self.best_state is not None:
            current = {name: value.clone() for name, value in self.model.state_dict().items()}
            self.model.load_state_dict(self.best_state)
            try:
                predicted = self.predict_scaled(self.split.x_test)
            finally:
                self.model.load_state_dict(current)
        else:
            predicted = self.predict_scaled(self.split.x_test)
        actual = self.split.y_test.astype(np.float64)
        return {
            "rmse": float(mean_squared_error(actual, predicted) ** 0.5),
            "mae": float(mean_absolute_error(actual, predicted)),
            "r2": float(r2_score(actual, predicted)),
        }

    def test_predictions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(true labels, predicted labels, probabilities (n, classes)) on the test rows, in their order."""
        if not self.classification:
            raise ValueError("predicted classes are for classification")
        probabilities = self.predict_scaled(self.split.x_test)
        return self.split.y_test, probabilities.argmax(axis=1), probabilities

    def confusion(self) -> np.ndarray:
        """Confusion matrix on the test rows: (classes, classes) int64, rows = true class, columns = predicted."""
        if not self.classification:
            raise ValueError("a confusion matrix is for classification")
        true, predicted, _ = self.test_predictions()
        return confusion_matrix(true, predicted, len(self.split.class_names))

    def mistakes(self, *, limit: int | None = None) -> list[Mistake]:
        """The test rows classified wrongly, most confident first; index counts the test rows (0, 1, ...)."""
        if not self.classification:
            raise ValueError("mistakes are for classification")
        probabilities = self.predict_scaled(self.split.x_test)
        rows = np.arange(len(self.split.y_test))
        return find_mistakes(rows, self.split.y_test, probabilities, self.split.class_names, limit=limit)

    def test_accuracy(self) -> float:
        """Share of test rows classified correctly."""
        predicted = self.predict_scaled(self.split.x_test).argmax(axis=1)
        return float((predicted == self.split.y_test).mean())


# ---------------------------------------------------------------------------------------------------------
# Decision boundary on two features.


@dataclass(frozen=True)
class DecisionBoundary:
    """A network trained on two features, evaluated on a grid over their range."""

    feature_x: str
    feature_y: str
    xs: np.ndarray  # (resolution,) grid values along x, in the feature's units
    ys: np.ndarray  # (resolution,)
    predicted: np.ndarray  # (resolution, resolution) int64 class index at (ys[i], xs[j])
    points: np.ndarray  # (n, 2) every row's two feature values
    labels: np.ndarray  # (n,) true classes
    class_names: tuple[str, ...]
    test_accuracy: float


def decision_boundary(
    frame: pd.DataFrame,
    *,
    target: str,
    feature_x: str,
    feature_y: str,
    class_names: Sequence[str] | None = None,
    hidden_sizes: Sequence[int] = COURSE_IRIS_HIDDEN,
    learning_rate: float = COURSE_LEARNING_RATE,
    epochs: int = COURSE_IRIS_EPOCHS,
    seed: int = COURSE_SEED,
    resolution: int = 120,
) -> DecisionBoundary:
    """Train the course's classifier on two features only and colour the plane by what it predicts."""
    if feature_x == feature_y:
        raise ValueError("choose two different features")
    if not 10 <= resolution <= 400:
        raise ValueError(f"resolution must be between 10 and 400, got {resolution}")
    split = prepare_table(
        frame,
        target=target,
        features=[feature_x, feature_y],
        task="classification",
        seed=seed,
        class_names=class_names,
    )
    trainer = TableTrainer(split, hidden_sizes=hidden_sizes, learning_rate=learning_rate, seed=seed)
    trainer.train(epochs)
    raw = np.concatenate([split.raw_train, split.raw_test])
    labels = np.concatenate([split.y_train, split.y_test])
    low, high = raw.min(axis=0), raw.max(axis=0)
    margin = (high - low) * 0.08 + 1e-9
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    predicted = trainer.predict_raw(grid).argmax(axis=1).reshape(resolution, resolution)
    return DecisionBoundary(
        feature_x,
        feature_y,
        xs,
        ys,
        predicted.astype(np.int64),
        raw,
        labels,
        split.class_names,
        trainer.test_accuracy(),
    )


# ---------------------------------------------------------------------------------------------------------
# Code panels: the course's scripts for the current settings.


def iris_snippet(
    *,
    hidden_sizes: Sequence[int] = COURSE_IRIS_HIDDEN,
    learning_rate: float = COURSE_LEARNING_RATE,
    epochs: int = COURSE_IRIS_EPOCHS,
    seed: int = COURSE_SEED,
    flower: Sequence[float] = COURSE_IRIS_FLOWER,
) -> str:
    """Runnable iris script (II.M) for these settings; result = the split's sizes, the test accuracy and the
    flower's species (predicted)."""
    recipe = _recipe_source()
    return f"""from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.optim as optim
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split

iris = load_iris()
df = pd.DataFrame(iris.data, columns=iris.feature_names)
df["target"] = iris.target
train_df, test_df = train_test_split(df, test_size=0.2, random_state={seed}, stratify=df["target"])
X_train, y_train = train_df.drop(columns=["target"]).values, train_df["target"].values
X_test, y_test = test_df.drop(columns=["target"]).values, test_df["target"].values
mean, std = X_train.mean(axis=0), X_train.std(axis=0)  # StandardScaler
X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
X_train_t = torch.tensor(X_train, dtype=torch.float32)
X_test_t = torch.tensor(X_test, dtype=torch.float32)
y_train_t = torch.tensor(y_train, dtype=torch.long)
y_test_t = torch.tensor(y_test, dtype=torch.long)

{recipe}

torch.manual_seed({seed})
model = build_mlp(4, {list(hidden_sizes)!r}, 3)  # 4 features -> 3 species
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr={learning_rate!r})

for epoch in range({epochs}):
    loss = train_step(model, criterion, optimizer, X_train_t, y_train_t)
    if (epoch + 1) % 50 == 0:
        print(f"Epoch [{{epoch + 1}}/{epochs}], Loss: {{loss.item():.4f}}")

model.eval()
with torch.no_grad():
    y_pred_labels = torch.argmax(model(X_test_t), dim=1)
accuracy = (y_pred_labels == y_test_t).sum().item() / y_test_t.size(0)
print(f"Test accuracy: {{accuracy:.2%}}")

flower = (np.array([{", ".join(repr(float(v)) for v in flower)}]) - mean) / std
with torch.no_grad():
    predicted = str(iris.target_names[torch.argmax(model(torch.tensor(flower, dtype=torch.float32))).item()])
print("Predicted species:", predicted)
result = {{"train_rows": len(y_train), "test_rows": len(y_test), "test_accuracy": accuracy, "predicted": predicted}}
"""


def regression_snippet(
    split: TableSplit,
    *,
    source: str = "diabetes",
    hidden_sizes: Sequence[int] = COURSE_REGRESSION_HIDDEN,
    learning_rate: float = COURSE_LEARNING_RATE,
    epochs: int = 300,
    seed: int = COURSE_SEED,
) -> str:
    """Runnable regression script (II.L) for this table and these settings; result = the split's sizes and
    rmse, mae, r2 on the test rows."""
    load = (
        "from sklearn.datasets import load_diabetes\n\n"
        'df = load_diabetes(as_frame=True, scaled=False).frame.rename(columns={"target": "progression"})'
        if source == "diabetes"
        else 'df = pd.read_csv("your_table.csv")  # the file you uploaded'
    )
    encode = "".join(
        f"\ndf[{name!r}] = LabelEncoder().fit_transform(df[{name!r}].astype(str))  # text -> 0, 1, 2 (sorted)"
        for name in split.categories
    )
    recipe = _recipe_source()
    pandas = "" if source == "diabetes" else "import pandas as pd\n"
    encoder = "from sklearn.preprocessing import LabelEncoder\n" if split.categories else ""
    return f"""from collections.abc import Sequence

import numpy as np
{pandas}import torch
import torch.nn as nn
import torch.optim as optim
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
{encoder}
{load}{encode}
features = {list(split.feature_names)!r}
X = df[features].values.astype(np.float64)
y = df[{split.target_name!r}].values.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state={seed})
mean, std = X_train.mean(axis=0), X_train.std(axis=0)  # StandardScaler
std[std == 0] = 1.0
X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
y_mean, y_std = float(y_train.mean()), float(y_train.std())  # the target is standardised too
X_train_t = torch.tensor(X_train, dtype=torch.float32)
X_test_t = torch.tensor(X_test, dtype=torch.float32)
y_train_t = torch.tensor((y_train - y_mean) / y_std, dtype=torch.float32).view(-1, 1)

{recipe}

torch.manual_seed({seed})
model = build_mlp({len(split.feature_names)}, {list(hidden_sizes)!r}, 1)  # one number out
criterion = nn.MSELoss()
optimizer = optim.Adam(model.parameters(), lr={learning_rate!r})

for epoch in range({epochs}):
    train_step(model, criterion, optimizer, X_train_t, y_train_t)

model.eval()
with torch.no_grad():
    y_pred = model(X_test_t).view(-1).numpy().astype(np.float64) * y_std + y_mean
rmse = mean_squared_error(y_test, y_pred) ** 0.5
mae = mean_absolute_error(y_test, y_pred)
r2 = r2_score(y_test, y_pred)
print(f"RMSE {{rmse:.2f}}  MAE {{mae:.2f}}  R² {{r2:.3f}}")
result = {{"train_rows": len(y_train), "test_rows": len(y_test), "rmse": rmse, "mae": mae, "r2": r2}}
"""


def _recipe_source() -> str:
    """build_mlp and train_step as this module defines them: the network and the step the page trains with."""
    return "\n" + inspect.getsource(build_mlp) + "\n\n" + inspect.getsource(train_step)
