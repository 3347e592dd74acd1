import numpy as np
import pytest
import torch

from lib.nn.tensors import (
    AGGREGATIONS,
    COURSE_GRID,
    COURSE_MATRIX,
    DTYPES,
    FACTORIES,
    SHAPE_OPS,
    FactorySpec,
    aggregate,
    device_summary,
    display_like_matplotlib,
    factory_snippet,
    index_grid,
    index_snippet,
    make_tensor,
    mask_count_and_sum,
    memory_table,
    move_to_device,
    noise_snippet,
    noise_values,
    parse_nested_list,
    parse_snippet,
    parse_tensor,
    shape_step,
    tensor_facts,
    tensor_panels,
)
from tests.helpers import snippet_result


class TestParseTensor:
    def test_course_tensors_match_torch_tensor(self):
        # II.B: vector, matrix, 3-D tensor, and the dtypes torch infers.
        assert torch.equal(parse_tensor("[1, 2, 3]"), torch.tensor([1, 2, 3]))
        assert torch.equal(parse_tensor("[[1, 2], [3, 4]]"), torch.tensor([[1, 2], [3, 4]]))
        cube = parse_tensor("[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]")
        assert cube.shape == (2, 2, 2) and cube.ndim == 3
        assert parse_tensor("[1.5, 2.5, 3.5]").dtype == torch.float32
        assert parse_tensor("[1, 2, 3]").dtype == torch.int64
        assert parse_tensor("[true, False, TRUE]").dtype == torch.bool
        scalar = parse_tensor("42")
        assert scalar.ndim == 0 and scalar.item() == 42

    def test_explicit_dtypes_as_in_the_course(self):
        # II.F: floats cast to int32 lose their decimals: 1.5, 2.5, 3.5 -> 1, 2, 3.
        assert parse_tensor("[1.5, 2.5, 3.5]", dtype="int32").tolist() == [1, 2, 3]
        assert parse_tensor("[1.5, 2.5, 3.5]", dtype="float64").dtype == torch.float64
        assert parse_tensor("[0, 1, 2, 0, -1]", dtype="bool").tolist() == [False, True, True, False, True]

    def test_numbers_whitespace_and_trailing_commas(self):
        values = parse_nested_list(" [ -1 , +2.5e1 ,\n .5, 3., ] ")
        assert values == [-1, 25.0, 0.5, 3.0]

    def test_snippet_builds_the_same_tensor(self):
        for text, dtype in (("[[1, 2.5], [3, -4]]", None), ("[1.9, -2.2]", "int16"), ("[true, false]", None)):
            assert torch.equal(
                snippet_result(parse_snippet(text, dtype=dtype)), parse_tensor(text, dtype=dtype)
            )

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("[[1, 2], [3]]", "ragged"),
            ("[1, [2]]", "ragged"),
            ("[[[[[1]]]]]", "deeply"),
            ("__import__('os').system('ls')", "not a number"),
            ("[1, 2] + [3]", "unexpected"),
            ("(1, 2)", "unexpected"),
            ("[1, 2", "missing"),
            ("[1 2]", "expected ','"),
            ("", "type a number"),
            ("[nan]", "not a number"),
            ("[1e999]", "too large"),
        ],
    )
    def test_rejects_bad_text_with_a_message(self, text, message):
        with pytest.raises(ValueError, match=message):
            parse_tensor(text)

    def test_limits_on_size(self):
        too_many = "[" + ", ".join(["1"] * 1001) + "]"
        with pytest.raises(ValueError, match="too many"):
            parse_tensor(too_many)
        with pytest.raises(ValueError, match="too long"):
            parse_tensor("[" + " " * 30_000 + "1]")

    def test_integer_range_is_checked(self):
        with pytest.raises(ValueError, match="0 to 255"):
            parse_tensor("[-1, 3]", dtype="uint8")  # torch would silently wrap -1 to 255
        with pytest.raises(ValueError, match="unknown dtype"):
            parse_tensor("[1]", dtype="float128")


class TestFactories:
    @pytest.mark.parametrize("kind", FACTORIES)
    def test_snippet_reproduces_the_factory(self, kind):
        spec = FactorySpec(kind=kind, shape=(4, 5), seed=42)
        assert torch.equal(snippet_result(factory_snippet(spec)), make_tensor(spec))

    def test_same_seed_as_torch_manual_seed(self):
        # Reference: the course's torch.manual_seed(42); torch.rand(5).
        torch.manual_seed(42)
        reference = torch.rand(5)
        assert torch.equal(make_tensor(FactorySpec(kind="rand", shape=(5,), seed=42)), reference)

    def test_does_not_disturb_the_global_generator(self):
        torch.manual_seed(7)
        expected = torch.rand(3)
        torch.manual_seed(7)
        make_tensor(FactorySpec(kind="randn", shape=(100,), seed=1))
        assert torch.equal(torch.rand(3), expected)

    def test_ranges_by_hand(self):
        assert make_tensor(FactorySpec(kind="arange")).tolist() == list(range(12))  # course: arange(12)
        ints = make_tensor(FactorySpec(kind="randint", shape=(1000,), low=-10, high=10))
        assert ints.min() >= -10 and ints.max() <= 9  # high is exclusive
        uniform = make_tensor(FactorySpec(kind="rand", shape=(1000,)))
        assert uniform.min() >= 0 and uniform.max() < 1
        normal = make_tensor(FactorySpec(kind="normal", shape=(20000,), mean=0.5, std=2.0))
        assert abs(float(normal.mean()) - 0.5) < 0.05 and abs(float(normal.std()) - 2.0) < 0.05
        assert make_tensor(FactorySpec(kind="zeros", shape=(2, 3))).sum() == 0
        assert make_tensor(FactorySpec(kind="ones", shape=(2, 3))).sum() == 6

    @pytest.mark.parametrize(
        ("spec", "message"),
        [
            (FactorySpec(kind="rand", dtype="int64"), "float dtype"),
            (FactorySpec(kind="randint", low=5, high=5), "low < high"),
            (FactorySpec(kind="zeros", shape=(10_000, 10_000)), "too many"),
            (FactorySpec(kind="arange", step=0), "step"),
            (FactorySpec(kind="eye"), "unknown factory"),
            (FactorySpec(kind="normal", std=-1), "std"),
        ],
    )
    def test_rejects(self, spec, message):
        with pytest.raises(ValueError, match=message):
            make_tensor(spec)


class TestFacts:
    def test_course_memory_numbers(self):
        # II.F: 1000 float32 ones take 4000 bytes; float64 take 8000.
        facts32 = tensor_facts(torch.ones(1000, dtype=torch.float32))
        facts64 = tensor_facts(torch.ones(1000, dtype=torch.float64))
        assert (facts32.element_size, facts32.numel, facts32.nbytes) == (4, 1000, 4000)
        assert (facts64.element_size, facts64.nbytes) == (8, 8000)
        table = {name: total for name, _, total in memory_table(numel=1000)}
        assert table["float32"] == 4000 and table["float64"] == 8000 and table["float16"] == 2000
        assert set(table) == set(DTYPES)

    def test_shape_facts_of_the_course_matrix(self):
        facts = tensor_facts(torch.tensor([[1, 2], [3, 4]]))
        assert facts.shape == (2, 2) and facts.ndim == 2 and facts.numel == 4 and facts.dtype == "int64"
        assert not tensor_facts(torch.arange(24).reshape(12, 2).T).is_contiguous

    def test_device_panel(self):
        summary = device_summary(torch.device("cpu"))
        assert summary.torch_version == torch.__version__
        assert summary.device == "cpu"
        assert "device -> cpu" in move_to_device(torch.tensor([1, 2, 3]), torch.device("cpu"))


class TestNoiseImages:
    def test_values_are_torch_rand(self):
        torch.manual_seed(42)
        reference = torch.rand(256, 256).numpy()
        assert np.array_equal(noise_values("uniform"), reference)
        assert noise_values("uniform", rgb=True).shape == (256, 256, 3)

    def test_constant_images_by_hand(self):
        # Without vmin/vmax matplotlib scales by the data's own range: all ones shows black.
        ones = noise_values("ones", size=8)
        assert display_like_matplotlib(ones).max() == 0
        assert display_like_matplotlib(ones, vmin=0, vmax=1).min() == 255
        assert display_like_matplotlib(noise_values("zeros", size=8), vmin=0, vmax=1).max() == 0

    def test_auto_range_stretches_to_full_scale(self):
        shown = display_like_matplotlib(noise_values("normal", size=64))
        assert shown.min() == 0 and shown.max() == 255
        clipped = display_like_matplotlib(noise_values("normal", size=64), vmin=0, vmax=1)
        assert (clipped == 0).mean() > 0.4  # about half the normal values are below 0

    @pytest.mark.parametrize(
        ("kind", "rgb", "vmin", "vmax"),
        [
            ("uniform", False, None, None),
            ("normal", False, 0, 1),
            ("ones", False, None, None),
            ("normal", True, None, None),
        ],
    )
    def test_snippet_matches(self, kind, rgb, vmin, vmax):
        expected = display_like_matplotlib(noise_values(kind, size=32, rgb=rgb), vmin=vmin, vmax=vmax)
        result = snippet_result(noise_snippet(kind, size=32, rgb=rgb, vmin=vmin, vmax=vmax))
        assert np.array_equal(result, expected)

    def test_rejects(self):
        with pytest.raises(ValueError, match="unknown noise"):
            noise_values("pink")
        with pytest.raises(ValueError, match="size"):
            noise_values("uniform", size=0)


class TestIndexGrid:
    grid = torch.tensor(COURSE_GRID)

    @pytest.mark.parametrize(
        ("expression", "expected"),
        [
            # The course's results (II.C).
            ("t[0, 1]", 20),
            ("t[0]", [10, 20, 30]),
            ("t[:, 0]", [10, 40, 70]),
            ("t[:2]", [[10, 20, 30], [40, 50, 60]]),
            ("t[:, :2]", [[10, 20], [40, 50], [70, 80]]),
            ("t[1, 1:3]", [50, 60]),
            ("t[[0, 2], [1, 2]]", [20, 90]),
            ("t[t > 50]", [60, 70, 80, 90]),
            ("t[:, ::2]", [[10, 30], [40, 60], [70, 90]]),
            # Bare items index t; negative ints, '...', chained subscripts.
            ("0, 1", 20),
            ("-1, -1", 90),
            ("..., 1", [20, 50, 80]),
            ("t[0][1]", 20),
            ("t[(t > 20) & (t < 80)]", [30, 40, 50, 60, 70]),
            ("t[(t < 20) | (t >= 90)]", [10, 90]),
            ("t[~(t > 50)]", [10, 20, 30, 40, 50]),
            ("tensor[1]", [40, 50, 60]),
        ],
    )
    def test_course_results(self, expression, expected):
        assert index_grid(expression).result.tolist() == expected

    @pytest.mark.parametrize(
        ("expression", "reference"),
        [
            ("1:, -2:", lambda t: t[1:, -2:]),
            ("t[::2, 1]", lambda t: t[::2, 1]),
            ("t[[2, 0]]", lambda t: t[[2, 0]]),
            ("50 < t", lambda t: t > 50),
            ("(t > 20) & (t < 80)", lambda t: (t > 20) & (t < 80)),
            ("t[t != 50]", lambda t: t[t != 50]),
            ("t[0][t[0] >= 20]", lambda t: t[0][t[0] >= 20]),
        ],
    )
    def test_equals_torch_and_the_snippet(self, expression, reference):
        result = index_grid(expression).result
        assert torch.equal(result, reference(self.grid))
        assert torch.equal(snippet_result(index_snippet(expression)), result)

    def test_selected_cells_by_hand(self):
        assert index_grid("t[:, 0]").selected.tolist() == [[True, False, False]] * 3
        assert index_grid("t[[0, 2], [1, 2]]").selected.tolist() == [
            [False, True, False],
            [False, False, False],
            [False, False, True],
        ]
        mask = index_grid("t > 50")
        assert mask.is_mask and mask.selected.sum() == 4 and mask.result.dtype == torch.bool
        assert index_grid("t[1, 1:3]").selected.sum() == 2

    def test_canonical_code(self):
        assert index_grid(" tensor [ 0 ,1 ] ").code == "t[0, 1]"
        assert index_grid("[0,2],[1,2]").code == "t[[0, 2], [1, 2]]"
        assert index_grid("(t>20)&(t<80)").code == "(t > 20) & (t < 80)"

    @pytest.mark.parametrize(
        ("expression", "message"),
        [
            ("__import__('os')", "not allowed"),
            ("t.numpy()", "attributes and method calls"),
            ("open('x')", "not allowed"),
            ("t.__class__", "attributes"),
            ("'abc'", "strings are not allowed"),
            ("t[0] = 5", "assignment"),
            ("lambda: t", "not allowed"),
            ("t[0](1)", "calls are not allowed"),
            ("exec", "not allowed"),
            ("t > 20 & t < 80", "brackets"),
            ("20 < t < 80", "chained"),
            ("t[::-1]", "torch.flip"),
            ("t[3]", "out of bounds"),
            ("t[1.5]", "whole numbers"),
            ("t[t]", "not an index"),
            ("t[[[0]]]", "lists inside lists"),
            ("t[0", "missing"),
            ("t * 2", "not part of an index"),
            ("t[1 - 1]", "'-' at position 5 is not part of an index"),
            ("t[]", "unexpected ']' at position 3"),
            ("t[0] t[1]", "comma is missing"),
            ("~t", "bracketed"),
            ("", "type an index"),
            ("t" + "[0]" * 100, "too long"),
        ],
    )
    def test_rejects_anything_that_is_not_an_index(self, expression, message):
        with pytest.raises(ValueError, match=message):
            index_grid(expression)


class TestShapeStep:
    def test_course_reshape_and_view(self):
        assert shape_step("reshape", new_shape=(2, 6)).outputs[0].shape == (2, 6)
        assert shape_step("reshape", new_shape=(3, -1)).outputs[0].shape == (3, 4)
        assert shape_step("view", new_shape=(-1,)).error is None

    def test_view_on_non_contiguous_is_the_lesson(self):
        # II.I: arange(24).reshape(12, 2).transpose(0, 1) is not contiguous; view(6, 4) fails, reshape works.
        step = shape_step("view", numel=24, start_shape=(12, 2), transpose_first=True, new_shape=(6, 4))
        assert step.error is not None and "view size is not compatible" in step.error
        assert step.fix == ".contiguous().view(6, 4)"
        reference = torch.arange(24).reshape(12, 2).transpose(0, 1).reshape(6, 4)
        assert torch.equal(step.outputs[0], reference)
        assert torch.equal(snippet_result(step.code), reference)

    def test_course_transpose_permute(self):
        assert shape_step("transpose", numel=24, start_shape=(12, 2)).outputs[0].shape == (2, 12)
        assert shape_step("permute", numel=24, start_shape=(2, 3, 4), order=(2, 0, 1)).outputs[0].shape == (
            4,
            2,
            3,
        )

    def test_cat_vs_stack_course_values(self):
        assert shape_step("cat", dim=0).outputs[0].tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]]
        assert shape_step("cat", dim=1).outputs[0].tolist() == [[1, 2, 5, 6], [3, 4, 7, 8]]
        assert shape_step("stack", dim=0).outputs[0].tolist() == [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]
        # the Shape lab's caption: the notes' stack(dim=1) result [[1, 2, 5, 6], [3, 4, 7, 8]] is cat(dim=1)
        assert shape_step("stack", dim=1).outputs[0].tolist() == [[[1, 2], [5, 6]], [[3, 4], [7, 8]]]
        assert shape_step("stack", dim=2).outputs[0].shape == (2, 2, 2)
        assert shape_step("cat", dim=2).error is not None  # cat needs an existing dim

    def test_chunk_and_split_course_values(self):
        # torch.chunk(arange(12), 5) gives 4 chunks of 3; torch.split(arange(12), 7) gives 7 + 5.
        assert [part.tolist() for part in shape_step("chunk", pieces=5).outputs] == [
            [0, 1, 2],
            [3, 4, 5],
            [6, 7, 8],
            [9, 10, 11],
        ]
        assert [len(part) for part in shape_step("split", split_size=7).outputs] == [7, 5]

    def test_squeeze_unsqueeze(self):
        assert shape_step("unsqueeze", dim=0).outputs[0].shape == (1, 12)
        assert shape_step("unsqueeze", dim=1).outputs[0].shape == (12, 1)
        assert shape_step("squeeze", start_shape=(1, 12, 1), dim=None).outputs[0].shape == (12,)
        assert shape_step("squeeze", start_shape=(1, 12, 1), dim=2).outputs[0].shape == (1, 12)

    @pytest.mark.parametrize("operation", SHAPE_OPS)
    def test_snippets_run_and_agree(self, operation):
        step = shape_step(
            operation, numel=24, start_shape=(2, 3, 4), new_shape=(4, 6), dim=1, dim1=2, order=(1, 2, 0)
        )
        result = snippet_result(step.code)
        results = result if isinstance(result, tuple) else (result,)
        assert all(torch.equal(a, b) for a, b in zip(results, step.outputs, strict=True))

    def test_errors_are_captured_or_raised(self):
        assert "invalid for input of size 12" in shape_step("reshape", new_shape=(5, 3)).error
        with pytest.raises(ValueError, match="unknown operation"):
            shape_step("flip")
        with pytest.raises(ValueError, match="cannot start"):
            shape_step("reshape", numel=12, start_shape=(5, 5))

    def test_panels(self):
        panels = tensor_panels(torch.arange(24).reshape(2, 3, 4))
        assert [title for title, _ in panels] == ["[0, :, :]", "[1, :, :]"]
        assert panels[1][1].shape == (3, 4)
        assert tensor_panels(torch.tensor(5))[0][1].shape == (1, 1)


class TestAggregate:
    matrix = torch.tensor(COURSE_MATRIX)

    def test_course_numbers(self):
        # II.H: sum 45, min 1, max 9, median 5, mean 5; dim 0 -> 12, 15, 18; dim 1 -> 6, 15, 24.
        assert aggregate(self.matrix, "sum").values.item() == 45
        assert aggregate(self.matrix, "min").values.item() == 1
        assert aggregate(self.matrix, "max").values.item() == 9
        assert aggregate(self.matrix, "median").values.item() == 5
        assert aggregate(self.matrix, "mean").values.item() == 5.0
        assert aggregate(self.matrix, "sum", dim=0).values.tolist() == [12, 15, 18]
        assert aggregate(self.matrix, "sum", dim=1).values.tolist() == [6, 15, 24]
        assert aggregate(self.matrix, "cumsum", dim=1).values.tolist() == [[1, 3, 6], [4, 9, 15], [7, 15, 24]]
        assert aggregate(self.matrix, "cumprod", dim=0).values[:, 0].tolist() == [1, 4, 28]

    def test_max_over_a_dim_gives_indices(self):
        result = aggregate(self.matrix, "max", dim=0)
        assert result.values.tolist() == [7, 8, 9] and result.indices.tolist() == [2, 2, 2]

    def test_mean_of_integers_converts_with_a_note(self):
        result = aggregate(self.matrix, "mean", dim=1)
        assert result.values.tolist() == [2.0, 5.0, 8.0]
        assert "float" in result.note

    def test_the_notes_float_matrix_mean_works_and_integers_raise(self):
        floats = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])  # the notes' matrix, II.H
        assert floats.mean().item() == 5.0
        assert aggregate(floats, "mean").note is None
        with pytest.raises(RuntimeError, match="floating point"):
            self.matrix.mean()
        assert "5.0" in aggregate(self.matrix, "mean").note

    def test_a_summed_mask_counts_its_true_cells(self):
        # the notes' (matrix > 8).sum() is 1, not 9; matrix[matrix > 5].sum() is their 30
        assert (self.matrix > 8).sum().item() == 1
        assert mask_count_and_sum(COURSE_MATRIX, 8) == (1, 9)
        assert mask_count_and_sum(COURSE_MATRIX, 5) == (4, 30)

    def test_even_median_is_the_lower_middle(self):
        result = aggregate(torch.tensor([1, 2, 3, 4]), "median")
        assert result.values.item() == 2 and "lower" in result.note

    @pytest.mark.parametrize("operation", AGGREGATIONS)
    @pytest.mark.parametrize("dim", [None, 0, 1])
    def test_snippets_agree(self, operation, dim):
        for matrix in (self.matrix, self.matrix.double() / 3):
            result = aggregate(matrix, operation, dim=dim)
            assert torch.equal(snippet_result(result.code), result.values)

    def test_rejects(self):
        with pytest.raises(ValueError, match="dim=2"):
            aggregate(self.matrix, "sum", dim=2)
        with pytest.raises(ValueError, match="empty"):
            aggregate(torch.tensor([]), "sum")
        with pytest.raises(ValueError, match="unknown aggregation"):
            aggregate(self.matrix, "mode")
        with pytest.raises(ValueError, match="bool"):
            aggregate(torch.tensor([True, False]), "median")

    def test_bool_sums_count_trues(self):
        result = aggregate(torch.tensor([[True, False], [True, True]]), "sum", dim=0)
        assert result.values.tolist() == [2, 1] and "True counts as 1" in result.note
