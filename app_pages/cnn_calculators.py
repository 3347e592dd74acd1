"""CNN calculators: output size, parameters, multiply-adds and receptive field of every layer, checked by PyTorch."""

import streamlit as st

from lib.nn import cnn_math
from lib.nn.programs import torch_program
from ui.image_source import current_image
from ui.layer_tables import results_frame, shape_text, size_text
from ui.layout import code_panel, page_header, show_error
from ui.sections.cnn_calculators import (
    ann_vs_cnn_markdown,
    formulas_markdown,
    input_shape_controls,
    keep_valid_choice,
    layer_editor,
    receptive_field_on_image,
    single_layer_controls,
    verify_with_torch,
)

page_header(
    "CNN calculators",
    r"""
**Output size** of a convolution or pooling window along one axis: $O = \lfloor (I - K + 2P) / S \rfloor + 1$
(input $I$, kernel $K$, padding $P$, stride $S$; with dilation $D$ the kernel spans $D(K-1)+1$ pixels).
**Parameters**: a convolution has $(K \cdot K \cdot C_{in} + 1) \cdot C_{out}$, a dense layer $(N_{in} + 1) \cdot N_{out}$
— the $+1$ is the bias; pooling, ReLU and Flatten learn nothing. **Multiply-adds** (MACs) count the work.
The **receptive field** $r$ is how many input pixels one unit sees; the **jump** $j$ is how far apart
neighbouring units' fields are. Layer by layer: $r \mathrel{+}= (K-1)\cdot j$, then $j \mathrel{*}= S$.
""",
    notes_fix="The notes grow the receptive field by (K − 1) × the previous layer's stride. In fact it grows by "
    "(K − 1) × the jump, the product of all earlier strides. Both agree for stride-1 stacks (the notes' "
    "3, 5, 7, 9, 11) but not after two strided layers: AlexNet's conv2 sees 51 pixels, not 27.",
)

st.subheader("One layer")
size_in, kernel, padding, stride, dilation = single_layer_controls()
try:
    single = cnn_math.output_size(
        size_in, kernel, stride=stride, padding=cnn_math.parse_padding(padding), dilation=dilation
    )
except ValueError as error:
    show_error(str(error))
else:
    st.metric("Output size", f"{single.size} × {single.size}", help="For a square input and kernel")
    st.markdown(f"`{single.formula}`")
    if single.note:
        st.warning(single.note, icon=":material/grid_off:")

st.subheader("A whole network")
preset = st.selectbox(
    "Start from",
    list(cnn_math.PRESETS),
    index=list(cnn_math.PRESETS).index("example_g"),
    format_func=cnn_math.PRESET_TITLES.get,
    key="cnn_preset",
    bind="query-params",
)
preset_layers, preset_shape = cnn_math.PRESETS[preset]
input_shape = input_shape_controls(preset_shape, key=f"cnn_in_{preset}")
st.caption(
    "Edit the table: change a number, pick another kind, add or delete rows. Inputs follow from the row above."
)
layers, errors = cnn_math.layers_from_table(
    layer_editor(preset_layers, key=f"cnn_table_{preset}"), input_shape
)
for message in errors:
    show_error(f"{message}. The results stop at the row above it.")
rows = cnn_math.analyze(layers, input_shape)
if not rows:
    st.stop()
summary = cnn_math.summarize(rows)
cells = st.columns(4)
cells[0].metric("Parameters", f"{summary.params:,}")
cells[1].metric("Multiply-adds", f"{summary.macs:,}")
cells[2].metric("Activations (float32)", size_text(summary.activation_bytes))
cells[3].metric("Output", shape_text(summary.output_shape))
# "output" (its unit in the tooltip) and a narrower RF: with the long header and "whole image" the ten columns
# scrolled sideways in presentation mode at 1280x720
output_column = st.column_config.TextColumn("output", help="Height × width × channels")
st.dataframe(
    results_frame(rows),
    hide_index=True,
    key="cnn_results",
    column_config={"output (H×W×C)": output_column, "RF": st.column_config.TextColumn("RF", width=100)},
)
for difference in cnn_math.course_shortcut_differences(rows)[:3]:
    st.info(f"Notes' shortcut vs the real field — {difference}.", icon=":material/rule:")

names = [row.name for row in rows]
keep_valid_choice("cnn_row", names)
chosen = st.selectbox("Explain a layer", names, index=0, key="cnn_row")
st.markdown(formulas_markdown(rows[names.index(chosen)]))

if st.toggle("Verify with PyTorch", False, key="cnn_verify", bind="query-params"):
    checks = verify_with_torch(tuple(layers), input_shape)
    agree = (checks["agree"] == "✓").sum()
    st.dataframe(checks, hide_index=True, key="cnn_checks")
    (st.success if agree == len(checks) else st.warning)(
        f"PyTorch agrees on {agree} of {len(checks)} layers (output shape from a dummy forward pass, "
        "parameters from sum(p.numel()))."
    )
code_panel(
    torch_program(
        cnn_math.sequential_snippet(layers, input_shape),
        reproduces="The network in the table: each layer's output shape and parameters, from a dummy forward pass.",
        name="network.py",
        result=cnn_math.layer_table(rows),
    )
)

st.subheader("Receptive field on the image")
receptive_field_on_image(current_image(), rows, input_shape)

st.subheader("ANN vs CNN: parameters on the same image")
cells = st.columns(2)
hidden = (
    cells[0].number_input("Dense hidden layer 1", 1, 100_000, 300, key="cnn_ann_h1", bind="query-params"),
    cells[1].number_input("Dense hidden layer 2", 1, 100_000, 100, key="cnn_ann_h2", bind="query-params"),
)
classes = next((layer.out_features for layer in reversed(layers) if isinstance(layer, cnn_math.Linear)), 10)
dense_layers = cnn_math.dense_network(input_shape, hidden_sizes=hidden, num_classes=classes)
dense = cnn_math.summarize(cnn_math.analyze(dense_layers, input_shape))
cells = st.columns(3)
cells[0].metric("Dense network", f"{dense.params:,}")
cells[1].metric("This CNN", f"{summary.params:,}", help="Convolutions and dense layers together")
cells[2].metric("…in its convolutions", f"{summary.conv_params:,}")
st.markdown(ann_vs_cnn_markdown(input_shape, hidden))
