"""Random affine augmentation: exact on whole-pixel moves, equal to a per-pixel loop otherwise."""

import math

import numpy as np
import pytest

from scratchnet.training.augment import affine_warp, augment


def loop_warp(image, rotation, scale, shift_y, shift_x):
    """Reference: the inverse map and bilinear interpolation, one output pixel at a time."""
    height, width = image.shape
    cy, cx = (height - 1) / 2, (width - 1) / 2
    a = math.radians(rotation)
    out = np.zeros_like(image, dtype=np.float64)

    def pixel(y, x):
        return image[y, x] if 0 <= y < height and 0 <= x < width else 0.0

    for row in range(height):
        for col in range(width):
            qy, qx = row - cy - shift_y, col - cx - shift_x
            sy = (math.cos(a) * qy + math.sin(a) * qx) / scale + cy
            sx = (-math.sin(a) * qy + math.cos(a) * qx) / scale + cx
            y0, x0 = math.floor(sy), math.floor(sx)
            fy, fx = sy - y0, sx - x0
            out[row, col] = ((1 - fy) * ((1 - fx) * pixel(y0, x0) + fx * pixel(y0, x0 + 1))
                             + fy * ((1 - fx) * pixel(y0 + 1, x0) + fx * pixel(y0 + 1, x0 + 1)))
    return out


def digits(count=4, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    images = np.zeros((count, 28, 28, 1), dtype=dtype)
    images[:, 6:22, 8:20, 0] = rng.random((count, 16, 12))
    return images


def test_identity_parameters_return_the_input_exactly():
    images = digits()
    np.testing.assert_array_equal(affine_warp(images, 0, 1, 0, 0), images)


def test_whole_pixel_shift_moves_the_image_and_fills_zeros():
    images = digits(1)
    moved = affine_warp(images, 0, 1, 2, -1)
    expected = np.zeros_like(images)
    expected[:, 2:, :-1] = images[:, :-2, 1:]
    np.testing.assert_array_equal(moved, expected)


def test_quarter_turn_is_counter_clockwise_rot90():
    images = digits(1)
    np.testing.assert_allclose(affine_warp(images, 90, 1, 0, 0)[0, :, :, 0],
                               np.rot90(images[0, :, :, 0]), atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_random_parameters_match_the_loop_reference(dtype):
    images = digits(3, seed=1, dtype=dtype)
    rotation, scale = np.array([7.5, -9.9, 3.0]), np.array([1.08, 0.91, 1.0])
    shift_y, shift_x = np.array([0.3, -1.7, 2.0]), np.array([-1.2, 0.6, -2.0])
    warped = affine_warp(images, rotation, scale, shift_y, shift_x)
    assert warped.dtype == dtype and warped.shape == images.shape
    for n in range(3):
        expected = loop_warp(images[n, :, :, 0].astype(np.float64), rotation[n], scale[n],
                             shift_y[n], shift_x[n])
        np.testing.assert_allclose(warped[n, :, :, 0], expected,
                                   atol=1e-5 if dtype == np.float32 else 1e-12)


def test_far_outside_source_coordinates_read_zero():
    images = np.ones((1, 28, 28, 1), np.float32)
    shrunk = affine_warp(images, 0, 0.5, 0, 0)[0, :, :, 0]
    assert shrunk[0, 0] == 0 and shrunk[14, 14] == 1


def test_augment_keeps_shape_dtype_and_range_and_changes_each_sample_differently():
    images = digits(8)
    out = augment(images, np.random.default_rng(0))
    assert out.shape == images.shape and out.dtype == images.dtype
    assert out.min() >= 0 and out.max() <= 1 + 1e-6
    changes = np.abs(out - images).reshape(8, -1).sum(axis=1)
    assert np.all(changes > 0) and len(np.unique(np.round(changes, 3))) == 8


def test_augment_is_reproducible_from_the_generator_state_and_draws_4_numbers_per_sample():
    images = digits(5)
    first, second = np.random.default_rng(42), np.random.default_rng(42)
    np.testing.assert_array_equal(augment(images, first), augment(images, second))
    reference = np.random.default_rng(42)
    reference.random((5, 4))
    assert first.random() == reference.random()


def test_augment_stays_within_the_documented_distortion():
    """A centred dot moves by at most 2 px per axis (plus what ±10° and ±10% add at the centre:
    nothing), so its centre of mass stays within 2 px of where it was."""
    images = np.zeros((200, 28, 28, 1), np.float32)
    images[:, 13:15, 13:15] = 1
    out = augment(images, np.random.default_rng(3))[..., 0]
    rows = np.arange(28)[None, :, None]
    cols = np.arange(28)[None, None, :]
    mass = out.sum(axis=(1, 2))
    cy, cx = (out * rows).sum(axis=(1, 2)) / mass, (out * cols).sum(axis=(1, 2)) / mass
    assert np.abs(cy - 13.5).max() <= 2.0 + 1e-4 and np.abs(cx - 13.5).max() <= 2.0 + 1e-4
    assert np.abs(cy - 13.5).max() > 1.5      # and it does use the range


# ------------------------------------------------------------------ distortions of drawn digits
from scratchnet.training.augment import (  # noqa: E402
    DRAWING,
    Distortions,
    change_thickness,
    elastic_field,
    gaussian_matrix,
)


def test_distortions_with_no_extras_are_augment_draw_for_draw():
    images = digits(6)
    np.testing.assert_array_equal(Distortions()(images, np.random.default_rng(5)),
                                  augment(images, np.random.default_rng(5)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_drawing_distortions_keep_shape_dtype_and_range(dtype):
    images = digits(16, dtype=dtype)
    out = DRAWING(images, np.random.default_rng(0))
    assert out.shape == images.shape and out.dtype == dtype
    assert out.min() >= 0 and out.max() <= 1 + 1e-6
    assert np.all(np.abs(out - images).reshape(16, -1).sum(axis=1) > 0)


def test_drawing_distortions_are_deterministic_by_seed():
    images = digits(8)
    np.testing.assert_array_equal(DRAWING(images, np.random.default_rng(9)),
                                  DRAWING(images, np.random.default_rng(9)))
    assert not np.array_equal(DRAWING(images, np.random.default_rng(9)),
                              DRAWING(images, np.random.default_rng(10)))


def test_elastic_field_with_alpha_zero_is_the_identity():
    images = digits(3)
    still = Distortions(shift=0, rotation=0, scale=0, elastic_alpha=0.0)
    field = elastic_field(3, 28, 28, alpha=0.0, sigma=4.0, rng=np.random.default_rng(0))
    assert not field.any()
    np.testing.assert_array_equal(affine_warp(images, 0, 1, 0, 0, displacement=field), images)
    np.testing.assert_array_equal(still(images, np.random.default_rng(0)), images)


def test_elastic_field_is_the_smoothed_noise_scaled_by_alpha():
    field = elastic_field(2, 28, 28, alpha=34.0, sigma=4.0, rng=np.random.default_rng(1))
    noise = np.random.default_rng(1).random((2, 2, 28, 28)) * 2 - 1
    gauss = gaussian_matrix(28, 4.0)
    np.testing.assert_allclose(field, 34.0 * gauss @ noise @ gauss.T)
    # Smooth: neighbouring displacements differ far less than the displacements themselves.
    assert np.abs(np.diff(field, axis=-1)).mean() < 0.2 * np.abs(field).mean()


def test_constant_displacement_is_a_shift():
    images = digits(1)
    field = np.zeros((1, 2, 28, 28))
    field[:, 0] = -2.0                              # fetch from two rows up: move down by 2
    expected = np.zeros_like(images)
    expected[:, 2:] = images[:, :-2]
    np.testing.assert_array_equal(affine_warp(images, 0, 1, 0, 0, displacement=field), expected)


def test_shear_leans_the_top_to_the_right():
    image = np.zeros((1, 28, 28, 1), np.float32)
    image[0, 4:24, 13:15] = 1                       # an upright bar
    leaned = affine_warp(image, 0, 1, 0, 0, shear=20.0)[0, :, :, 0]
    cols = np.arange(28)
    top, bottom = leaned[5] @ cols / leaned[5].sum(), leaned[22] @ cols / leaned[22].sum()
    assert top - bottom == pytest.approx(np.tan(np.deg2rad(20)) * 17, abs=0.1)


def test_thickness_thickens_and_thins_strokes_and_keeps_the_maximum():
    image = np.zeros((2, 28, 28, 1), np.float32)
    image[:, 6:22, 12:16] = 1                       # a bar 4 px wide
    thick = change_thickness(image, np.array([1.0, -1.0]))
    assert thick[0].sum() > image[0].sum() * 1.3    # one more pixel on every side
    assert 0 < thick[1].sum() < image[1].sum() * 0.7
    assert thick.max(axis=(1, 2, 3)).tolist() == [1.0, 1.0]
    np.testing.assert_array_equal(change_thickness(image, np.zeros(2)), image)
