"""Where the time of lib.cv.filters.apply_kernel goes on CUDA, next to OpenCV on the CPU (run on a GPU machine).

    python benchmarks/apply_kernel_cuda.py            # 512, 1024 and 2048 px RGB images, 3x3 and 5x5 kernels

Each figure is the median of --repeat calls after a warm-up, CUDA synchronised, in milliseconds:
- opencv: cv2.filter2D on the CPU (what the app runs without CUDA);
- apply_kernel: lib.cv.filters.apply_kernel(device="cuda") as it is;
- transfers: the image up and the float32 result down, nothing computed;
- conv float64 / float32: torch conv2d on the GPU of an image already there (float32 with TF32 off);
and max |result - filter2D| for apply_kernel.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as functional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.cv import filters  # noqa: E402


def median_ms(function, repeat: int) -> float:
    function()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def table_row(image: np.ndarray, kernel: np.ndarray, repeat: int) -> str:
    cuda = torch.device("cuda")
    side, k = image.shape[0], kernel.shape[0]

    def opencv() -> np.ndarray:
        return cv2.filter2D(image.astype(np.float32), cv2.CV_32F, kernel, borderType=cv2.BORDER_REFLECT_101)

    def ours() -> np.ndarray:
        return filters.apply_kernel(image, kernel, device=cuda)

    def transfers() -> np.ndarray:
        return torch.from_numpy(image).to(cuda).float().cpu().numpy()

    difference = float(np.abs(ours() - opencv()).max())
    planes = torch.from_numpy(np.moveaxis(image, 2, 0).copy()).to(cuda)[:, None]
    conv_ms = {}
    torch.backends.cudnn.allow_tf32 = False
    for dtype in (torch.float64, torch.float32):
        batch = functional.pad(planes.to(dtype), (k // 2,) * 4, mode="reflect")
        weights = torch.from_numpy(kernel).to(cuda, dtype)[None, None]
        conv_ms[dtype] = median_ms(
            lambda batch=batch, weights=weights: functional.conv2d(batch, weights), repeat
        )
    torch.backends.cudnn.allow_tf32 = True
    return (
        f"| {side}² RGB | {k}×{k} | {median_ms(opencv, repeat):.2f} | {median_ms(ours, repeat):.2f} "
        f"| {median_ms(transfers, repeat):.2f} | {conv_ms[torch.float64]:.2f} | {conv_ms[torch.float32]:.2f} "
        f"| {difference:.1e} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("CUDA: not available; this benchmark needs a GPU.")
        return 0
    print(f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, OpenCV {cv2.__version__}")
    print("| image | kernel | opencv | apply_kernel | transfers | conv float64 | conv float32 | max|Δ| |")
    print("|---|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for side in (512, 1024, 2048):
        image = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
        for k in (3, 5):
            print(table_row(image, rng.normal(size=(k, k)).astype(np.float32), args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
