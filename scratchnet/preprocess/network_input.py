"""Digits as the network takes them: a batch (N, 28, 28, 1) of floats in [0, 1], white ink on black.

``to_mnist`` and ``strokes_to_mnist`` make one digit (28, 28); the model reads batches with a
channel axis, as Keras does (``input_shape=(28, 28, 1)``). ``to_network_input`` is the one place
where digits become such a batch: the app's reader, the figures, teaching and evaluation use it.
MNIST's own files hold uint8 0-255; ``scratchnet.data.mnist.to_float_images`` reads those.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from scratchnet.preprocess.images import MNIST_SIZE

MNIST_SHAPE = (MNIST_SIZE, MNIST_SIZE, 1)      # one digit, as the network's input_shape


def to_network_input(digits: np.ndarray | Sequence[np.ndarray], dtype=np.float32) -> np.ndarray:
    """Digits in [0, 1] as the model's input batch.

    Parameters
    ----------
    digits : floats in [0, 1]
        One digit (28, 28) or (28, 28, 1), several (N, 28, 28) or (N, 28, 28, 1), or a sequence
        of (28, 28) digits.
    dtype : floating dtype
        float32 (the default: what the network trains on and reads) or float64 (for gradient
        checks and saliency maps).

    Returns
    -------
    numpy.ndarray
        (N, 28, 28, 1) of ``dtype``; a view of ``digits`` when they already have that dtype.

    Raises
    ------
    ValueError
        The digits are not 28x28, do not hold floats (uint8 0-255 images are read with
        ``to_float_images``), or ``dtype`` is not a floating dtype.
    """
    array = np.asarray(digits)
    if array.dtype.kind != "f":
        raise ValueError(f"expected digits of floats in [0, 1], got dtype {array.dtype} (MNIST's "
                         "uint8 0-255 images: scratchnet.data.mnist.to_float_images)")
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(f"expected a floating dtype for network input, got {np.dtype(dtype)}")
    batch = array.astype(dtype, copy=False)
    if batch.ndim in (3, 4) and batch.shape[-1] == 1:
        batch = batch[..., 0]
    if batch.ndim == 2:
        batch = batch[np.newaxis]
    if batch.ndim != 3 or batch.shape[1:] != (MNIST_SIZE, MNIST_SIZE):
        raise ValueError(f"expected 28x28 digits, shape (28, 28) or (N, 28, 28), with or without "
                         f"a channel axis of 1, got {array.shape}")
    return batch[..., np.newaxis]
