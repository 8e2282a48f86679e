"""Strokes, what a drawing is made of: one type for the app, saved digits, teaching and reading.

A stroke is one movement of the pen from pen-down to pen-up: the width of the brush and the
points the pen passed through, in canvas pixels (x to the right, y down, from the canvas's
top-left corner). In memory it is a :class:`Stroke`; as plain data (a saved digit's file,
data/README.md; a caller's JSON) it is the stroke's *record*:

    {"width": 18.0, "points": [[112.0, 40.5], [113.0, 44.0], ...]}

``Stroke.from_record`` reads a record and checks it; ``Stroke.record`` writes one;
``Stroke.rounded`` gives the stroke as saved files hold it (to 0.01 px). A drawing is a
sequence of strokes on a canvas of (width, height) whole pixels (``check_canvas``).

Code that takes a drawing from outside (``strokes_to_mnist``,
``scratchnet.data.personal.save_sample``) takes Strokes or their records alike and checks
every one with ``check_strokes``, which names the first stroke and point that is not right.
Code that works on a drawing already checked (rendering, ``scale_to_box``, the app's sketch)
takes Strokes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from scratchnet.nn.checks import is_integer, is_real

Point = tuple[float, float]

# Coordinates and widths beyond this (canvas pixels) are refused: no canvas comes near it, and
# far larger numbers overflow Pillow's pixel coordinates and silently draw a different image.
MAX_COORDINATE = 1e6


@dataclass(frozen=True)
class Stroke:
    """One pen-down to pen-up movement.

    Attributes
    ----------
    width : float
        The brush's width in canvas pixels, above 0.
    points : tuple of (x, y) float pairs
        Where the pen went, in order, at least one point (a click is a dot).

    A Stroke is built from values already checked (the app's pen, a scaled copy of checked
    strokes); whatever comes from outside is read with :meth:`from_record` or
    :func:`check_strokes`, which check it. Being frozen, a stroke can be handed to another
    thread as it is.
    """

    width: float
    points: tuple[Point, ...]

    @classmethod
    def from_record(cls, record, name: str = "stroke") -> Stroke:
        """The stroke a record ``{"width": w, "points": [[x, y], ...]}`` describes, checked.

        Raises ``ValueError`` naming ``name`` (e.g. ``strokes[2]``) and the key or point that is
        wrong: not a dict of exactly those two keys, a width that is not a number above 0, no
        points, a point that is not two numbers, a number that is NaN, infinite or beyond
        ``MAX_COORDINATE``.
        """
        if not isinstance(record, dict) or set(record) != {"width", "points"}:
            keys = sorted(record) if isinstance(record, dict) else type(record).__name__
            raise ValueError(f"{name} must be a dict with the keys 'width' and 'points' (a "
                             f"stroke's record), got {keys}")
        return _checked(record["width"], record["points"], f"{name}['width']",
                        f"{name}['points']")

    def record(self) -> dict:
        """As plain JSON-able data: ``{"width": w, "points": [[x, y], ...]}``."""
        return {"width": float(self.width),
                "points": [[float(x), float(y)] for x, y in self.points]}

    def rounded(self, decimals: int = 2) -> Stroke:
        """The stroke with its width and coordinates rounded to ``decimals`` places, as a saved
        digit stores it (0.01 px, far finer than a mouse moves)."""
        return Stroke(round(self.width, decimals),
                      tuple((round(x, decimals), round(y, decimals)) for x, y in self.points))


def check_strokes(strokes, name: str = "strokes") -> list[Stroke]:
    """The strokes of a drawing, each a :class:`Stroke` or its record, as checked Strokes (float
    widths, tuples of float pairs); a ``ValueError`` names the first stroke or point that is
    not right. An empty list is allowed (an empty drawing); a stroke without points is not."""
    if not isinstance(strokes, (list, tuple)):
        raise ValueError(f"{name} must be a list of Strokes or their records "
                         f"{{'width': ..., 'points': [[x, y], ...]}}, got {type(strokes).__name__}")
    checked = []
    for index, stroke in enumerate(strokes):
        where = f"{name}[{index}]"
        if isinstance(stroke, Stroke):
            checked.append(_checked(stroke.width, stroke.points, f"{where}.width",
                                    f"{where}.points"))
        else:
            checked.append(Stroke.from_record(stroke, where))
    return checked


def check_canvas(canvas, name: str = "canvas") -> tuple[int, int]:
    """The canvas size (width, height) as two ints above 0, or a ``ValueError`` naming ``name``."""
    if not (isinstance(canvas, (list, tuple)) and len(canvas) == 2
            and all(is_integer(value) and value > 0 for value in canvas)):
        raise ValueError(f"{name} must be (width, height) in whole pixels above 0, "
                         f"got {canvas!r}")
    return int(canvas[0]), int(canvas[1])


def _checked(width, points: Sequence, width_name: str, points_name: str) -> Stroke:
    if not (_is_coordinate(width) and width > 0):
        raise ValueError(f"{width_name} must be a finite number above 0 (and at most "
                         f"{MAX_COORDINATE:,.0f} px), got {width!r}")
    if not isinstance(points, (list, tuple, np.ndarray)) or len(points) == 0:
        raise ValueError(f"{points_name} must be a non-empty list of [x, y], got {points!r}")
    checked = []
    for index, point in enumerate(points):
        if not (isinstance(point, (list, tuple, np.ndarray)) and len(point) == 2
                and _is_coordinate(point[0]) and _is_coordinate(point[1])):
            raise ValueError(f"{points_name}[{index}] must be [x, y] with finite numbers (each "
                             f"within ±{MAX_COORDINATE:,.0f} px), got {point!r}")
        checked.append((float(point[0]), float(point[1])))
    return Stroke(float(width), tuple(checked))


def _is_coordinate(value) -> bool:
    """A real number (not a bool) no further than ``MAX_COORDINATE`` from 0: NaN and the
    infinities fail the comparison, and an integer too large for a float compares exactly."""
    return is_real(value) and -MAX_COORDINATE <= value <= MAX_COORDINATE
