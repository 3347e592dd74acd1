"""Train a network (II.K–M): the same tiny network two ways, regression on a table, iris classification live."""

import streamlit as st

from lib.nn import playground, training
from lib.nn.insurance import COURSE_PERSON
from lib.nn.programs import sources, torch_program
from ui.layout import code_panel, page_header, presentation_mode, show_error
from ui.sections.train_network import (
    dummy_run_panel,
    insurance_recipe_panel,
    iris_data,
    iris_results,
    network_controls,
    playground_controls,
    playground_live,
    regression_results,
    regression_table_controls,
    table_csv,
    train_table_live,
    trained_as_set,
)

page_header(
    "Train a network",
    """
A network is layers of $z = Wx + b$ followed by an activation such as ReLU. **Training** repeats four steps
every epoch: forward pass, **loss** (mean squared error for a number, cross-entropy for a class — it applies
softmax itself), `loss.backward()` for the gradients, `optimizer.step()` to update $W$ and $b$ (Adam here).
Watch both curves: when the **test** loss climbs while the training loss still falls, the network has started
to memorise its training rows (**overfitting**). The cures: stop at the best test epoch (early stopping),
regularise (weight decay, dropout), get more data or use a smaller network. A lower learning rate is not one:
it slows training, and the network still memorises if it trains long enough.
""",
    notes_fix="The notes' regression (II.L) predicts insurance charges from Kaggle's insurance.csv, which no "
    "package ships with a clear licence: the Regression tab trains the same 64 → 128 network on a synthetic "
    "insurance table instead — the course's columns and 1,338 rows, generated from a documented formula — so the "
    "1070/268 split, the 34 batches and predict_charges come out as in the notes (the charges are not real "
    "prices). scikit-learn's diabetes data is the second example; upload the real insurance.csv as Your CSV. "
    "The notes call it 'linear regression'; with ReLU hidden layers it is a non-linear "
    "regression network (a linear model is a single nn.Linear(n, 1)). The target is standardised here, so a few "
    "hundred epochs suffice instead of the notes' 10,000; metrics are in the target's own units.",
)

part = st.segmented_control(
    "Part",
    ["Two ways to write it", "Regression", "Iris classification", "Playground"],
    default="Two ways to write it",
    required=True,
    key="tn_part",
    bind="query-params",
)

if part == "Two ways to write it":
    # Projected type is too large for two code blocks side by side: one above the other.
    left, right = (st.container(), st.container()) if presentation_mode() else st.columns(2)
    left.markdown("**Functional** (subclass `nn.Module`, spell out `forward`): reuse outputs, branch, skip.")
    left.code(sources(training.SimpleFunctional), language="python", wrap_lines=True)
    right.markdown("**Sequential**: layers run in the listed order — simpler, for straight chains only.")
    right.code(sources(training.SimpleSequential), language="python", wrap_lines=True)
    hidden = int(st.number_input("hidden_size", 1, 512, 8, key="tn_hidden", bind="query-params"))
    functional_out, sequential_out, parameters = training.compare_two_ways(hidden_size=hidden)
    st.markdown(
        f"`SimpleFunctional(4, {hidden}, 3)` and `SimpleSequential(4, {hidden}, 3)` (the notes' `Simple` and "
        f"`SimpleNNSequential`) both have **{parameters}** parameters "
        f"— (4·{hidden} + {hidden}) weights and biases into the hidden layer, ({hidden}·3 + 3) out of it. Given the "
        f"same weights and the same 5 inputs, their outputs differ by at most "
        f"**{abs(functional_out - sequential_out).max():.1g}**:"
    )
    st.dataframe(functional_out, width="content")
    code_panel(
        torch_program(
            training.two_ways_snippet(hidden_size=hidden),
            reproduces="The same network written two ways: its parameters and both outputs for 5 inputs.",
            name="two_ways.py",
            result={
                "parameters": parameters,
                "outputs": functional_out.tolist(),
                "difference": float(abs(functional_out - sequential_out).max()),
            },
        )
    )
    dummy_run_panel()

elif part == "Regression":
    try:
        table = regression_table_controls()
        if table is not None:
            frame, target, features, source = table
            settings = network_controls(
                "tn_reg", hidden=training.COURSE_REGRESSION_HIDDEN, epochs=100, max_epochs=5000
            )
            split = training.prepare_table(frame, target=target, features=features, seed=settings["seed"])
    except ValueError as error:
        show_error(f"{error}")
        table = None
    if table is not None:
        st.caption(
            f"{len(split.y_train)} training rows, {len(split.y_test)} test rows (80/20, seed {settings['seed']})."
        )
        trainer = train_table_live(
            "tn_reg", split, settings, accuracy=False, table=(source, target, tuple(features))
        )
        shown = {"train_rows": len(split.y_train), "test_rows": len(split.y_test)}
        if trainer is None:
            st.info("Press **Train** and watch the loss fall, epoch by epoch.")
        elif trainer.history:
            report = regression_results(trainer, start=COURSE_PERSON if source == "insurance" else None)
            if trained_as_set(trainer, settings, split):  # else the script trains other settings than these
                shown.update(report)
        code_panel(
            torch_program(
                training.regression_snippet(
                    split,
                    source=source,
                    hidden_sizes=settings["hidden"],
                    learning_rate=settings["learning_rate"],
                    epochs=settings["epochs"],
                    seed=settings["seed"],
                ),
                reproduces=f"Regression of {target}: the split, then the test metrics after training.",
                name="regression.py",
                result=shown,
                files={} if source == "diabetes" else {"your_table.csv": table_csv(frame)},
            )
        )
        if source == "insurance":
            insurance_recipe_panel()

elif part == "Playground":
    st.markdown(
        "After [TensorFlow Playground](https://playground.tensorflow.org): 500 points in the plane, two "
        "classes, a tiny network that learns to tell them apart. The background is the network's "
        "probability of class 1 (red) at every point; each small map is one hidden neuron's output over the "
        "same plane, so you can see how later layers combine the shapes the first layer draws. Try XOR with "
        "no hidden layer (a straight line cannot do it), then with one layer of 4 tanh neurons; or the "
        "circle with x1² and x2² as inputs and no hidden layer at all. Loss: binary cross-entropy (Playground "
        "uses squared error); optimiser: plain SGD, one step per mini-batch."
    )
    try:
        pg_settings = playground_controls()
        pg_max = int(
            st.number_input("Train up to (epochs)", 1, 5000, 1000, key="pg_max", bind="query-params")
        )
        pg_trainer = playground_live(pg_settings, max_epochs=pg_max)
    except ValueError as error:
        show_error(f"{error}")
        pg_trainer = None
    if pg_trainer is not None:
        pg_last = pg_trainer.history[-1]
        code_panel(
            torch_program(
                playground.playground_script(pg_settings, epochs=pg_last.epoch),
                reproduces=f"The playground's data and network after {pg_last.epoch} epochs: both losses.",
                name="playground.py",
                result={
                    "epochs": pg_last.epoch,
                    "train_loss": pg_last.train_loss,
                    "test_loss": pg_last.test_loss,
                },
            )
        )

else:
    frame, names = iris_data()
    settings = network_controls("tn_iris", hidden=training.COURSE_IRIS_HIDDEN, epochs=500, max_epochs=5000)
    split = training.prepare_table(
        frame, target="target", task="classification", class_names=names, seed=settings["seed"]
    )
    st.caption(
        "150 flowers, 4 measurements in cm, 3 species; stratified 80/20 split: 120 to train, 30 to test."
    )
    trainer = train_table_live("tn_iris", split, settings, accuracy=True)
    shown = {"train_rows": len(split.y_train), "test_rows": len(split.y_test)}
    flower = training.COURSE_IRIS_FLOWER
    if trainer is None:
        st.info(
            "Press **Train**: the course's 4 → 16 → 16 → 3 network with Adam 0.01 reaches about 96 % in 500 epochs."
        )
    elif trainer.history:
        flower, species = iris_results(trainer, settings)
        if trained_as_set(trainer, settings, split):  # else the script trains other settings than these
            shown.update(test_accuracy=trainer.test_accuracy(), predicted=species)
    code_panel(
        torch_program(
            training.iris_snippet(
                hidden_sizes=settings["hidden"],
                learning_rate=settings["learning_rate"],
                epochs=settings["epochs"],
                seed=settings["seed"],
                flower=flower,
            ),
            reproduces="Iris classification: the split, then the test accuracy and the flower's species.",
            name="iris.py",
            result=shown,
        )
    )
