import numpy as np
import pytest

from lib.cv.shapes import SHAPE_CLASSES, draw_shape, make_shapes


class TestMakeShapes:
    def test_shapes_dtypes_and_labels(self):
        images, labels = make_shapes(3, size=32, seed=1)
        assert images.shape == (3 * len(SHAPE_CLASSES), 32, 32, 3)
        assert images.dtype == np.uint8
        assert labels.dtype == np.int64
        assert np.bincount(labels).tolist() == [3] * len(SHAPE_CLASSES)

    def test_same_seed_same_data_other_seed_other_data(self):
        first, _ = make_shapes(2, size=32, seed=7)
        again, _ = make_shapes(2, size=32, seed=7)
        other, _ = make_shapes(2, size=32, seed=8)
        assert np.array_equal(first, again)
        assert not np.array_equal(first, other)

    def test_shape_is_visible(self):
        # A drawn shape covers a real part of the image: many pixels differ strongly from the corner colour.
        rng = np.random.default_rng(0)
        for name in SHAPE_CLASSES:
            image = draw_shape(name, rng, size=64).astype(int)
            corner = np.median(image[:4, :4].reshape(-1, 3), axis=0)
            differs = np.abs(image - corner).sum(axis=2) > 90
            assert 0.05 < differs.mean() < 0.6, name

    def test_circle_fills_more_than_triangle_of_same_radius(self):
        # Area by hand: circle pi r^2 ~ 3.14 r^2; triangle inscribed in 1.1 r ~ 1.57 r^2.
        def coverage(name):
            rng = np.random.default_rng(3)
            image = draw_shape(name, rng, size=64).astype(int)
            corner = np.median(image[:4, :4].reshape(-1, 3), axis=0)
            return (np.abs(image - corner).sum(axis=2) > 90).mean()

        assert coverage("circle") > coverage("triangle") * 1.4

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="n_per_class"):
            make_shapes(0)
        with pytest.raises(ValueError, match="size"):
            make_shapes(1, size=8)
        with pytest.raises(ValueError, match="unknown"):
            make_shapes(1, classes=("blob",))
