"""Copies of a drawing drawn again with its pen's points moved: augmentation at the stroke level.

A drawing is kept as strokes (``scratchnet.data.personal``), so a copy can be made the way a
person would draw the digit again, rather than by warping its 28x28 image: the points are
turned, sheared and stretched about the centre of their box,

    p' = R(a) S(k) diag(sqrt(s), 1 / sqrt(s)) (p - c) + c + wobble

with a within ``±rotation`` degrees, k = tan(shear) within ``±shear`` degrees and the ratio of
width to height s within ``1 ± aspect``, and every point moved by a smooth random offset: a
random walk along each stroke, centred, of about ``wobble`` times the digit's size. The copy is
then read as the app reads a drawing (``strokes_to_mnist``), which fits it into the box again at
the pen width MNIST's writers used, so a copy never differs from its drawing in size, place or
pen, only in shape.
"""

from __future__ import annotations

import numpy as np

from scratchnet.preprocess import strokes_to_mnist

ROTATION = 10.0        # degrees, either way
SHEAR = 15.0           # degrees, either way
ASPECT = 0.15          # relative change of width over height, either way
WOBBLE = 0.02          # of the digit's size


def jitter_strokes(strokes: list[dict], rng: np.random.Generator, rotation: float = ROTATION,
                   shear: float = SHEAR, aspect: float = ASPECT, wobble: float = WOBBLE
                   ) -> list[dict]:
    """The strokes with their points moved (module docstring); widths kept. Draws from ``rng``
    three uniform numbers, then two normal numbers per point."""
    points = np.concatenate([np.asarray(stroke["points"], np.float64) for stroke in strokes])
    low, high = points.min(axis=0), points.max(axis=0)
    centre, size = (low + high) / 2, max(float((high - low).max()), 1.0)
    angle = np.deg2rad(rng.uniform(-rotation, rotation))
    lean = np.tan(np.deg2rad(rng.uniform(-shear, shear)))
    stretch = 1 + rng.uniform(-aspect, aspect)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix = turn @ np.array([[1.0, lean], [0.0, 1.0]]) @ np.diag(
        [np.sqrt(stretch), 1 / np.sqrt(stretch)])
    moved = []
    for stroke in strokes:
        xy = np.asarray(stroke["points"], np.float64) - centre
        walk = np.cumsum(rng.standard_normal(xy.shape), axis=0) / np.sqrt(len(xy))
        xy = xy @ matrix.T + wobble * size * (walk - walk.mean(axis=0)) + centre
        moved.append({"width": stroke["width"], "points": xy.tolist()})
    return moved


def jittered_copies(strokes: list[dict], canvas: tuple[int, int], count: int,
                    rng: np.random.Generator) -> np.ndarray:
    """``count`` copies of the drawing, float32 (count, 28, 28, 1), as the network reads them."""
    return np.stack([strokes_to_mnist(jitter_strokes(strokes, rng), canvas)
                     for _ in range(count)]).reshape(count, 28, 28, 1)
