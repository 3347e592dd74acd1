"""Transfer learning's closing section: the course's VGG16 recipe (IV.L), its parameters counted, not typed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.nn import programs, vgg_recipe
from ui.layout import code_panel

COURSE_CLASSES = (2, 3)  # daisy vs dandelion, and one class more


@st.cache_data(max_entries=8, show_spinner=False)
def vgg16_counts(num_classes: int) -> tuple[int, int]:
    """(all, trainable) parameters of VGG16 frozen with a new num_classes head (built on the meta device)."""
    return vgg_recipe.parameter_counts(vgg_recipe.vgg16_new_head(num_classes))


def vgg16_recipe() -> None:
    """The course's numbers for its VGG16 recipe, computed by building the model's shapes, and their Code panel."""
    st.subheader("The course's recipe on VGG16, counted")
    st.markdown(
        "The notes freeze torchvision's `vgg16` (`for param in model.parameters(): param.requires_grad = False`) "
        "and replace its last layer, `model.classifier[6] = nn.Linear(4096, n)`. torchsummary then reports the "
        "totals below; here they are computed by building VGG16 on torch's **meta** device (shapes without "
        "storage: no memory, no download). Only the new layer learns: 4096 × n weights + n biases."
    )
    counts = {n: vgg16_counts(n) for n in COURSE_CLASSES}
    frame = pd.DataFrame(
        {
            "classes n": list(counts),
            "all parameters": [total for total, _ in counts.values()],
            "trainable (the new head)": [trainable for _, trainable in counts.values()],
            "frozen": [total - trainable for total, trainable in counts.values()],
        }
    )
    st.dataframe(frame, hide_index=True, key="tl_vgg16_counts")
    st.caption(
        "Frozen parameters still run in every forward pass: freezing saves their gradients and optimiser "
        "state, not the forward cost."
    )
    result = {str(n): {"total": total, "trainable": trainable} for n, (total, trainable) in counts.items()}
    snippet = (
        "import torch\nimport torchvision\nfrom torch import nn\n\n"
        f"{programs.sources(vgg_recipe.vgg16_new_head, vgg_recipe.parameter_counts)}\n"
        "result = {}\n"
        f"for n in {COURSE_CLASSES}:\n"
        "    total, trainable = parameter_counts(vgg16_new_head(n))\n"
        '    result[str(n)] = {"total": total, "trainable": trainable}\n'
        '    print(f"{n} classes: {total:,} parameters, {trainable:,} trainable")\n'
    )
    code_panel(
        programs.torch_program(
            snippet,
            reproduces="Transfer learning: VGG16 frozen with a new head, its parameters counted (course IV.L).",
            name="vgg16_head.py",
            result=result,
        )
    )
