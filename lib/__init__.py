"""Pure computer-vision and CNN functions: NumPy in, NumPy out. Never imports streamlit."""
