"""Where torch runs: CUDA when present, else CPU; the CVLAB_DEVICE environment variable overrides."""

from __future__ import annotations

import os

import torch


def default_device() -> torch.device:
    """The device for every torch computation in the app.

    CVLAB_DEVICE (e.g. "cpu", "cuda", "cuda:1") wins when set; a CUDA request without CUDA falls back to CPU.
    """
    requested = os.environ.get("CVLAB_DEVICE", "").strip()
    if requested:
        device = torch.device(requested)
        if device.type == "cuda" and not torch.cuda.is_available():
            return torch.device("cpu")
        return device
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def describe_device(device: torch.device) -> str:
    """A short human description, e.g. 'CPU (2 threads)' or 'CUDA: NVIDIA H100'."""
    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    return f"CPU ({torch.get_num_threads()} threads)"
