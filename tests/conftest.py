import pytest


def pytest_runtest_setup(item):
    """@pytest.mark.needs_weights: skip (importing torch only then) unless weights/ holds our trained models."""
    if item.get_closest_marker("needs_weights") is not None:
        from lib.nn import models

        if not all(name in models.read_manifest() for name in models.OUR_MODELS):
            pytest.skip(
                "weights/ not trained yet: run scripts/train_lenet_digits.py and scripts/train_shapes_cnn.py"
            )
