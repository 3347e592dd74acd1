"""The OpenCV half: pure NumPy / OpenCV functions, RGB uint8 in and out. Never imports torch or lib.nn."""
