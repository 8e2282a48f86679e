"""Fully connected layer, and Flatten which feeds it.

Dense, for x (N, D), kernel W (D, U), bias b (U,):

    z = x @ W + b                      (N, U)
    y = relu(z) if activation == "relu" else z

Backward, for grad_out = dL/dy (N, U):

    g  = grad_out * (y > 0)   if relu  (N, U)
    dW = x.T @ g                       (D, U)
    db = sum of g over the batch       (U,)
    dx = g @ W.T                       (N, D)

The plain twin, ``scratchnet.nn.plain.Dense``, is these lines; this layer differs only in writing
dW and dx into reused buffers (``Layer.buffer``, docs/performance.md).

Flatten reshapes (N, H, W, C) to (N, H*W*C) in row-major (NHWC) order, as Keras does, and its
backward pass reshapes the gradient back.
"""

from __future__ import annotations

import numpy as np

from scratchnet.nn.initializers import kernel_initializer
from scratchnet.nn.layers.base import Layer, check_activation, default_rng, positive_int


class Dense(Layer):
    """Fully connected layer with an optional fused ReLU, as Keras' ``Dense``.

    Args:
        units: number of outputs U.
        activation: None (or "linear") or "relu".
        use_bias: whether to add a bias per unit.
        name: the layer's name; the model gives one if None.

    Input shape: (N, D). Output shape: (N, U).
    Parameters: "kernel" (D, U), He-normal for ReLU, else Glorot-uniform; "bias" (U,), zeros.
    """

    default_name = "dense"

    def __init__(self, units: int, activation: str | None = None, use_bias: bool = True,
                 name: str | None = None):
        super().__init__(name)
        self.units = positive_int(units, "units")
        self.activation = check_activation(activation)
        self.use_bias = bool(use_bias)

    def build(self, input_shape, rng=None):
        super().build(input_shape)
        if len(self.input_shape) != 1:
            raise ValueError(f"{self.name or 'Dense'} expects flat inputs of shape (D,), got "
                             f"{self.input_shape}: put a Flatten() layer before it")
        (fan_in,) = self.input_shape
        self.params = {"kernel": kernel_initializer(default_rng(rng), (fan_in, self.units), fan_in,
                                                    self.units, self.activation)}
        if self.use_bias:
            self.params["bias"] = np.zeros(self.units, dtype=np.float32)

    def output_shape(self, input_shape):
        return (self.units,)

    def forward(self, x, training=False):
        if x.ndim != 2 or x.shape[1] != self.input_shape[0]:
            raise ValueError(f"{self.name}: expected input of shape (N, {self.input_shape[0]}), "
                             f"got {x.shape}")
        self._x = x
        out = x @ self.params["kernel"]
        if self.use_bias:
            out += self.params["bias"]
        if self.activation == "relu":
            np.maximum(out, 0, out=out)
        self._out = out
        return out

    def backward(self, grad_out):
        grad = grad_out * (self._out > 0) if self.activation == "relu" else grad_out
        kernel = self.params["kernel"]
        dtype = np.result_type(self._x, grad)
        self.grads["kernel"] = np.matmul(self._x.T, grad,
                                         out=self.buffer("grad_kernel", kernel.shape, dtype))
        if self.use_bias:
            self.grads["bias"] = grad.sum(axis=0)
        if not self.needs_input_grad:
            return None
        return np.matmul(grad, kernel.T,
                         out=self.buffer("grad_x", self._x.shape, np.result_type(grad, kernel)))

    def config(self):
        return {"units": self.units, "activation": self.activation, "use_bias": self.use_bias,
                "name": self.name}


class Flatten(Layer):
    """Reshapes each sample to one row, in row-major (NHWC) order, as Keras' ``Flatten``.

    Args:
        name: the layer's name; the model gives one if None.

    Input shape: (N, H, W, C) (any). Output shape: (N, H*W*C).
    """

    default_name = "flatten"

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x, training=False):
        self._x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out):
        return grad_out.reshape(self._x_shape)
