"""Pure computer-vision and CNN functions: lib.cv (OpenCV) and lib.nn (PyTorch). Never imports streamlit or ui."""
