"""Feature maps & filters: what every layer of a trained CNN sees, map by map, with the kernels that made it."""

import numpy as np
import streamlit as st

from lib.cv.images import ImageError
from lib.nn.cnn_math import draw_field
from lib.nn.features import kernel_for_map, order_by_activity, receptive_field
from lib.nn.models import ALL_MODELS, ModelError
from ui import models
from ui.attribution import why_this_class
from ui.charts import kernel_figure, probability_figure
from ui.clickable import clickable_image
from ui.layout import code_panel, page_header, show_error, show_image, show_row, to_display_uint8
from ui.model_input import input_picker
from ui.sections.feature_maps import (
    feature_maps_code,
    first_layer_filters,
    map_grid,
    map_with_unit,
    one_value_by_hand,
    set_unit,
    statistics_frame,
    whole_network,
)

page_header(
    "Feature maps & filters",
    """
A convolution layer slides each of its **filters** over the input and writes one **feature map** per filter:
$\\text{map}_c(y, x) = b_c + \\sum w_c \\cdot \\text{patch}(y, x)$. Early filters answer "is there an edge or a
colour blob here?"; deeper maps combine them into parts. After each convolution comes a **ReLU**, max(0, x):
the negative (blue) answers vanish. Pooling then halves the map. Every layer below was computed in **one forward
pass** and kept; pick a layer, the most active maps come first. Compare with the **random-weights twin**:
the same architecture before training. Its random filters still respond to edges (any filter whose weights
do not cancel answers where the image changes), so its maps show outlines too — but no filter has learnt a
pattern worth finding. A CNN you trained on the **Train a CNN**
page is listed too, for as long as this session lasts; one you downloaded there in an earlier session comes back
through **Use a model you trained earlier**.
""",
    notes_fix="VGG and AlexNet use ReLU(inplace=True): it overwrites the convolution's output, so reading the conv "
    "layer after the forward pass shows post-ReLU maps. Here every activation is cloned as it is computed.",
)
st.caption(
    "Tools of the course (III.A–B): Adam Harley's visualiser shows every layer of a digit network as you draw, and "
    "CNN Explainer a Tiny VGG's maps and one kernel's arithmetic in the browser; this page does the same on your "
    "image with our models or yours, the kernel behind each map, and the PyTorch program that reproduces it."
)


def unit_slider(container, label: str, size: int, *, key: str) -> int:
    """A slider over a map's rows or columns; a map one unit across (global pooling) has only unit 0."""
    if size < 2:
        container.caption(f"{label}: 0 — the maps of this layer are 1 unit across.")
        return 0
    return container.slider(label, 0, size - 1, size // 2, key=key)


left, right = st.columns(2)
name = models.model_picker(left, ALL_MODELS, "fm_model")
models.upload_trained_model(left, "fm_model")  # a checkpoint downloaded from Train a CNN earlier
usable = models.is_usable(name)
random_weights = (
    right.toggle(
        "Random weights (untrained twin)", False, key="fm_random", bind="query-params", disabled=not usable
    )
    or not usable
)
if not usable:
    st.caption(
        models.offline_note(models.usable_models()) + " Showing this architecture with random weights."
    )
image, label, _ = input_picker(name, "fm")
try:
    if not random_weights:
        models.ensure_weights(name)
    run = models.feature_run(name, random_weights, image)
except (ModelError, ImageError) as error:
    show_error(str(error))
    st.stop()
model = models.twin(name) if random_weights else models.model(name)
st.caption(
    f"All {len(run.layers)} layers of {label} in one forward pass: **{run.seconds * 1000:.1f} ms** on {run.device}."
)

layer_key = f"fm_layer_{models.key_part(name)}"
# The whole network at a glance: every layer left to right; a click on a map sets the layer, map and unit below.
show_overview = whole_network(name, random_weights, image, run, layer_key)

st.subheader("One layer, all its maps")
spatial = [layer for layer in run.layers if layer.is_spatial]
by_name = {layer.name: layer for layer in spatial}
layer_name = st.selectbox(
    "Layer",
    list(by_name),
    format_func=lambda key: f"{key} — {by_name[key].kind} {'×'.join(map(str, by_name[key].shape))}",
    key=layer_key,
    bind="query-params",
)
layer = by_name[layer_name]


order = order_by_activity(layer.values)
cells = st.columns(3)
count = cells[0].slider("Maps shown (most active first)", 1, 64, 16, key="fm_count", bind="query-params")
columns = cells[1].slider("Columns", 2, 16, 8, key="fm_columns", bind="query-params")
shared = cells[2].toggle("One colour scale for all maps", True, key="fm_shared", bind="query-params")
shown = tuple(int(i) for i in order[: min(count, len(order))])
model_input = to_display_uint8(np.asarray(run.steps[-1][1]))
left, right = st.columns([1, 3])
with left:
    show_image(model_input, caption="Model input", columns_in_row=4)
with right:
    grid = map_grid(layer.values, shown, columns, shared)
    show_image(grid, caption=f"{layer_name}: the {len(shown)} most active of {len(order)} maps")
st.caption(
    "Blue = negative, white = 0, red = positive (maps before a ReLU); viridis from 0 for maps that cannot be negative."
)
with st.expander("Statistics per channel", icon=":material/table:"):
    st.dataframe(statistics_frame(layer.values, order), hide_index=True, key="fm_stats")

st.subheader("One map, its kernel and its receptive field")
cells = st.columns(3)
channel = cells[0].selectbox("Map (channel)", shown, key=f"fm_channel_{layer_name}")
show_overview((layer_name, channel))  # drawn above, the map open here framed
height, width = layer.values.shape[1:]
row = unit_slider(cells[1], "Unit row", height, key=f"fm_row_{layer_name}")
col = unit_slider(cells[2], "Unit column", width, key=f"fm_col_{layer_name}")
info = models.info(name)
box = receptive_field(model, run.layers, layer_name, (row, col), info.input_size)
field = draw_field(model_input, box, network_hw=model_input.shape[:2]) if box else model_input
sees = (
    f"Unit ({row}, {col}) sees {box.height}×{box.width} input pixels" if box else "Branching network: no box"
)
cells = st.columns([1, 1, 2])
with cells[0]:
    unit_map = map_with_unit(layer.values, channel, row, col)
    clickable_image(
        unit_map,
        key=f"fm_unit_click_{layer_name}",
        on_point=set_unit(f"fm_row_{layer_name}", f"fm_col_{layer_name}", (height, width), unit_map.shape),
        caption=f"Map {channel} of {layer_name} · click a unit",
        columns_in_row=4,
    )
with cells[1]:
    show_image(field, caption=sees)
with cells[2]:
    try:
        conv_name, weights, bias = kernel_for_map(model, run.layers, layer_name, channel)
        st.plotly_chart(kernel_figure(weights, bias), key="fm_kernel")
        st.caption(
            f"The {weights.shape[1]}×{weights.shape[2]} kernel of {conv_name} that made map {channel}."
        )
    except ValueError as error:
        st.caption(str(error))

# How one value was computed: the unit above, by hand, next to the forward pass's own value.
one_value_by_hand(model, run, layer_name, channel, row, col)

st.subheader("First-layer filters next to hand-made kernels")
show_row(*first_layer_filters(name, random_weights))
st.caption("Grey = 0, light = positive, dark = negative weights (colour filters show their RGB weights).")

st.subheader("The answer: softmax over the last layer")
st.plotly_chart(probability_figure(info.classes, run.probabilities, k=10), key="fm_softmax")
code_panel(feature_maps_code(name, layer_name, random_weights, image, layer.values))

why_this_class(name, image, model_input, run.probabilities, prefix="fm", random_weights=random_weights)
