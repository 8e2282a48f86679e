"""Stand-alone activation layers (Conv2D and Dense also take ``activation="relu"`` fused).

ReLU:     y = max(x, 0)                    dx = grad_out * (x > 0)
Softmax:  y = exp(x - max x) / sum exp(.)  dx = y * (grad_out - sum(grad_out * y, axis=-1))

The Softmax layer is for inference-style models; for training, end the model with logits and use
``SoftmaxCrossEntropy``, which fuses the two and is numerically stable.
"""

from __future__ import annotations

import numpy as np

from scratchnet.nn.layers.base import Layer


def softmax_and_log(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise softmax over the last axis and its logarithm, both computed from the logits
    shifted by their row maximum, so that exp never overflows and log never sees a 0:

        s = z - max(z)      p = exp(s) / sum(exp(s))      log p = s - log(sum(exp(s)))
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    sum_exp = exp.sum(axis=-1, keepdims=True)
    return exp / sum_exp, shifted - np.log(sum_exp)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax over the last axis (see ``softmax_and_log``)."""
    return softmax_and_log(logits)[0]


class ReLU(Layer):
    """y = max(x, 0), as Keras' ``ReLU`` (Conv2D and Dense also take it fused).

    Args:
        name: the layer's name; the model gives one if None.

    Input and output shape: any, the same.
    """

    default_name = "re_lu"

    def forward(self, x, training=False):
        self._x = x
        return np.maximum(x, 0)

    def backward(self, grad_out):
        return grad_out * (self._x > 0)


class Softmax(Layer):
    """Row-wise softmax over the last axis, for models that should output probabilities.

    Args:
        name: the layer's name; the model gives one if None.

    Input and output shape: (N, K).
    """

    default_name = "softmax"

    def forward(self, x, training=False):
        self._out = softmax(x)
        return self._out

    def backward(self, grad_out):
        y = self._out
        return y * (grad_out - (grad_out * y).sum(axis=-1, keepdims=True))
