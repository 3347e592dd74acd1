"""The Train a network page's own widget groups and cached wrappers (app_pages/train_network.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from lib.nn import training as training_lib
from lib.nn.records import confusion_matrix, examples_in_cell, find_mistakes
from ui.charts import boundary_figure
from ui.confusion import confusion_cell
from ui.live_training import LEARNING_RATES, draw_history, run_live, settings_of, training_buttons


@st.cache_data(max_entries=2, show_spinner=False)
def iris_data() -> tuple[pd.DataFrame, tuple[str, ...]]:
    return training_lib.iris_frame()


@st.cache_data(max_entries=2, show_spinner=False)
def insurance_data() -> pd.DataFrame:
    from lib.nn.insurance import insurance_frame

    return insurance_frame()


@st.cache_data(max_entries=4, show_spinner="Training on mini-batches of 32…")
def insurance_recipe(epochs: int) -> dict:
    from lib.nn.insurance import run_recipe

    return run_recipe(insurance_data(), epochs=epochs)


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


def prediction_form(split: training_lib.TableSplit, *, key: str, start: dict | None = None) -> dict:
    """An input per feature (category select or number, starting at `start`'s value or the training median)
    -> raw values."""
    start = start or {}
    values: dict = {}
    cells = st.columns(min(4, len(split.feature_names)))
    for index, name in enumerate(split.feature_names):
        cell = cells[index % len(cells)]
        if name in split.categories:
            options = split.categories[name]
            first = options.index(start[name]) if start.get(name) in options else 0
            values[name] = cell.selectbox(name, options, index=first, key=f"{key}_{index}")
        else:
            column = split.raw_train[:, index]
            values[name] = cell.number_input(
                name,
                value=float(start.get(name, np.median(column))),
                format="%.4g",
                key=f"{key}_{index}",
                help=f"Training rows range from {column.min():.4g} to {column.max():.4g}",
            )
    return values


def regression_table_controls() -> tuple[pd.DataFrame, str, list[str], str] | None:
    """Pick the table: scikit-learn's diabetes data or an uploaded CSV with target and feature columns."""
    source = st.segmented_control(
        "Data",
        ["Insurance (synthetic)", "Diabetes (scikit-learn)", "Your CSV"],
        default="Insurance (synthetic)",
        required=True,
        key="tn_source",
        bind="query-params",
    )
    if source == "Insurance (synthetic)":
        from lib.nn import insurance

        frame = insurance_data()
        st.caption(
            f"{len(frame):,} people with the course's columns — age, sex, bmi, children, smoker, region → charges. "
            "**Synthetic**: the notes' Kaggle table ships with no clear licence, so these rows are generated "
            "(seed 42) from a documented formula — a smoker pays 13,000 more plus 1,450 per BMI point over 25, "
            "everyone 260 per year of age and 475 per child — with ±12 % noise. Same shape and split as the "
            "notes, not real prices."
        )
        target = insurance.INSURANCE_TARGET
        return frame, target, [c for c in frame.columns if c != target], "insurance"
    if source == "Diabetes (scikit-learn)":
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


def regression_results(trainer: training_lib.TableTrainer, *, start: dict | None = None) -> dict[str, float]:
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
    values = prediction_form(trainer.split, key="tn_reg_form", start=start)
    st.metric(f"Predicted {target}", f"{trainer.predict_row(values):.4g}")
    return report


def flowers_frame(
    split: training_lib.TableSplit,
    positions: np.ndarray,
    true: np.ndarray,
    predicted: np.ndarray,
    probabilities: np.ndarray,
) -> pd.DataFrame:
    """Test rows at `positions`: the true and predicted species, the probability the network gave each of
    the two, and the four measurements (cm); indexed by test row."""
    names = np.asarray(split.class_names, dtype=object)
    frame = pd.DataFrame(
        {
            "true": names[true[positions]],
            "predicted": names[predicted[positions]],
            "P(predicted)": probabilities[positions, predicted[positions]],
            "P(true)": probabilities[positions, true[positions]],
        },
        index=pd.Index(positions, name="test row"),
    )
    measurements = pd.DataFrame(
        split.raw_test[positions], columns=list(split.feature_names), index=frame.index
    )
    return frame.join(measurements)


def test_flowers(
    split: training_lib.TableSplit,
    true: np.ndarray,
    predicted: np.ndarray,
    probabilities: np.ndarray,
    cell: tuple[int, int] | None,
) -> None:
    """The clicked cell's test flowers as a table (or, with no cell chosen, the misclassified ones)."""
    from ui.confusion import cell_heading, empty_cell_text

    if cell is None:
        positions = np.array(
            [m.index for m in find_mistakes(np.arange(len(true)), true, probabilities, split.class_names)],
            dtype=np.int64,
        )
        st.markdown(f"**Misclassified test flowers** ({len(positions)}, most confident first)")
        empty = "None: every test flower is right."
    else:
        positions = examples_in_cell(true, predicted, probabilities, cell)
        st.markdown(f"**{cell_heading(split.class_names, cell, len(positions), 'flowers')}**")
        empty = empty_cell_text(split.class_names, cell, "test flower")
    if len(positions) == 0:
        st.caption(empty)
        return
    st.dataframe(
        flowers_frame(split, positions, true, predicted, probabilities),
        key="tn_cell_flowers",
        column_config={
            "P(predicted)": st.column_config.NumberColumn(format="percent"),
            "P(true)": st.column_config.NumberColumn(format="percent"),
        },
    )


def iris_results(trainer: training_lib.TableTrainer, settings: dict) -> tuple[tuple[float, ...], str]:
    """Accuracy, confusion matrix, the four-slider flower, and the decision boundary on two features.

    Returns the flower's four values and the species predicted for it (for the Code panel).
    """
    split = trainer.split
    cells = st.columns(3)
    cells[0].metric("Test accuracy", f"{trainer.test_accuracy():.1%}")
    cells[1].metric("Train accuracy", f"{trainer.history[-1].train_accuracy:.1%}")
    cells[2].metric("Epochs", len(trainer.history))
    true, predicted, test_probabilities = trainer.test_predictions()
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Confusion matrix** ({len(split.y_test)} test flowers)")
        matrix = confusion_matrix(true, predicted, len(split.class_names))
        cell = confusion_cell(matrix, split.class_names, key="tn_confusion", trainer=trainer)
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
    test_flowers(split, true, predicted, test_probabilities, cell)
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


# ---------------------------------------------------------------------------------------------------------
# Playground tab (issue 14 part 3): TensorFlow Playground's 2-D classification, trained live in a fragment.

PLAYGROUND_DATASETS = {"Circle": "circle", "XOR": "xor", "Two Gaussians": "gaussians", "Spiral": "spiral"}
PLAYGROUND_FEATURE_KEYS = {  # feature -> its checkbox's URL key
    "x1": "pg_x1",
    "x2": "pg_x2",
    "x1²": "pg_x1sq",
    "x2²": "pg_x2sq",
    "x1·x2": "pg_x1x2",
    "sin x1": "pg_sinx1",
    "sin x2": "pg_sinx2",
}
PLAYGROUND_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # Playground's list
PLAYGROUND_PENALTIES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
PLAYGROUND_FRAME_SECONDS = 0.4  # the live loop reruns its fragment this often while training
# Each rerun trains whole epochs for at most this much of its thread's CPU time (at least one epoch).
PLAYGROUND_FRAME_CPU = 0.04
PLAYGROUND_DEFAULT_NEURONS = (4, 2, 2, 2)


def playground_controls() -> Any:
    """Data, inputs, network and training controls (all URL-bound, the seed too) -> PlaygroundSettings."""
    from lib.nn import playground as playground_lib
    from ui.layout import control_cells, presentation_mode

    # the four data sets' names need a wider first cell to stay on one line
    cells = control_cells(4, per_row=2) if presentation_mode() else st.columns([2.4, 1, 1, 1])
    data = cells[0].segmented_control(
        "Data", list(PLAYGROUND_DATASETS), default="Circle", required=True, key="pg_data", bind="query-params"
    )
    noise = cells[1].slider("Noise (%)", 0, 50, 0, 5, key="pg_noise", bind="query-params")
    train_percent = cells[2].slider("Training data (%)", 10, 90, 50, 10, key="pg_ratio", bind="query-params")
    seed = cells[3].number_input("Seed", 0, 2**31 - 1, 0, key="pg_seed", bind="query-params")
    st.markdown("**Inputs** (what the first layer sees)")
    boxes = control_cells(len(PLAYGROUND_FEATURE_KEYS), per_row=4)
    features = tuple(
        name
        for box, (name, key) in zip(boxes, PLAYGROUND_FEATURE_KEYS.items(), strict=True)
        if box.checkbox(name, value=name in ("x1", "x2"), key=key, bind="query-params")
    )
    cells = control_cells(5, per_row=3)
    layers = int(
        cells[0].number_input(
            "Hidden layers", 0, playground_lib.MAX_HIDDEN_LAYERS, 2, key="pg_layers", bind="query-params"
        )
    )
    neurons = tuple(
        int(
            cell.number_input(
                f"Neurons in layer {index + 1}",
                1,
                playground_lib.MAX_NEURONS,
                PLAYGROUND_DEFAULT_NEURONS[index],
                key=f"pg_n{index + 1}",
                bind="query-params",
                disabled=index >= layers,
            )
        )
        for index, cell in enumerate(cells[1:])
    )
    cells = control_cells(5, per_row=3)
    activation = cells[0].selectbox(
        "Activation", playground_lib.ACTIVATIONS, index=1, key="pg_act", bind="query-params"
    )
    rate = cells[1].select_slider(
        "Learning rate (SGD)", PLAYGROUND_RATES, value=0.03, key="pg_lr", bind="query-params"
    )
    batch = cells[2].slider("Batch size", 1, 30, 10, key="pg_batch", bind="query-params")
    regularization = cells[3].segmented_control(
        "Regularisation",
        playground_lib.REGULARIZATIONS,
        default="none",
        required=True,
        key="pg_reg",
        bind="query-params",
    )
    penalty = cells[4].select_slider(
        "Regularisation rate", PLAYGROUND_PENALTIES, value=0.0, key="pg_rate", bind="query-params"
    )
    return playground_lib.PlaygroundSettings(
        dataset=PLAYGROUND_DATASETS[data],
        noise=int(noise) / 100,
        train_fraction=int(train_percent) / 100,
        features=features,
        hidden_sizes=neurons[:layers],
        activation=activation,
        learning_rate=float(rate),
        batch_size=int(batch),
        regularization=regularization,
        rate=float(penalty),
        seed=int(seed),
    )


def playground_live(settings: Any, *, max_epochs: int) -> Any:
    """The session's network for these settings (a change of any setting starts a new one, as in Playground)
    and its live view; returns the trainer. Train runs a fragment every PLAYGROUND_FRAME_SECONDS, each rerun
    training whole epochs for at most PLAYGROUND_FRAME_CPU of CPU, so other students' pages are not held up
    and Stop (a click in the fragment) is seen within one rerun."""
    from lib.nn import playground as playground_lib

    run = st.session_state.get("pg_run")
    if run is None or run["trainer"].settings != settings:
        run = {"trainer": playground_lib.PlaygroundTrainer(settings), "running": False, "max": max_epochs}
        st.session_state["pg_run"] = run
    run["max"] = max_epochs
    every = PLAYGROUND_FRAME_SECONDS if run["running"] else None
    st.fragment(_playground_frame, run_every=every)()
    return run["trainer"]


def _playground_frame() -> None:
    """One rerun of the live view: the buttons, then (while training) a bounded number of epochs, then the
    boundary, the hidden neurons and the curves as they are now."""
    import time

    run = st.session_state["pg_run"]
    trainer = run["trainer"]
    cells = st.columns(4)
    train = cells[0].button(
        "Train", key="pg_train", type="primary", icon=":material/play_arrow:", disabled=run["running"]
    )
    step = cells[1].button("Step", key="pg_step", icon=":material/skip_next:", help="Train one epoch")
    stop = cells[2].button("Stop", key="pg_stop", icon=":material/stop:", disabled=not run["running"])
    reset = cells[3].button(
        "Reset",
        key="pg_reset",
        icon=":material/restart_alt:",
        help="Back to epoch 0: the same first weights (another seed gives others)",
    )
    if reset:
        st.session_state.pop("pg_run", None)
        st.rerun()
    if train and trainer.epoch < run["max"]:
        run["running"] = True
        st.rerun()  # the whole page, so the fragment is registered again with its timer
    if stop or step:
        if step:
            trainer.step(1)
        run["running"] = False
        st.rerun()  # the whole page: the timer stops and the Code panel catches up
    if run["running"]:
        started = time.thread_time()
        while trainer.epoch < run["max"]:
            begun = time.thread_time()
            trainer.step(1)
            now = time.thread_time()
            if now - started + (now - begun) > PLAYGROUND_FRAME_CPU:  # another epoch would overrun the budget
                break
        run["frame_cpu"] = time.thread_time() - started
        if trainer.epoch >= run["max"]:
            run["running"] = False
            st.rerun()
    started = time.thread_time()
    draw_playground(trainer)
    run["draw_cpu"] = time.thread_time() - started  # measured for benchmarks/README.md (server CPU per rerun)


def draw_playground(trainer: Any) -> None:
    """Metrics, the decision boundary with the points, each hidden neuron's map, and the loss curves."""
    from lib.nn import playground as playground_lib
    from ui.charts import history_figure
    from ui.layout import presentation_mode

    last = trainer.history[-1]
    cells = st.columns(3)
    cells[0].metric("Epoch", last.epoch)
    cells[1].metric("Train loss", f"{last.train_loss:.3f}")
    cells[2].metric("Test loss", f"{last.test_loss:.3f}")
    probability, hidden = trainer.grid()
    left, right = (st.container(), st.container()) if presentation_mode() else st.columns([3, 2])
    with left:
        st.plotly_chart(playground_figure(trainer, probability), key="pg_boundary")
    with right:
        if not hidden:
            st.caption("No hidden layer: the boundary is a straight line in the inputs the network sees.")
        width = 128 if presentation_mode() else 84
        for index, outputs in enumerate(hidden):
            st.markdown(f"**Layer {index + 1}**: each neuron's output over the plane")
            st.image(
                [_png_url(playground_lib.neuron_picture(values)) for values in outputs],
                caption=[f"{index + 1}.{neuron + 1}" for neuron in range(len(outputs))],
                width=width,
            )
    st.plotly_chart(
        history_figure(trainer.history, accuracy=False), key=f"pg_curves_{len(trainer.history) > 1}"
    )


def _png_url(picture: np.ndarray) -> str:
    """A small picture as a PNG data: URL at its own size (the browser scales it up smoothly): about 0.1 ms for
    a 50 x 50 map, where ui.layout.display_url's 256-pixel blow-up costs about 1 ms, 32 times per rerun. A data URL
    travels in the message itself (media files could be deleted by the next rerun before the browser fetched them).
    """
    import base64

    from lib.cv.images import encode_png

    return "data:image/png;base64," + base64.b64encode(encode_png(picture)).decode("ascii")


def playground_figure(trainer: Any, probability: np.ndarray) -> Any:
    """The plane coloured by P(class 1) (blue 0, white 0.5, red 1), training points filled, test points as ×."""
    import plotly.graph_objects as go

    from lib.cv.display import NEGATIVE, POSITIVE, signed_colourscale
    from lib.nn import playground as playground_lib
    from ui.layout import plot_font_size

    axis, _ = playground_lib.grid_points(probability.shape[0])
    figure = go.Figure(
        go.Heatmap(
            x=axis,
            y=axis,
            z=np.round(probability, 3),  # 3 decimals: a smaller message each rerun
            zmin=0.0,
            zmax=1.0,
            colorscale=signed_colourscale(),
            opacity=0.6,
            colorbar=dict(title="P(class 1)", thickness=12),
            hovertemplate="x1 %{x:.2f}, x2 %{y:.2f}: P(class 1) %{z:.2f}<extra></extra>",
        )
    )
    for points, labels, part, symbol in (
        (trainer.train_points, trainer.train_labels, "train", "circle"),
        (trainer.test_points, trainer.test_labels, "test", "x"),
    ):
        for label, colour in ((0, NEGATIVE), (1, POSITIVE)):
            chosen = points[labels == label]
            figure.add_scatter(
                x=chosen[:, 0],
                y=chosen[:, 1],
                mode="markers",
                name=f"class {label} ({part})",
                marker=dict(color=f"rgb{colour}", symbol=symbol, size=7, line=dict(color="white", width=0.5)),
            )
    limit = playground_lib.DOMAIN
    figure.update_xaxes(range=[-limit, limit], title="x1")
    figure.update_yaxes(range=[-limit, limit], title="x2", scaleanchor="x")
    figure.update_layout(
        height=460,
        margin=dict(l=10, r=10, t=10, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        font_size=plot_font_size(),
    )
    return figure


def insurance_recipe_panel() -> None:
    """II.N: the notes' recipe on mini-batches of 32 (Dataset, DataLoader, the batch loop), predict_charges."""
    from lib.nn import insurance
    from lib.nn.programs import sources, torch_program
    from ui.layout import code_panel

    st.markdown(
        "**The notes' recipe, in mini-batches (II.N).** The network above sees all 1,070 training rows in one step "
        "per epoch. The notes then wrap them in a `Dataset` (`__len__`, `__getitem__`) and a "
        "`DataLoader(batch_size=32, shuffle=True)`: 1,070 rows make ⌈1070 / 32⌉ = 34 batches, so the weights "
        "are updated 34 times per epoch (the last batch holds 14 rows), and memory holds one batch at a time. "
        "`num_workers` sets how many extra processes prepare the next batches while the model trains on this "
        "one: `0` (the default) loads them in the main process. On Streamlit Community Cloud keep 0 — the app "
        "runs in a small shared container, and each worker is a whole Python process with its own copy of the "
        "dataset; for a table in memory there is nothing slow to load ahead anyway."
    )
    epochs = int(
        st.number_input(
            "Epochs (the notes: 1000)", 1, 200, insurance.COURSE_INSURANCE_EPOCHS, key="tn_ins_epochs",
            bind="query-params",
        )
    )  # fmt: skip
    result = insurance_recipe(epochs)
    cells = st.columns(4)
    cells[0].metric("Train / test rows", f"{result['train_rows']} / {result['test_rows']}")
    cells[1].metric("Batches per epoch", result["batches_per_epoch"])
    cells[2].metric("R² (test)", f"{result['r2']:.3f}")
    cells[3].metric(
        "predict_charges(19, 'female', 27.9, 0, 'yes', 'southwest')", f"{result['predicted_charge']:,.2f}"
    )
    formula = insurance.expected_charges(**insurance.COURSE_PERSON)
    st.caption(
        f"The formula that generated the table gives {formula:,.2f} for this person before noise; the network "
        "learned it from 1,070 noisy rows."
    )
    recipe = sources(
        insurance.InsuranceDataset,
        insurance.SimpleNNRegressionModel,
        insurance.prepare_insurance,
        insurance.train_in_batches,
        insurance.predict_charges,
        insurance.insurance_recipe,
    )
    snippet = (
        "import numpy as np\nimport pandas as pd\nimport torch\nimport torch.nn as nn\nimport torch.optim as optim\n"
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.preprocessing import LabelEncoder, StandardScaler\n"
        "from torch.utils.data import DataLoader, Dataset\n\n"
        "torch.set_num_threads(1)  # a network this small trains fastest on one thread\n\n"
        f"{recipe}\n"
        'df = pd.read_csv("insurance.csv")  # synthetic, with the course columns (see the page)\n'
        f"result = insurance_recipe(df, epochs={epochs})\n"
    )
    code_panel(
        torch_program(
            snippet,
            reproduces="The notes' insurance regression in mini-batches of 32, and their predict_charges call.",
            name="insurance_batches.py",
            result=result,
            files={"insurance.csv": lambda: insurance.insurance_csv(insurance_data())},
        )
    )


def dummy_run_panel() -> None:
    """II.K: the functional network trained on 10 random rows for 3 classes; the loss every epoch."""
    from lib.nn import loops
    from lib.nn.programs import sources, torch_program
    from lib.nn.training import SimpleFunctional
    from ui.layout import code_panel

    st.markdown(
        "**Train it on dummy data (II.K).** `x = torch.rand(10, 4)` — 10 samples of 4 features — and "
        "`y = torch.randint(0, 3, (10,))`, 10 labels among 3 classes; `nn.CrossEntropyLoss()` (it applies "
        "log-softmax itself, so the model ends without a softmax) and `Adam(lr=0.01)`. Every epoch: zero the "
        "gradients, forward, loss, `backward()`, `step()`. The labels are random, so falling loss here means the "
        "network memorises these 10 rows — nothing it could use on new data."
    )
    epochs = int(
        st.number_input(
            "Epochs (the notes: 50, then 120)", 1, 1000, loops.COURSE_DUMMY_EPOCHS, key="tn_dummy_epochs",
            bind="query-params",
        )
    )  # fmt: skip
    losses = dummy_losses(epochs)
    st.line_chart(
        pd.DataFrame({"cross-entropy loss": losses}, index=range(1, epochs + 1)), x_label="epoch", height=220
    )
    st.caption(f"Loss after epoch 1: {losses[0]:.4f}; after epoch {epochs}: {losses[-1]:.4f}.")
    snippet = (
        "import torch\nimport torch.nn as nn\nimport torch.optim as optim\n\n"
        f"{sources(SimpleFunctional, loops.dummy_training_run)}\n"
        f"result = dummy_training_run(epochs={epochs})\n"
    )
    code_panel(
        torch_program(
            snippet,
            reproduces="The notes' dummy training run: the cross-entropy loss after every epoch.",
            name="dummy_training.py",
            result=losses,
        )
    )


@st.cache_data(max_entries=8, show_spinner=False)
def dummy_losses(epochs: int) -> list[float]:
    from lib.nn import loops

    return loops.run_dummy_training(epochs)
