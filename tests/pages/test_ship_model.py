import numpy as np

from lib.cv.images import decode_image
from lib.nn import models
from tests.pages.harness import assert_clean, run_page
from ui.layout import CODE_PANELS

PAGE = "app_pages/ship_model.py"


def shown_files(app) -> dict[str, str]:
    """The project's text files as the page shows them (expander label -> code)."""
    return {
        expander.label: expander.code[0].value
        for expander in app.expander
        if expander.label.endswith((".py", ".txt", ".md", "Dockerfile")) and expander.code
    }


def page_input(app) -> np.ndarray:
    """The image the page predicted on (it ships as sample.png and as the Code panel's input.png)."""
    program = app.session_state[CODE_PANELS]["classify.py"]
    return decode_image(program.file_bytes("input.png"))


class TestShipModelPage:
    def test_defaults_answer_as_lib_and_show_a_gradio_project(self):
        app = run_page(PAGE, timeout=120)
        answer = next(metric for metric in app.metric if metric.label == "Your app will answer")
        expected, _ = models.predict("lenet_digits", page_input(app), k=1)
        assert answer.value == expected.top[0][0]
        assert answer.delta == f"{expected.top[0][1]:.1%} sure"
        files = shown_files(app)
        assert set(files) == {"app.py", "inference.py", "requirements.txt", "README.md"}
        assert "gr.Interface(" in files["app.py"] and "from inference import predict" in files["app.py"]
        assert 'torch.load("weights/lenet_digits.pt", weights_only=True' in files["inference.py"]
        assert "sdk: gradio" in files["README.md"]
        assert len(app.get("download_button")) == 2  # the project, the Code panel
        assert any("weights/lenet_digits.pt" in caption.value for caption in app.caption)

    def test_streamlit_front_end_and_the_shapes_cnn(self):
        app = run_page(PAGE, timeout=120)
        app.selectbox(key="sm_model").set_value("shapes_cnn").run()
        app.segmented_control(key="sm_front").set_value("Streamlit").run()
        assert_clean(app)
        files = shown_files(app)
        assert "Dockerfile" in files and "st.file_uploader" in files["app.py"]
        assert "sdk: docker" in files["README.md"]
        answer = next(metric for metric in app.metric if metric.label == "Your app will answer")
        expected, _ = models.predict("shapes_cnn", page_input(app), k=1)
        assert answer.value == expected.top[0][0]

    def test_a_cnn_trained_this_session_ships_its_own_weights(self):
        from tests.helpers import TRAINED_NAME, trained_models

        app = run_page(
            PAGE,
            timeout=120,
            session_state={"trained_models": trained_models(), "sm_model": "session:" + TRAINED_NAME},
        )
        assert any(f"`{models.TRAINED_WEIGHTS_FILE}` (" in caption.value for caption in app.caption)
        assert (
            f'torch.load("{models.TRAINED_WEIGHTS_FILE}", weights_only=True'
            in shown_files(app)["inference.py"]
        )
