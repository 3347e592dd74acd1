import pytest
from streamlit import config


def pytest_runtest_setup(item):
    """@pytest.mark.needs_weights: skip (importing torch only then) unless weights/ holds our trained models."""
    if item.get_closest_marker("needs_weights") is not None:
        from lib.nn import models

        if not all(name in models.read_manifest() for name in models.OUR_MODELS):
            pytest.skip(
                "weights/ not trained yet: run scripts/train_lenet_digits.py and scripts/train_shapes_cnn.py"
            )


@pytest.fixture(scope="module")
def full_error_details():
    """Failures name the exception (the app's config hides it from students, and so from AppTest)."""
    previous = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", previous)
