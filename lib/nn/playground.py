"""A 2-D training playground after TensorFlow Playground: four point clouds, a tiny MLP, its decision boundary.

The data sets are generated as TensorFlow Playground's `dataset.ts` does (coordinates in about [-6, 6], 500
points, noise 0–0.5); class 1 is Playground's +1 (inside the circle, the x1·x2 > 0 quadrants of XOR, the
Gaussian at (2, 2), the spiral that starts at angle 0). Playground ends its network in tanh and trains on the
squared error of ±1 labels; here the last layer is one logit trained with binary cross-entropy (what the course
uses for classes), with plain SGD on mini-batches taken in order, and L1 / L2 penalties on the weights only
(Playground regularises weights, not biases). Everything runs on the CPU: networks this small are faster there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

DATASETS = ("circle", "xor", "gaussians", "spiral")
FEATURES = ("x1", "x2", "x1²", "x2²", "x1·x2", "sin x1", "sin x2")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
REGULARIZATIONS = ("none", "L1", "L2")
SAMPLES = 500  # Playground's NUM_SAMPLES_CLASSIFY
DOMAIN = 6.0  # the plane shown: [-6, 6] in x1 and x2
MAX_HIDDEN_LAYERS = 4
MAX_NEURONS = 8
GRID = 50  # grid points per side for the boundary and the neuron maps

# TensorFlow Playground's own defaults: circle, 50 % to train, x1 and x2, 4 -> 2 tanh neurons, rate 0.03, batch 10.
DEFAULT_HIDDEN = (4, 2)
DEFAULT_LEARNING_RATE = 0.03
DEFAULT_BATCH_SIZE = 10


def make_points(name: str, *, noise: float = 0.0, samples: int = SAMPLES, seed: int = 0) -> tuple:
    """One of TensorFlow Playground's classification sets: (points (N, 2) float32, labels (N,) float32 0/1).

    name: circle, xor, gaussians or spiral; noise in [0, 0.5] (Playground's 0-50 %); half of each class.
    circle and xor move no points: noise flips the labels of points near the border (a label is read at a
    randomly shifted point). gaussians widens both clouds; spiral shifts every point.
    """
    if not 0.0 <= noise <= 0.5:
        raise ValueError(f"noise must be between 0 and 0.5, got {noise}")
    if samples < 2 or samples % 2:
        raise ValueError(f"samples must be an even number of at least 2, got {samples}")
    rng = np.random.default_rng(seed)
    half = samples // 2
    if name == "circle":
        radius = 5.0
        r = np.concatenate([rng.uniform(0, radius * 0.5, half), rng.uniform(radius * 0.7, radius, half)])
        angle = rng.uniform(0, 2 * math.pi, samples)
        points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
        shifted = points + rng.uniform(-radius, radius, (samples, 2)) * noise
        labels = np.hypot(shifted[:, 0], shifted[:, 1]) < radius * 0.5
    elif name == "xor":
        points = rng.uniform(-5, 5, (samples, 2))
        points += np.where(points > 0, 0.3, -0.3)  # Playground's padding keeps points off the axes
        shifted = points + rng.uniform(-5, 5, (samples, 2)) * noise
        labels = shifted[:, 0] * shifted[:, 1] >= 0
    elif name == "gaussians":
        variance = 0.5 + 3.5 * noise / 0.5  # Playground maps noise 0..0.5 to variance 0.5..4
        centres = np.repeat(np.array([[2.0, 2.0], [-2.0, -2.0]]), half, axis=0)
        points = centres + rng.normal(0.0, math.sqrt(variance), (samples, 2))
        labels = np.arange(samples) < half
    elif name == "spiral":
        i = np.arange(half)
        r = i / half * 5
        turns = [1.75 * i / half * 2 * math.pi + delta for delta in (0.0, math.pi)]
        points = np.concatenate([np.stack([r * np.sin(t), r * np.cos(t)], axis=1) for t in turns])
        points += rng.uniform(-1, 1, (samples, 2)) * noise
        labels = np.arange(samples) < half
    else:
        raise ValueError(f"unknown data set {name!r}: choose one of {DATASETS}")
    return points.astype(np.float32), labels.astype(np.float32)


def make_dataset(
    name: str, *, noise: float = 0.0, train_fraction: float = 0.5, samples: int = SAMPLES, seed: int = 0
) -> tuple:
    """make_points, shuffled with the same seed and split: (train_points, train_labels, test_points, test_labels)."""
    if not 0.1 <= train_fraction <= 0.9:
        raise ValueError(f"train_fraction must be between 0.1 and 0.9, got {train_fraction}")
    points, labels = make_points(name, noise=noise, samples=samples, seed=seed)
    order = np.random.default_rng(seed + 1).permutation(len(points))
    points, labels = points[order], labels[order]
    cut = int(len(points) * train_fraction)  # Playground: floor(N * percent / 100)
    return points[:cut], labels[:cut], points[cut:], labels[cut:]


def input_features(points: np.ndarray, names: Sequence[str]) -> torch.Tensor:
    """The network's inputs from the points (N, 2): one column per chosen name (x1, x2, x1², ...), float32."""
    x1, x2 = points[:, 0], points[:, 1]
    every = {
        "x1": x1,
        "x2": x2,
        "x1²": x1 * x1,
        "x2²": x2 * x2,
        "x1·x2": x1 * x2,
        "sin x1": np.sin(x1),
        "sin x2": np.sin(x2),
    }
    if not names or any(name not in every for name in names):
        raise ValueError(f"choose at least one input of {tuple(every)}, got {tuple(names)}")
    return torch.tensor(np.stack([every[name] for name in names], axis=1), dtype=torch.float32)


def playground_network(n_inputs: int, hidden_sizes: Sequence[int], activation: str) -> nn.Sequential:
    """Linear -> activation per hidden layer (0 to 4 layers of 1 to 8 neurons), then Linear -> one logit."""
    kinds = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}
    if activation not in kinds:
        raise ValueError(f"unknown activation {activation!r}: choose one of {tuple(kinds)}")
    if len(hidden_sizes) > 4 or any(not 1 <= size <= 8 for size in hidden_sizes):
        raise ValueError(f"0 to 4 hidden layers of 1 to 8 neurons, got {tuple(hidden_sizes)}")
    layers: list[nn.Module] = []
    previous = n_inputs
    for size in hidden_sizes:
        layers += [nn.Linear(previous, size), kinds[activation]()]
        previous = size
    layers.append(nn.Linear(previous, 1))  # (N, previous) -> (N, 1): the logit of class 1
    return nn.Sequential(*layers)


def weight_penalty(model: nn.Module, regularization: str, rate: float) -> torch.Tensor:
    """rate * sum |w| (L1) or rate * sum w² / 2 (L2) over the weights of every Linear layer (not the biases)."""
    weights = [layer.weight for layer in model.modules() if isinstance(layer, nn.Linear)]
    if regularization == "L1":
        return rate * sum(w.abs().sum() for w in weights)
    if regularization == "L2":
        return rate * sum((w * w).sum() for w in weights) / 2
    return torch.zeros(())


def train_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    batch_size: int,
    regularization: str = "none",
    rate: float = 0.0,
) -> None:
    """One pass over the training points in order, one SGD step per mini-batch of batch_size points."""
    model.train()
    for start in range(0, len(x), batch_size):
        logits = model(x[start : start + batch_size]).squeeze(1)  # (B, 1) -> (B,)
        loss = nn.functional.binary_cross_entropy_with_logits(logits, y[start : start + batch_size])
        loss = loss + weight_penalty(model, regularization, rate)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def loss_of(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """The mean binary cross-entropy on these points (without the penalty): what the loss curves show."""
    model.eval()
    with torch.no_grad():
        return float(nn.functional.binary_cross_entropy_with_logits(model(x).squeeze(1), y))


def grid_points(resolution: int = GRID) -> tuple[np.ndarray, np.ndarray]:
    """(axis (R,), points (R*R, 2)) of a square grid over [-DOMAIN, DOMAIN]²; row i has x2 = axis[i]."""
    axis = np.linspace(-DOMAIN, DOMAIN, resolution, dtype=np.float32)
    x1, x2 = np.meshgrid(axis, axis)
    return axis, np.stack([x1.ravel(), x2.ravel()], axis=1)


def grid_outputs(
    model: nn.Sequential, feature_names: Sequence[str], resolution: int = GRID
) -> tuple[np.ndarray, list[np.ndarray]]:
    """(probability of class 1 (R, R), each hidden layer's outputs (neurons, R, R)) over the grid."""
    _, points = grid_points(resolution)
    x = input_features(points, feature_names)
    hidden: list[np.ndarray] = []
    model.eval()
    with torch.no_grad():
        for layer in model:
            x = layer(x)
            if not isinstance(layer, nn.Linear):  # after an activation: one hidden layer's outputs
                hidden.append(x.T.reshape(-1, resolution, resolution).numpy().copy())
        probability = torch.sigmoid(x).reshape(resolution, resolution).numpy()
    return probability, hidden


@dataclass(frozen=True)
class PlaygroundSettings:
    """Everything that makes one playground run (the page's controls; a change starts a new network)."""

    dataset: str = "circle"
    noise: float = 0.0
    train_fraction: float = 0.5
    features: tuple[str, ...] = ("x1", "x2")
    hidden_sizes: tuple[int, ...] = DEFAULT_HIDDEN
    activation: str = "tanh"
    learning_rate: float = DEFAULT_LEARNING_RATE
    batch_size: int = DEFAULT_BATCH_SIZE
    regularization: str = "none"
    rate: float = 0.0
    seed: int = 0


@dataclass
class PlaygroundEpoch:
    epoch: int
    train_loss: float
    test_loss: float


@dataclass
class PlaygroundTrainer:
    """A network and its data for one PlaygroundSettings; step() trains epochs and records both losses."""

    settings: PlaygroundSettings
    history: list[PlaygroundEpoch] = field(default_factory=list)

    def __post_init__(self) -> None:
        s = self.settings
        if not 1 <= s.batch_size <= 500:
            raise ValueError(f"batch size must be between 1 and 500, got {s.batch_size}")
        if s.regularization not in REGULARIZATIONS or s.rate < 0:
            raise ValueError(f"regularization must be one of {REGULARIZATIONS} with rate >= 0")
        self.train_points, train_labels, self.test_points, test_labels = make_dataset(
            s.dataset, noise=s.noise, train_fraction=s.train_fraction, seed=s.seed
        )
        self.train_labels, self.test_labels = train_labels, test_labels
        self.x_train = input_features(self.train_points, s.features)
        self.x_test = input_features(self.test_points, s.features)
        self.y_train, self.y_test = torch.from_numpy(train_labels), torch.from_numpy(test_labels)
        from lib.nn.training import _SEED_LOCK, _one_thread

        self._one_thread = _one_thread
        with _SEED_LOCK, torch.random.fork_rng(devices=[]):
            torch.manual_seed(s.seed)  # the same first weights as the Code panel's script
            self.model = playground_network(len(s.features), s.hidden_sizes, s.activation)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=s.learning_rate)
        self.history.append(self._measure(0))

    @property
    def epoch(self) -> int:
        return self.history[-1].epoch

    def _measure(self, epoch: int) -> PlaygroundEpoch:
        return PlaygroundEpoch(
            epoch,
            loss_of(self.model, self.x_train, self.y_train),
            loss_of(self.model, self.x_test, self.y_test),
        )

    def step(self, epochs: int = 1) -> PlaygroundEpoch:
        """Train `epochs` epochs (one SGD step per mini-batch) and record the losses after each."""
        s = self.settings
        with self._one_thread():
            for _ in range(epochs):
                train_epoch(
                    self.model,
                    self.optimizer,
                    self.x_train,
                    self.y_train,
                    batch_size=s.batch_size,
                    regularization=s.regularization,
                    rate=s.rate,
                )
                self.history.append(self._measure(self.epoch + 1))
        return self.history[-1]

    def grid(self, resolution: int = GRID) -> tuple[np.ndarray, list[np.ndarray]]:
        """grid_outputs of the network as it is now."""
        with self._one_thread():
            return grid_outputs(self.model, self.settings.features, resolution)

    def weight_norm(self) -> float:
        """The sum of squared weights (not biases): what L2 shrinks."""
        with torch.no_grad():
            return float(sum((m.weight**2).sum() for m in self.model.modules() if isinstance(m, nn.Linear)))


def neuron_picture(values: np.ndarray) -> np.ndarray:
    """One neuron's outputs on the grid (R, R) -> RGB uint8 (R, R, 3), blue below 0, red above, scaled by its
    largest |value|; row 0 (x2 = -6) at the bottom, as on the plane."""
    from lib.cv.display import signed_colours

    limit = float(np.abs(values).max())
    return np.ascontiguousarray(signed_colours(values / limit if limit > 0 else values)[::-1])


def playground_script(settings: PlaygroundSettings, *, epochs: int) -> str:
    """The page's data, network and loop as a script: this module's own functions (inspect.getsource), run with
    these settings for `epochs` epochs; `result` holds the epochs and both final losses."""
    from lib.nn.programs import sources

    code = sources(
        make_points, make_dataset, input_features, playground_network, weight_penalty, train_epoch, loss_of
    )
    s = settings
    return f"""import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

DATASETS = {DATASETS}
SAMPLES = {SAMPLES}


{code}

train_points, train_labels, test_points, test_labels = make_dataset(
    {s.dataset!r}, noise={s.noise!r}, train_fraction={s.train_fraction!r}, seed={s.seed}
)
features = {list(s.features)!r}
x_train, x_test = input_features(train_points, features), input_features(test_points, features)
y_train, y_test = torch.from_numpy(train_labels), torch.from_numpy(test_labels)
torch.manual_seed({s.seed})
model = playground_network(len(features), {tuple(s.hidden_sizes)!r}, {s.activation!r})
print(model)
optimizer = torch.optim.SGD(model.parameters(), lr={s.learning_rate!r})
for epoch in range({epochs}):
    train_epoch(
        model, optimizer, x_train, y_train, batch_size={s.batch_size}, regularization={s.regularization!r}, rate={s.rate!r}
    )
train_loss, test_loss = loss_of(model, x_train, y_train), loss_of(model, x_test, y_test)
print(f"epoch {epochs}: train loss {{train_loss:.4f}}, test loss {{test_loss:.4f}}")
result = {{"epochs": {epochs}, "train_loss": train_loss, "test_loss": test_loss}}
"""
