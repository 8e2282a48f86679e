"""Deslanting by second moments (``preprocess.slant`` / ``preprocess.deslant``)."""

import numpy as np
import pytest

from scratchnet.training.augment import affine_warp
from scratchnet.preprocess import deslant, slant


def bar(lean_columns_per_row: float = 0.0) -> np.ndarray:
    """An (1, 28, 28) digit-like bar, 3 px wide, its top leaning right by the given slope."""
    image = np.zeros((1, 28, 28), np.float32)
    for row in range(4, 24):
        centre = 14 - lean_columns_per_row * (row - 13.5)
        image[0, row, round(centre) - 1:round(centre) + 2] = 1
    return image


def test_slant_is_the_slope_of_the_ink():
    assert slant(bar(0.0))[0] == pytest.approx(0.0, abs=1e-9)
    assert slant(bar(0.5))[0] == pytest.approx(-0.5, abs=0.05)     # top right: negative


def test_deslant_of_a_sheared_digit_reduces_its_skew(mnist):
    (x_train, _), _ = mnist
    digits = x_train[:50, :, :, None].astype(np.float32) / 255
    sheared = affine_warp(digits, 0, 1, 0, 0, shear=25.0)
    before = np.abs(slant(sheared))
    after = np.abs(slant(deslant(sheared)))
    assert before.mean() > 0.3 and after.max() < 0.05


def test_deslant_keeps_shape_dtype_and_leaves_upright_digits_alone():
    upright = bar(0.0)
    out = deslant(upright)
    assert out.shape == upright.shape and out.dtype == upright.dtype
    np.testing.assert_allclose(out, upright, atol=1e-6)
    four_d = deslant(bar(0.4)[..., None])
    assert four_d.shape == (1, 28, 28, 1) and abs(slant(four_d)[0]) < 0.05


def test_blank_image_is_left_blank():
    blank = np.zeros((2, 28, 28), np.float32)
    assert slant(blank).tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(deslant(blank), blank)
