"""A confusion matrix whose cells open their examples (Train a CNN, Transfer learning, Train a network's iris).

`confusion_cell` draws the matrix with a transparent marker on every cell (plotly heatmaps emit no point
selections) and returns the cell the student clicked, (true class, predicted class), or None; the page then
shows that cell's held-out items (lib.nn.records.examples_in_cell), `cell_heading` names them and
`probability_caption` says how sure the model was of its answer and of the truth.

The chosen cell lives in st.session_state[f"{key}_cell"], not in the URL: it means something only for one
training run, which a link cannot reopen (the model lives in this session). A new run (Train, Train more,
Stop after more epochs) clears it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import streamlit as st

from ui.charts import confusion_figure

CELL_EXAMPLES_SHOWN = (
    24  # images drawn for one cell (a diagonal one may hold hundreds); the heading counts all
)


def training_run(trainer: Any) -> tuple[int, int]:
    """Names one training run: the trainer (a new one per Train) and its epochs (Train more, Stop)."""
    return id(trainer), len(trainer.history)


def cell_state(trainer: Any, cell: tuple[int, int]) -> dict:
    """What st.session_state[f"{key}_cell"] holds: the cell and the training run it belongs to."""
    return {"run": training_run(trainer), "cell": (int(cell[0]), int(cell[1]))}


def cell_from_selection(selection: Any, n_classes: int) -> tuple[int, int] | None:
    """The (row, column) of the clicked marker in a plotly selection event, or None (nothing, or not a cell:
    the event comes from the browser, so anything outside the matrix is ignored)."""
    try:
        points = selection["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points or ():
        data = point.get("customdata") if isinstance(point, dict) else None
        if isinstance(data, list | tuple) and len(data) == 2:
            try:
                row, column = (int(value) for value in data)
            except (TypeError, ValueError):
                continue
            if 0 <= row < n_classes and 0 <= column < n_classes:
                return row, column
    return None


def confusion_cell(
    matrix: np.ndarray, class_names: Sequence[str], *, key: str, trainer: Any
) -> tuple[int, int] | None:
    """Draw the clickable confusion matrix (the chosen cell outlined) and return the chosen cell or None.

    matrix (classes, classes): rows the true class, columns the predicted one. key: the chart's key; the
    cell is kept in st.session_state[f"{key}_cell"] with the run it belongs to. trainer: the trainer whose
    predictions the matrix counts; a new trainer or more epochs on it clears the cell.
    """
    state_key, n_classes = f"{key}_cell", len(class_names)
    chosen = st.session_state.get(state_key)
    cell = None
    if isinstance(chosen, dict) and chosen.get("run") == training_run(trainer):
        cell = chosen.get("cell")
        if not (isinstance(cell, tuple) and len(cell) == 2 and all(0 <= v < n_classes for v in cell)):
            cell = None
    elif chosen is not None:
        st.session_state[state_key] = None  # from an earlier run: its cell counted other predictions

    def remember() -> None:
        clicked = cell_from_selection(st.session_state.get(key), n_classes)
        st.session_state[state_key] = cell_state(trainer, clicked) if clicked else None

    st.plotly_chart(
        confusion_figure(matrix, class_names, clickable=True, selected=cell),
        key=key,
        on_select=remember,
        selection_mode="points",
    )

    def forget() -> None:
        st.session_state[state_key] = None

    if cell is None:
        st.caption("Click a cell to see its examples: the diagonal holds the right answers.")
    else:
        st.button("Show all the mistakes again", key=f"{key}_clear", icon=":material/close:", on_click=forget)
    return cell


def cell_heading(class_names: Sequence[str], cell: tuple[int, int], count: int, noun: str = "images") -> str:
    """'true star → predicted hexagon: 3 images' (noun in the singular for one)."""
    row, column = cell
    things = noun if count != 1 else noun.removesuffix("s")
    return f"true {class_names[row]} → predicted {class_names[column]}: {count} {things}"


def probability_caption(probabilities: np.ndarray, cell: tuple[int, int], class_names: Sequence[str]) -> str:
    """One item's probabilities for the predicted class and the true one: 'hexagon 81% · star 12%'."""
    row, column = cell
    said = f"{class_names[column]} {probabilities[column]:.0%}"
    return said if row == column else f"{said} · {class_names[row]} {probabilities[row]:.0%}"


def empty_cell_text(class_names: Sequence[str], cell: tuple[int, int], item: str) -> str:
    """What an empty cell says: 'None: no validation image is a true star predicted hexagon.'"""
    row, column = cell
    return f"None: no {item} is a true {class_names[row]} predicted {class_names[column]}."


def cell_note(cell: tuple[int, int], class_names: Sequence[str], count: int, shown: int) -> str:
    """What the captions under a cell's images mean, and how many of them are shown."""
    row, column = cell
    meaning = (
        f"each image: the probability the model gave {class_names[column]}"
        if row == column
        else f"each image: the probability the model gave its answer {class_names[column]}, "
        f"then the true class {class_names[row]}"
    )
    order = f"the {shown} it was surest of shown" if shown < count else "the surest first"
    return f"{meaning[0].upper()}{meaning[1:]}; {order}."


def show_cell_images(
    images: Sequence[np.ndarray],
    probabilities: np.ndarray,
    positions: np.ndarray,
    cell: tuple[int, int],
    class_names: Sequence[str],
    *,
    columns: int = 4,
) -> None:
    """The heading and the images of one cell: images[k] and probabilities[k] are held-out item k; positions
    come from lib.nn.records.examples_in_cell (surest first); at most CELL_EXAMPLES_SHOWN are drawn, in
    rows of `columns` (half as many in presentation mode, where the captions' type is larger)."""
    from ui.layout import image_grid, presentation_mode

    if presentation_mode():
        columns = max(2, columns // 2)

    st.markdown(f"**{cell_heading(class_names, cell, len(positions))}**")
    if len(positions) == 0:
        st.caption(empty_cell_text(class_names, cell, "validation image"))
        return
    shown = positions[:CELL_EXAMPLES_SHOWN]
    image_grid(
        [images[position] for position in shown],
        [probability_caption(probabilities[position], cell, class_names) for position in shown],
        columns=columns,
    )
    st.caption(cell_note(cell, class_names, len(positions), len(shown)))
