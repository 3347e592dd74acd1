"""The loops the notes teach, written as the course writes them (the Code panels show them with getsource).

  dummy_training_run   II.K: the functional network trained on 10×4 random inputs, 3 classes, cross-entropy,
                       Adam 0.01, the loss printed every 10 epochs
  ImageDataset         II.O: a Dataset over one folder per class (os.listdir, a class-name dict, PIL
                       .convert('RGB')), with transforms Resize(128) + ToTensor
  first_image_batch    II.O: the dataset wrapped in a DataLoader (batch 32, shuffled), its first batch's shapes

The mini-batch loop of II.N lives with the insurance data in lib.nn.insurance (train_in_batches).
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn as nn
import torch.optim as optim
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from lib.nn.training import SimpleFunctional

CLASS_FOLDERS = Path(__file__).resolve().parents[2] / "samples" / "class_folders"  # circle, square, triangle
COURSE_DUMMY_EPOCHS = 50
COURSE_IMAGE_SIZE = 128
COURSE_BATCH_SIZE = 32


def dummy_training_run(epochs=50, seed=42):
    """II.K: train Simple(4, 8, 3) on 10 random rows of 4 features with random labels 0–2; each epoch's loss."""
    torch.manual_seed(seed)
    model_fun = SimpleFunctional(input_size=4, hidden_size=8, output_size=3)
    X = torch.rand(10, 4)  # 10 samples, 4 features each
    Y = torch.randint(0, 3, (10,))  # 10 random class labels (0, 1 or 2)
    criterion = nn.CrossEntropyLoss()  # applies log-softmax itself: no softmax layer in the model
    optimizer = optim.Adam(model_fun.parameters(), lr=0.01)
    losses = []
    for e in range(epochs):
        optimizer.zero_grad()  # (i) clear the gradients
        outputs = model_fun(X)  # (ii) forward pass: (10, 3) scores
        loss = criterion(outputs, Y)  # (iii) the loss against the labels
        loss.backward()  # (iv) backpropagate
        optimizer.step()  # (v) update the weights and biases
        losses.append(loss.item())
        if (e + 1) % 10 == 0:  # (vi) print every 10 epochs
            print(f"Epoch [{e + 1}/{epochs}], Loss : {loss.item():.4f}")
    return losses


def run_dummy_training(epochs: int = COURSE_DUMMY_EPOCHS, *, seed: int = 42) -> list[float]:
    """dummy_training_run on one CPU thread under the seed lock (torch's global RNG is shared by sessions)."""
    from lib.nn.training import _SEED_LOCK, _one_thread

    if not 1 <= epochs <= 1000:
        raise ValueError(f"epochs must be 1..1000, got {epochs}")
    with _SEED_LOCK, torch.random.fork_rng(devices=[]), _one_thread():
        return dummy_training_run(epochs=epochs, seed=seed)


class ImageDataset(Dataset):
    def __init__(self, image_dir, transform=None):
        self.image_dir = image_dir
        self.image_paths = []
        self.labels = []
        self.class_name = {}  # label -> folder name, e.g. {0: 'circle', 1: 'square', 2: 'triangle'}
        # sorted: os.listdir promises no order, and label 0 must mean the same class on every machine
        class_dirs = [d for d in os.listdir(image_dir) if os.path.isdir(os.path.join(image_dir, d))]
        for label, class_dir in enumerate(sorted(class_dirs)):
            class_path = os.path.join(image_dir, class_dir)
            self.class_name[label] = class_dir
            for image_name in sorted(os.listdir(class_path)):
                self.image_paths.append(os.path.join(class_path, image_name))
                self.labels.append(label)
        self.transform = transform

    def __len__(self):
        return len(self.image_paths)

    def __getitem__(self, idx):
        img_path = self.image_paths[idx]
        label = self.labels[idx]
        image = Image.open(img_path).convert("RGB")  # PIL, 3 channels even for a gray or RGBA file
        if self.transform:
            image = self.transform(image)
        return image, label


def first_image_batch(image_dir, batch_size=32, seed=0):
    """Wrap ImageDataset in a DataLoader (Resize 128, ToTensor, shuffled); the first batch's facts."""
    transform = transforms.Compose(
        [
            transforms.Resize((128, 128)),
            transforms.ToTensor(),  # PIL (H, W, 3) uint8 -> (3, H, W) float in [0, 1]
        ]
    )
    train_dataset = ImageDataset(image_dir, transform=transform)
    train_loader = DataLoader(
        train_dataset, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed)
    )
    for images, labels in train_loader:
        print(images.shape, labels.shape)  # e.g. torch.Size([12, 3, 128, 128]) torch.Size([12])
        return {
            "images_shape": list(images.shape),
            "labels_shape": list(labels.shape),
            "labels": labels.tolist(),
            "class_name": {str(k): v for k, v in train_dataset.class_name.items()},
            "dataset_size": len(train_dataset),
            "pixel_range": [float(images.min()), float(images.max())],
        }
    raise ValueError(f"no images under {image_dir}")
