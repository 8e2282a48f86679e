"""Max pooling over non-overlapping or overlapping windows.

Forward, for x (N, H, W, C), window (PH, PW), strides (SH, SW):

    y[n, i, j, c] = max over a < PH, b < PW of x[n, i*SH + a, j*SW + b, c]      (N, OH, OW, C)

Backward: each window's gradient goes to one input position, its argmax (a*, b*):

    dx[n, i*SH + a*, j*SW + b*, c] += grad_out[n, i, j, c]

When several positions in a window hold the maximum, exactly one of them receives the whole
gradient, so the gradient's sum is preserved. With overlapping windows an input position can be
the argmax of several windows and sums their gradients. Rows and columns that do not fill a
whole window are dropped ('valid' pooling).

The plain twin, ``scratchnet.nn.plain.MaxPool2D``, is these lines: ``argmax`` over each window's
values in reading (row-major) order, so on a tie the first maximum in reading order wins. When
the strides equal the pool size (the usual 2x2/2) and the windows tile the input this layer takes
a fast path, with these speed tricks (measured in docs/performance.md):

- max in two stages: the maximum is taken first down each window's columns — between whole
  rows of the image, which are contiguous in memory — recording which row won (``row_arg``),
  then across the PW column maxima, recording which column won (``col_arg``); a later row or
  column wins only when strictly greater.
- masks instead of a scatter: the backward pass undoes the two steps in reverse order, each as
  products with boolean masks (grad where col_arg == b, then where row_arg == a).
- cache-sized slices of the batch (``SLICE_BYTES``) and reused buffers (``Layer.buffer``).

Where it departs from the equation: the tie rule, a consequence of "max in two stages". The
stages compare down the columns first, so on a tie the first maximum in column-major order wins
(the leftmost column holding the maximum, the top position in it), not the first in reading
order: the window [[0, 5], [5, 1]] sends its gradient to the bottom-left 5, the plain twin to the
top-right one. The other path (overlapping or gapped windows: like the plain twin, a row per
window, an argmax and ``col2im``) lays each window out in column-major order so that both paths
keep one rule. Outputs never differ; gradients differ only in windows that hold their maximum
more than once. After a ReLU the usual tie is a window of zeros, where both rules pick the
top-left position. tests/test_plain.py compares the twins on tie-free inputs and checks each
tie rule on its own.
"""

from __future__ import annotations

import numpy as np

from scratchnet.nn.im2col import col2im, conv_output_size, sliding_windows
from scratchnet.nn.layers.base import SLICE_BYTES, Layer, pair


class MaxPool2D(Layer):
    """Max pooling over 'valid' windows, as Keras' ``MaxPooling2D``.

    Args:
        pool_size: int or (PH, PW).
        strides: int or (SH, SW); None means pool_size (non-overlapping windows).
        name: the layer's name; the model gives one if None.

    Input shape: (N, H, W, C). Output shape: (N, (H - PH) // SH + 1, (W - PW) // SW + 1, C).
    """

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
            return self._forward_tiles(x, training)
        windows = sliding_windows(x, self.pool_h, self.pool_w, self.strides)
        batch, out_h, out_w, _, _, channels = windows.shape
        # Column-major window order, (PW, PH), so that argmax's first maximum is the fast path's
        # (the tie rule in the module docstring).
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

    def _forward_tiles(self, x, training):
        (batch, out_h, out_w, channels), band_len, parts = self._bands(x.shape, x.itemsize)
        x = np.ascontiguousarray(x[:, :out_h * self.pool_h, :out_w * self.pool_w])
        bands = x.reshape(batch * out_h, self.pool_h, band_len)
        out = self.output("out", (batch, out_h, out_w, channels), x.dtype, training)
        out_rows = out.reshape(batch * out_h, out_w, channels)
        self._row_arg = self.buffer("row_arg", (batch * out_h, band_len), np.uint8)
        self._col_arg = self.buffer("col_arg", (batch * out_h, out_w, channels), np.uint8)
        step = parts[0].stop
        column_max = self.buffer("column_max", (step, band_len), x.dtype)
        row_won = self.buffer("row_won", (step, band_len), bool)
        col_won = self.buffer("col_won", (step, out_w, channels), bool)
        for part in parts:
            rows = part.stop - part.start
            self._running_argmax([bands[part, a] for a in range(self.pool_h)],
                                 column_max[:rows], self._row_arg[part], row_won[:rows])
            columns = column_max[:rows].reshape(rows, out_w, self.pool_w, channels)
            self._running_argmax([columns[:, :, b] for b in range(self.pool_w)],
                                 out_rows[part], self._col_arg[part], col_won[:rows])
        return out

    @staticmethod
    def _running_argmax(candidates, maximum, arg, won):
        """maximum = the element-wise max of the candidate arrays; arg = the index of the first
        candidate holding it (a later candidate wins only when strictly greater)."""
        best = candidates[0]
        arg.fill(0)
        for index, candidate in enumerate(candidates[1:], start=1):
            np.greater(candidate, best, out=won)
            if index == 1:
                np.copyto(arg, won)                     # arg was 0 everywhere
            else:
                np.copyto(arg, np.uint8(index), where=won)
            np.maximum(best, candidate, out=maximum)
            best = maximum
        if best is not maximum:                         # a window one element wide
            maximum[...] = best

    def _backward_tiles(self, grad_out):
        (batch, out_h, out_w, channels), band_len, parts = self._bands(self._x_shape, grad_out.itemsize)
        grad_bands = self.buffer("grad_x", (batch * out_h, self.pool_h, band_len), grad_out.dtype)
        grad_rows = grad_out.reshape(batch * out_h, out_w, channels)
        step = parts[0].stop
        column_grad = self.buffer("column_grad", (step, out_w, self.pool_w, channels),
                                  grad_out.dtype)
        row_won = self.buffer("row_won", (step, band_len), bool)
        col_won = self.buffer("col_won", (step, out_w, channels), bool)
        for part in parts:
            rows = part.stop - part.start
            self._route(grad_rows[part], self._col_arg[part],
                        [column_grad[:rows, :, b] for b in range(self.pool_w)], col_won[:rows])
            self._route(column_grad[:rows].reshape(rows, band_len), self._row_arg[part],
                        [grad_bands[part, a] for a in range(self.pool_h)], row_won[:rows])
        grad_x = grad_bands.reshape(batch, out_h * self.pool_h, out_w * self.pool_w, channels)
        if grad_x.shape == self._x_shape:
            return grad_x
        padded = np.zeros(self._x_shape, dtype=grad_out.dtype)
        padded[:, :grad_x.shape[1], :grad_x.shape[2]] = grad_x
        return padded

    @staticmethod
    def _route(grad, arg, destinations, won):
        """destinations[k] = grad where arg == k, else 0: the adjoint of _running_argmax."""
        for index, destination in enumerate(destinations):
            np.equal(arg, index, out=won)
            np.multiply(grad, won, out=destination)

    def config(self):
        return {"pool_size": [self.pool_h, self.pool_w], "strides": list(self.strides),
                "name": self.name}
