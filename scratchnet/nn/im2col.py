"""im2col / col2im for NHWC tensors.

A convolution becomes one matrix product once every receptive field is laid out as a row:

    x      (N, H, W, C)                       input, already padded
    windows(N, OH, OW, KH, KW, C)             a strided *view* of x: no copy
    cols   (N*OH*OW, KH*KW*C)                 one contiguous copy of the view
    out    = cols @ kernel.reshape(KH*KW*C, F) -> (N*OH*OW, F) -> (N, OH, OW, F)

with OH = (H - KH) // stride + 1 (likewise OW). The row order (KH, KW, C) matches a Keras kernel
of shape (KH, KW, C, F), so the kernel reshapes without a transpose.

col2im is the adjoint of im2col: each input pixel receives the sum of the gradients of every
window it appeared in. Instead of scattering with ``np.add.at`` (slow), it adds the KH*KW shifted
slices, one per kernel offset, each a whole-tensor operation.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from scratchnet.nn.checks import pair


def conv_output_size(size: int, kernel: int, stride: int) -> int:
    """Length of a 'valid' convolution or pooling output along one axis."""
    return (size - kernel) // stride + 1


def sliding_windows(x: np.ndarray, kernel_h: int, kernel_w: int, stride) -> np.ndarray:
    """Read-only view of ``x`` (N, H, W, C) as windows (N, OH, OW, KH, KW, C). Copies nothing.

    ``stride`` is an int or a (row, column) pair.
    """
    stride_h, stride_w = pair(stride, "stride")
    batch, height, width, channels = x.shape
    out_h = conv_output_size(height, kernel_h, stride_h)
    out_w = conv_output_size(width, kernel_w, stride_w)
    s_batch, s_row, s_col, s_chan = x.strides
    return as_strided(
        x,
        shape=(batch, out_h, out_w, kernel_h, kernel_w, channels),
        strides=(s_batch, s_row * stride_h, s_col * stride_w, s_row, s_col, s_chan),
        writeable=False,
    )


def reuse_or_allocate(buffer: np.ndarray | None, shape: tuple, dtype) -> np.ndarray:
    """Return ``buffer`` if it already has this shape and dtype, else a new empty array.

    Speed trick (reused buffers): a training step that writes into the arrays of the step
    before allocates nothing, so the OS does not have to hand out and zero fresh pages for tens
    of megabytes every step; see docs/performance.md. ``im2col``/``col2im`` use it for their
    ``out`` argument and ``Layer.buffer`` for a layer's work arrays.
    """
    if buffer is not None and buffer.shape == shape and buffer.dtype == np.dtype(dtype):
        return buffer
    return np.empty(shape, dtype=dtype)


def im2col(x: np.ndarray, kernel_h: int, kernel_w: int, stride: int,
           out: np.ndarray | None = None) -> np.ndarray:
    """Lay out every receptive field of ``x`` (N, H, W, C) as a row.

    Returns
    -------
    cols : (N*OH*OW, KH*KW*C) array of x's dtype; ``out`` is reused when its shape fits.

    The plain version (``scratchnet.nn.plain.im2col``) is ``sliding_windows(...).reshape(...)``;
    this one gives the same array faster, by two speed tricks (docs/performance.md):

    - void-dtype copy: within one kernel row, a window's KW pixels of C channels are KW*C
      consecutive numbers of x. The copy moves each such run as a single opaque element (a NumPy
      void of KW*C*itemsize bytes) instead of as KW*C numbers: the result is identical, but
      NumPy's loop steps once per run rather than once per C numbers.
    - reused buffers: it writes into ``out`` when its shape fits.
    """
    x = np.ascontiguousarray(x)
    batch, height, width, channels = x.shape
    out_h = conv_output_size(height, kernel_h, stride)
    out_w = conv_output_size(width, kernel_w, stride)
    cols = reuse_or_allocate(out, (batch * out_h * out_w, kernel_h * kernel_w * channels), x.dtype)
    run = np.dtype((np.void, kernel_w * channels * x.itemsize))
    s_batch, s_row, s_col, _ = x.strides
    runs = np.ndarray((batch, out_h, out_w, kernel_h), dtype=run, buffer=x,
                      strides=(s_batch, s_row * stride, s_col * stride, s_row))
    np.copyto(cols.view(run).reshape(runs.shape), runs)
    return cols


def col2im(cols: np.ndarray, input_shape: tuple, kernel_h: int, kernel_w: int, stride,
           out: np.ndarray | None = None) -> np.ndarray:
    """Adjoint of :func:`im2col`: sum each window's gradient back onto the input grid.

    Parameters
    ----------
    cols : (N*OH*OW, KH*KW*C) or (N, OH, OW, KH, KW, C) gradients with respect to the windows.
    input_shape : (N, H, W, C) of the (padded) input that the windows were read from.
    stride : int or (row, column) pair.

    Returns
    -------
    grad_x : (N, H, W, C), ``out`` reused when its shape fits.
    """
    stride_h, stride_w = pair(stride, "stride")
    batch, height, width, channels = input_shape
    out_h = conv_output_size(height, kernel_h, stride_h)
    out_w = conv_output_size(width, kernel_w, stride_w)
    cols6 = cols.reshape(batch, out_h, out_w, kernel_h, kernel_w, channels)
    grad_x = reuse_or_allocate(out, tuple(input_shape), cols.dtype)
    grad_x.fill(0)
    row_span = stride_h * (out_h - 1) + 1
    col_span = stride_w * (out_w - 1) + 1
    for i in range(kernel_h):
        for j in range(kernel_w):
            grad_x[:, i:i + row_span:stride_h, j:j + col_span:stride_w, :] += cols6[:, :, :, i, j, :]
    return grad_x
