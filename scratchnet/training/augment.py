"""Random affine distortions of digit images, for training with ``fit(augment=augment)``.

Each sample gets its own rotation a, scale s and shift t (drawn uniformly), applied about the
image centre c. Output pixel p takes its value from the input at

    src = R(-a) (p - c - t) / s + c                      (the inverse map of the distortion)

by bilinear interpolation between the four neighbouring pixels, with zeros outside the image
(MNIST's background). All samples are transformed at once with array operations: the inverse
maps give an (N, H*W) array of source coordinates, and four gathers fetch the neighbours.
"""

from __future__ import annotations

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
                shift_y: np.ndarray, shift_x: np.ndarray) -> np.ndarray:
    """Rotate (degrees, counter-clockwise as displayed), scale and shift each image.

    ``batch`` (N, H, W, C); the other arguments hold one value per sample, shape (N,) (or
    scalars). Returns a new (N, H, W, C) array of ``batch``'s dtype.
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
    src_y = np.clip(cos * out_y + sin * out_x + centre_y, -1, height)
    src_x = np.clip(-sin * out_y + cos * out_x + centre_x, -1, width)

    top, left = np.floor(src_y), np.floor(src_x)
    weight_y = (src_y - top).astype(batch.dtype)[:, :, None]     # (N, H*W, 1)
    weight_x = (src_x - left).astype(batch.dtype)[:, :, None]
    # Zero border: one pixel before the image and two after, so that top + 1 and left + 1 of a
    # coordinate clipped to (height, width) still index inside the padded image.
    padded_width = width + 3
    padded = np.zeros((count, height + 3, padded_width, channels), dtype=batch.dtype)
    padded[:, 1:height + 1, 1:width + 1] = batch
    flat = padded.reshape(count, -1, channels)
    index = ((top.astype(np.intp) + 1) * padded_width + left.astype(np.intp) + 1)[:, :, None]

    def gather(offset: int) -> np.ndarray:
        return np.take_along_axis(flat, index + offset, axis=1)

    upper = gather(0) * (1 - weight_x) + gather(1) * weight_x
    lower = gather(padded_width) * (1 - weight_x) + gather(padded_width + 1) * weight_x
    result = upper * (1 - weight_y) + lower * weight_y
    return result.reshape(batch.shape)


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
