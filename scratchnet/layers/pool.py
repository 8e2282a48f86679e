"""Max pooling over non-overlapping or overlapping windows.

Forward, for x (N, H, W, C), window (PH, PW), strides (SH, SW):

    y[n, i, j, c] = max over a < PH, b < PW of x[n, i*SH + a, j*SW + b, c]      (N, OH, OW, C)

Backward: each window's gradient goes to one input position, its argmax (a*, b*):

    dx[n, i*SH + a*, j*SW + b*, c] += grad_out[n, i, j, c]

Ties: when several positions in a window hold the maximum, the first in column-major order (the
leftmost column holding the maximum, and the top one in that column) receives the whole gradient,
so the gradient's sum is preserved. With overlapping windows an input position can be the argmax
of several windows and sums their gradients. Rows and columns that do not fill a whole window
are dropped ('valid' pooling).

Fast path, when the strides equal the pool size (the usual 2x2/2) and the windows tile the
input: the maximum is taken first down each window's columns — between whole rows of the image,
which are contiguous in memory — recording which row won (``row_arg``), then across the PW
column maxima, recording which column won (``col_arg``). The backward pass undoes the two steps
in reverse order. Both run over cache-sized slices of the batch.
"""

from __future__ import annotations

import numpy as np

from scratchnet.im2col import col2im, conv_output_size, sliding_windows
from scratchnet.layers.base import SLICE_BYTES, Layer, pair


class MaxPool2D(Layer):
    default_name = "max_pooling2d"

    def __init__(self, pool_size=2, strides=None, name: str | None = None):
        super().__init__(name)
        self.pool_h, self.pool_w = pair(pool_size, "pool_size")
        self.strides = (self.pool_h, self.pool_w) if strides is None else pair(strides, "strides")

    @property
    def tiles(self) -> bool:
        """True when the windows neither overlap nor leave gaps: the fast path applies."""
        return self.strides == (self.pool_h, self.pool_w)

    def build(self, input_shape, rng=None):
        super().build(input_shape)
        if len(self.input_shape) != 3:
            raise ValueError(f"{self.name or 'MaxPool2D'} expects inputs of shape (H, W, C), "
                             f"got {self.input_shape}")
        height, width, _ = self.input_shape
        if height < self.pool_h or width < self.pool_w:
            raise ValueError(f"{self.name or 'MaxPool2D'}: a {self.pool_h}x{self.pool_w} window "
                             f"does not fit inputs of shape {self.input_shape}")

    def output_shape(self, input_shape):
        height, width, channels = input_shape
        return (conv_output_size(height, self.pool_h, self.strides[0]),
                conv_output_size(width, self.pool_w, self.strides[1]), channels)

    def forward(self, x, training=False):
        self._x_shape = x.shape
        if self.tiles:
            return self._forward_tiles(x)
        windows = sliding_windows(x, self.pool_h, self.pool_w, self.strides)
        batch, out_h, out_w, _, _, channels = windows.shape
        # Column-major window order, (PW, PH), so that argmax's first maximum is the documented one.
        flat = windows.transpose(0, 1, 2, 5, 4, 3).reshape(batch, out_h, out_w, channels, -1)
        self._argmax = flat.argmax(axis=-1)
        return np.take_along_axis(flat, self._argmax[..., None], axis=-1)[..., 0]

    def backward(self, grad_out):
        if self.tiles:
            return self._backward_tiles(grad_out)
        batch, out_h, out_w, channels = grad_out.shape
        flat = np.zeros((batch, out_h, out_w, channels, self.pool_w * self.pool_h),
                        dtype=grad_out.dtype)
        np.put_along_axis(flat, self._argmax[..., None], grad_out[..., None], axis=-1)
        windows = flat.reshape(batch, out_h, out_w, channels, self.pool_w, self.pool_h)
        windows = np.ascontiguousarray(windows.transpose(0, 1, 2, 5, 4, 3))
        return col2im(windows, self._x_shape, self.pool_h, self.pool_w, self.strides)

    def _bands(self, x_shape, itemsize: int):
        """Shapes for the fast path: x as bands of PH image rows, and the band slices to run."""
        batch, height, width, channels = x_shape
        out_h, out_w = height // self.pool_h, width // self.pool_w
        band_len = out_w * self.pool_w * channels
        step = max(1, SLICE_BYTES // (self.pool_h * band_len * itemsize))
        parts = [slice(start, min(start + step, batch * out_h))
                 for start in range(0, batch * out_h, step)]
        return (batch, out_h, out_w, channels), band_len, parts

    def _forward_tiles(self, x):
        (batch, out_h, out_w, channels), band_len, parts = self._bands(x.shape, x.itemsize)
        x = np.ascontiguousarray(x[:, :out_h * self.pool_h, :out_w * self.pool_w])
        bands = x.reshape(batch * out_h, self.pool_h, band_len)
        out = np.empty((batch, out_h, out_w, channels), dtype=x.dtype)
        out_rows = out.reshape(batch * out_h, out_w, channels)
        self._row_arg = np.zeros((batch * out_h, band_len), dtype=np.uint8)
        self._col_arg = np.zeros((batch * out_h, out_w, channels), dtype=np.uint8)
        for part in parts:
            column_max = bands[part, 0].copy()
            for a in range(1, self.pool_h):
                row = bands[part, a]
                # The winning row is the last one that beat the running maximum: the largest a.
                np.maximum(self._row_arg[part], (row > column_max) * np.uint8(a),
                           out=self._row_arg[part])
                np.maximum(column_max, row, out=column_max)
            columns = column_max.reshape(-1, out_w, self.pool_w, channels)
            window_max = out_rows[part]
            window_max[...] = columns[:, :, 0]
            for b in range(1, self.pool_w):
                np.maximum(self._col_arg[part], (columns[:, :, b] > window_max) * np.uint8(b),
                           out=self._col_arg[part])
                np.maximum(window_max, columns[:, :, b], out=window_max)
        return out

    def _backward_tiles(self, grad_out):
        (batch, out_h, out_w, channels), band_len, parts = self._bands(self._x_shape, grad_out.itemsize)
        grad_bands = np.empty((batch * out_h, self.pool_h, band_len), dtype=grad_out.dtype)
        grad_rows = grad_out.reshape(batch * out_h, out_w, channels)
        for part in parts:
            grad = grad_rows[part]
            column_grad = np.empty((len(grad), out_w, self.pool_w, channels), grad.dtype)
            for b in range(self.pool_w):
                np.multiply(grad, self._col_arg[part] == b, out=column_grad[:, :, b])
            column_grad = column_grad.reshape(len(grad), band_len)
            for a in range(self.pool_h):
                np.multiply(column_grad, self._row_arg[part] == a, out=grad_bands[part, a])
        grad_x = grad_bands.reshape(batch, out_h * self.pool_h, out_w * self.pool_w, channels)
        if grad_x.shape == self._x_shape:
            return grad_x
        padded = np.zeros(self._x_shape, dtype=grad_out.dtype)
        padded[:, :grad_x.shape[1], :grad_x.shape[2]] = grad_x
        return padded

    def config(self):
        return {"pool_size": [self.pool_h, self.pool_w], "strides": list(self.strides),
                "name": self.name}
