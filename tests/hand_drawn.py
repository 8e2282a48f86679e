"""Digits drawn as a person draws them, as strokes of canvas points: for the tests of the app,
of preprocessing and of the drawings' readers, and for ``scripts/screenshot.py``.

``HAND_DRAWN[digit]`` holds strokes in a unit square; ``scale_strokes`` puts them on a canvas,
``written`` writes a number with them, side by side. ``scanline_strokes`` redraws any MNIST image
as strokes.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

Point = tuple[float, float]


def _arc(x: float, y: float, radius_x: float, radius_y: float, start: float, stop: float,
         step: float = 15) -> list[Point]:
    """Points of an elliptic arc, angles in degrees clockwise from 12 o'clock."""
    angles = np.radians(np.linspace(start, stop, max(2, round(abs(stop - start) / step) + 1)))
    return [(float(x + radius_x * np.sin(a)), float(y - radius_y * np.cos(a))) for a in angles]


# Digits as a person draws them: strokes of points in a unit square, (0, 0) top left; each
# stroke a separate drag. Corners are stroke ends, so that no point that matters can be lost if
# the X server or Tk merges motion events.
HAND_DRAWN: dict[int, list[list[Point]]] = {
    0: [_arc(0.5, 0.5, 0.24, 0.36, 0, 360)],
    1: [[(0.46, 0.16), (0.53, 0.84)]],
    2: [_arc(0.5, 0.34, 0.2, 0.18, -80, 130) + [(0.28, 0.84)], [(0.28, 0.84), (0.76, 0.84)]],
    3: [_arc(0.5, 0.32, 0.18, 0.15, -70, 180), _arc(0.5, 0.66, 0.2, 0.19, 0, 245)],
    4: [[(0.56, 0.15), (0.28, 0.60)], [(0.28, 0.60), (0.74, 0.60)], [(0.62, 0.36), (0.62, 0.86)]],
    6: [[(0.64, 0.15), (0.5, 0.24), (0.4, 0.36), (0.33, 0.5)] + _arc(0.5, 0.66, 0.18, 0.19, 270, -90)],
    7: [[(0.26, 0.20), (0.74, 0.20)], [(0.74, 0.20), (0.44, 0.85)]],
}
DASH = [[(0.3, 0.5), (0.7, 0.5)]]


def scale_strokes(strokes: Sequence[Sequence[Point]], size: float) -> list[list[Point]]:
    """Unit-square strokes in pixels of a canvas of side ``size``."""
    return [[(x * size, y * size) for x, y in stroke] for stroke in strokes]


def written(text: str, box: float = 200, step: float = 190, left: float = 30,
            top: float = 40) -> list[list[Point]]:
    """The number ``text`` (digits of HAND_DRAWN and dashes) as strokes on a canvas, each
    character in a ``box`` px square, ``step`` px right of the one before."""
    strokes = []
    for index, character in enumerate(text):
        unit = DASH if character == "-" else HAND_DRAWN[int(character)]
        strokes += [[(x * box + left + index * step, y * box + top) for x, y in stroke]
                    for stroke in unit]
    return strokes


def scanline_strokes(image: np.ndarray, size: int, threshold: float = 0.5) -> list[list[Point]]:
    """An MNIST digit (28, 28) as horizontal strokes on a canvas of side ``size``.

    Every run of pixels above ``threshold`` in a row becomes one straight stroke through the
    centres of its first and last pixel, so a brush about ``size / 28`` wide redraws the digit.
    """
    image = np.asarray(image, dtype=np.float64)
    if image.max() > 1:
        image = image / 255
    cell = size / image.shape[1]
    strokes = []
    for row, pixels in enumerate(image > threshold):
        edges = np.flatnonzero(np.diff(np.concatenate([[0], pixels.astype(np.int8), [0]])))
        for start, stop in zip(edges[::2], edges[1::2]):
            y = (row + 0.5) * cell
            strokes.append([((start + 0.5) * cell, y), ((stop - 0.5) * cell, y)])
    return strokes
