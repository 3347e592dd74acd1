"""The PyTorch half: tensors, training, data, models, feature maps and CNN maths. May use lib.cv."""
