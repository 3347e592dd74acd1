"""Transfer learning's closing section: the VGG16 recipe's counts on the page equal a count made here."""

import torch
import torchvision
from torch import nn

from tests.pages.harness import run_page

PAGE = "app_pages/transfer_learning.py"


def counted_here(num_classes: int) -> tuple[int, int]:
    with torch.device("meta"):
        model = torchvision.models.vgg16(weights=None)
        for parameter in model.parameters():
            parameter.requires_grad = False
        model.classifier[6] = nn.Linear(4096, num_classes)
    params = list(model.parameters())
    return sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad)


def test_the_page_shows_the_counts_before_training():
    app = run_page(PAGE, timeout=120)
    (table,) = [frame.value for frame in app.dataframe if "trainable (the new head)" in frame.value.columns]
    for _, row in table.iterrows():
        total, trainable = counted_here(int(row["classes n"]))
        assert (row["all parameters"], row["trainable (the new head)"]) == (total, trainable)
        assert row["frozen"] == total - trainable
    assert table["classes n"].tolist() == [2, 3]
