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

col2im is computed one kernel offset (i, j) at a time, as the offset's own product added into
the strided slice of dx it came from:

    dxp[:, i::stride, j::stride, :] += (g @ K[i, j].T).reshape(N, OH, OW, C)

Each product lands in a contiguous block, so the addition runs over whole image rows; adding the
columns of one big (N*OH*OW, KH*KW*C) product instead would move C numbers at a time and costs
twice as long. The batch is processed in slices of ``BATCH_SLICE`` samples so that each product
is still in cache when it is added.

Padding 'same' follows TensorFlow: OH = ceil(H / stride), and when the total padding is odd the
extra row/column goes at the bottom/right.
"""

from __future__ import annotations

import numpy as np

from scratchnet.im2col import conv_output_size, im2col, reuse_or_allocate
from scratchnet.initializers import kernel_initializer
from scratchnet.layers.base import Layer, check_activation, default_rng, pair, positive_int


BATCH_SLICE = 32


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
        self.stride = self._square_stride(strides)
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding
        self.activation = check_activation(activation)
        self.use_bias = bool(use_bias)
        self._pads = ((0, 0), (0, 0))
        self._padded = None   # zero-bordered input buffer, reused ('same' padding)
        self._cols = None     # im2col of the last input, reused across steps

    @staticmethod
    def _square_stride(strides) -> int:
        sh, sw = pair(strides, "strides")
        if sh != sw:
            raise ValueError(f"strides must be equal along both axes, got {strides!r}")
        return sh

    def build(self, input_shape, rng=None):
        super().build(input_shape)
        if len(self.input_shape) != 3:
            raise ValueError(f"{self.name or 'Conv2D'} expects inputs of shape (H, W, C), "
                             f"got {self.input_shape}")
        height, width, channels = self.input_shape
        if self.padding == "same":
            self._pads = (same_padding(height, self.kernel_h, self.stride),
                          same_padding(width, self.kernel_w, self.stride))
        padded_h = height + sum(self._pads[0])
        padded_w = width + sum(self._pads[1])
        if padded_h < self.kernel_h or padded_w < self.kernel_w:
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
        if self._padded is None or self._padded.shape != shape or self._padded.dtype != x.dtype:
            self._padded = np.zeros(shape, dtype=x.dtype)   # the border stays zero for good
        self._padded[:, top:top + height, left:left + width, :] = x
        return self._padded

    def forward(self, x, training=False):
        if x.ndim != 4 or x.shape[3] != self.input_shape[2]:
            raise ValueError(f"{self.name}: expected input of shape (N, *, *, {self.input_shape[2]}),"
                             f" got {x.shape}")
        xp = self._pad(x)
        self._x_shape = x.shape
        self._xp_shape = xp.shape
        cols = im2col(xp, self.kernel_h, self.kernel_w, self.stride, out=self._cols)
        self._cols = cols
        kernel = self.params["kernel"]
        out = cols @ kernel.reshape(-1, self.filters)
        if self.use_bias:
            out += self.params["bias"]
        if self.activation == "relu":
            np.maximum(out, 0, out=out)
        batch, out_h, out_w = x.shape[0], *self.output_shape(x.shape[1:])[:2]
        out = out.reshape(batch, out_h, out_w, self.filters)
        self._out = out
        return out

    def backward(self, grad_out):
        grad = grad_out.reshape(-1, self.filters)
        if self.activation == "relu":
            grad = grad * (self._out.reshape(-1, self.filters) > 0)
        kernel = self.params["kernel"]
        self.grads["kernel"] = (self._cols.T @ grad).reshape(kernel.shape)
        if self.use_bias:
            self.grads["bias"] = grad.sum(axis=0)
        if not self.needs_input_grad:
            return None
        grad_x = self._input_gradient(grad.reshape(*self._out.shape), kernel)
        if self.padding == "same":
            (top, _), (left, _) = self._pads
            height, width = self._x_shape[1:3]
            grad_x = grad_x[:, top:top + height, left:left + width, :].copy()
        return grad_x

    def _input_gradient(self, grad: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        """col2im(grad @ kernel.T) for grad (N, OH, OW, F): the gradient of the padded input."""
        batch, out_h, out_w, _ = grad.shape
        channels = kernel.shape[2]
        grad_xp = np.zeros(self._xp_shape, dtype=np.result_type(grad, kernel))
        row_span = self.stride * (out_h - 1) + 1
        col_span = self.stride * (out_w - 1) + 1
        product = None
        for start in range(0, batch, BATCH_SLICE):
            grad_slice = grad[start:start + BATCH_SLICE].reshape(-1, self.filters)
            grad_x_slice = grad_xp[start:start + BATCH_SLICE]
            product = reuse_or_allocate(product, (len(grad_slice), channels), grad_xp.dtype)
            for i in range(self.kernel_h):
                for j in range(self.kernel_w):
                    np.matmul(grad_slice, kernel[i, j].T, out=product)
                    grad_x_slice[:, i:i + row_span:self.stride, j:j + col_span:self.stride] += \
                        product.reshape(-1, out_h, out_w, channels)
        return grad_xp

    def config(self):
        return {"filters": self.filters, "kernel_size": [self.kernel_h, self.kernel_w],
                "strides": self.stride, "padding": self.padding, "activation": self.activation,
                "use_bias": self.use_bias, "name": self.name}
