import numpy as np
import pytest

from scratchnet.nn.im2col import col2im, im2col


@pytest.mark.parametrize("shape, kernel, stride", [((2, 6, 7, 3), (3, 3), 1), ((1, 7, 7, 1), (3, 2), 2),
                                                   ((3, 5, 5, 4), (1, 1), 1), ((2, 9, 8, 2), (4, 3), 3)])
def test_im2col_rows_are_the_receptive_fields(shape, kernel, stride):
    x = np.random.default_rng(0).standard_normal(shape)
    cols = im2col(x, *kernel, stride)
    n, h, w, c = shape
    out_h, out_w = (h - kernel[0]) // stride + 1, (w - kernel[1]) // stride + 1
    assert cols.shape == (n * out_h * out_w, kernel[0] * kernel[1] * c)
    row = 0
    for b in range(n):
        for i in range(out_h):
            for j in range(out_w):
                patch = x[b, i * stride:i * stride + kernel[0], j * stride:j * stride + kernel[1]]
                np.testing.assert_array_equal(cols[row], patch.reshape(-1))
                row += 1


@pytest.mark.parametrize("shape, kernel, stride", [((2, 6, 7, 3), (3, 3), 1), ((1, 7, 7, 1), (3, 2), 2),
                                                   ((2, 9, 8, 2), (4, 3), 3)])
def test_col2im_is_the_adjoint_of_im2col(shape, kernel, stride):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    cols = im2col(x, *kernel, stride)
    grad_cols = rng.standard_normal(cols.shape)
    # <im2col(x), g> == <x, col2im(g)> for every x and g defines the adjoint.
    assert np.isclose((cols * grad_cols).sum(), (x * col2im(grad_cols, shape, *kernel, stride)).sum())


def test_im2col_reuses_a_fitting_buffer_and_replaces_a_wrong_one():
    x = np.ones((2, 5, 5, 2), np.float32)
    buffer = np.empty((18, 18), np.float32)
    assert im2col(x, 3, 3, 1, out=buffer) is buffer
    assert im2col(x, 3, 3, 1, out=np.empty((18, 18), np.float64)) is not buffer
