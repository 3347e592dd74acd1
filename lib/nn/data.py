"""Datasets and loaders (II.N–O): DataLoader arithmetic, image folders from a zip, transforms.

A zip is read in memory, member by member, never extracted to disk; every member is checked before it is
decoded (path, size, compression ratio, count) so a hostile archive is refused with a message.
"""

from __future__ import annotations

import io
import math
import stat
import time
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from lib.cv.images import ImageError, decode_image, image_size_of
from lib.cv.shapes import SHAPE_CLASSES, make_shapes
from lib.nn.random_state import GLOBAL_RNG_LOCK as _SEED_LOCK

if TYPE_CHECKING:
    from torchvision.transforms import v2

COURSE_ROWS = 1338  # the insurance table (II.L, II.N)
COURSE_BATCH_SIZE = 32
COURSE_TEST_SIZE = 0.2
COURSE_NORMALIZE = (
    (0.5, 0.5, 0.5),
    (0.5, 0.5, 0.5),
)  # transforms.Normalize((0.5,), (0.5,)) in the course app
IMAGENET_NORMALIZE = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))

# Zip limits: generous for a class's worth of photos, small enough for a shared server.
MAX_ZIP_BYTES = 50 * 1024 * 1024
MAX_ZIP_FILES = 1000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # uncompressed / compressed, checked for members over RATIO_MIN_BYTES
RATIO_MIN_BYTES = 64 * 1024
MAX_CLASSES = 50
MAX_IMAGE_PIXELS = 25_000_000
MAX_TOTAL_PIXELS = 1_500_000_000  # full-size pixels of all the images together: 125 twelve-megapixel photos
MAX_READ_SECONDS = 90.0  # reading stops with a message after this long (a shared server's CPU is finite)


# ---------------------------------------------------------------------------------------------------------
# DataLoader arithmetic.


def split_sizes(n_rows: int, *, test_size: float = COURSE_TEST_SIZE) -> tuple[int, int]:
    """(train, test) row counts of sklearn's train_test_split: test = ceil(test_size * n). Course: 1338 -> 1070/268."""
    if n_rows < 2:
        raise ValueError(f"need at least 2 rows to split, got {n_rows}")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size is a fraction between 0 and 1, got {test_size}")
    n_test = math.ceil(test_size * n_rows)
    n_train = n_rows - n_test
    if n_train < 1:
        raise ValueError(f"a test share of {test_size} leaves no training rows out of {n_rows}")
    return n_train, n_test


@dataclass(frozen=True)
class LoaderFacts:
    """What a DataLoader will do with a dataset, worked out by hand."""

    dataset_size: int
    batch_size: int
    drop_last: bool
    batches_per_epoch: int
    last_batch_size: int  # size of the final batch of each epoch (== batch_size when it divides evenly)
    dropped_rows: int  # rows never seen in an epoch because of drop_last
    epochs: int
    iterations: int  # optimizer steps over all epochs = batches_per_epoch * epochs


def loader_facts(
    dataset_size: int, *, batch_size: int = COURSE_BATCH_SIZE, drop_last: bool = False, epochs: int = 1
) -> LoaderFacts:
    """Batches per epoch, last batch size and iterations. Course: 1070 rows, batch 32 -> 34 batches, last 14."""
    if dataset_size < 1:
        raise ValueError(f"the dataset needs at least one row, got {dataset_size}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    full, remainder = divmod(dataset_size, batch_size)
    if drop_last:
        batches, last, dropped = full, batch_size if full else 0, remainder
    else:
        batches = full + (1 if remainder else 0)
        last, dropped = (remainder or batch_size), 0
    return LoaderFacts(dataset_size, batch_size, drop_last, batches, last, dropped, epochs, batches * epochs)


class TableDataset(Dataset):
    """The course's custom Dataset for a table (InsuranceDataset): features and targets as float32 tensors."""

    def __init__(self, features: np.ndarray, targets: np.ndarray) -> None:
        if len(features) != len(targets):
            raise ValueError(f"{len(features)} feature rows but {len(targets)} targets")
        self.features = np.asarray(features, dtype=np.float32)
        self.targets = np.asarray(targets, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.from_numpy(self.features[index]), torch.tensor(self.targets[index])


def loader_batches(
    dataset_size: int,
    *,
    batch_size: int = COURSE_BATCH_SIZE,
    shuffle: bool = True,
    drop_last: bool = False,
    seed: int = 42,
    n_features: int = 6,
) -> list[np.ndarray]:
    """Run a real DataLoader over a TableDataset whose rows hold their own row number; returns each batch's rows.

    Shows what shuffle and drop_last do: the row ids of every batch of one epoch, int64 arrays.
    """
    if dataset_size > 1_000_000:
        raise ValueError("at most 1,000,000 rows in this demo")
    loader_facts(dataset_size, batch_size=batch_size, drop_last=drop_last)  # validates the numbers
    row_ids = np.arange(dataset_size, dtype=np.float32)
    features = np.repeat(row_ids[:, None], n_features, axis=1)
    loader = DataLoader(
        TableDataset(features, row_ids),
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        generator=torch.Generator().manual_seed(seed),
    )
    return [targets.numpy().astype(np.int64) for _, targets in loader]


def loader_snippet(
    dataset_size: int, *, batch_size: int = 32, shuffle: bool = True, drop_last: bool = False
) -> str:
    """Runnable code: the course's custom Dataset wrapped in a DataLoader; result = the batch sizes of one epoch."""
    return f"""import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class InsuranceDataset(Dataset):
    def __init__(self, X, y):
        self.X = X
        self.y = y

    def __len__(self):
        return len(self.X)  # how many rows: the loader uses it to know where the data ends

    def __getitem__(self, idx):
        features = torch.tensor(self.X[idx], dtype=torch.float32)
        target = torch.tensor(self.y[idx], dtype=torch.float32)
        return features, target


X_train = np.random.rand({dataset_size}, 6)  # e.g. the scaled insurance features
y_train = np.random.rand({dataset_size})
dataset = InsuranceDataset(X_train, y_train)
dataloader = DataLoader(dataset, batch_size={batch_size}, shuffle={shuffle}, drop_last={drop_last})

result = [len(targets) for features, targets in dataloader]
print(len(result), "batches; sizes of the first and last:", result[0], result[-1])
"""


# ---------------------------------------------------------------------------------------------------------
# Image datasets.


class ImageArrayDataset(Dataset):
    """Images in memory as a Dataset: (N, H, W, 3) uint8 + labels; __getitem__ gives (CHW float tensor, label).

    With transform=None an image becomes float32 in [0, 1] (what transforms.ToTensor() does).
    """

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        class_names: Sequence[str],
        *,
        transform: Callable[[np.ndarray], torch.Tensor] | None = None,
    ) -> None:
        if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
            raise ValueError(f"images must be (N, H, W, 3) uint8, got {images.shape} {images.dtype}")
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.images = images
        self.labels = np.asarray(labels, dtype=np.int64)
        self.class_names = tuple(class_names)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        image = self.images[index]
        if self.transform is not None:
            tensor = self.transform(image)
        else:
            tensor = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float() / 255.0
        return tensor, int(self.labels[index])


def shapes_dataset(
    n_per_class: int = 40,
    *,
    size: int = 64,
    seed: int = 0,
    transform: Callable[[np.ndarray], torch.Tensor] | None = None,
) -> ImageArrayDataset:
    """The bundled shapes set (circle, square, triangle, star, hexagon) as a Dataset."""
    images, labels = make_shapes(n_per_class, size=size, seed=seed)
    return ImageArrayDataset(images, labels, SHAPE_CLASSES, transform=transform)


def class_counts(labels: np.ndarray, class_names: Sequence[str]) -> dict[str, int]:
    """How many images each class has, in class order."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=len(class_names))
    return {name: int(count) for name, count in zip(class_names, counts, strict=False)}


def first_batch(
    dataset: Dataset, *, batch_size: int = COURSE_BATCH_SIZE, shuffle: bool = True, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """The first (images, labels) batch a DataLoader gives: images (B, C, H, W) float, labels (B,) int64."""
    loader = DataLoader(
        dataset, batch_size=batch_size, shuffle=shuffle, generator=torch.Generator().manual_seed(seed)
    )
    return next(iter(loader))


@dataclass(frozen=True)
class ZipImages:
    """Images read from a zip of class folders, all resized to one square size."""

    images: np.ndarray  # (N, size, size, 3) uint8
    labels: np.ndarray  # (N,) int64 into class_names
    class_names: tuple[str, ...]  # sorted folder names, as torchvision's ImageFolder sorts them
    notes: tuple[str, ...]  # what was skipped and why


def _unsafe_reason(name: str) -> str | None:
    """Why a member name could escape the folder it is read into, or None when it is safe."""
    if name.startswith(("/", "\\")):
        return "an absolute path"
    if len(name) >= 2 and name[1] == ":":
        return "a drive letter"
    if "\x00" in name:
        return "a NUL character"
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        return "'..' (a path outside the folder)"
    return None


def read_image_zip(
    data: bytes,
    *,
    image_size: int = 128,
    max_zip_bytes: int = MAX_ZIP_BYTES,
    max_files: int = MAX_ZIP_FILES,
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES,
    max_member_bytes: int = MAX_MEMBER_BYTES,
    max_ratio: float = MAX_COMPRESSION_RATIO,
    max_classes: int = MAX_CLASSES,
    max_total_pixels: int = MAX_TOTAL_PIXELS,
    max_seconds: float = MAX_READ_SECONDS,
    progress: Callable[[int, int], None] | None = None,
) -> ZipImages:
    """Read a zip laid out as class/image.jpg (optionally inside one top folder) into an image dataset.

    Never writes to disk. Refuses (ValueError) a zip with absolute or '..' paths, links, more than
    max_files files, more than max_uncompressed_bytes in total, a member over max_member_bytes or
    compressed more than max_ratio times (a zip bomb), or fewer than two classes with images.
    Files that are not images, hidden files and files outside class folders are skipped with a note.
    Every image is decoded with lib.cv.images.decode_image (JPEGs at a reduced scale, no smaller than
    image_size) and resized to (image_size, image_size) at once: only the small copies are kept. Reading
    stops with a ValueError when the images hold more than max_total_pixels full-size pixels in all, or
    after max_seconds. progress(done, total) is called after each file of a class folder is read.
    """
    if not data:
        raise ValueError("the zip file is empty")
    if len(data) > max_zip_bytes:
        raise ValueError(f"the zip is {len(data) / 1e6:.1f} MB; the limit is {max_zip_bytes / 1e6:.0f} MB")
    if not 8 <= image_size <= 512:
        raise ValueError(f"image_size must be between 8 and 512, got {image_size}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise ValueError(
            "this is not a zip file we can read; zip a folder of class folders and upload it"
        ) from None
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > max_files:
            raise ValueError(f"the zip holds {len(members):,} files; at most {max_files:,} are read")
        declared_total = 0
        for info in members:
            reason = _unsafe_reason(info.filename)
            if reason:
                raise ValueError(
                    f"refused: {info.filename!r} has {reason}; the zip must hold only class/image files"
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ValueError(f"refused: {info.filename!r} is a symbolic link")
            if info.flag_bits & 0x1:
                raise ValueError(f"{info.filename!r} is encrypted; upload a zip without a password")
            if info.file_size > max_member_bytes:
                raise ValueError(
                    f"refused: {info.filename!r} expands to {info.file_size / 1e6:.1f} MB "
                    f"(limit {max_member_bytes / 1e6:.0f} MB per file)"
                )
            if info.file_size >= RATIO_MIN_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
                raise ValueError(
                    f"refused: {info.filename!r} is compressed {info.file_size / max(info.compress_size, 1):.0f} "
                    f"times (limit {max_ratio:.0f}): this looks like a zip bomb"
                )
            declared_total += info.file_size
        if declared_total > max_uncompressed_bytes:
            raise ValueError(
                f"refused: the zip expands to {declared_total / 1e6:.0f} MB "
                f"(limit {max_uncompressed_bytes / 1e6:.0f} MB)"
            )
        parts_by_member = _class_paths(members)
        notes: list[str] = []
        hidden = 0
        candidates = []
        for info in members:
            parts = parts_by_member[info.filename]
            if any(part.startswith(".") or part == "__MACOSX" for part in parts):
                hidden += 1
            elif len(parts) != 2:
                where = "outside any class folder" if len(parts) < 2 else "in a nested folder"
                notes.append(f"{info.filename}: skipped, {where} (expected class/image)")
            else:
                candidates.append((info, parts[0]))
        by_class: dict[str, list[np.ndarray]] = {}
        read_total = 0
        pixels_total = 0
        started = time.monotonic()
        for done, (info, class_name) in enumerate(candidates, start=1):
            if time.monotonic() - started > max_seconds:
                raise ValueError(
                    f"reading stopped after {max_seconds:.0f} s, at file {done} of {len(candidates)}: the "
                    "photos take too long to decode here. Upload fewer or smaller photos (a few hundred "
                    "pixels a side is plenty for a CNN that trains on 64 px)"
                )
            try:
                with archive.open(info) as member:
                    content = member.read(max_member_bytes + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
                raise ValueError(
                    f"refused: {info.filename!r} is damaged ({error}); zip the folder again"
                ) from None
            read_total += len(content)
            if len(content) > max_member_bytes or read_total > max_uncompressed_bytes:
                raise ValueError(
                    f"refused: {info.filename!r} expands beyond what its header says (a zip bomb)"
                )
            try:
                width, height = image_size_of(content)
                pixels_total += width * height
                if pixels_total > max_total_pixels:
                    raise ValueError(
                        f"the images hold more than {max_total_pixels / 1e6:,.0f} megapixels in all (reached "
                        f"at file {done} of {len(candidates)}, {info.filename!r}). Upload fewer or smaller "
                        "photos: a CNN here trains on 32-64 px images"
                    )
                image = decode_image(content, max_pixels=MAX_IMAGE_PIXELS, reduce_to=image_size)
            except ImageError:
                notes.append(f"{info.filename}: skipped, not an image we can read")
            else:
                by_class.setdefault(class_name, []).append(_square(image, image_size))
            del content
            if progress is not None:
                progress(done, len(candidates))
        if hidden:
            notes.append(f"{hidden} hidden or system file(s) skipped")
    if len(by_class) > max_classes:
        raise ValueError(f"{len(by_class)} class folders; at most {max_classes}")
    if len(by_class) < 2:
        found = "no class folder" if not by_class else f"only the class {next(iter(by_class))!r}"
        raise ValueError(
            f"found {found} with images: a classifier needs at least two folders, e.g. cats/1.jpg and dogs/1.jpg"
        )
    class_names = tuple(sorted(by_class))
    images = np.stack([image for name in class_names for image in by_class[name]])
    labels = np.concatenate(
        [np.full(len(by_class[name]), index, dtype=np.int64) for index, name in enumerate(class_names)]
    )
    return ZipImages(images, labels, class_names, tuple(notes))


def _class_paths(members: list[zipfile.ZipInfo]) -> dict[str, list[str]]:
    """Path parts of each member, with one folder that wraps everything (my_dataset/cat/1.jpg) removed."""
    parts = {
        info.filename: [part for part in info.filename.replace("\\", "/").split("/") if part]
        for info in members
    }
    visible = [p for p in parts.values() if not any(part.startswith(".") or part == "__MACOSX" for part in p)]
    roots = {p[0] for p in visible if len(p) >= 3}
    if len(roots) == 1 and all(len(p) >= 3 for p in visible):
        root = next(iter(roots))
        return {name: (p[1:] if p and p[0] == root else p) for name, p in parts.items()}
    return parts


def _square(image: np.ndarray, size: int) -> np.ndarray:
    """Resize to (size, size) like transforms.Resize((size, size)): INTER_AREA down, INTER_LINEAR up."""
    shrinking = image.shape[0] > size or image.shape[1] > size
    return cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def stratified_split(
    labels: np.ndarray, *, test_size: float = COURSE_TEST_SIZE, seed: int = 42
) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices) of sklearn's train_test_split, stratified when every class has 2+ items."""
    from sklearn.model_selection import train_test_split

    labels = np.asarray(labels)
    if len(labels) < 2:
        raise ValueError("need at least 2 items to split")
    counts = np.bincount(labels)
    stratify = labels if counts[counts > 0].min() >= 2 else None
    n_test = math.ceil(test_size * len(labels))
    if stratify is not None and n_test < len(np.unique(labels)):
        stratify = None
    train, test = train_test_split(
        np.arange(len(labels)), test_size=test_size, random_state=seed, stratify=stratify
    )
    return np.sort(train), np.sort(test)


# ---------------------------------------------------------------------------------------------------------
# Transforms.


@dataclass(frozen=True)
class TransformSpec:
    """A transforms pipeline; defaults are the course's Resize((128, 128)) + ToTensor()."""

    resize: int | None = 128  # Resize((resize, resize))
    crop: int | None = None  # CenterCrop(crop), or RandomCrop(crop) when random_crop
    random_crop: bool = False
    flip_probability: float = 0.0  # RandomHorizontalFlip(p)
    rotation_degrees: float = 0.0  # RandomRotation(degrees)
    brightness: float = 0.0  # ColorJitter(brightness, contrast, saturation, hue)
    contrast: float = 0.0
    saturation: float = 0.0
    hue: float = 0.0
    normalize: bool = False
    mean: tuple[float, float, float] = COURSE_NORMALIZE[0]
    std: tuple[float, float, float] = COURSE_NORMALIZE[1]

    @property
    def has_jitter(self) -> bool:
        return any(value > 0 for value in (self.brightness, self.contrast, self.saturation, self.hue))


def _validate(spec: TransformSpec) -> None:
    if spec.resize is not None and not 8 <= spec.resize <= 1024:
        raise ValueError(f"resize must be between 8 and 1024 pixels, got {spec.resize}")
    if spec.crop is not None and spec.crop < 1:
        raise ValueError(f"crop must be at least 1 pixel, got {spec.crop}")
    if spec.crop is not None and spec.resize is not None and spec.crop > spec.resize:
        raise ValueError(f"a {spec.crop}-pixel crop does not fit in the {spec.resize}-pixel resized image")
    if not 0 <= spec.flip_probability <= 1:
        raise ValueError(f"flip probability must be between 0 and 1, got {spec.flip_probability}")
    if not 0 <= spec.rotation_degrees <= 180:
        raise ValueError(f"rotation must be between 0 and 180 degrees, got {spec.rotation_degrees}")
    if min(spec.brightness, spec.contrast, spec.saturation) < 0 or not 0 <= spec.hue <= 0.5:
        raise ValueError("colour jitter amounts cannot be negative, and hue is at most 0.5")
    if spec.normalize and any(s <= 0 for s in spec.std):
        raise ValueError(f"normalise std values must be positive, got {spec.std}")


def build_transforms(spec: TransformSpec) -> v2.Compose:
    """The torchvision.transforms.v2 pipeline for spec: HWC uint8 in, CHW float32 tensor out."""
    from torchvision.transforms import v2  # imported when needed: torchvision adds seconds to a cold start

    _validate(spec)
    steps: list = [v2.ToImage()]
    if spec.resize is not None:
        steps.append(v2.Resize((spec.resize, spec.resize)))
    if spec.crop is not None:
        steps.append(v2.RandomCrop(spec.crop) if spec.random_crop else v2.CenterCrop(spec.crop))
    if spec.flip_probability > 0:
        steps.append(v2.RandomHorizontalFlip(p=spec.flip_probability))
    if spec.rotation_degrees > 0:
        steps.append(v2.RandomRotation(degrees=spec.rotation_degrees))
    if spec.has_jitter:
        steps.append(
            v2.ColorJitter(
                brightness=spec.brightness, contrast=spec.contrast, saturation=spec.saturation, hue=spec.hue
            )
        )
    steps.append(v2.ToDtype(torch.float32, scale=True))
    if spec.normalize:
        steps.append(v2.Normalize(mean=list(spec.mean), std=list(spec.std)))
    return v2.Compose(steps)


def transforms_code(spec: TransformSpec) -> str:
    """The transforms.Compose([...]) code that build_transforms(spec) makes (torchvision v2 API)."""
    _validate(spec)
    lines = [
        "transform = transforms.Compose([",
        "    transforms.ToImage(),  # HWC uint8 array or PIL image -> CHW uint8 tensor",
    ]
    if spec.resize is not None:
        lines.append(f"    transforms.Resize(({spec.resize}, {spec.resize})),")
    if spec.crop is not None:
        lines.append(f"    transforms.{'RandomCrop' if spec.random_crop else 'CenterCrop'}({spec.crop}),")
    if spec.flip_probability > 0:
        lines.append(f"    transforms.RandomHorizontalFlip(p={spec.flip_probability!r}),")
    if spec.rotation_degrees > 0:
        lines.append(f"    transforms.RandomRotation(degrees={spec.rotation_degrees!r}),")
    if spec.has_jitter:
        lines.append(
            f"    transforms.ColorJitter(brightness={spec.brightness!r}, contrast={spec.contrast!r}, "
            f"saturation={spec.saturation!r}, hue={spec.hue!r}),"
        )
    lines.append("    transforms.ToDtype(torch.float32, scale=True),  # like ToTensor(): floats in [0, 1]")
    if spec.normalize:
        lines.append(f"    transforms.Normalize(mean={list(spec.mean)!r}, std={list(spec.std)!r}),")
    lines.append("])")
    return "\n".join(lines)


def transform_snippet(spec: TransformSpec, *, seed: int = 0) -> str:
    """Runnable code: the Compose above applied to image_rgb with a fixed seed; result = the CHW tensor."""
    return (
        '# image_rgb: an RGB uint8 image, e.g. cv2.cvtColor(cv2.imread("photo.jpg"), cv2.COLOR_BGR2RGB)\n'
        "import torch\n"
        "from torchvision.transforms import v2 as transforms\n\n"
        f"{transforms_code(spec)}\n\n"
        f"torch.manual_seed({seed})  # random transforms draw from torch's generator\n"
        "result = transform(image_rgb).as_subclass(torch.Tensor)  # v2 returns a tv_tensors.Image: keep the tensor\n"
        "print(result.shape, result.dtype, float(result.min()), float(result.max()))\n"
    )


def apply_transforms(
    images: Sequence[np.ndarray], spec: TransformSpec, *, seed: int = 0
) -> list[torch.Tensor]:
    """Apply the pipeline to each image in turn after torch.manual_seed(seed); CHW float32 tensors.

    The global random state is restored afterwards, so other work is not disturbed.
    """
    transform = build_transforms(spec)
    results = []
    with _SEED_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for image in images:
            if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
                raise ValueError(f"images must be RGB uint8 (H, W, 3), got {image.shape} {image.dtype}")
            if spec.crop is not None and spec.resize is None and spec.crop > min(image.shape[:2]):
                raise ValueError(
                    f"a {spec.crop}-pixel crop is larger than a {image.shape[1]}×{image.shape[0]} image"
                )
            results.append(transform(image if image.flags.writeable else image.copy()))
    return results


def tensor_to_display(tensor: torch.Tensor, spec: TransformSpec) -> np.ndarray:
    """A CHW float tensor back to HWC uint8 for display, undoing Normalize when the spec has it."""
    values = tensor.detach().cpu().float()
    if spec.normalize:
        mean = torch.tensor(spec.mean).view(-1, 1, 1)
        std = torch.tensor(spec.std).view(-1, 1, 1)
        values = values * std + mean
    return np.round(values.clamp(0, 1).permute(1, 2, 0).numpy() * 255.0).astype(np.uint8)
