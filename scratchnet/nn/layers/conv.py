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

The plain twin, ``scratchnet.nn.plain.Conv2D``, runs exactly these lines on the whole batch.
This layer does the same arithmetic arranged for speed; each trick is marked "Speed trick" where
it is made, and measured in docs/performance.md ("The speed tricks, one by one"):

- cache-sized slices: the batch runs in slices whose ``cols`` stays in the CPU cache between
  the copy that builds it and the product that reads it (``batch_slices``); the backward pass
  rebuilds each slice's ``cols`` rather than keep the whole batch's.
- fused epilogue: bias, ReLU and the mask (y > 0) are applied to each slice's product while it
  is still cached.
- product layout: (pixels, K) @ (K, F), the fastest of those ``scripts/bench.py --layouts`` times.
- col2im as products: dx is never built by ``im2col.col2im``; each kernel offset (i, j) adds its
  own product into the strided slice of dx it belongs to,
  dxp[:, i::s, j::s, :] += (g @ K[i, j].T).reshape(...), and with stride 1 over widened
  gradient runs (``_input_gradient``).
- ``ones @ g`` for db.
- reused buffers (``Layer.buffer``), including a padded input whose zero border is written once.
- im2col's void-dtype copy (``scratchnet.nn.im2col.im2col``).

Padding 'same' follows TensorFlow: OH = ceil(H / stride), and when the total padding is odd the
extra row/column goes at the bottom/right.
"""

from __future__ import annotations

import numpy as np

from scratchnet.nn.im2col import conv_output_size, im2col
from scratchnet.nn.initializers import kernel_initializer
from scratchnet.nn.layers.base import (PRODUCT_SLICE_BYTES, Layer, check_activation, default_rng, pair,
                                    positive_int)


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """(before, after) padding that makes the output ceil(size / stride) long."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Conv2D(Layer):
    """2-D convolution (cross-correlation) with an optional fused ReLU, as Keras' ``Conv2D``.

    Args:
        filters: number of output channels F.
        kernel_size: int or (KH, KW).
        strides: int or a pair of equal ints (the step between windows).
        padding: "valid" (no padding) or "same" (pads so that OH = ceil(H / stride), the extra
            row/column at the bottom/right, as TensorFlow does).
        activation: None (or "linear") or "relu".
        use_bias: whether to add a bias per filter.
        name: the layer's name; the model gives one (conv2d, conv2d_1, ...) if None.

    Input shape: (N, H, W, C). Output shape: (N, OH, OW, F).
    Parameters: "kernel" (KH, KW, C, F), He-normal for ReLU, else Glorot-uniform; "bias" (F,),
    zeros.
    """

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
        self._zeroed = None   # the padded-input buffer whose border is known to be zero

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
        padded = self.buffer("padded", shape, x.dtype)
        if padded is not self._zeroed:
            # Speed trick (reused buffers): only the interior is rewritten from then on, so the
            # border is zeroed once per buffer.
            padded.fill(0)
            self._zeroed = padded
        padded[:, top:top + height, left:left + width, :] = x
        return padded

    def batch_slices(self, batch: int, itemsize: int) -> tuple[list[slice], int]:
        """Batch ranges whose working set (cols, output and gradient rows) is about
        PRODUCT_SLICE_BYTES, and the number of output rows (images x pixels) in the largest.

        Speed trick (cache-sized slices): the whole batch's cols of the reference model's second
        layer is 85 MB, which would be written to main memory and read back; a slice's stays in
        the cache between im2col and the product. See docs/performance.md.
        """
        out_h, out_w, _ = self.output_shape(self.input_shape)
        row_bytes = (self.kernel_h * self.kernel_w * self.input_shape[2] + 2 * self.filters) \
            * itemsize
        step = min(batch, max(1, PRODUCT_SLICE_BYTES // (out_h * out_w * row_bytes)))
        return [slice(start, min(start + step, batch)) for start in range(0, batch, step)], \
            step * out_h * out_w

    def _slice_cols(self, xp: np.ndarray, part: slice, max_rows: int) -> np.ndarray:
        rows = (part.stop - part.start) * self._out_hw[0] * self._out_hw[1]
        cols = self.buffer("cols", (max_rows, self.kernel_h * self.kernel_w * xp.shape[3]),
                           xp.dtype)[:rows]
        return im2col(xp[part], self.kernel_h, self.kernel_w, self.stride, out=cols)

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
        out = self.output("out", (x.shape[0], out_h, out_w, self.filters), dtype, training)
        if self.activation == "relu":
            alive = self.buffer("alive", out.shape, bool)
        parts, max_rows = self.batch_slices(x.shape[0], xp.itemsize)
        for part in parts:
            out_part = out[part].reshape(-1, self.filters)
            # Speed trick (product layout): (pixels, K) @ (K, F), see docs/performance.md.
            np.matmul(self._slice_cols(xp, part, max_rows), kernel, out=out_part)
            # Speed trick (fused epilogue): bias, ReLU and mask while the slice is cached.
            if bias is not None:
                out_part += bias
            if self.activation == "relu":
                np.maximum(out_part, 0, out=out_part)
                np.greater(out_part, 0, out=alive[part].reshape(-1, self.filters))
        self._x_shape, self._xp = x.shape, xp
        return out

    def backward(self, grad_out):
        kernel = self.params["kernel"]
        dtype = np.result_type(grad_out, kernel)
        grad_kernel = self.buffer("grad_kernel", kernel.shape, dtype)
        grad_kernel_2d = grad_kernel.reshape(-1, self.filters)
        grad_kernel_2d.fill(0)
        grad_bias = self.buffer("grad_bias", (self.filters,), dtype)
        grad_bias.fill(0)
        grad_xp = self.buffer("grad_x", self._xp.shape, dtype) if self.needs_input_grad else None
        parts, max_rows = self.batch_slices(len(grad_out), self._xp.itemsize)
        if self.use_bias:
            ones = self.buffer("ones", (max_rows,), dtype)
            ones.fill(1)
        for part in parts:
            grad = grad_out[part].reshape(-1, self.filters)
            rows = len(grad)
            if self.activation == "relu":
                alive = self._buffers["alive"][part].reshape(-1, self.filters)
                grad = np.multiply(grad, alive,
                                   out=self.buffer("grad", (max_rows, self.filters), dtype)[:rows])
            if self.use_bias:
                # Speed trick (ones @ g): db, the column sums of g, as a matrix-vector product,
                # which BLAS computes faster than g.sum(axis=0); see docs/performance.md.
                grad_bias += ones[:rows] @ grad
            # cols is rebuilt here rather than kept from forward (cache-sized slices).
            grad_kernel_2d += self._slice_cols(self._xp, part, max_rows).T @ grad
            if grad_xp is not None:
                self._input_gradient(grad_xp[part], grad, kernel, max_rows)
        self.grads["kernel"] = grad_kernel
        if self.use_bias:
            self.grads["bias"] = grad_bias
        if grad_xp is None:
            return None
        if self.padding == "same":
            (top, _), (left, _) = self._pads
            height, width = self._x_shape[1:3]
            return grad_xp[:, top:top + height, left:left + width, :].copy()
        return grad_xp

    def _input_gradient(self, grad_xp: np.ndarray, grad: np.ndarray, kernel: np.ndarray,
                        max_rows: int):
        """grad_xp = col2im(grad @ kernel_2d.T), as the plain layer computes it, but one kernel
        offset at a time: each offset's product (rows, F) @ (F, C) is added straight into its
        strided block of grad_xp, so the (rows, KH*KW*C) matrix of window gradients is never
        formed (speed trick "col2im as products", docs/performance.md)."""
        out_h, out_w = self._out_hw
        images, height, width, channels = grad_xp.shape
        grad_xp.fill(0)
        if self.stride > 1:
            row_span = self.stride * (out_h - 1) + 1
            col_span = self.stride * (out_w - 1) + 1
            product = self.buffer("product", (max_rows, channels), grad_xp.dtype)[:len(grad)]
            for i in range(self.kernel_h):
                for j in range(self.kernel_w):
                    np.matmul(grad, kernel[i, j].T, out=product)
                    grad_xp[:, i:i + row_span:self.stride, j:j + col_span:self.stride] += \
                        product.reshape(-1, out_h, out_w, channels)
            return
        # Speed trick (widened gradient runs), stride 1: the gradient is widened to the input's
        # width with zero columns, so that each offset's product covers whole input rows. Its
        # block of grad_xp, rows i..i+OH-1 shifted by j pixels, is then one contiguous run per
        # image, and NumPy adds one long run instead of stepping through OH short rows per image
        # (docs/performance.md). The products grow by the zero columns. The run is cut short by
        # the KW-1 trailing pixels, which hold zeros and would pass the image's end.
        max_images = max_rows // (out_h * out_w)
        wide = self.buffer("grad_wide", (max_images, out_h, width, self.filters), grad.dtype)
        wide = wide[:images]
        wide[:, :, :out_w] = grad.reshape(images, out_h, out_w, self.filters)
        wide[:, :, out_w:] = 0
        product = self.buffer("product", (max_images * out_h * width, channels), grad_xp.dtype)
        product = product[:images * out_h * width]
        length = (out_h * width - (self.kernel_w - 1)) * channels
        runs = product.reshape(images, -1)[:, :length]
        grad_flat = grad_xp.reshape(images, -1)
        for i in range(self.kernel_h):
            for j in range(self.kernel_w):
                np.matmul(wide.reshape(-1, self.filters), kernel[i, j].T, out=product)
                start = (i * width + j) * channels
                grad_flat[:, start:start + length] += runs

    def config(self):
        return {"filters": self.filters, "kernel_size": [self.kernel_h, self.kernel_w],
                "strides": self.stride, "padding": self.padding, "activation": self.activation,
                "use_bias": self.use_bias, "name": self.name}
