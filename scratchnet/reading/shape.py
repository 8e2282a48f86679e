"""A mark's size, place and form, measured against the line it is written on.

Every length is in line heights (``Line.height``), so that the rules that use them
(``scratchnet.reading.separators``, the digit-shape term of ``scratchnet.reading.search``) hold
for numbers written large or small:

    height   = ink height / line height                        (a digit ~1, "-" ~0.1, "/" ~1.6)
    width    = ink width, the writing stood upright, / line height   (a digit 0.3-1)
    offset   = (ink centre y - the line's middle there) / line height, + below the middle
    lean     = dx/dy of the chord from the path's top end to its bottom end, minus the
               writing's slant: how much more than the writing itself it leans (a "/" < -0.35)
    bend     = signed largest distance of the path from that chord / chord length: how curved
               a one-stroke mark is, + when it bulges to the left, as "(" does; ``BENT`` for a
               closed path (a "0" ends where it began)
    turning  = how far the pen's direction turns along the path, degrees, counter-clockwise
               as seen on the screen +, over chords TURN_STEP line heights long, the first and
               the last left out (a "(" drawn downwards ~ +120, a "0" ~ +-360, a "1" ~ 0)
    wiggle   = the turning both ways minus |turning|: 0 for a path that bends one way only
    sharpest = the largest turn between two neighbouring chords, degrees (a "7"'s corner)

``lean`` ... ``sharpest`` are measured on marks drawn as one path: one piece, or pieces that
follow on from one another (each starting within ``FOLLOWS`` line heights of where the one
before it ended: a pen lifted and put down again in a bracket), 0 for the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from scratchnet.reading.line import Line, resample_path

TURN_STEP = 0.12
FOLLOWS = 0.15
CLOSED = 0.25      # a path whose ends are closer than this share of its extent is closed
BENT = 10.0


@dataclass(frozen=True)
class Shape:
    """See the module docstring; ``pieces`` holds each piece's own (height, width, offset), and
    ``one_path`` whether the mark was drawn as one path."""

    height: float
    width: float
    offset: float
    lean: float
    bend: float
    turning: float
    wiggle: float
    sharpest: float
    pieces: tuple[tuple[float, float, float], ...]
    one_path: bool

    @property
    def flatness(self) -> float:
        """Width over height (the height at least 1% of the line's)."""
        return self.width / max(self.height, 0.01)


def measure_shape(paths: Sequence[np.ndarray], line: Line) -> Shape:
    """The shape of the mark whose pieces' points are ``paths`` ((n, 2) each, canvas px)."""
    upright = [line.deslant(path) for path in paths]
    pieces = tuple(_extent(path, upright_path, line) for path, upright_path in zip(paths, upright))
    points = np.concatenate(paths)
    upright_points = np.concatenate(upright)
    height, width, offset = _extent(points, upright_points, line)
    path = _one_path(paths, line)
    form = (0.0,) * 5
    if path is not None and len(path) > 1:
        form = _lean_and_bend(path, line) + _turns(path, line)
    return Shape(height, width, offset, *form, pieces, path is not None)


def _one_path(paths: Sequence[np.ndarray], line: Line) -> np.ndarray | None:
    """The paths joined end to start in the order given, if each follows on from the one
    before it, else None."""
    for before, after in zip(paths, paths[1:]):
        if np.hypot(*(after[0] - before[-1])) > FOLLOWS * line.height:
            return None
    return np.concatenate(paths)


def _extent(points: np.ndarray, upright: np.ndarray, line: Line) -> tuple[float, float, float]:
    top, bottom = float(points[:, 1].min()), float(points[:, 1].max())
    centre_x = float(points[:, 0].min() + points[:, 0].max()) / 2
    height = (bottom - top) / line.height
    width = float(upright[:, 0].max() - upright[:, 0].min()) / line.height
    offset = ((top + bottom) / 2 - float(line.middle(centre_x))) / line.height
    return height, width, offset


def _lean_and_bend(points: np.ndarray, line: Line) -> tuple[float, float]:
    start, end = points[0], points[-1]
    if start[1] > end[1]:                       # measure from the top end down
        start, end = end, start
    chord = end - start
    length = float(np.hypot(*chord))
    if length <= CLOSED * float(np.ptp(points, axis=0).max()):
        return 0.0, BENT              # a closed path: as bent as a mark can be
    # A flat chord's lean is large (at most 10) rather than infinite.
    lean = float(chord[0] / max(chord[1], 0.1 * length)) - line.slant
    # chord x (p - start) is |chord| times p's distance from the chord, + for points on the
    # canvas's left of it (y runs down): a "(" bulges to +.
    cross = chord[0] * (points[:, 1] - start[1]) - chord[1] * (points[:, 0] - start[0])
    extreme = cross[np.argmax(np.abs(cross))]
    return lean, float(extreme) / length ** 2


def _turns(points: np.ndarray, line: Line) -> tuple[float, float, float]:
    # The first and last chord are left out: a pen often hooks as it lands or lifts.
    chords = np.diff(resample_path(points, TURN_STEP * line.height), axis=0)[1:-1]
    if len(chords) < 2:
        return 0.0, 0.0, 0.0
    # y runs down, so a turn that looks counter-clockwise on the screen has a negative cross.
    angles = -np.degrees(np.arctan2(chords[:-1, 0] * chords[1:, 1] - chords[:-1, 1] * chords[1:, 0],
                                    (chords[:-1] * chords[1:]).sum(axis=1)))
    turning = float(angles.sum())
    return turning, float(np.abs(angles).sum()) - abs(turning), float(np.abs(angles).max())
