"""load_mnist on the real files, its checks on synthetic ones, and to_float_images."""

import time
from pathlib import Path

import numpy as np
import pytest

from scratchnet.data import download as download_module
from scratchnet.data.download import verify_existing
from scratchnet.data.idx import IDXError, write_idx
from scratchnet.data.mnist import load_mnist, to_float_images
from scratchnet.data.mnist_files import MNIST_FILES, mnist_dir

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# --- the real files ---------------------------------------------------------------------------

def test_real_mnist_has_the_published_shapes_and_dtypes(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}


def test_real_mnist_label_counts_match_the_published_figures(mnist):
    (_, y_train), (_, y_test) = mnist
    assert np.bincount(y_train, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test, minlength=10).tolist() == TEST_COUNTS


def test_real_mnist_first_training_labels_are_5_0_4_1_9(mnist):
    (_, y_train), _ = mnist
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]


def test_real_mnist_images_use_the_full_pixel_range(mnist):
    (x_train, _), _ = mnist
    assert x_train.min() == 0 and x_train.max() == 255
    assert x_train[:, 0, 0].max() == 0  # corners are background


def test_imported_files_verify_against_the_hard_coded_digests(mnist_dir):
    assert verify_existing(mnist_dir / "mnist") == []


def test_hard_coded_digests_match_the_shared_sha256sums(shared_mnist_dir):
    published = dict(line.split()[::-1] for line in
                     (shared_mnist_dir / "SHA256SUMS").read_text().splitlines() if line.strip())
    assert {spec.name: spec.sha256 for spec in MNIST_FILES} == published


def test_load_mnist_takes_under_a_second(mnist_dir):
    load_mnist(mnist_dir, download=False)  # warm the page cache
    started = time.perf_counter()
    load_mnist(mnist_dir, download=False)
    assert time.perf_counter() - started < 1.0


# --- checks, on small synthetic files ---------------------------------------------------------

def write_mnist(data_dir: Path, n_train=6, n_test=4, labels=None, image_shape=(28, 28)) -> Path:
    folder = mnist_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, count in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (count, *image_shape), dtype=np.uint8)
        write_idx(folder / f"{prefix}-images-idx3-ubyte", images)
        values = np.arange(count, dtype=np.uint8) % 10 if labels is None else labels[prefix]
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", values)
    return folder


def test_load_mnist_reads_data_dir_slash_mnist(tmp_path):
    write_mnist(tmp_path)
    (x_train, y_train), (x_test, y_test) = load_mnist(tmp_path, download=False)
    assert x_train.shape == (6, 28, 28) and x_test.shape == (4, 28, 28)
    assert y_train.tolist() == [0, 1, 2, 3, 4, 5] and y_test.tolist() == [0, 1, 2, 3]


def test_missing_file_without_download_says_how_to_get_it(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError,
                       match="missing t10k-labels-idx1-ubyte.*download_mnist.py"):
        load_mnist(tmp_path, download=False)


def test_missing_files_with_download_call_the_downloader(tmp_path, monkeypatch):
    calls = []

    def fake_download(data_dir):
        calls.append(Path(data_dir))
        write_mnist(Path(data_dir))

    monkeypatch.setattr(download_module, "download_mnist", fake_download)
    (x_train, _), _ = load_mnist(tmp_path)
    assert calls == [tmp_path] and x_train.shape == (6, 28, 28)


def test_image_and_label_counts_must_agree(tmp_path):
    folder = write_mnist(tmp_path)
    write_idx(folder / "train-labels-idx1-ubyte", np.zeros(5, dtype=np.uint8))
    with pytest.raises(ValueError, match="holds 6 images but .*train-labels-idx1-ubyte holds 5"):
        load_mnist(tmp_path, download=False)


def test_labels_above_9_are_refused(tmp_path):
    labels = {"train": np.array([0, 1, 2, 3, 4, 10], dtype=np.uint8),
              "t10k": np.zeros(4, dtype=np.uint8)}
    write_mnist(tmp_path, labels=labels)
    with pytest.raises(ValueError, match="labels must be 0-9, found 10"):
        load_mnist(tmp_path, download=False)


def test_images_that_are_not_28_by_28_are_refused(tmp_path):
    write_mnist(tmp_path, image_shape=(32, 32))
    with pytest.raises(ValueError, match=r"expected uint8 images of shape \(N, 28, 28\)"):
        load_mnist(tmp_path, download=False)


def test_truncated_file_raises_idx_error_naming_it(tmp_path):
    folder = write_mnist(tmp_path)
    path = folder / "train-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(IDXError, match="train-labels-idx1-ubyte: header says 6 items but the file "
                                       "holds 5"):
        load_mnist(tmp_path, download=False)


# --- to_float_images --------------------------------------------------------------------------

def test_to_float_images_adds_a_channel_and_scales_to_unit_range():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    result = to_float_images(images)
    assert result.shape == (1, 2, 2, 1) and result.dtype == np.float32
    np.testing.assert_allclose(result[0, :, :, 0], [[0.0, 1.0], [0.2, 0.4]], rtol=1e-6)


def test_to_float_images_float64_and_existing_channel_axis():
    images = np.full((3, 28, 28, 1), 255, dtype=np.uint8)
    result = to_float_images(images, dtype=np.float64)
    assert result.shape == (3, 28, 28, 1) and result.dtype == np.float64
    assert (result == 1.0).all()


@pytest.mark.parametrize("images, message", [
    (np.zeros((2, 28, 28), dtype=np.float32), "expected uint8 images"),
    (np.zeros((28, 28), dtype=np.uint8), r"expected images of shape \(N, H, W\)"),
    (np.zeros((2, 28, 28, 3), dtype=np.uint8), r"found \(2, 28, 28, 3\)"),
])
def test_to_float_images_refuses_wrong_input(images, message):
    with pytest.raises(ValueError, match=message):
        to_float_images(images)


def test_to_float_images_refuses_integer_output_dtype():
    with pytest.raises(ValueError, match="expected a floating dtype"):
        to_float_images(np.zeros((1, 2, 2), dtype=np.uint8), dtype=np.int32)
