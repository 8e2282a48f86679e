"""Max pooling over non-overlapping or overlapping windows.

Forward, for x (N, H, W, C), window (PH, PW), strides (SH, SW):

    y[n, i, j, c] = max over a < PH, b < PW of x[n, i*SH + a, j*SW + b, c]      (N, OH, OW, C)

Backward: each window's gradient goes to one input position, its argmax (a*, b*):

    dx[n, i*SH + a*, j*SW + b*, c] += grad_out[n, i, j, c]

Ties: when several positions in a window hold the maximum, the first in row-major order within the
window receives the whole gradient (as ``np.argmax`` chooses), so the gradient's sum is preserved.
With overlapping windows an input position can be the argmax of several windows and sums their
gradients. Rows and columns that do not fill a whole window are dropped ('valid' pooling).

Fast path: when the strides equal the pool size (the usual 2x2/2) the windows tile the input, and
the forward pass is a running maximum over the PH*PW strided views x[:, a::SH, b::SW] — no copy of
the windows — and the backward pass writes grad_out into the same views where the argmax points.
"""

from __future__ import annotations

import numpy as np

from scratchnet.im2col import col2im, conv_output_size, sliding_windows
from scratchnet.layers.base import Layer, pair


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

    def _tile_views(self, x):
        """The PH*PW strided views x[:, a::PH, b::PW], cut to the output size, row-major order."""
        out_h, out_w, _ = self.output_shape(x.shape[1:])
        return [x[:, a:a + self.pool_h * out_h:self.pool_h, b:b + self.pool_w * out_w:self.pool_w]
                for a in range(self.pool_h) for b in range(self.pool_w)]

    def forward(self, x, training=False):
        self._x_shape = x.shape
        if self.tiles:
            views = self._tile_views(x)
            out = views[0].copy()
            for view in views[1:]:
                np.maximum(out, view, out=out)
            # One boolean mask per window offset, marking where that offset is the window's
            # first maximum in row-major order.
            self._masks, taken = [], np.zeros(out.shape, dtype=bool)
            for view in views:
                mask = np.equal(view, out)
                np.logical_and(mask, np.logical_not(taken), out=mask)
                np.logical_or(taken, mask, out=taken)
                self._masks.append(mask)
            return out
        windows = sliding_windows(x, self.pool_h, self.pool_w, self.strides)
        batch, out_h, out_w, _, _, channels = windows.shape
        flat = windows.transpose(0, 1, 2, 5, 3, 4).reshape(batch, out_h, out_w, channels, -1)
        self._argmax = flat.argmax(axis=-1)
        return np.take_along_axis(flat, self._argmax[..., None], axis=-1)[..., 0]

    def backward(self, grad_out):
        if self.tiles:
            grad_x = np.zeros(self._x_shape, dtype=grad_out.dtype)
            for mask, view in zip(self._masks, self._tile_views(grad_x)):
                np.multiply(grad_out, mask, out=view)
            return grad_x
        batch, out_h, out_w, channels = grad_out.shape
        flat = np.zeros((batch, out_h, out_w, channels, self.pool_h * self.pool_w),
                        dtype=grad_out.dtype)
        np.put_along_axis(flat, self._argmax[..., None], grad_out[..., None], axis=-1)
        windows = flat.reshape(batch, out_h, out_w, channels, self.pool_h, self.pool_w)
        windows = np.ascontiguousarray(windows.transpose(0, 1, 2, 4, 5, 3))
        return col2im(windows, self._x_shape, self.pool_h, self.pool_w, self.strides)

    def config(self):
        return {"pool_size": [self.pool_h, self.pool_w], "strides": list(self.strides),
                "name": self.name}
