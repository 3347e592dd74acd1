import io
import zipfile

import numpy as np
import pytest
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader

from lib.cv.images import encode_png
from lib.cv.shapes import SHAPE_CLASSES
from lib.nn.data import (
    COURSE_ROWS,
    ImageArrayDataset,
    TableDataset,
    TransformSpec,
    apply_transforms,
    build_transforms,
    class_counts,
    first_batch,
    loader_batches,
    loader_facts,
    loader_snippet,
    read_image_zip,
    shapes_dataset,
    split_sizes,
    stratified_split,
    tensor_to_display,
    transform_snippet,
    transforms_code,
)
from tests.helpers import snippet_result
from tests.photo_zip import phone_photo_zip


def png(colour: tuple[int, int, int], size: int = 20) -> bytes:
    image = np.zeros((size, size, 3), dtype=np.uint8)
    image[:] = colour
    return encode_png(image)


def make_zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


class TestSplitSizes:
    def test_course_numbers(self):
        # II.N: 1338 insurance rows, test_size 0.2 -> 1070 train / 268 test; iris 150 -> 120 / 30.
        assert split_sizes(COURSE_ROWS) == (1070, 268)
        assert split_sizes(150) == (120, 30)

    def test_matches_sklearn(self):
        for n_rows in (10, 99, 1338, 1001):
            train, test = train_test_split(np.arange(n_rows), test_size=0.2, random_state=0)
            assert split_sizes(n_rows) == (len(train), len(test))

    def test_rejects(self):
        with pytest.raises(ValueError, match="at least 2"):
            split_sizes(1)
        with pytest.raises(ValueError, match="fraction"):
            split_sizes(100, test_size=1.5)


class TestLoaderFacts:
    def test_course_numbers(self):
        # 1070 rows, batch 32 -> 34 batches, the last one 1070 - 33 * 32 = 14 rows.
        facts = loader_facts(1070, batch_size=32)
        assert (facts.batches_per_epoch, facts.last_batch_size, facts.dropped_rows) == (34, 14, 0)
        # The notes' arithmetic: 1000 rows, batch 1, 100 epochs -> 100,000 iterations; batch 100 -> 1000.
        assert loader_facts(1000, batch_size=1, epochs=100).iterations == 100_000
        assert loader_facts(1000, batch_size=100, epochs=100).iterations == 1000
        # Batch 1000 on 1070 rows: a batch of 1000, then one of 70.
        assert loader_facts(1070, batch_size=1000).last_batch_size == 70

    def test_drop_last(self):
        facts = loader_facts(1070, batch_size=32, drop_last=True, epochs=10)
        assert (facts.batches_per_epoch, facts.last_batch_size, facts.dropped_rows, facts.iterations) == (
            33,
            32,
            14,
            330,
        )
        assert loader_facts(10, batch_size=32, drop_last=True).batches_per_epoch == 0

    @pytest.mark.parametrize(
        ("size", "batch", "drop_last"), [(1070, 32, False), (1070, 32, True), (64, 32, False), (5, 7, False)]
    )
    def test_matches_a_real_dataloader(self, size, batch, drop_last):
        facts = loader_facts(size, batch_size=batch, drop_last=drop_last)
        batches = loader_batches(size, batch_size=batch, drop_last=drop_last, shuffle=True, seed=1)
        assert len(batches) == facts.batches_per_epoch
        if batches:
            assert len(batches[-1]) == facts.last_batch_size
        seen = np.concatenate(batches) if batches else np.array([], dtype=np.int64)
        assert len(seen) == size - facts.dropped_rows
        assert len(np.unique(seen)) == len(seen)  # every row at most once per epoch

    def test_shuffle_changes_order_not_content(self):
        ordered = loader_batches(100, batch_size=10, shuffle=False)
        shuffled = loader_batches(100, batch_size=10, shuffle=True, seed=3)
        assert ordered[0].tolist() == list(range(10))
        assert shuffled[0].tolist() != list(range(10))
        assert sorted(np.concatenate(shuffled).tolist()) == list(range(100))
        assert [b.tolist() for b in loader_batches(100, batch_size=10, seed=3)] == [
            b.tolist() for b in shuffled
        ]

    def test_snippet_gives_the_batch_sizes(self):
        sizes = snippet_result(loader_snippet(1070, batch_size=32))
        assert len(sizes) == 34 and sizes[-1] == 14

    def test_rejects(self):
        with pytest.raises(ValueError, match="batch_size"):
            loader_facts(100, batch_size=0)
        with pytest.raises(ValueError, match="at least one row"):
            loader_facts(0)


class TestTableDataset:
    def test_len_and_getitem_like_the_course(self):
        features = np.arange(12, dtype=np.float64).reshape(6, 2)
        dataset = TableDataset(features, np.arange(6))
        assert len(dataset) == 6
        x, y = dataset[4]
        assert x.dtype == torch.float32 and x.tolist() == [8.0, 9.0] and y.item() == 4.0
        batch_x, batch_y = next(iter(DataLoader(dataset, batch_size=4)))
        assert batch_x.shape == (4, 2) and batch_y.shape == (4,)

    def test_rejects_mismatch(self):
        with pytest.raises(ValueError, match="targets"):
            TableDataset(np.zeros((3, 2)), np.zeros(2))


class TestImageDatasets:
    def test_shapes_dataset_items(self):
        dataset = shapes_dataset(3, size=32)
        assert len(dataset) == 3 * len(SHAPE_CLASSES)
        image, label = dataset[1]
        assert image.shape == (3, 32, 32) and image.dtype == torch.float32
        assert float(image.min()) >= 0.0 and float(image.max()) <= 1.0
        assert label == 1 and dataset.class_names == SHAPE_CLASSES
        # ToTensor by hand: value / 255, channels first.
        assert torch.allclose(
            image[:, 5, 7], torch.tensor(dataset.images[1, 5, 7] / 255.0, dtype=torch.float32)
        )

    def test_first_batch_shapes(self):
        images, labels = first_batch(shapes_dataset(4, size=32), batch_size=8)
        assert images.shape == (8, 3, 32, 32) and labels.shape == (8,)

    def test_class_counts(self):
        assert class_counts(np.array([0, 2, 2]), ("a", "b", "c")) == {"a": 1, "b": 0, "c": 2}

    def test_rejects_bad_arrays(self):
        with pytest.raises(ValueError, match="uint8"):
            ImageArrayDataset(np.zeros((2, 8, 8, 3), dtype=np.float32), np.zeros(2), ("a",))

    def test_stratified_split_keeps_class_shares(self):
        labels = np.repeat(np.arange(3), 50)
        train, test = stratified_split(labels)
        assert (len(train), len(test)) == (120, 30)
        assert np.bincount(labels[test]).tolist() == [10, 10, 10]
        assert not set(train) & set(test)


class TestReadImageZip:
    def test_reads_class_folders_sorted(self):
        data = make_zip(
            {
                "dogs/1.png": png((0, 0, 255)),
                "cats/1.png": png((255, 0, 0)),
                "cats/2.png": png((250, 0, 0), size=40),
            }
        )
        result = read_image_zip(data, image_size=16)
        assert result.class_names == ("cats", "dogs")  # sorted, like ImageFolder; not os.listdir order
        assert result.images.shape == (3, 16, 16, 3) and result.images.dtype == np.uint8
        assert result.labels.tolist() == [0, 0, 1]
        assert result.images[2, 8, 8].tolist() == [0, 0, 255]  # a flat colour survives resizing exactly

    def test_one_wrapping_folder_is_removed(self):
        data = make_zip({"my_data/a/1.png": png((1, 2, 3)), "my_data/b/1.png": png((4, 5, 6))})
        assert read_image_zip(data, image_size=8).class_names == ("a", "b")

    def test_non_images_and_hidden_files_are_skipped_with_a_note(self):
        data = make_zip(
            {
                "a/1.png": png((1, 2, 3)),
                "a/notes.txt": b"not an image",
                "a/fake.jpg": b"\xff\xd8 broken",
                "b/1.png": png((4, 5, 6)),
                "loose.png": png((7, 8, 9)),
                "__MACOSX/a/._1.png": b"junk",
                "b/.DS_Store": b"junk",
            }
        )
        result = read_image_zip(data, image_size=8)
        assert len(result.images) == 2
        notes = "\n".join(result.notes)
        assert "a/notes.txt: skipped" in notes and "a/fake.jpg: skipped" in notes
        assert "loose.png: skipped, outside any class folder" in notes
        assert "2 hidden" in notes

    @pytest.mark.parametrize(
        "name", ["../evil/1.png", "a/../../1.png", "/etc/passwd", "C:/x/1.png", "a\\..\\..\\1.png"]
    )
    def test_rejects_path_traversal(self, name):
        data = make_zip({"a/1.png": png((1, 2, 3)), "b/1.png": png((1, 2, 3)), name: png((1, 2, 3))})
        with pytest.raises(ValueError, match="refused"):
            read_image_zip(data)

    def test_rejects_a_zip_bomb_by_ratio(self):
        zeros = b"\0" * (5 * 1024 * 1024)  # 5 MB of zeros compress about 1000 times
        data = make_zip({"a/1.png": png((1, 2, 3)), "b/1.png": zeros})
        assert len(data) < 100_000
        with pytest.raises(ValueError, match="zip bomb"):
            read_image_zip(data)

    def test_rejects_too_much_uncompressed_data(self):
        data = make_zip({f"a/{i}.bin": bytes(300_000) for i in range(4)}, compression=zipfile.ZIP_STORED)
        with pytest.raises(ValueError, match="expands to"):
            read_image_zip(data, max_uncompressed_bytes=1_000_000)
        with pytest.raises(ValueError, match="per file"):
            read_image_zip(data, max_member_bytes=100_000)

    def test_rejects_a_member_that_lies_about_its_size(self):
        data = bytearray(
            make_zip({"a/1.png": png((1, 2, 3)), "b/1.bin": bytes(200_000)}, compression=zipfile.ZIP_STORED)
        )
        # Patch the central directory's uncompressed size of b/1.bin down to 10 bytes (STORED keeps the data).
        central = data.rfind(b"PK\x01\x02")
        assert data[central + 46 : central + 53] == b"b/1.bin"
        data[central + 24 : central + 28] = (10).to_bytes(4, "little")
        data[central + 20 : central + 24] = (10).to_bytes(4, "little")
        with pytest.raises(ValueError, match="refused"):
            read_image_zip(bytes(data), max_member_bytes=100_000)

    def test_count_and_class_limits(self):
        data = make_zip(
            {f"a/{i}.png": png((i, i, i), size=4) for i in range(6)} | {"b/x.png": png((1, 1, 1))}
        )
        with pytest.raises(ValueError, match="at most 5"):
            read_image_zip(data, max_files=5)
        with pytest.raises(ValueError, match="at least two folders"):
            read_image_zip(make_zip({"a/1.png": png((1, 2, 3))}))

    def test_phone_photos_are_read_small_with_progress(self):
        data = phone_photo_zip(6)  # 12-megapixel JPEGs, two per class
        calls = []
        result = read_image_zip(data, image_size=32, progress=lambda done, total: calls.append((done, total)))
        assert result.images.shape == (6, 32, 32, 3)
        assert result.class_names == ("circles", "squares", "triangles")
        assert result.labels.tolist() == [0, 0, 1, 1, 2, 2]
        assert calls == [(done, 6) for done in range(1, 7)]
        # The shape survives: the centre of each image is the shape's colour, not the background ramp.
        assert result.images.std(axis=(1, 2)).max() > 10

    def test_total_pixel_and_time_limits_stop_with_a_message(self):
        data = phone_photo_zip(3, size=(400, 300))
        with pytest.raises(ValueError, match="more than 0 megapixels in all.*file 3 of 3"):
            read_image_zip(data, max_total_pixels=250_000)  # two photos fit (240,000 pixels), three do not
        with pytest.raises(ValueError, match="reading stopped after 0 s, at file 1 of 3.*fewer or smaller"):
            read_image_zip(data, max_seconds=1e-9)

    def test_rejects_non_zip_and_empty(self):
        with pytest.raises(ValueError, match="not a zip"):
            read_image_zip(b"hello, this is not a zip")
        with pytest.raises(ValueError, match="empty"):
            read_image_zip(b"")
        with pytest.raises(ValueError, match="MB"):
            read_image_zip(b"x" * 2000, max_zip_bytes=1000)


class TestTransforms:
    image = np.random.default_rng(0).integers(0, 256, size=(40, 60, 3), dtype=np.uint8)

    def test_course_pipeline_is_resize_and_to_tensor(self):
        # Resize((128, 128)) + ToTensor(): (3, 128, 128) floats in [0, 1].
        (tensor,) = apply_transforms([self.image], TransformSpec())
        assert tensor.shape == (3, 128, 128) and tensor.dtype == torch.float32
        assert float(tensor.min()) >= 0.0 and float(tensor.max()) <= 1.0

    def test_to_tensor_and_normalise_by_hand(self):
        flat = np.full((8, 8, 3), 51, dtype=np.uint8)  # 51 / 255 = 0.2
        (plain,) = apply_transforms([flat], TransformSpec(resize=None))
        assert torch.allclose(plain, torch.full((3, 8, 8), 0.2))
        spec = TransformSpec(resize=None, normalize=True, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
        (normalised,) = apply_transforms([flat], spec)
        assert torch.allclose(normalised, torch.full((3, 8, 8), -0.6))  # (0.2 - 0.5) / 0.5
        assert np.array_equal(tensor_to_display(normalised, spec), flat)

    def test_flip_with_probability_one_mirrors(self):
        (flipped,) = apply_transforms([self.image], TransformSpec(resize=None, flip_probability=1.0))
        expected = torch.from_numpy(self.image[:, ::-1].copy()).permute(2, 0, 1).float() / 255.0
        assert torch.allclose(flipped, expected)

    def test_center_crop_takes_the_middle(self):
        (cropped,) = apply_transforms([self.image], TransformSpec(resize=None, crop=20))
        expected = torch.from_numpy(self.image[10:30, 20:40].copy()).permute(2, 0, 1).float() / 255.0
        assert torch.allclose(cropped, expected)

    def test_snippet_matches_with_random_transforms(self):
        spec = TransformSpec(
            resize=48,
            crop=40,
            random_crop=True,
            flip_probability=0.5,
            rotation_degrees=20,
            brightness=0.3,
            hue=0.1,
            normalize=True,
        )
        (expected,) = apply_transforms([self.image], spec, seed=5)
        assert torch.equal(snippet_result(transform_snippet(spec, seed=5), image_rgb=self.image), expected)

    def test_same_seed_same_augmentation_other_seed_differs(self):
        spec = TransformSpec(resize=32, rotation_degrees=45, flip_probability=0.5)
        first = apply_transforms([self.image] * 3, spec, seed=1)
        again = apply_transforms([self.image] * 3, spec, seed=1)
        other = apply_transforms([self.image] * 3, spec, seed=2)
        assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
        assert not all(torch.equal(a, b) for a, b in zip(first, other, strict=True))

    def test_code_names_every_step(self):
        spec = TransformSpec(
            crop=112, flip_probability=0.5, rotation_degrees=10, contrast=0.2, normalize=True
        )
        code = transforms_code(spec)
        for step in (
            "Compose",
            "Resize((128, 128))",
            "CenterCrop(112)",
            "RandomHorizontalFlip(p=0.5)",
            "RandomRotation(degrees=10",
            "ColorJitter(",
            "ToDtype",
            "Normalize(",
        ):
            assert step in code
        assert len(build_transforms(spec).transforms) == 8  # ToImage ... Normalize

    @pytest.mark.parametrize(
        ("spec", "message"),
        [
            (TransformSpec(resize=64, crop=100), "does not fit"),
            (TransformSpec(flip_probability=2.0), "probability"),
            (TransformSpec(rotation_degrees=-5), "rotation"),
            (TransformSpec(hue=0.8), "hue"),
            (TransformSpec(normalize=True, std=(0.0, 1.0, 1.0)), "positive"),
        ],
    )
    def test_rejects(self, spec, message):
        with pytest.raises(ValueError, match=message):
            build_transforms(spec)

    def test_rejects_a_crop_larger_than_the_image(self):
        with pytest.raises(ValueError, match="larger than"):
            apply_transforms([self.image], TransformSpec(resize=None, crop=50))
