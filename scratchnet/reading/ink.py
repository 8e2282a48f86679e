"""A drawing's strokes as arrays, checked once, and the pieces of them that reading works with.

The API takes the strokes the drawing app records, ``[{"width": w, "points": [[x, y], ...]},
...]`` in canvas pixels (x to the right, y down). Reading cuts them into :class:`Piece` s: a
piece is a run of consecutive points of one stroke, ``points[start:stop]``. A stroke that stays
on the canvas is one piece to begin with; the parts of a stroke that run off the canvas are not
ink (as ``strokes_to_mnist`` draws only what the canvas shows), so a stroke that leaves the
canvas and comes back is two pieces. Segmentation cuts pieces further where one stroke holds
two digits written without lifting the pen (``scratchnet.reading.cuts``). Two pieces cut from
one stroke share the point at the cut, so that together they draw the whole stroke.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from scratchnet.preprocess import check_strokes

# Far more than a written number holds (a 20-character phone number written with three strokes a
# character is 60): more than this is a scribble or a mistake, and reading it would make the
# window wait (250 strokes of scribble take about 3 s). Points likewise: a 10-digit number drawn
# with a mouse has a few hundred to a few thousand.
MAX_STROKES = 250
MAX_POINTS = 100_000


class ReadingError(ValueError):
    """The drawing cannot be read: the message names the argument and what was expected."""


@dataclass(frozen=True)
class Piece:
    """Points ``start`` to ``stop - 1`` of stroke number ``stroke`` of the drawing."""

    stroke: int
    start: int
    stop: int


class Ink:
    """The checked strokes of one drawing as float64 arrays (points, 2), and their pen widths.

    ``pieces`` are the runs of each stroke's points that lie on the canvas, in writing order.
    """

    def __init__(self, strokes: Sequence[dict], canvas: tuple[int, int]):
        if not (isinstance(canvas, (list, tuple)) and len(canvas) == 2
                and all(isinstance(side, (int, np.integer)) and not isinstance(side, bool)
                        and side > 0 for side in canvas)):
            raise ReadingError(f"canvas must be (width, height) in whole pixels above 0, "
                               f"got {canvas!r}")
        if isinstance(strokes, (list, tuple)) and len(strokes) > MAX_STROKES:
            raise ReadingError(f"strokes: the drawing has {len(strokes):,} strokes, more than "
                               f"the {MAX_STROKES} a written number could have; clear it and "
                               "write the number again")
        try:
            checked = check_strokes(strokes)
        except ValueError as error:
            raise ReadingError(str(error)) from error
        total = sum(len(stroke["points"]) for stroke in checked)
        if total > MAX_POINTS:
            raise ReadingError(f"strokes: the drawing has {total:,} points, more than the "
                               f"{MAX_POINTS:,} a written number could have")
        self.canvas = (int(canvas[0]), int(canvas[1]))
        self.points = [np.array(stroke["points"], dtype=np.float64) for stroke in checked]
        self.widths = [stroke["width"] for stroke in checked]
        self.pieces = [piece for index in range(len(checked))
                       for piece in self._on_canvas(index)]

    def _on_canvas(self, index: int) -> list[Piece]:
        points = self.points[index]
        inside = ((points >= 0) & (points <= self.canvas)).all(axis=1)
        # Runs of consecutive points on the canvas: where ``inside`` switches on and off.
        edges = np.flatnonzero(np.diff(np.concatenate([[False], inside, [False]]).astype(np.int8)))
        return [Piece(index, int(start), int(stop)) for start, stop in zip(edges[::2], edges[1::2])]

    def piece_points(self, piece: Piece) -> np.ndarray:
        """The piece's points (n, 2), a view of the stroke's array."""
        return self.points[piece.stroke][piece.start:piece.stop]

    def records(self, pieces: Sequence[Piece]) -> list[dict]:
        """The pieces as the app's strokes, ``[{"width": w, "points": [[x, y], ...]}, ...]``,
        ready for ``strokes_to_mnist``."""
        return [{"width": self.widths[piece.stroke],
                 "points": self.piece_points(piece).tolist()} for piece in pieces]

    def pen_width(self) -> float:
        """The widest pen of the drawing, in canvas pixels."""
        return max(self.widths, default=1.0)
