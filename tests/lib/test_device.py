import pytest
import torch

from lib.nn.device import default_device, describe_device


class TestDefaultDevice:
    def test_follows_cuda_availability(self, monkeypatch):
        monkeypatch.delenv("CVLAB_DEVICE", raising=False)
        expected = "cuda" if torch.cuda.is_available() else "cpu"
        assert default_device().type == expected

    def test_env_override_cpu(self, monkeypatch):
        monkeypatch.setenv("CVLAB_DEVICE", "cpu")
        assert default_device() == torch.device("cpu")

    @pytest.mark.skipif(torch.cuda.is_available(), reason="checks the fallback when CUDA is absent")
    def test_cuda_request_without_cuda_falls_back(self, monkeypatch):
        monkeypatch.setenv("CVLAB_DEVICE", "cuda")
        assert default_device() == torch.device("cpu")

    def test_describe_cpu(self):
        assert describe_device(torch.device("cpu")).startswith("CPU (")
