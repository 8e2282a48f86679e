"""Weight initialisers. Each takes the model's generator so that a seed fixes every weight."""

from __future__ import annotations

import numpy as np


def he_normal(rng: np.random.Generator, shape: tuple, fan_in: int) -> np.ndarray:
    """N(0, 2 / fan_in): keeps activation variance constant through ReLU layers (He et al. 2015)."""
    return (rng.standard_normal(shape, dtype=np.float32) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def glorot_uniform(rng: np.random.Generator, shape: tuple, fan_in: int, fan_out: int) -> np.ndarray:
    """U(-l, l) with l = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010), Keras' default."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(np.float32)


def kernel_initializer(rng: np.random.Generator, shape: tuple, fan_in: int, fan_out: int,
                       activation: str | None) -> np.ndarray:
    """He-normal for ReLU layers, Glorot-uniform otherwise."""
    if activation == "relu":
        return he_normal(rng, shape, fan_in)
    return glorot_uniform(rng, shape, fan_in, fan_out)
