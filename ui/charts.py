"""Plotly figures: histograms, training curves, confusion matrices, decision boundaries, tensor heatmaps,
class probabilities, kernel weights and the layer block diagram.

Each takes font_size (default: ui.layout.plot_font_size(), larger in presentation mode)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lib.cv.display import signed_colourscale
from lib.nn import cnn_math
from lib.nn.cnn_math import LayerRow
from ui.layout import plot_font_size

if TYPE_CHECKING:  # torch: the annotation only, so the OpenCV pages' histograms never load it
    from lib.nn import training as training_lib

KIND_COLOURS = {
    "Input": "#9e9e9e",
    "Conv2d": "#4c78a8",
    "MaxPool2d": "#e45756",
    "AvgPool2d": "#f58518",
    "AdaptiveAvgPool2d": "#b279a2",
    "Linear": "#54a24b",
}


def block_diagram(
    rows: Sequence[LayerRow], input_shape: Sequence[int], *, height: int = 380, font_size: int | None = None
) -> go.Figure:
    """Layers as blocks in perspective: height ∝ map size, thickness ∝ log(channels); hover for details.

    font_size: the figure's base size (default: ui.layout.plot_font_size(), larger in presentation mode);
    block labels are 2 px smaller.
    """
    font_size = font_size or plot_font_size()
    figure = go.Figure()
    blocks = cnn_math.diagram_blocks(rows, input_shape)
    tallest = max(block.height / 2 + block.depth for block in blocks)
    for index, block in enumerate(blocks):
        colour = KIND_COLOURS.get(block.kind, "#777777")
        x0, x1, half, depth = block.x, block.x + block.width, block.height / 2, block.depth
        faces = [
            ([x0, x1, x1, x0, x0], [-half, -half, half, half, -half], 1.0),  # front
            (
                [x0, x1, x1 + depth, x0 + depth, x0],
                [half, half, half + depth, half + depth, half],
                0.7,
            ),  # top
            (
                [x1, x1 + depth, x1 + depth, x1, x1],
                [-half, -half + depth, half + depth, half, -half],
                0.5,
            ),  # side
        ]
        for xs, ys, opacity in faces:
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    fill="toself",
                    mode="lines",
                    line={"color": "#333333", "width": 0.8},
                    fillcolor=colour,
                    opacity=opacity,
                    hoverinfo="text",
                    text=f"{block.name} ({block.kind})<br>{block.label}",
                    showlegend=False,
                )
            )
        below = index % 2 == 0 or len(blocks) <= 10  # alternate labels when the blocks are crowded
        figure.add_annotation(
            x=x0 + (block.width + depth) / 2,
            y=-tallest - 0.2 if below else tallest + 0.2,
            text=f"{block.name}<br>{block.label}",
            showarrow=False,
            yanchor="top" if below else "bottom",
            font={"size": max(font_size - 2, 12)},  # no smaller than plotly's default
        )
    for kind in dict.fromkeys(block.kind for block in blocks):
        figure.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"color": KIND_COLOURS.get(kind, "#777777"), "size": 10, "symbol": "square"},
                name=kind,
            )
        )
    figure.update_layout(
        height=height + 8 * (font_size - 12),  # room for the larger labels above and below
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font_size=font_size,
        xaxis={"visible": False},
        yaxis={"visible": False, "range": [-tallest - 1.6, tallest + (1.6 if len(blocks) > 10 else 0.4)]},
        legend={"orientation": "h", "y": 1.1},
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return figure


def comparison_figure(keys: Sequence[str], *, font_size: int | None = None) -> go.Figure:
    """Parameters per weight layer of each preset, in order (log scale); font_size: as block_diagram's."""
    figure = go.Figure()
    for key in keys:
        rows = [row for row in cnn_math.analyze(*cnn_math.PRESETS[key]) if row.kind in ("Conv2d", "Linear")]
        figure.add_trace(
            go.Bar(
                x=list(range(1, len(rows) + 1)),
                y=[row.params for row in rows],
                name=cnn_math.PRESET_TITLES[key],
                hovertext=[f"{row.name}: {row.params:,}" for row in rows],
            )
        )
    figure.update_layout(
        barmode="group",
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="weight layer",
        yaxis={"title": "parameters", "type": "log"},
        legend={"orientation": "h", "y": -0.3},
        font_size=font_size or plot_font_size(),
    )
    return figure


# Line colours for histogram traces, by channel name.
TRACE_COLOURS = {
    "Red": "#d62728",
    "Green": "#2ca02c",
    "Blue": "#1f77b4",
    "Hue": "#ff7f0e",  # the course: orange for hue, green for saturation, blue for value
    "Saturation": "#2ca02c",
    "Value": "#1f77b4",
    "Gray": "#555555",
    "Before": "#999999",
    "After": "#9467bd",
}


def histogram_figure(
    curves: dict[str, np.ndarray],
    *,
    title: str,
    height: int = 300,
    marker: int | None = None,
    font_size: int | None = None,
) -> go.Figure:
    """One line per histogram (x = bin, y = pixel count); an optional dashed vertical line at `marker`.

    font_size: the figure's base size (default: ui.layout.plot_font_size(), larger in presentation mode).

    Built from plain dicts in one go: go.Scatter objects plus add_vline cost ~10x more per rerun.
    """
    data = [
        {
            "type": "scatter",
            "x": np.arange(len(counts)),
            "y": counts,
            "name": name,
            "mode": "lines",
            "line": {"color": TRACE_COLOURS.get(name, "#333333"), "width": 1.5},
        }
        for name, counts in curves.items()
    ]
    layout = {
        "title": {"text": title},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "xaxis": {"title": {"text": "bin (pixel value)"}},
        "yaxis": {"title": {"text": "pixels"}},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1},
        "font": {"size": font_size or plot_font_size()},
    }
    if marker is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "x0": marker,
                "x1": marker,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"dash": "dash", "color": "#444444"},
            }
        ]
        layout["annotations"] = [
            {
                "x": marker,
                "y": 1,
                "yref": "paper",
                "text": str(marker),
                "showarrow": False,
                "yanchor": "bottom",
            }
        ]
    return go.Figure(data=data, layout=layout)


def probability_figure(
    classes: tuple[str, ...], probabilities: np.ndarray, *, k: int, font_size: int | None = None
) -> go.Figure:
    """Horizontal bars of the k most likely classes, best on top (k clamped to the number of classes).

    font_size: the figure's base size (default: ui.layout.plot_font_size(), larger in presentation mode).
    """
    from ui.layout import plot_font_size

    font_size = font_size or plot_font_size()
    k = min(k, len(classes))
    order = np.argsort(-probabilities)[:k][::-1]
    figure = go.Figure(
        go.Bar(
            x=probabilities[order],
            y=[classes[i] for i in order],
            orientation="h",
            text=[f"{probabilities[i]:.1%}" for i in order],
            textposition="auto",
            marker_color="#4c78a8",
        )
    )
    figure.update_layout(
        height=80 + (font_size + 20) * k,  # 32 px a bar at plotly's 12 px
        margin=dict(l=10, r=10, t=10, b=10),
        font_size=font_size,
        xaxis=dict(range=[0, 1], title="probability"),
        yaxis=dict(type="category"),  # class names such as "3" are labels, not numbers
    )
    return figure


def kernel_figure(weights: np.ndarray, bias: float, *, font_size: int | None = None) -> go.Figure:
    """A kernel's weights (I, k, k) as heatmaps, one per input channel (at most 8), numbers on small ones.

    font_size: as probability_figure's.
    """
    from ui.layout import plot_font_size

    font_size = font_size or plot_font_size()
    shown = weights[:8]
    limit = float(np.abs(shown).max()) or 1.0
    figure = make_subplots(rows=1, cols=len(shown), subplot_titles=[f"input {i}" for i in range(len(shown))])
    for index, kernel in enumerate(shown):
        small = kernel.size <= 49
        figure.add_trace(
            go.Heatmap(
                z=kernel,
                zmin=-limit,
                zmax=limit,
                colorscale=signed_colourscale(),  # the signed map of every page
                showscale=index == 0,
                texttemplate="%{z:.2f}" if small else None,  # float32 -> JSON would print 0.0700000003
                textfont=dict(size=font_size),
            ),
            row=1,
            col=index + 1,
        )
        figure.update_yaxes(autorange="reversed", showticklabels=False, row=1, col=index + 1)
        figure.update_xaxes(showticklabels=False, row=1, col=index + 1)
    figure.update_layout(
        height=230 + 4 * (font_size - 12),
        margin=dict(l=10, r=10, t=40, b=10),
        title=f"bias {bias:+.3f}",
        font_size=font_size,
    )
    return figure


def heatmap(tensor, *, title: str = "", font_size: int | None = None) -> go.Figure:
    """Values of a 0-D to 2-D tensor (or the first slice of a bigger one) as a heatmap with numbers on small ones.

    font_size: the figure's base size (default: ui.layout.plot_font_size(), larger in presentation mode).
    """
    from lib.nn.tensors import tensor_panels

    _, values = tensor_panels(tensor, max_panels=1)[0]
    if values.shape[0] > 100 or values.shape[1] > 100:  # a browser chart of a million cells helps nobody
        values = values[:100, :100]
        title = title or "the first 100 × 100 values"
    values = values.astype(np.float64)
    figure = go.Figure(
        go.Heatmap(
            z=values,
            colorscale="Viridis",
            text=np.round(values, 3) if values.size <= 144 else None,
            texttemplate="%{text}" if values.size <= 144 else None,
        )
    )
    figure.update_yaxes(autorange="reversed", title="row (dim 0)", dtick=1 if values.shape[0] <= 20 else None)
    figure.update_xaxes(title="column (dim 1)", dtick=1 if values.shape[1] <= 20 else None)
    figure.update_layout(
        height=min(420, 120 + 28 * values.shape[0]),
        margin=dict(l=10, r=10, t=30, b=10),
        title=title,
        font_size=font_size or plot_font_size(),
    )
    return figure


def history_figure(
    history: Sequence[Any], *, accuracy: bool, val_name: str = "test", font_size: int | None = None
) -> go.Figure:
    """Loss (and accuracy) per epoch, for training and held-out data (font_size: as heatmap's)."""
    epochs = [m.epoch for m in history]
    figure = go.Figure()
    figure.add_scatter(x=epochs, y=[m.train_loss for m in history], name="train loss", mode="lines")
    held_out = [m.test_loss if hasattr(m, "test_loss") else m.val_loss for m in history]
    figure.add_scatter(x=epochs, y=held_out, name=f"{val_name} loss", mode="lines")
    if accuracy:
        train_accuracy = [m.train_accuracy for m in history]
        held_accuracy = [m.test_accuracy if hasattr(m, "test_accuracy") else m.val_accuracy for m in history]
        figure.add_scatter(
            x=epochs, y=train_accuracy, name="train accuracy", yaxis="y2", line=dict(dash="dot")
        )
        figure.add_scatter(
            x=epochs, y=held_accuracy, name=f"{val_name} accuracy", yaxis="y2", line=dict(dash="dot")
        )
        figure.update_layout(yaxis2=dict(title="accuracy", overlaying="y", side="right", range=[0, 1.02]))
    figure.update_layout(
        height=340,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis_title="epoch",
        yaxis_title="loss",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        font_size=font_size or plot_font_size(),
    )
    return figure


def confusion_figure(
    matrix: np.ndarray,
    class_names: Sequence[str],
    *,
    clickable: bool = False,
    selected: tuple[int, int] | None = None,
    font_size: int | None = None,
) -> go.Figure:
    """Rows: the true class; columns: what the network said (font_size: as heatmap's).

    Cell (row i, column j) sits at x = j, y = i, the axes labelled with the class names. clickable: a
    transparent marker on every cell centre, customdata (i, j): plotly heatmaps emit no point selections,
    markers do (ui.confusion reads them). selected: that cell outlined.
    """
    matrix = np.asarray(matrix)
    names, positions = list(class_names), list(range(len(class_names)))
    cells = [(row, column) for row in positions for column in positions]
    hover = [f"true {names[row]} → predicted {names[column]}: {matrix[row, column]}" for row, column in cells]
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=positions,
            y=positions,
            colorscale="Blues",
            text=matrix,
            texttemplate="%{text}",
            hovertext=np.array(hover, dtype=object).reshape(matrix.shape),
            hovertemplate="%{hovertext}<extra></extra>",
            hoverinfo="skip" if clickable else None,
        )
    )
    if clickable:
        figure.add_scatter(
            x=[column for _, column in cells],
            y=[row for row, _ in cells],
            customdata=cells,
            mode="markers",
            marker=dict(size=36, color="rgba(0, 0, 0, 0)"),
            hovertext=hover,
            hovertemplate="%{hovertext}<br>click: show these<extra></extra>",
            showlegend=False,
            name="cells",
        )
    if selected is not None:
        row, column = selected
        figure.add_shape(
            type="rect",
            x0=column - 0.5,
            x1=column + 0.5,
            y0=row - 0.5,
            y1=row + 0.5,
            line=dict(color="#e45756", width=4),
        )
    last = len(names) - 0.5
    figure.update_yaxes(
        title="true class", tickvals=positions, ticktext=names, range=[last, -0.5], fixedrange=True
    )
    figure.update_xaxes(
        title="predicted class", tickvals=positions, ticktext=names, range=[-0.5, last], fixedrange=True
    )
    figure.update_layout(
        height=140 + 40 * len(class_names),
        margin=dict(l=10, r=10, t=10, b=10),
        font_size=font_size or plot_font_size(),
    )
    return figure


def boundary_figure(result: training_lib.DecisionBoundary, *, font_size: int | None = None) -> go.Figure:
    """The plane coloured by the predicted class, with every flower on top (font_size: as heatmap's)."""
    palette = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#b279a2"]
    n = len(result.class_names)
    scale = [[i / max(n - 1, 1), palette[i % len(palette)]] for i in range(n)]
    figure = go.Figure(
        go.Heatmap(
            x=result.xs,
            y=result.ys,
            z=result.predicted,
            colorscale=scale,
            opacity=0.35,
            showscale=False,
            hoverinfo="skip",
        )
    )
    for index, name in enumerate(result.class_names):
        points = result.points[result.labels == index]
        figure.add_scatter(
            x=points[:, 0],
            y=points[:, 1],
            mode="markers",
            name=name,
            marker=dict(color=palette[index % len(palette)], line=dict(color="white", width=1)),
        )
    figure.update_layout(
        height=420,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis_title=result.feature_x,
        yaxis_title=result.feature_y,
        font_size=font_size or plot_font_size(),
    )
    return figure
