"""parse_shape: the shapes the Tensor playground's text boxes accept, checked against torch's own reading."""

import pytest
import torch

from lib.nn.shape_text import parse_shape


class TestParseShape:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("3, 4", (3, 4)),
            ("(2, 3, 4)", (2, 3, 4)),
            ("[12]", (12,)),
            ("3×4", (3, 4)),
            ("3x4", (3, 4)),
            ("-1, 6", (-1, 6)),
        ],
    )
    def test_accepted(self, text, expected):
        assert parse_shape(text) == expected

    def test_a_parsed_shape_is_what_torch_builds(self):
        assert torch.zeros(parse_shape("(2, 3, 4)")).shape == (2, 3, 4)
        assert torch.arange(24).reshape(parse_shape("-1, 6")).shape == (4, 6)

    @pytest.mark.parametrize("text", ["", "a, b", "1, 2, 3, 4, 5", "2.5", "0, 3", "100001"])
    def test_refused_with_a_message(self, text):
        with pytest.raises(ValueError, match="shape|size"):
            parse_shape(text)
