"""Stand-alone activation layers (Conv2D and Dense also take ``activation="relu"`` fused).

ReLU:     y = max(x, 0)                    dx = grad_out * (x > 0)
Softmax:  y = exp(x - max x) / sum exp(.)  dx = y * (grad_out - sum(grad_out * y, axis=-1))

The Softmax layer is for inference-style models; for training, end the model with logits and use
``SoftmaxCrossEntropy``, which fuses the two and is numerically stable.
"""

from __future__ import annotations

import numpy as np

from scratchnet.nn.layers.base import Layer


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax over the last axis, shifted by the row maximum so exp never overflows."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


class ReLU(Layer):
    default_name = "re_lu"

    def forward(self, x, training=False):
        self._x = x
        return np.maximum(x, 0)

    def backward(self, grad_out):
        return grad_out * (self._x > 0)


class Softmax(Layer):
    default_name = "softmax"

    def forward(self, x, training=False):
        self._out = softmax(x)
        return self._out

    def backward(self, grad_out):
        y = self._out
        return y * (grad_out - (grad_out * y).sum(axis=-1, keepdims=True))
