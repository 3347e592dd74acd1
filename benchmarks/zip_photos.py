"""Time and peak memory of reading a zip of phone photos the way Train a CNN does (lib.nn.data.read_image_zip).

    python benchmarks/zip_photos.py                 # 60 photos of 4000×3000 (12 MP JPEGs) in 3 class folders
    python benchmarks/zip_photos.py --count 120 --size 64

Prints the zip's size, the seconds read_image_zip took, and the process's peak resident memory before and
after reading (ru_maxrss: what the decode added on top of the imports). Then trains the page's default CNN
(10 epochs, medium widths) on the result and prints how long that took.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.nn import cnn_training  # noqa: E402
from lib.nn.data import read_image_zip  # noqa: E402
from tests.photo_zip import phone_photo_zip  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--size", type=int, default=32, help="training image size (the page's default: 32)")
    args = parser.parse_args()
    # Made in a child process, so that drawing 12-MP photos does not count in this process's peak memory.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        data = pool.submit(phone_photo_zip, args.count).result()
    before = peak_mb()
    started = time.perf_counter()
    result = read_image_zip(data, image_size=args.size)
    seconds = time.perf_counter() - started
    print(
        f"{args.count} photos, {len(data) / 1e6:.1f} MB zip: read in {seconds:.2f} s; "
        f"peak RSS {before:.0f} MB before reading, {peak_mb():.0f} MB after"
    )
    trainer = cnn_training.CnnTrainer(
        result.images, result.labels, result.class_names, channels=(16, 32, 64, 128), device=None
    )
    started = time.perf_counter()
    for _ in trainer.epochs(10):
        pass
    print(
        f"10 epochs on {len(result.images)} images of {args.size} px: {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
