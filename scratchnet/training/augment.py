"""Random affine distortions of digit images, for training with ``fit(augment=augment)``.

Each sample gets its own rotation a, scale s and shift t (drawn uniformly), applied about the
image centre c. Output pixel p takes its value from the input at

    src = R(-a) (p - c - t) / s + c                      (the inverse map of the distortion)

by bilinear interpolation between the four neighbouring pixels, with zeros outside the image
(MNIST's background). All samples are transformed at once with array operations: the inverse
maps give an (N, H*W) array of source coordinates, and four gathers fetch the neighbours.

``Distortions`` adds what real drawing does to a digit that MNIST's handwriting does not always
show, applied to every sample with parameters of its own:

- shear (slant): the inverse map also un-shears, ``src_x += k (src_y - c_y)`` with k = tan(shear);
- elastic distortion (Simard, Steinkraus and Platt, "Best practices for convolutional neural
  networks applied to visual document analysis", ICDAR 2003): a field of uniform random
  displacements in [-1, 1] px, smoothed by a Gaussian of standard deviation ``sigma`` px and
  scaled by ``alpha``, is added to the source coordinates. The smoothing is separable, so for
  each field F (H, W) it is two matrix products, G_H F G_W^T, with G the Gaussian's matrix;
- stroke thickness: a grey-level dilation (the maximum over the pixel and its 4 neighbours) or
  erosion (the minimum) blended in by a random amount t: ``x + t (dilate(x) - x)`` for t > 0,
  ``x + |t| (erode(x) - x)`` for t < 0, so strokes get continuously thicker or thinner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_SHIFT = 2.0        # pixels, in each direction
MAX_ROTATION = 10.0    # degrees, either way
MAX_SCALE = 0.10       # relative change of size, either way


def augment(batch: np.ndarray, rng: np.random.Generator, max_shift: float = MAX_SHIFT,
            max_rotation: float = MAX_ROTATION, max_scale: float = MAX_SCALE) -> np.ndarray:
    """Shift, rotate and scale each image of ``batch`` (N, H, W, C) at random.

    Returns a new array of the same shape and dtype. Draws exactly ``4 * N`` uniform numbers
    from ``rng``, so a run that restores the generator's state repeats the same distortions.
    """
    draws = rng.random((len(batch), 4)) * 2 - 1                  # uniform in [-1, 1)
    return affine_warp(batch, rotation=draws[:, 0] * max_rotation,
                       scale=1 + draws[:, 1] * max_scale,
                       shift_y=draws[:, 2] * max_shift, shift_x=draws[:, 3] * max_shift)


def affine_warp(batch: np.ndarray, rotation: np.ndarray, scale: np.ndarray,
                shift_y: np.ndarray, shift_x: np.ndarray, shear: np.ndarray | float = 0.0,
                displacement: np.ndarray | None = None) -> np.ndarray:
    """Rotate (degrees, counter-clockwise as displayed), scale and shift each image; optionally
    shear it and displace its pixels.

    ``batch`` (N, H, W, C); the other arguments hold one value per sample, shape (N,) (or
    scalars). ``shear`` (degrees) leans the digit: positive tops go right. ``displacement``
    (N, 2, H, W) is added to the source coordinates (rows, columns) of each output pixel (the
    elastic field). Returns a new (N, H, W, C) array of ``batch``'s dtype.
    """
    if batch.ndim != 4:
        raise ValueError(f"batch must have shape (N, H, W, C), got {batch.shape}")
    count, height, width, channels = batch.shape
    angle = np.deg2rad(np.broadcast_to(rotation, (count,)))
    scale = np.broadcast_to(scale, (count,))
    shift_y = np.broadcast_to(shift_y, (count,))
    shift_x = np.broadcast_to(shift_x, (count,))

    centre_y, centre_x = (height - 1) / 2, (width - 1) / 2
    rows, cols = np.indices((height, width)).reshape(2, 1, -1)
    out_y = rows - centre_y - shift_y[:, None]                   # (N, H*W), relative to c + t
    out_x = cols - centre_x - shift_x[:, None]
    cos, sin = (np.cos(angle) / scale)[:, None], (np.sin(angle) / scale)[:, None]
    # Rows grow downwards, so turning the picture counter-clockwise on screen means fetching
    # from (y cos + x sin, -y sin + x cos). Clipping to one pixel beyond the image keeps
    # far-away coordinates on the zero border.
    src_y = cos * out_y + sin * out_x
    src_x = -sin * out_y + cos * out_x
    shear = np.broadcast_to(shear, (count,))
    if np.any(shear):
        # Undo a shear x -> x - k y (rows grow downwards, so the top leans right for k > 0).
        src_x = src_x + np.tan(np.deg2rad(shear))[:, None] * src_y
    src_y = src_y + centre_y
    src_x = src_x + centre_x
    if displacement is not None:
        src_y = src_y + displacement[:, 0].reshape(count, -1)
        src_x = src_x + displacement[:, 1].reshape(count, -1)
    src_y = np.clip(src_y, -1, height)
    src_x = np.clip(src_x, -1, width)

    top, left = np.floor(src_y), np.floor(src_x)
    weight_y = (src_y - top).astype(batch.dtype)[:, :, None]     # (N, H*W, 1)
    weight_x = (src_x - left).astype(batch.dtype)[:, :, None]
    # Zero border: one pixel before the image and two after, so that top + 1 and left + 1 of a
    # coordinate clipped to (height, width) still index inside the padded image.
    padded_width = width + 3
    padded = np.zeros((count, height + 3, padded_width, channels), dtype=batch.dtype)
    padded[:, 1:height + 1, 1:width + 1] = batch
    # One flat index into all the padded images at once: np.take along the first axis of a
    # 2-D array is several times faster than take_along_axis on the 3-D one.
    flat = padded.reshape(-1, channels)
    index = ((top.astype(np.intp) + 1) * padded_width + left.astype(np.intp) + 1
             + (np.arange(count) * padded.shape[1] * padded_width)[:, None])

    def gather(offset: int) -> np.ndarray:
        return np.take(flat, index + offset, axis=0)             # (N, H*W, C)

    upper = gather(0) * (1 - weight_x) + gather(1) * weight_x
    lower = gather(padded_width) * (1 - weight_x) + gather(padded_width + 1) * weight_x
    result = upper * (1 - weight_y) + lower * weight_y
    return result.reshape(batch.shape)


def gaussian_matrix(size: int, sigma: float) -> np.ndarray:
    """(size, size) float64: row i is a Gaussian of std ``sigma`` centred on i, normalised as
    the full (untruncated) kernel is, so that values beyond the edges count as zero."""
    positions = np.arange(size)
    kernel_span = np.arange(-size + 1, size)
    weights = np.exp(-0.5 * (kernel_span / sigma) ** 2)
    weights /= weights.sum()
    return weights[positions[:, None] - positions[None, :] + size - 1]


def elastic_field(count: int, height: int, width: int, alpha: float, sigma: float,
                  rng: np.random.Generator) -> np.ndarray:
    """Simard et al.'s random displacement fields, (count, 2, height, width) float64 pixels.

    Draws exactly ``count * 2 * height * width`` uniform numbers from ``rng``.
    """
    noise = rng.random((count, 2, height, width)) * 2 - 1
    rows, cols = gaussian_matrix(height, sigma), gaussian_matrix(width, sigma)
    return alpha * (rows @ noise @ cols.T)


def change_thickness(batch: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """Thicken (``amount`` > 0) or thin (< 0) each image's strokes; ``amount`` (N,) in [-1, 1].

    ``batch`` (N, H, W, C) of non-negative values; returns a new array of its shape and dtype
    in which each image keeps its maximum.
    """
    padded = np.pad(batch, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    centre = padded[:, 1:-1, 1:-1]
    neighbours = (padded[:, :-2, 1:-1], padded[:, 2:, 1:-1], padded[:, 1:-1, :-2],
                  padded[:, 1:-1, 2:])
    dilated, eroded = centre.copy(), centre.copy()
    for shifted in neighbours:
        np.maximum(dilated, shifted, out=dilated)
        np.minimum(eroded, shifted, out=eroded)
    amount = np.asarray(amount, dtype=batch.dtype).reshape(-1, 1, 1, 1)
    target = np.where(amount > 0, dilated, eroded)
    changed = batch + np.abs(amount) * (target - batch)
    # Erosion dims thin strokes as well as narrowing them; give each image its old maximum
    # back, since every preprocessed digit has its brightest pixel at 1.
    before = batch.max(axis=(1, 2, 3), keepdims=True)
    after = changed.max(axis=(1, 2, 3), keepdims=True)
    changed *= np.divide(before, after, out=np.ones_like(after), where=after > 0)
    return changed.astype(batch.dtype, copy=False)


@dataclass(frozen=True)
class Distortions:
    """Random distortions for ``fit(augment=...)``: call it as ``distortions(batch, rng)``.

    Every sample gets its own parameters, drawn uniformly: rotation within ``±rotation``
    degrees, scale within ``1 ± scale``, shift within ``±shift`` px on each axis, shear within
    ``±shear`` degrees, stroke thickness ``t`` in ``[-thin, thick]`` (see ``change_thickness``),
    and an elastic field of strength ``elastic_alpha`` (0: none) and smoothness
    ``elastic_sigma``. With shear, thickness and elastic all 0 it is ``augment``, draw for draw.
    """

    shift: float = MAX_SHIFT
    rotation: float = MAX_ROTATION
    scale: float = MAX_SCALE
    shear: float = 0.0
    thin: float = 0.0
    thick: float = 0.0
    elastic_alpha: float = 0.0
    elastic_sigma: float = 4.0

    def __call__(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        count, height, width = batch.shape[:3]
        draws = rng.random((count, 4)) * 2 - 1
        shear = 0.0
        if self.shear:
            shear = (rng.random(count) * 2 - 1) * self.shear
        if self.thin or self.thick:
            amount = rng.random(count) * (self.thin + self.thick) - self.thin
            batch = change_thickness(batch, amount)
        field = None
        if self.elastic_alpha:
            field = elastic_field(count, height, width, self.elastic_alpha, self.elastic_sigma,
                                  rng)
        return affine_warp(batch, rotation=draws[:, 0] * self.rotation,
                           scale=1 + draws[:, 1] * self.scale, shift_y=draws[:, 2] * self.shift,
                           shift_x=draws[:, 3] * self.shift, shear=shear, displacement=field)


# The augmentation of drawn digits: the affine distortions of ``augment`` plus slant, elastic
# distortion and stroke thickness (docs/drawings.md has the measurements behind the values).
DRAWING = Distortions(shear=15.0, thin=0.5, thick=1.0, elastic_alpha=20.0, elastic_sigma=4.0)

def slant_and_thicken(images: np.ndarray, slant: float = 0.6) -> np.ndarray:
    """A fixed handwriting style: rows sheared sideways (the top to the right) and strokes
    thickened by a 3x3 dilation. A reproducible stand-in for one person's digits.

    ``images`` uint8 (N, H, W); returns the same shape and dtype. ``slant`` is the shift in
    columns per row (0.6 leans the digits about 31 degrees).
    """
    count, height, width = images.shape
    shift = np.round(-slant * (np.arange(height) - (height - 1) / 2)).astype(int)    # (H,)
    source = np.arange(width)[None, :] - shift[:, None]                             # (H, W)
    inside = (source >= 0) & (source < width)
    rows = np.broadcast_to(np.arange(height)[:, None], (height, width))
    slanted = np.where(inside, images[:, rows, np.clip(source, 0, width - 1)], 0)
    thick = slanted.copy()                                  # dilate down the rows, then across
    thick[:, 1:, :] = np.maximum(thick[:, 1:, :], slanted[:, :-1, :])
    thick[:, :-1, :] = np.maximum(thick[:, :-1, :], slanted[:, 1:, :])
    wide = thick.copy()
    wide[:, :, 1:] = np.maximum(wide[:, :, 1:], thick[:, :, :-1])
    wide[:, :, :-1] = np.maximum(wide[:, :, :-1], thick[:, :, 1:])
    return wide.astype(images.dtype)
