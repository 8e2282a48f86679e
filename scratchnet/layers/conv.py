"""2-D convolution (cross-correlation, as in every deep-learning library) via im2col.

Forward, for x (N, H, W, C), kernel K (KH, KW, C, F), bias b (F,):

    xp   = pad(x)                                  (N, Hp, Wp, C)   'same' padding only
    cols = im2col(xp)                              (N*OH*OW, KH*KW*C)
    z    = cols @ K.reshape(KH*KW*C, F) + b        (N*OH*OW, F) -> (N, OH, OW, F)
    y    = relu(z) if activation == "relu" else z

Backward, for grad_out = dL/dy (N, OH, OW, F):

    g     = grad_out * (y > 0)   if relu              (N*OH*OW, F)
    dK    = cols.T @ g                                (KH*KW*C, F) -> (KH, KW, C, F)
    db    = sum of g over rows                        (F,)
    dx    = unpad(col2im(g @ K.reshape(KH*KW*C, F).T))  (N, H, W, C)

How the work is arranged, for speed (the arithmetic is exactly the above):

- The batch is processed in slices small enough that a slice's ``cols`` (a few MB) stays in the
  CPU cache between the copy that builds it and the product that reads it. The full ``cols`` of
  the reference model's second layer would be 85 MB per step, written to and read back from
  main memory twice; the backward pass rebuilds each slice's ``cols`` instead of keeping it.
- col2im runs one kernel offset (i, j) at a time, as that offset's own product added into the
  strided slice of dx it belongs to:  dxp[:, i::s, j::s, :] += (g @ K[i, j].T).reshape(...).
  Each product lands in a contiguous block, so the addition runs over whole image rows.

Padding 'same' follows TensorFlow: OH = ceil(H / stride), and when the total padding is odd the
extra row/column goes at the bottom/right.
"""

from __future__ import annotations

import numpy as np

from scratchnet.im2col import conv_output_size, im2col, reuse_or_allocate
from scratchnet.initializers import kernel_initializer
from scratchnet.layers.base import (SLICE_BYTES, Layer, check_activation, default_rng, pair,
                                    positive_int)


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """(before, after) padding that makes the output ceil(size / stride) long."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Conv2D(Layer):
    default_name = "conv2d"

    def __init__(self, filters: int, kernel_size=3, strides=1, padding: str = "valid",
                 activation: str | None = None, use_bias: bool = True, name: str | None = None):
        super().__init__(name)
        self.filters = positive_int(filters, "filters")
        self.kernel_h, self.kernel_w = pair(kernel_size, "kernel_size")
        stride_h, stride_w = pair(strides, "strides")
        if stride_h != stride_w:
            raise ValueError(f"strides must be equal along both axes, got {strides!r}")
        self.stride = stride_h
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding
        self.activation = check_activation(activation)
        self.use_bias = bool(use_bias)
        self._pads = ((0, 0), (0, 0))
        self._padded = None   # zero-bordered input buffer ('same' padding), reused
        self._cols = None     # one slice's im2col, reused
        self._grad = None     # one slice's gradient after the ReLU mask, reused

    def build(self, input_shape, rng=None):
        super().build(input_shape)
        if len(self.input_shape) != 3:
            raise ValueError(f"{self.name or 'Conv2D'} expects inputs of shape (H, W, C), "
                             f"got {self.input_shape}")
        height, width, channels = self.input_shape
        if self.padding == "same":
            self._pads = (same_padding(height, self.kernel_h, self.stride),
                          same_padding(width, self.kernel_w, self.stride))
        if height + sum(self._pads[0]) < self.kernel_h or width + sum(self._pads[1]) < self.kernel_w:
            raise ValueError(f"{self.name or 'Conv2D'}: a {self.kernel_h}x{self.kernel_w} kernel "
                             f"does not fit inputs of shape {self.input_shape}")
        fan_in = self.kernel_h * self.kernel_w * channels
        fan_out = self.kernel_h * self.kernel_w * self.filters
        shape = (self.kernel_h, self.kernel_w, channels, self.filters)
        self.params = {"kernel": kernel_initializer(default_rng(rng), shape, fan_in, fan_out,
                                                    self.activation)}
        if self.use_bias:
            self.params["bias"] = np.zeros(self.filters, dtype=np.float32)

    def output_shape(self, input_shape):
        height, width, _ = input_shape
        if self.padding == "same":
            return (-(-height // self.stride), -(-width // self.stride), self.filters)
        return (conv_output_size(height, self.kernel_h, self.stride),
                conv_output_size(width, self.kernel_w, self.stride), self.filters)

    def _pad(self, x: np.ndarray) -> np.ndarray:
        if self.padding == "valid":
            return x
        (top, bottom), (left, right) = self._pads
        batch, height, width, channels = x.shape
        shape = (batch, height + top + bottom, width + left + right, channels)
        self._padded = reuse_or_allocate(self._padded, shape, x.dtype)
        if self._padded is not getattr(self, "_zeroed", None):
            self._padded.fill(0)           # the border stays zero from then on
            self._zeroed = self._padded
        self._padded[:, top:top + height, left:left + width, :] = x
        return self._padded

    def _slices(self, batch: int, out_h: int, out_w: int, itemsize: int):
        """Batch ranges whose working set (cols, output and gradient rows) is about SLICE_BYTES."""
        row_bytes = (self.kernel_h * self.kernel_w * self.input_shape[2] + 2 * self.filters) \
            * itemsize
        step = max(1, SLICE_BYTES // (out_h * out_w * row_bytes))
        return [slice(start, min(start + step, batch)) for start in range(0, batch, step)]

    def _slice_cols(self, xp: np.ndarray, part: slice) -> np.ndarray:
        rows = (part.stop - part.start) * self._out_hw[0] * self._out_hw[1]
        cols = im2col(xp[part], self.kernel_h, self.kernel_w, self.stride,
                      out=None if self._cols is None else self._cols[:rows])
        if self._cols is None or len(self._cols) < rows:
            self._cols = cols
        return cols

    def forward(self, x, training=False):
        if x.ndim != 4 or x.shape[3] != self.input_shape[2]:
            raise ValueError(f"{self.name}: expected input of shape (N, *, *, {self.input_shape[2]}),"
                             f" got {x.shape}")
        xp = np.ascontiguousarray(self._pad(x))
        out_h, out_w, _ = self.output_shape(x.shape[1:])
        self._out_hw = (out_h, out_w)
        kernel = self.params["kernel"].reshape(-1, self.filters)
        bias = self.params.get("bias")
        dtype = np.result_type(x, kernel)
        out = np.empty((x.shape[0], out_h, out_w, self.filters), dtype=dtype)
        for part in self._slices(x.shape[0], out_h, out_w, xp.itemsize):
            out_part = out[part].reshape(-1, self.filters)
            np.matmul(self._slice_cols(xp, part), kernel, out=out_part)
            if bias is not None:
                out_part += bias
            if self.activation == "relu":
                np.maximum(out_part, 0, out=out_part)
        self._x_shape, self._xp, self._out = x.shape, xp, out
        return out

    def backward(self, grad_out):
        kernel = self.params["kernel"]
        kernel_2d = kernel.reshape(-1, self.filters)
        dtype = np.result_type(grad_out, kernel)
        grad_kernel = np.zeros(kernel_2d.shape, dtype=dtype)
        grad_bias = np.zeros(self.filters, dtype=dtype)
        grad_xp = np.zeros(self._xp.shape, dtype=dtype) if self.needs_input_grad else None
        for part in self._slices(len(grad_out), *self._out_hw, self._xp.itemsize):
            grad = grad_out[part].reshape(-1, self.filters)
            if self.activation == "relu":
                self._grad = reuse_or_allocate(self._grad, grad.shape, dtype) \
                    if self._grad is None or len(self._grad) < len(grad) else self._grad
                grad = np.multiply(grad, self._out[part].reshape(-1, self.filters) > 0,
                                   out=self._grad[:len(grad)])
            if self.use_bias:
                grad_bias += grad.sum(axis=0)
            grad_kernel += self._slice_cols(self._xp, part).T @ grad
            if grad_xp is not None:
                self._add_input_gradient(grad_xp[part], grad, kernel)
        self.grads["kernel"] = grad_kernel.reshape(kernel.shape)
        if self.use_bias:
            self.grads["bias"] = grad_bias
        if grad_xp is None:
            return None
        if self.padding == "same":
            (top, _), (left, _) = self._pads
            height, width = self._x_shape[1:3]
            return grad_xp[:, top:top + height, left:left + width, :].copy()
        return grad_xp

    def _add_input_gradient(self, grad_xp: np.ndarray, grad: np.ndarray, kernel: np.ndarray):
        """grad_xp += col2im(grad @ kernel_2d.T), one kernel offset at a time."""
        out_h, out_w = self._out_hw
        channels = kernel.shape[2]
        row_span = self.stride * (out_h - 1) + 1
        col_span = self.stride * (out_w - 1) + 1
        product = np.empty((len(grad), channels), dtype=grad_xp.dtype)
        for i in range(self.kernel_h):
            for j in range(self.kernel_w):
                np.matmul(grad, kernel[i, j].T, out=product)
                grad_xp[:, i:i + row_span:self.stride, j:j + col_span:self.stride] += \
                    product.reshape(-1, out_h, out_w, channels)

    def config(self):
        return {"filters": self.filters, "kernel_size": [self.kernel_h, self.kernel_w],
                "strides": self.stride, "padding": self.padding, "activation": self.activation,
                "use_bias": self.use_bias, "name": self.name}
