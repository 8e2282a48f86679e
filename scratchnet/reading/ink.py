"""A drawing's strokes as arrays, checked once, and the pieces of them that reading works with.

``read_number`` takes a drawing's strokes as ``strokes_to_mnist`` does: Strokes
(``scratchnet.preprocess.strokes.Stroke``) or their JSON records, ``{"width": w, "points":
[[x, y], ...]}``, in canvas pixels (x to the right, y down). ``Ink`` checks them once
(``check_strokes``, ``check_canvas``) and holds them as Strokes, which the rest of reading
works on. Reading cuts them into :class:`Piece` s: a piece is a run of consecutive points of
one stroke, ``points[start:stop]``. A stroke that stays on the canvas is one piece to begin
with; the parts of a stroke that run off the canvas are not ink (as ``strokes_to_mnist`` draws
only what the canvas shows), so a stroke that leaves the canvas and comes back is two pieces.
Segmentation cuts pieces further where one stroke holds two digits written without lifting the
pen (``scratchnet.reading.cuts``). Two pieces cut from one stroke share the point at the cut,
so that together they draw the whole stroke.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from scratchnet.preprocess.rendering import strokes_to_mnist
from scratchnet.preprocess.strokes import Stroke, check_canvas, check_strokes

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
    """The checked strokes of one drawing (``strokes``), their points as float64 arrays (n, 2)
    (``points``) and their pen widths (``widths``).

    ``pieces`` are the runs of each stroke's points that lie on the canvas, in writing order.
    """

    def __init__(self, strokes: Sequence[Stroke | dict], canvas: tuple[int, int]):
        if isinstance(strokes, (list, tuple)) and len(strokes) > MAX_STROKES:
            raise ReadingError(f"strokes: the drawing has {len(strokes):,} strokes, more than "
                               f"the {MAX_STROKES} a written number could have; clear it and "
                               "write the number again")
        try:
            self.canvas = check_canvas(canvas)
            self.strokes = check_strokes(strokes)
        except ValueError as error:
            raise ReadingError(str(error)) from error
        total = sum(len(stroke.points) for stroke in self.strokes)
        if total > MAX_POINTS:
            raise ReadingError(f"strokes: the drawing has {total:,} points, more than the "
                               f"{MAX_POINTS:,} a written number could have")
        self.points = [np.array(stroke.points, dtype=np.float64) for stroke in self.strokes]
        self.widths = [stroke.width for stroke in self.strokes]
        self.pieces = [piece for index in range(len(self.strokes))
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

    def strokes_of(self, pieces: Sequence[Piece]) -> list[Stroke]:
        """The pieces as Strokes of their own."""
        return [Stroke(self.widths[piece.stroke],
                       self.strokes[piece.stroke].points[piece.start:piece.stop])
                for piece in pieces]

    def image_of(self, pieces: Sequence[Piece]) -> np.ndarray:
        """The 28x28 image the network reads for a mark of ``pieces``: ``strokes_to_mnist`` of
        them, as the app makes it (``BlankImageError`` when they leave no ink)."""
        return strokes_to_mnist(self.strokes_of(pieces), self.canvas)

    def pen_width(self) -> float:
        """The widest pen of the drawing, in canvas pixels."""
        return max(self.widths, default=1.0)
