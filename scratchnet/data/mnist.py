"""MNIST: loading the four files as arrays.

The files live decompressed in ``<data_dir>/mnist/`` so that loading is a plain read. They are
verified by the SHA256 of their *decompressed* content, which does not change when a mirror
re-compresses them (the list and the digests: ``scratchnet.data.mnist_files``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scratchnet.data import download as downloader
from scratchnet.data.idx import read_idx
from scratchnet.data.mnist_files import MNIST_FILES, PathLike, mnist_dir


def load_mnist(data_dir: PathLike = "data", download: bool = True
               ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST from ``<data_dir>/mnist/``, downloading the files first if any is missing.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        The data directory (default ``data``); the files are read from its ``mnist/`` folder.
    download : bool, optional
        Fetch missing files with :func:`scratchnet.data.download.download_mnist` (default True).
        When False a missing file raises ``FileNotFoundError``.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        uint8 arrays: images ``(N, 28, 28)`` with values 0-255, labels ``(N,)`` with values 0-9;
        N is 60000 for training and 10000 for test with the published files.

    Raises
    ------
    FileNotFoundError
        A file is missing and ``download`` is False.
    scratchnet.data.download.DownloadError
        A file is missing and no source could provide it.
    IDXError
        A file is not valid IDX.
    ValueError
        Images and labels disagree in count, images are not 28x28 uint8, or a label is above 9.
    """
    folder = mnist_dir(data_dir)
    missing = [spec.name for spec in MNIST_FILES if not (folder / spec.name).is_file()]
    if missing:
        if not download:
            raise FileNotFoundError(
                f"{folder}: missing {', '.join(missing)}; get them with "
                f"`python scripts/download_mnist.py --data-dir {data_dir}` "
                "(add --from PATH to import local copies)")
        downloader.download_mnist(data_dir)
    train = _load_pair(folder / "train-images-idx3-ubyte", folder / "train-labels-idx1-ubyte")
    test = _load_pair(folder / "t10k-images-idx3-ubyte", folder / "t10k-labels-idx1-ubyte")
    return train, test


def _load_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"{images_path}: expected uint8 images of shape (N, 28, 28), "
                         f"found {images.dtype} {images.shape}")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(f"{labels_path}: expected uint8 labels of shape (N,), "
                         f"found {labels.dtype} {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{images_path} holds {len(images)} images but {labels_path} holds "
                         f"{len(labels)} labels")
    if labels.size and labels.max() > 9:
        raise ValueError(f"{labels_path}: labels must be 0-9, found {int(labels.max())}")
    return images, labels


def to_float_images(images: np.ndarray, dtype: np.dtype = np.float32) -> np.ndarray:
    """Turn uint8 images into network input: add a channel axis and scale to [0, 1].

    This reads MNIST's stored form (whole data sets of uint8 0-255, any H x W, converted in one
    float copy and scaled in place). Digits that are already floats in [0, 1] (what
    ``to_mnist`` and ``strokes_to_mnist`` make) become a batch through
    ``scratchnet.preprocess.network_input.to_network_input`` instead, which refuses uint8
    rather than guess the scale from the dtype: two inputs, two functions.

    Parameters
    ----------
    images : numpy.ndarray
        uint8, shape ``(N, H, W)`` (or already ``(N, H, W, 1)``), values 0-255.
    dtype : numpy dtype, optional
        Floating dtype of the result (default float32; float64 for gradient checks).

    Returns
    -------
    numpy.ndarray
        ``(N, H, W, 1)`` of ``dtype`` with values ``images / 255``.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images with values 0-255, found dtype {images.dtype}")
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"expected images of shape (N, H, W) or (N, H, W, 1), "
                         f"found {images.shape}")
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(f"expected a floating dtype for network input, found {np.dtype(dtype)}")
    out = images.astype(dtype)[..., np.newaxis]
    out /= 255
    return out
