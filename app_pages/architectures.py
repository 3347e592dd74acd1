"""Architectures: LeNet-5, AlexNet and VGG as block diagrams, their history and ideas, and their PyTorch code."""

import streamlit as st

from lib.nn import cnn_math
from lib.nn.programs import torch_program
from ui.charts import block_diagram, comparison_figure
from ui.layer_tables import results_frame, size_text
from ui.layout import code_panel, page_header
from ui.sections.architectures import comparison_frame, definitions

page_header(
    "Architectures",
    """
An image classifier is a **feature extractor** (convolutions and pooling: edges → textures → parts) followed by a
**classifier** (dense layers ending in one score per class). The classics differ in depth, kernel sizes and tricks:
**LeNet-5** (1998) read digits with tanh and average pooling; **AlexNet** (2012) won ImageNet with ReLU, dropout and
two GPUs; **VGG** (2014) used nothing but 3×3 convolutions, stacked deep. Read each diagram left to right: a block
is a feature map, its height grows with the map's size and its thickness with the number of channels.
""",
    notes_fix="The notes say VGG's pooling windows are 3×3 and that its 3×3 kernels have a smaller receptive field. "
    "In fact VGG pools with 2×2 windows, stride 2; and two stacked 3×3 convolutions see 5×5 pixels — as much as "
    "one 5×5 — with 18 instead of 25 weights per channel pair (three see 7×7 with 27 instead of 49).",
)
st.caption(
    "Tool of the course (III.C): TensorSpace draws LeNet, AlexNet and VGG as 3-D layer stacks in the browser; this "
    "page adds every layer's shape and parameter count computed from the definition, and the PyTorch code."
)

name = st.segmented_control(
    "Architecture",
    list(cnn_math.ARCHITECTURES),
    format_func=lambda key: cnn_math.ARCHITECTURES[key].title,
    default="lenet5",
    required=True,
    key="arch_model",
    bind="query-params",
)
info = cnn_math.ARCHITECTURES[name]
layers, input_shape = cnn_math.PRESETS[info.preset]
rows = cnn_math.analyze(layers, input_shape)
summary = cnn_math.summarize(rows)

st.subheader(f"{info.title} ({info.year})")
st.caption(info.authors)
st.markdown(info.story)
cells = st.columns(4)
cells[0].metric("Parameters", f"{summary.params:,}", help=f"{size_text(4 * summary.params)} as float32")
cells[1].metric("Weight layers", summary.weight_layers)
cells[2].metric("Multiply-adds per image", f"{summary.macs / 1e6:,.1f} M")
cells[3].metric("Weights in dense layers", f"{summary.dense_params / summary.params:.0%}")
st.plotly_chart(block_diagram(rows, input_shape), key="arch_diagram")
with st.expander("Layer by layer: shapes, parameters, receptive fields", icon=":material/table:"):
    st.dataframe(results_frame(rows), hide_index=True, key="arch_rows")
code_panel(
    torch_program(
        cnn_math.sequential_snippet(layers, input_shape),
        reproduces=f"{info.title}: each layer's output shape and parameters, from a dummy forward pass.",
        name=f"{name}.py",
        result=cnn_math.layer_table(rows),
    )
)

st.subheader("In PyTorch: our definition and torchvision's")
if st.toggle("Show the code and per-layer counts", False, key="arch_code", bind="query-params"):
    own_source, own_counts, torchvision_source, torchvision_counts = definitions(name)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Ours** — {own_counts['params'].sum():,} parameters")
        st.code(own_source, language="python")
        st.dataframe(own_counts, hide_index=True, key="arch_own_counts")
    with right:
        if torchvision_source is None:
            st.info("torchvision has no LeNet: ours is the only definition.", icon=":material/info:")
        else:
            st.markdown(
                f"**torchvision.models.{name}(weights=None)** — {torchvision_counts['params'].sum():,} parameters"
            )
            st.code(torchvision_source, language="python")
            st.dataframe(torchvision_counts, hide_index=True, key="arch_tv_counts")
    if name == "alexnet":
        st.caption(
            "torchvision's AlexNet is the 2014 variant (64-192-384-256-256 channels, 224×224 input): "
            "compare 'AlexNet as taught' with 'AlexNet as torchvision builds it' below."
        )

st.subheader("Compare two architectures")
keys = list(cnn_math.PRESETS)
cells = st.columns(2)
first = cells[0].selectbox(
    "First",
    keys,
    index=keys.index("alexnet"),
    format_func=cnn_math.PRESET_TITLES.get,
    key="arch_cmp_a",
    bind="query-params",
)
second = cells[1].selectbox(
    "Second",
    keys,
    index=keys.index("vgg16"),
    format_func=cnn_math.PRESET_TITLES.get,
    key="arch_cmp_b",
    bind="query-params",
)
chosen = [first] if first == second else [first, second]
st.dataframe(comparison_frame(chosen), key="arch_cmp_table")
st.plotly_chart(comparison_figure(chosen), key="arch_cmp_chart")
st.caption("Parameters per weight layer (log scale): the dense layers at the end hold most of the weights.")
