"""Inverted dropout.

Training, with keep probability q = 1 - rate and a fresh Bernoulli(q) mask m of x's shape:

    y  = x * m / q
    dx = grad_out * m / q

Inference: y = x (the 1/q scaling during training already keeps the expected activation equal).

The mask is drawn from the model's generator as 16-bit integers compared with a threshold, which
needs a quarter of the random bits of float64 draws; the keep probability is therefore rounded to a
multiple of 1/65536 (exact for rates such as 0.25 and 0.5), and q is that rounded value.
"""

from __future__ import annotations

import numpy as np

from scratchnet.layers.base import Layer, default_rng

MAX_RATE = 0.9999   # the keep probability must stay at least one step of 1/65536 above zero


class Dropout(Layer):
    default_name = "dropout"

    def __init__(self, rate: float, name: str | None = None):
        super().__init__(name)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) \
                or not 0 <= rate <= MAX_RATE:
            raise ValueError(f"dropout rate must be a number in [0, {MAX_RATE}], got {rate!r}")
        self.rate = float(rate)
        self.rng: np.random.Generator | None = None

    def build(self, input_shape, rng=None):
        super().build(input_shape)
        self.rng = default_rng(rng)

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            self._scaled_mask = None
            return x
        threshold = round(self.rate * 65536)
        keep = self.rng.integers(0, 65536, size=x.shape, dtype=np.uint16) >= threshold
        self._scaled_mask = keep.astype(x.dtype)
        self._scaled_mask *= 65536 / (65536 - threshold)
        return x * self._scaled_mask

    def backward(self, grad_out):
        if self._scaled_mask is None:
            return grad_out
        return grad_out * self._scaled_mask

    def config(self):
        return {"rate": self.rate, "name": self.name}
