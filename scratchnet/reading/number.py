"""``read_number``: from a drawing's strokes to what was written, mark by mark.

    ink      the strokes checked, cut where they leave the canvas          (reading.ink)
    line     the line's height, middle and slant, from rough marks         (reading.line)
    marks    the pieces sorted left to right, the writing stood upright,
             grouped by dynamic programming over candidates scored by the
             network and by shape                                          (reading.search)
    line     measured again on the marks read as digits; if it moved, the
             marks are chosen again (what was read is not read twice)
    cuts     a wide mark read unsurely is cut where the pen turns, if its
             parts read better                                             (reading.cuts)
    brackets the readings of marks that could be brackets, paired          (reading.brackets)
    text     each mark's reading, left to right: a digit, a separator, or "?"

A single digit is a number of one mark. Every mark carries what a window, a test or a
benchmark needs to see why it was read so: its pieces of strokes, its box, the 28x28 image the
network read (``strokes_to_mnist`` of the mark's strokes, as the app makes it), the network's
outputs and how sure the reading is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from scratchnet.preprocess.images import MNIST_SIZE
from scratchnet.preprocess.strokes import Stroke
from scratchnet.reading.brackets import pair_brackets
from scratchnet.reading.cuts import split_joined
from scratchnet.reading.ink import Ink, Piece, ReadingError
from scratchnet.reading.line import Line, estimate_line, fit_line, measure_slant
from scratchnet.reading.outputs import DIGITS, NOT_A_DIGIT, output_symbols
from scratchnet.reading.search import (Candidate, best_marks, candidates, measure_candidates,
                                       order_pieces, read_apart_first, render)

# A reading is sure when its share of the mark's readings (their scores as probabilities) is at
# least this: the app's "not sure" threshold for single digits.
SURE_AT = 0.9
# With no "not a digit" output, a mark whose digit the network gives less than this is not a
# digit: 5% of people's letters that look like no digit, 0.03% of digits read right (docs/reading.md).
NOT_A_DIGIT_BELOW = 0.5
REFIT_MARKS = 3  # the line is measured again on at least this many digits
REFIT = 0.1     # the line is measured again when its height, middle (heights) or slant moves more
DIGIT, SEPARATOR, NOT_DIGIT = "digit", "separator", "not a digit"


@dataclass(frozen=True)
class Mark:
    """One written character of a number.

    ``pieces`` are the runs of stroke points that make it (a whole stroke is one piece from its
    first point to its last), ``strokes`` the indices of the strokes it uses, ``box`` (left,
    top, right, bottom) in canvas pixels. ``kind`` is "digit", "separator" or "not a digit";
    ``character`` the digit or separator, or "?". ``image`` (28, 28) is what the network read;
    ``probabilities`` its outputs for that image (``model.predict``, digits 0-9 first);
    ``confidence`` the share of the chosen reading among the mark's readings (network and
    shape together), and ``sure`` whether it reaches ``SURE_AT``.
    """

    pieces: tuple[Piece, ...]
    box: tuple[float, float, float, float]
    kind: str
    character: str
    probabilities: np.ndarray
    image: np.ndarray
    confidence: float

    @property
    def strokes(self) -> tuple[int, ...]:
        return tuple(sorted({piece.stroke for piece in self.pieces}))

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE_AT


@dataclass(frozen=True)
class NumberReading:
    """What a drawing says: ``text`` (digits, separators and "?", left to right, no spaces),
    its ``marks`` in the same order, and the ``line`` they were measured against (None for an
    empty drawing)."""

    text: str
    marks: tuple[Mark, ...]
    line: Line | None

    @property
    def digits(self) -> str:
        """The digits of the text, in order."""
        return "".join(character for character in self.text if character in DIGITS)

    @property
    def sure(self) -> bool:
        """Whether every mark's reading is sure (an empty drawing is not)."""
        return bool(self.marks) and all(mark.sure for mark in self.marks)


def read_number(model, strokes: Sequence[Stroke | dict], canvas: tuple[int, int] = (280, 280)
                ) -> NumberReading:
    """Read the number written with ``strokes`` on a canvas of ``canvas`` (width, height) px.

    Parameters
    ----------
    model
        What ``scratchnet.load_model`` returns: ``predict`` gives the digits 0-9 first, and any
        further outputs are named in ``model.metadata["classes"]`` (``reading.outputs``).
    strokes : list of Stroke, or of their records ``{"width": w, "points": [[x, y], ...]}``
        The app's strokes, canvas pixels, y down (``scratchnet.preprocess.strokes``). Ink off
        the canvas is not read.
    canvas : (width, height)

    Returns
    -------
    NumberReading
        Empty text and no marks for a drawing with no ink on the canvas.

    Raises
    ------
    ReadingError
        A stroke or the canvas is malformed (the message names it), the drawing has more
        strokes or points than a number could have, or the model's outputs are not digits
        first (a ``ValueError``).
    """
    return read_ink(model, Ink(strokes, canvas))


def read_ink(model, ink: Ink) -> NumberReading:
    """``read_number`` of a drawing's checked ink (the steps of the module docstring): what
    ``scratchnet.reading.picture`` reads a picture's ink with."""
    try:
        symbols = output_symbols(model)
    except ValueError as error:
        raise ReadingError(str(error)) from error
    if not ink.pieces:
        return NumberReading("", (), None)
    pen = ink.pen_width()
    read: dict = {}
    line = estimate_line([ink.piece_points(piece) for piece in ink.pieces], pen)
    chosen = choose_marks(model, symbols, ink, line, read)
    # The rough line may have taken a bracket's height or a slash's lean: measure the line
    # again on the marks read as digits, and read again if it moved.
    refined = refit_line(ink, chosen, line)
    if refined is not None:
        line = refined
        chosen = choose_marks(model, symbols, ink, line, read)
    chosen = split_joined(model, symbols, ink, line, chosen, read)
    pair_brackets(chosen)
    marks = finish_marks(model, symbols, ink, chosen)
    return NumberReading("".join(mark.character for mark in marks), tuple(marks), line)


def choose_marks(model, symbols: Sequence[str], ink: Ink, line: Line, read: dict
                 ) -> list[Candidate]:
    """The best marks for the line ``line`` (``read``: what has been read, by pieces)."""
    segment = order_pieces(ink, ink.pieces, line)
    found = candidates(segment, line)
    measure_candidates(segment, found, line)
    read_apart_first(model, symbols, ink, segment, found, read)
    return best_marks(found, segment, ink.pen_width())


def refit_line(ink: Ink, chosen: Sequence[Candidate], line: Line) -> Line | None:
    """The line measured on the marks read as digits other than 1 (on all the digits when
    fewer than ``REFIT_MARKS`` are), or None when fewer digits were read or it moved by less
    than ``REFIT``."""
    digits = [candidate for candidate in chosen if candidate.best in DIGITS]
    basis = [candidate for candidate in digits if candidate.best != "1"]
    basis = basis if len(basis) >= REFIT_MARKS else digits
    if len(basis) < REFIT_MARKS:
        return None
    boxes = np.array([box(ink, candidate.pieces) for candidate in basis])
    paths = [ink.piece_points(piece) for candidate in basis for piece in candidate.pieces]
    refined = fit_line(boxes, ink.pen_width())
    refined = replace(refined, slant=measure_slant(paths, refined.height))
    moved = (abs(math.log(refined.height / line.height)) > REFIT
             or abs(refined.middle(refined.centre_x) - line.middle(refined.centre_x))
             > REFIT * line.height
             or abs(refined.slant - line.slant) > REFIT)
    return refined if moved else None


def box(ink: Ink, pieces: Sequence[Piece]) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of the pieces' points, canvas pixels."""
    points = np.concatenate([ink.piece_points(piece) for piece in pieces])
    low, high = points.min(axis=0), points.max(axis=0)
    return float(low[0]), float(low[1]), float(high[0]), float(high[1])


def finish_marks(model, symbols: Sequence[str], ink: Ink, chosen: list[Candidate]) -> list[Mark]:
    """The chosen candidates as marks, each with its image and the network's outputs. A digit
    the network gives less than ``NOT_A_DIGIT_BELOW`` is "not a digit" when the model has no
    output for that."""
    render(ink, chosen)
    unread = [candidate for candidate in chosen
              if candidate.outputs is None and candidate.image is not None]
    if unread:
        batch = np.stack([candidate.image for candidate in unread])[..., np.newaxis]
        for candidate, outputs in zip(unread, model.predict(batch)):
            candidate.outputs = outputs
    marks = []
    for candidate in chosen:
        best = candidate.best
        scores = np.array(list(candidate.scores.values()))
        confidence = 1.0 / float(np.exp(scores - candidate.scores[best]).sum())
        if best in DIGITS:
            doubted = (NOT_A_DIGIT not in symbols and candidate.outputs is not None
                       and candidate.outputs[DIGITS.index(best)] < NOT_A_DIGIT_BELOW)
            kind, character = (NOT_DIGIT, NOT_A_DIGIT) if doubted else (DIGIT, best)
        elif best == NOT_A_DIGIT:
            kind, character = NOT_DIGIT, NOT_A_DIGIT
        else:
            kind, character = SEPARATOR, best
        image = (candidate.image if candidate.image is not None
                 else np.zeros((MNIST_SIZE, MNIST_SIZE), np.float32))
        outputs = (candidate.outputs if candidate.outputs is not None
                   else np.full(len(symbols), math.nan, np.float32))
        marks.append(Mark(candidate.pieces, box(ink, candidate.pieces), kind, character,
                          outputs, image, confidence))
    return marks
