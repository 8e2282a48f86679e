"""Digits as the network takes them: a batch (N, 28, 28, 1) of floats in [0, 1], white ink on black."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from scratchnet.preprocess.images import MNIST_SIZE


def to_network_input(digits: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
    """Stack 28x28 digits from ``to_mnist`` into the model's input, float32 (N, 28, 28, 1).

    ``digits`` is one (28, 28) array, an (N, 28, 28) array, or a sequence of (28, 28) arrays.
    """
    batch = np.asarray(digits, dtype=np.float32)
    if batch.ndim == 2:
        batch = batch[np.newaxis]
    if batch.ndim != 3 or batch.shape[1:] != (MNIST_SIZE, MNIST_SIZE):
        raise ValueError(f"expected 28x28 digits, shape (28, 28) or (N, 28, 28), got {batch.shape}")
    return batch[..., np.newaxis]
