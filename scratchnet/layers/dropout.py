"""Inverted dropout.

Training, with keep probability q = 1 - rate and a fresh Bernoulli(q) mask m of x's shape:

    y  = x * m / q
    dx = grad_out * m / q

Inference: y = x (the 1/q scaling during training already keeps the expected activation equal).
The mask is drawn from the model's generator in float32 (half the random bits of float64).
"""

from __future__ import annotations

import numpy as np

from scratchnet.layers.base import Layer, default_rng


class Dropout(Layer):
    default_name = "dropout"

    def __init__(self, rate: float, name: str | None = None):
        super().__init__(name)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"dropout rate must be a number in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.rng: np.random.Generator | None = None

    def build(self, input_shape, rng=None):
        super().build(input_shape)
        self.rng = default_rng(rng)

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            self._scaled_mask = None
            return x
        keep = 1.0 - self.rate
        scaled_mask = self.rng.random(x.shape, dtype=np.float32) >= self.rate
        self._scaled_mask = scaled_mask.astype(x.dtype) * x.dtype.type(1.0 / keep)
        return x * self._scaled_mask

    def backward(self, grad_out):
        if self._scaled_mask is None:
            return grad_out
        return grad_out * self._scaled_mask

    def config(self):
        return {"rate": self.rate, "name": self.name}
