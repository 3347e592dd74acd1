"""The course's insurance regression (II.L, II.N) on a synthetic table with the course's columns and size.

The notes train on Kaggle's insurance.csv (age, sex, bmi, children, smoker, region -> charges, 1,338 rows).
No package on PyPI ships that table with a clear licence, so `insurance_frame` generates one: the same
columns, value ranges and row count, from the documented formula in `expected_charges` plus seeded noise.
The numbers the notes quote that depend only on the size (the 1070/268 split, 34 batches of 32) come out
exactly; the charges themselves are synthetic and say nothing about real insurance prices.

The recipe below (InsuranceDataset, SimpleNNRegressionModel, prepare_insurance, train_in_batches,
predict_charges) is written as the course writes it and is what the page's Code panel shows and runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.optim as optim
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder, StandardScaler
from torch.utils.data import DataLoader, Dataset

INSURANCE_ROWS = 1338  # the notes' df.info(): 1338 entries
INSURANCE_SEED = 42
INSURANCE_COLUMNS = ("age", "sex", "bmi", "children", "smoker", "region", "charges")
INSURANCE_TARGET = "charges"
CATEGORICAL_COLUMNS = ("sex", "smoker", "region")
REGIONS = ("northeast", "northwest", "southeast", "southwest")
COURSE_PERSON = {
    "age": 19,
    "sex": "female",
    "bmi": 27.9,
    "children": 0,
    "smoker": "yes",
    "region": "southwest",
}
COURSE_INSURANCE_EPOCHS = 30  # the notes run 1000; 30 epochs of 34 batches already fit this table

# The formula's constants (US dollars a year). A smoker pays a flat extra, plus more for every BMI point
# above 25; everyone pays more with age and children; the region and sex shift the charge a little.
BASE_CHARGE = 2_000.0
PER_YEAR_OF_AGE = 260.0
PER_CHILD = 475.0
PER_BMI_POINT = 100.0  # relative to a BMI of 30, for everyone
SMOKER_EXTRA = 13_000.0
SMOKER_PER_BMI_POINT_OVER_25 = 1_450.0
MALE_EXTRA = 150.0
REGION_EXTRA = {"northeast": 600.0, "northwest": 300.0, "southeast": 0.0, "southwest": -400.0}
NOISE_SIGMA = 0.12  # charges = expected * exp(N(0, 0.12)): about ±12 % spread, never negative
MIN_CHARGE = 1_000.0


def expected_charges(age: float, sex: str, bmi: float, children: int, smoker: str, region: str) -> float:
    """The synthetic table's noiseless charge for one person (the formula `insurance_frame` samples around).

    2000 + 260·age + 475·children + 100·(bmi − 30) + 150 if male + the region's offset
    + (13000 + 1450·max(bmi − 25, 0) if smoker), at least 1000.
    """
    if sex not in ("female", "male"):
        raise ValueError(f"sex is 'female' or 'male', got {sex!r}")
    if smoker not in ("no", "yes"):
        raise ValueError(f"smoker is 'yes' or 'no', got {smoker!r}")
    if region not in REGION_EXTRA:
        raise ValueError(f"region is one of {', '.join(REGIONS)}, got {region!r}")
    charge = BASE_CHARGE + PER_YEAR_OF_AGE * age + PER_CHILD * children + PER_BMI_POINT * (bmi - 30.0)
    charge += (MALE_EXTRA if sex == "male" else 0.0) + REGION_EXTRA[region]
    if smoker == "yes":
        charge += SMOKER_EXTRA + SMOKER_PER_BMI_POINT_OVER_25 * max(bmi - 25.0, 0.0)
    return max(charge, MIN_CHARGE)


def insurance_frame(n_rows: int = INSURANCE_ROWS, *, seed: int = INSURANCE_SEED) -> pd.DataFrame:
    """A synthetic insurance table with the course's columns: n_rows people, the same seed gives the same rows.

    age: whole years 18–64 (uniform); sex: female / male (half each); bmi: normal(30.7, 6.1) clipped to
    16–53, two decimals; children: 0–5 (43, 24, 18, 12, 2, 1 %); smoker: yes for about 20 %; region: the four
    US regions (a quarter each); charges: expected_charges × exp(N(0, 0.12)), in dollars with cents.
    """
    if n_rows < 10:
        raise ValueError(f"at least 10 rows, got {n_rows}")
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 65, n_rows)
    sex = rng.choice(["female", "male"], n_rows)
    bmi = np.round(np.clip(rng.normal(30.7, 6.1, n_rows), 16.0, 53.0), 2)
    children = rng.choice(6, n_rows, p=[0.43, 0.24, 0.18, 0.12, 0.02, 0.01])
    smoker = np.where(rng.random(n_rows) < 0.2, "yes", "no")
    region = rng.choice(REGIONS, n_rows)
    noise = np.exp(rng.normal(0.0, NOISE_SIGMA, n_rows))
    expected = np.array(
        [
            expected_charges(int(a), str(s), float(b), int(c), str(k), str(r))
            for a, s, b, c, k, r in zip(age, sex, bmi, children, smoker, region, strict=True)
        ]
    )
    charges = np.round(np.maximum(expected * noise, MIN_CHARGE), 2)
    columns = (age, sex, bmi, children, smoker, region, charges)
    return pd.DataFrame(dict(zip(INSURANCE_COLUMNS, columns, strict=True)))


def insurance_csv(frame: pd.DataFrame) -> bytes:
    """The table as insurance.csv holds it (UTF-8, a header row, no index column)."""
    return frame.to_csv(index=False).encode("utf-8")


# ---------------------------------------------------------------------------------------------------------
# The course's recipe (II.L, then II.N's mini-batches): the Code panel shows these with inspect.getsource.


class InsuranceDataset(Dataset):
    def __init__(self, X, y):
        self.X = X  # the scaled features, a NumPy array (rows, 6)
        self.y = y  # the charges, a NumPy array (rows,)

    def __len__(self):
        return len(self.X)  # how many rows: the DataLoader uses it to know where the data ends

    def __getitem__(self, idx):
        features = torch.tensor(self.X[idx], dtype=torch.float32)
        target = torch.tensor(self.y[idx], dtype=torch.float32)
        return features, target


class SimpleNNRegressionModel(nn.Module):
    def __init__(self, input_dim):
        super().__init__()
        self.network = nn.Sequential(
            nn.Linear(input_dim, 64),
            nn.ReLU(),
            nn.Linear(64, 128),
            nn.ReLU(),
            nn.Linear(128, 1),
        )

    def forward(self, x):
        return self.network(x)


def prepare_insurance(df, seed=42):
    """Split 80/20, label-encode sex, smoker and region (fit on the training rows), standard-scale."""
    train_df, test_df = train_test_split(df, test_size=0.2, random_state=seed)
    train_df, test_df = train_df.copy(), test_df.copy()
    encoders = {}
    for col in ["sex", "smoker", "region"]:
        encoder = LabelEncoder()
        train_df[col] = encoder.fit_transform(train_df[col])
        test_df[col] = encoder.transform(test_df[col])
        encoders[col] = encoder
    X_train = train_df.drop(["charges"], axis=1)
    y_train = train_df["charges"].values
    X_test = test_df.drop(["charges"], axis=1)
    y_test = test_df["charges"].values
    scaler = StandardScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
    return X_train, X_test, y_train, y_test, encoders, scaler


def train_in_batches(X_train, y_train, epochs=30, batch_size=32, seed=42):
    """Mini-batch training (II.N): a DataLoader hands the model batch_size rows at a time, shuffled.

    The charges are standardised for training (mean 0, std 1) so 30 epochs suffice; predictions are
    turned back into dollars. Returns the model, the target's mean and std, each epoch's mean loss and the
    number of batches per epoch.
    """
    torch.manual_seed(seed)
    y_mean, y_std = float(y_train.mean()), float(y_train.std())
    dataset = InsuranceDataset(X_train, (y_train - y_mean) / y_std)
    # num_workers=0: the batches are prepared in this process (no worker processes to start)
    dataloader = DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=0)
    model = SimpleNNRegressionModel(X_train.shape[1])
    criterion = nn.MSELoss()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    epoch_losses = []
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for batch_x, batch_y in dataloader:
            optimizer.zero_grad()
            predictions = model(batch_x)  # (batch, 1)
            loss = criterion(predictions, batch_y.view(-1, 1))
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch_x)
        epoch_losses.append(total / len(dataset))
        if (epoch + 1) % 20 == 0:
            print(f"Epoch {epoch + 1}/{epochs}, Loss: {epoch_losses[-1]:.4f}")
    return model, y_mean, y_std, epoch_losses, len(dataloader)


def predict_charges(age, sex, bmi, children, smoker, region, *, model, encoders, scaler, y_mean, y_std):
    """The notes' predict_charges: one person -> a DataFrame -> encoded, scaled -> the model -> dollars."""
    person = pd.DataFrame(
        [[age, sex, bmi, children, smoker, region]],
        columns=["age", "sex", "bmi", "children", "smoker", "region"],
    )
    for col, encoder in encoders.items():
        person[col] = encoder.transform(person[col])
    input_data = scaler.transform(person)
    input_tensor = torch.tensor(input_data, dtype=torch.float32)
    model.eval()
    with torch.no_grad():
        predicted_charge = model(input_tensor).item() * y_std + y_mean
    return predicted_charge


def insurance_recipe(df, epochs=30, batch_size=32, seed=42):
    """The whole recipe: split, mini-batch training, test metrics and the notes' predict_charges call."""
    X_train, X_test, y_train, y_test, encoders, scaler = prepare_insurance(df, seed=seed)
    print("X_train", X_train.shape, "X_test", X_test.shape)  # (1070, 6) and (268, 6)
    model, y_mean, y_std, epoch_losses, batches = train_in_batches(
        X_train, y_train, epochs=epochs, batch_size=batch_size, seed=seed
    )
    print(batches, "batches of", batch_size, "per epoch")  # 34
    model.eval()
    with torch.no_grad():
        y_pred = model(torch.tensor(X_test, dtype=torch.float32)).view(-1).numpy() * y_std + y_mean
    rmse = float(np.sqrt(np.mean((y_test - y_pred) ** 2)))
    r2 = float(1 - np.sum((y_test - y_pred) ** 2) / np.sum((y_test - y_test.mean()) ** 2))
    charge = predict_charges(
        19, "female", 27.9, 0, "yes", "southwest",
        model=model, encoders=encoders, scaler=scaler, y_mean=y_mean, y_std=y_std,
    )  # fmt: skip
    print(f"Predicted insurance charge: {charge:.2f}")
    return {
        "train_rows": len(X_train),
        "test_rows": len(X_test),
        "batches_per_epoch": batches,
        "final_loss": epoch_losses[-1],
        "rmse": rmse,
        "r2": r2,
        "predicted_charge": charge,
    }


def run_recipe(
    df: pd.DataFrame, *, epochs: int = COURSE_INSURANCE_EPOCHS, seed: int = INSURANCE_SEED
) -> dict:
    """insurance_recipe on one CPU thread under the seed lock (torch's global RNG is shared by sessions)."""
    from lib.nn.training import _SEED_LOCK, _one_thread

    if not 1 <= epochs <= 1000:
        raise ValueError(f"epochs must be 1..1000, got {epochs}")
    with _SEED_LOCK, torch.random.fork_rng(devices=[]), _one_thread():
        return insurance_recipe(df, epochs=epochs, seed=seed)
