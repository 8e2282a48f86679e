"""Inverted dropout.

Training, with keep probability q = 1 - rate and a fresh Bernoulli(q) mask m of x's shape:

    y  = x * m / q
    dx = grad_out * m / q

Inference: y = x (the 1/q scaling during training already keeps the expected activation equal).

The plain twin, ``scratchnet.nn.plain.Dropout``, is these lines, with m = rng.random(x.shape) < q
drawn from the model's generator. This layer departs from them where it draws the mask:

- Speed trick (16-bit draws): m = d >= t for 16-bit integers d drawn uniformly from the model's
  generator and the threshold t = round(rate * 65536). They take a quarter of the random bits and
  of the memory of float64 draws (data-parallel training holds the whole batch's draws at once)
  and less than half the time (docs/performance.md). The price is the keep probability's resolution:
  q = (65536 - t) / 65536, the rate rounded to a multiple of 1/65536 (exact for rates such as
  0.25 and 0.5, off by at most 1/131072 otherwise), and rates stop at ``MAX_RATE`` so that q
  stays at least one step above zero. For the same seed the masks are not the plain twin's;
  tests/test_plain.py hands both the same mask.
- reused buffers: the mask and the output are written into arrays kept from step to step
  (``Layer.buffer``, docs/performance.md).

Data-parallel training makes the whole batch's draws itself, in the order a single pass would,
and hands each worker its rows through ``next_draws``: the masks do not depend on how many
workers share the batch.
"""

from __future__ import annotations

import numpy as np

from scratchnet.nn.checks import is_real
from scratchnet.nn.layers.base import Layer, default_rng

MAX_RATE = 0.9999   # the keep probability must stay at least one step of 1/65536 above zero


def check_rate(rate) -> float:
    """A dropout rate, a number in [0, MAX_RATE], as a float (the plain twin checks it here too,
    so that every model one of them accepts the other loads)."""
    if not is_real(rate) or not 0 <= rate <= MAX_RATE:
        raise ValueError(f"dropout rate must be a number in [0, {MAX_RATE}], got {rate!r}")
    return float(rate)


class Dropout(Layer):
    """Inverted dropout, as Keras' ``Dropout``: active only in training.

    Args:
        rate: share of the inputs set to zero in training, in [0, 0.9999], rounded to a
            multiple of 1/65536 (speed trick "16-bit draws" above).
        name: the layer's name; the model gives one if None.

    Input and output shape: any, the same.
    """

    default_name = "dropout"

    def __init__(self, rate: float, name: str | None = None):
        super().__init__(name)
        self.rate = check_rate(rate)
        self.rng: np.random.Generator | None = None
        self.next_draws: np.ndarray | None = None   # used (once) instead of drawing, if set

    def build(self, input_shape, rng=None):
        super().build(input_shape)
        self.rng = default_rng(rng)

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            self._scaled_mask = None
            return x
        threshold = round(self.rate * 65536)        # t; speed trick (16-bit draws)
        draws, self.next_draws = self.next_draws, None
        if draws is None:
            draws = self.draw(x.shape)
        elif draws.shape != x.shape:
            raise ValueError(f"{self.name}: draws of shape {draws.shape} given for inputs of "
                             f"shape {x.shape}")
        keep = self.buffer("keep", x.shape, bool)
        np.greater_equal(draws, threshold, out=keep)
        self._scaled_mask = self.buffer("mask", x.shape, x.dtype)
        np.multiply(keep, x.dtype.type(65536 / (65536 - threshold)), out=self._scaled_mask)
        return np.multiply(x, self._scaled_mask, out=self.output("out", x.shape, x.dtype, training))

    def draw(self, shape: tuple) -> np.ndarray | None:
        """The random numbers a training pass over inputs of ``shape`` uses (None at rate 0):
        uniform 16-bit integers, the speed trick "16-bit draws"."""
        if self.rate == 0:
            return None
        return self.rng.integers(0, 65536, size=shape, dtype=np.uint16)

    def backward(self, grad_out):
        if self._scaled_mask is None:
            return grad_out
        return np.multiply(grad_out, self._scaled_mask,
                           out=self.buffer("grad_x", grad_out.shape, grad_out.dtype))

    def config(self):
        return {"rate": self.rate, "name": self.name}
