"""How a digit is shaped: how thick its strokes are and how far it leans, and standing it upright.

These measure images, (N, H, W) arrays of ink on 0 such as MNIST's or ``to_mnist``'s:
``stroke_thickness`` is how the pen of ``strokes_to_mnist`` was matched to MNIST's writers
(``scratchnet.preprocess.rendering``), ``slant`` and ``deslant`` are what the drawing study
tries against leaning digits (docs/drawings.md).
"""

from __future__ import annotations

import numpy as np


def stroke_thickness(images: np.ndarray) -> np.ndarray:
    """How thick the strokes of each digit are, in pixels: ink area over half the outline's length.

    A stroke of length L and thickness t covers L * t pixels and is outlined by about 2 L of
    edge (both sides; its two ends add 2 t, a loop's inside counts as a side), so t is about
    2 * area / outline. Both are read off grey levels, so anti-aliased edges count in part:

        area    = sum of the pixel values
        outline = sum over pixels of |gradient| (forward differences, the image padded with 0)

    Parameters
    ----------
    images : (N, H, W) or (H, W), ink high (1 or 255) on 0.

    Returns
    -------
    numpy.ndarray
        float64 (N,), or a 0-d array for one image; NaN for an image without ink.
    """
    batch = np.asarray(images, dtype=np.float64)
    single = batch.ndim == 2
    if single:
        batch = batch[np.newaxis]
    if batch.ndim != 3:
        raise ValueError(f"expected images (N, H, W) or (H, W), got shape {batch.shape}")
    padded = np.pad(batch, ((0, 0), (1, 1), (1, 1)))
    across = np.diff(padded, axis=2)[:, :-1, :]
    down = np.diff(padded, axis=1)[:, :, :-1]
    outline = np.sqrt(across ** 2 + down ** 2).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        thickness = 2 * batch.sum(axis=(1, 2)) / outline
    return thickness[0] if single else thickness


def slant(digits: np.ndarray) -> np.ndarray:
    """How far each digit leans: columns moved per row down, from its second moments.

    For a digit's intensities I over rows r and columns c, with means r0 and c0,
    ``slant = sum (r - r0)(c - c0) I / sum (r - r0)^2 I``: the slope of the least-squares line
    c(r) through the ink. Negative when the top leans right (rows count downwards).
    ``digits`` (N, H, W) or (N, H, W, 1); returns (N,) float64 (0 for a blank image).
    """
    images = np.asarray(digits, dtype=np.float64).reshape(len(digits), *np.shape(digits)[1:3])
    height, width = images.shape[1:]
    rows = np.arange(height, dtype=np.float64)[None, :, None]
    cols = np.arange(width, dtype=np.float64)[None, None, :]
    mass = images.sum(axis=(1, 2))
    safe = np.where(mass > 0, mass, 1)
    row_mean = (images * rows).sum(axis=(1, 2)) / safe
    col_mean = (images * cols).sum(axis=(1, 2)) / safe
    dr = rows - row_mean[:, None, None]
    dc = cols - col_mean[:, None, None]
    covariance = (images * dr * dc).sum(axis=(1, 2))
    spread = (images * dr * dr).sum(axis=(1, 2))
    return np.divide(covariance, spread, out=np.zeros_like(covariance), where=spread > 0)


def deslant(digits: np.ndarray) -> np.ndarray:
    """Stand each digit upright: shear its rows sideways by its ``slant``, about the row of its
    centre of mass, as LeCun et al.'s "deskewed" MNIST results do (the second moments give the
    shear that makes the ink's principal axis vertical).

    ``out[r, c] = in[r, c + slant (r - r0)]``, interpolated linearly along the row, zero
    outside. ``digits`` (N, H, W) or (N, H, W, 1) floats; returns a new array of the same shape
    and dtype.
    """
    digits = np.asarray(digits)
    images = digits.reshape(len(digits), *digits.shape[1:3])
    count, height, width = images.shape
    shear = slant(images)
    mass = images.sum(axis=(1, 2), dtype=np.float64)
    rows = np.arange(height, dtype=np.float64)
    row_mean = (images.sum(axis=2) @ rows) / np.where(mass > 0, mass, 1)
    source = (np.arange(width)[None, None, :]
              + (shear[:, None] * (rows[None, :] - row_mean[:, None]))[:, :, None])  # (N, H, W)
    source = np.clip(source, -1, width)
    left = np.floor(source)
    weight = (source - left).astype(images.dtype)
    padded = np.zeros((count, height, width + 3), dtype=images.dtype)   # zero border: -1, W, W+1
    padded[:, :, 1:width + 1] = images
    index = left.astype(np.intp) + 1
    before = np.take_along_axis(padded, index, axis=2)
    after = np.take_along_axis(padded, index + 1, axis=2)
    return ((1 - weight) * before + weight * after).reshape(digits.shape)
