"""The Train a network page's own widget groups and cached wrappers (app_pages/train_network.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from lib.nn import training as training_lib
from ui.charts import boundary_figure, confusion_figure
from ui.live_training import LEARNING_RATES, draw_history, run_live, settings_of, training_buttons


@st.cache_data(max_entries=2, show_spinner=False)
def iris_data() -> tuple[pd.DataFrame, tuple[str, ...]]:
    return training_lib.iris_frame()


@st.cache_data(max_entries=2, show_spinner=False)
def diabetes_data() -> pd.DataFrame:
    return training_lib.diabetes_frame()


@st.cache_data(max_entries=8, show_spinner=False)
def read_csv(data: bytes) -> pd.DataFrame:
    return training_lib.read_csv_table(data)


@st.cache_data(max_entries=16, show_spinner="Training a network on two features…")
def boundary(
    feature_x: str, feature_y: str, hidden: tuple[int, ...], learning_rate: float, epochs: int, seed: int
):
    frame, names = iris_data()
    return training_lib.decision_boundary(
        frame,
        target="target",
        feature_x=feature_x,
        feature_y=feature_y,
        class_names=names,
        hidden_sizes=hidden,
        learning_rate=learning_rate,
        epochs=epochs,
        seed=seed,
        resolution=100,
    )


def network_controls(prefix: str, *, hidden: tuple[int, int], epochs: int, max_epochs: int) -> dict:
    """Hidden sizes, learning rate, epochs and seed (URL-bound), with the course's defaults."""
    cells = st.columns(5)
    first = cells[0].number_input(
        "Hidden layer 1", 1, 1024, hidden[0], key=f"{prefix}_h1", bind="query-params"
    )
    second = cells[1].number_input(
        "Hidden layer 2 (0: none)", 0, 1024, hidden[1], key=f"{prefix}_h2", bind="query-params"
    )
    rate = cells[2].select_slider(
        "Learning rate (Adam)", LEARNING_RATES, value=0.01, key=f"{prefix}_lr", bind="query-params"
    )
    count = cells[3].number_input(
        "Epochs", 1, max_epochs, epochs, key=f"{prefix}_epochs", bind="query-params"
    )
    seed = cells[4].number_input("Seed", 0, 2**31 - 1, 42, key=f"{prefix}_seed", bind="query-params")
    sizes = (int(first),) if int(second) == 0 else (int(first), int(second))
    return {"hidden": sizes, "learning_rate": float(rate), "epochs": int(count), "seed": int(seed)}


def trained_as_set(trainer: Any, settings: dict, split: training_lib.TableSplit) -> bool:
    """Whether the session's network was trained, to the end, with these settings on this table (so the Code
    panel's script, which trains with them, reproduces its numbers)."""
    return (
        trainer is not None
        and len(trainer.history) == settings["epochs"]
        and trainer.hidden_sizes == tuple(settings["hidden"])
        and trainer.learning_rate == settings["learning_rate"]
        and trainer.seed == settings["seed"]
        and trainer.split.feature_names == split.feature_names
        and trainer.split.target_name == split.target_name
        and len(trainer.split.y_train) == len(split.y_train)
    )


def train_table_live(
    prefix: str, split: training_lib.TableSplit, settings: dict, *, accuracy: bool, table: Any = None
) -> Any | None:
    """Train / Stop buttons and the live curves for one table; the trainer (or None before the first Train)."""
    start, _, stop = training_buttons(prefix)
    return run_live(
        f"{prefix}_run",
        start=start,
        stop=stop,
        make_trainer=lambda: training_lib.TableTrainer(
            split,
            hidden_sizes=settings["hidden"],
            learning_rate=settings["learning_rate"],
            seed=settings["seed"],
        ),
        epochs=settings["epochs"],
        draw=lambda trainer: draw_history(trainer, accuracy=accuracy, key=f"{prefix}_chart"),
        settings=settings_of(table=table, **settings),
    )


def prediction_form(split: training_lib.TableSplit, *, key: str) -> dict:
    """An input per feature (category select or number, starting at the training median) -> raw values."""
    values: dict = {}
    cells = st.columns(min(4, len(split.feature_names)))
    for index, name in enumerate(split.feature_names):
        cell = cells[index % len(cells)]
        if name in split.categories:
            values[name] = cell.selectbox(name, split.categories[name], key=f"{key}_{index}")
        else:
            column = split.raw_train[:, index]
            values[name] = cell.number_input(
                name,
                value=float(np.median(column)),
                format="%.4g",
                key=f"{key}_{index}",
                help=f"Training rows range from {column.min():.4g} to {column.max():.4g}",
            )
    return values


def regression_table_controls() -> tuple[pd.DataFrame, str, list[str], str] | None:
    """Pick the table: scikit-learn's diabetes data or an uploaded CSV with target and feature columns."""
    source = st.segmented_control(
        "Data",
        ["Diabetes (scikit-learn)", "Your CSV"],
        default="Diabetes (scikit-learn)",
        required=True,
        key="tn_source",
        bind="query-params",
    )
    if source != "Your CSV":
        frame = diabetes_data()
        st.caption(
            "442 patients: age, sex, body-mass index, blood pressure and six blood-serum values; "
            "target: how far the disease progressed one year later."
        )
        target = training_lib.DIABETES_TARGET
        return frame, target, [c for c in frame.columns if c != target], "diabetes"
    uploaded = st.file_uploader("A CSV table, e.g. the course's insurance.csv", type=["csv"], key="tn_csv")
    if uploaded is None:
        st.info("Upload a CSV to train on it; until then nothing is trained here.")
        return None
    frame = read_csv(uploaded.getvalue())
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    if not numeric:
        raise ValueError("the CSV has no numeric column to predict")
    target = st.selectbox(
        "Predict (target)", list(frame.columns), index=list(frame.columns).index(numeric[-1]), key="tn_target"
    )
    others = [c for c in frame.columns if c != target]
    features = st.multiselect("From (features)", others, default=others, key=f"tn_features_{target}")
    return frame, target, features, "csv"


def table_csv(frame: pd.DataFrame):
    """The uploaded table as your_table.csv for the Code panel's bundle (made when the download is clicked)."""
    frozen = frame.copy()
    return lambda: frozen.to_csv(index=False).encode("utf-8")


def regression_results(trainer: training_lib.TableTrainer) -> dict[str, float]:
    """Test metrics, the best epoch, and a one-row prediction form; returns the metrics shown (rmse, mae, r2)."""
    report, best = trainer.regression_report(), trainer.regression_report(best=True)
    cells = st.columns(3)
    cells[0].metric("RMSE (test)", f"{report['rmse']:.4g}")
    cells[1].metric("MAE (test)", f"{report['mae']:.4g}")
    cells[2].metric("R² (test)", f"{report['r2']:.3f}")
    st.caption(
        f"Lowest test loss at epoch {trainer.best_epoch}: R² {best['r2']:.3f} with that epoch's weights."
    )
    target = trainer.split.target_name
    st.markdown(f"**Predict {target}** for one new row:")
    values = prediction_form(trainer.split, key="tn_reg_form")
    st.metric(f"Predicted {target}", f"{trainer.predict_row(values):.4g}")
    return report


def iris_results(trainer: training_lib.TableTrainer, settings: dict) -> tuple[tuple[float, ...], str]:
    """Accuracy, confusion matrix, the four-slider flower, and the decision boundary on two features.

    Returns the flower's four values and the species predicted for it (for the Code panel).
    """
    split = trainer.split
    cells = st.columns(3)
    cells[0].metric("Test accuracy", f"{trainer.test_accuracy():.1%}")
    cells[1].metric("Train accuracy", f"{trainer.history[-1].train_accuracy:.1%}")
    cells[2].metric("Epochs", len(trainer.history))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Confusion matrix** ({len(split.y_test)} test flowers)")
        st.plotly_chart(confusion_figure(trainer.confusion(), split.class_names), key="tn_confusion")
    with right:
        st.markdown("**Predict a flower** (course: 5.1, 3.5, 1.4, 0.2 → setosa)")
        flower = {
            name: st.slider(name, 0.0, 8.0, value, 0.1, key=f"tn_flower_{index}")
            for index, (name, value) in enumerate(
                zip(split.feature_names, training_lib.COURSE_IRIS_FLOWER, strict=True)
            )
        }
        species, probabilities = trainer.predict_row(flower)
        st.metric("Predicted species", species, f"{probabilities.max():.1%} sure", delta_color="off")
    shown = (tuple(float(value) for value in flower.values()), species)
    st.markdown("**Decision boundary**: the same network trained on two features only")
    cells = st.columns(2)
    feature_x = cells[0].selectbox("x", split.feature_names, index=2, key="tn_bx", bind="query-params")
    feature_y = cells[1].selectbox("y", split.feature_names, index=3, key="tn_by", bind="query-params")
    if feature_x == feature_y:
        st.error("Choose two different features.", icon=":material/error:")
        return shown
    result = boundary(
        feature_x,
        feature_y,
        settings["hidden"],
        settings["learning_rate"],
        settings["epochs"],
        settings["seed"],
    )
    st.plotly_chart(boundary_figure(result), key="tn_boundary")
    st.caption(
        f"On these two features alone the network gets {result.test_accuracy:.1%} of the test flowers right."
    )
    return shown
