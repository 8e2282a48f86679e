"""Segmentation by recognition: the best split of the pieces into marks, chosen by dynamic
programming over groupings scored by the network and by shape.

The pieces (the strokes' runs on the canvas, ``reading.ink``) are sorted left to right by the
centre of their x-extent with the writing stood upright (``Line.deslant``), so that a mark's
pieces follow one another whatever the order they were written in: a 4's two strokes, a 5's bar
written last, a colon's two dots. A candidate mark is a run of at most ``MAX_PIECES``
consecutive pieces that is not wider than ``MAX_WIDTH`` line heights and has no gap wider than
``MAX_GAP`` inside. Each candidate is scored, for every reading ``c`` it could have:

    score(c) = w log P_network(c) + digit fit of the shape       for the digits
             = separator fit of the shape                        for the separators
             = w log P_network(not a digit) - NOT_A_DIGIT_COST, or NOT_A_DIGIT_SCORE when
               the network has no output for it

with w = ``RECOGNITION_WEIGHT``: a reading the network is not sure of counts for much less than
its probability says (a part of a digit or two digits together are read as some digit all too
readily), as the tuning numbers bear out (docs/reading.md). The marks are the sequence of
candidates covering every piece once that maximises

    sum over marks of their best score  -  sum over neighbouring marks of one_mark(o, c)

where one_mark is the log-odds that two neighbours are really one mark, from ``o``, the share
of the narrower neighbour's upright x-extent that the other covers, and ``c``, how close their
inks come (1 touching, 0 at ``APART`` line heights or more):

    one_mark(o, c) = ONE_MARK[0] + ONE_MARK[1] o + ONE_MARK[2] c + ONE_MARK[3] o c

Its weights were fitted (logistic regression) to the neighbouring pieces of the tuning half of
../shared/numbers, read with the labels' help, and of people's single digits, weighted to the
numbers' share of one-mark neighbours (docs/reading.md): pieces far apart are 5.4 nats more
likely two marks than one, pieces that overlap and touch 4.5 nats more likely one mark.
Candidates of several pieces are read only when their pieces read apart do not already win
(``read_apart_first``): that halves the images a number costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from scratchnet.preprocess.images import BlankImageError
from scratchnet.reading.ink import Ink, Piece
from scratchnet.reading.line import Line, resample_path
from scratchnet.reading.outputs import DIGITS, NOT_A_DIGIT
from scratchnet.reading.separators import digit_score, separator_scores, soft
from scratchnet.reading.shape import Shape, measure_shape

MAX_PIECES = 4          # a mark of more pieces than this is not looked for
MAX_WIDTH = 1.8         # line heights: no mark is wider
MAX_GAP = 0.3           # line heights: the widest gap between the pieces of one mark
ONE_MARK = (-5.35, 5.7, 2.05, 2.15)
TOUCHING = 0.05         # line heights: ink this close touches
APART = 0.3             # line heights: ink this far apart does not
MOST_SAMPLES = 100      # points of a path at most, to measure how close it comes to others
NOT_A_DIGIT_SCORE = math.log(0.005)  # without a network output for it: the score of a mark
                                     # that fits nothing better
NOT_A_DIGIT_COST = 3.0               # nats taken from the network's "not a digit" score:
                                     # tuning half 63.4% -> 68.2% of numbers right, letters
                                     # like no digit answered so 85.7% -> 80.9% (docs/reading.md)
WORTH_READING = math.log(1e-3)       # candidates whose shape fits a digit worse are not read
UNREAD_DIGIT = math.log(0.1)         # a digit's share of an unread candidate
APART_ENOUGH = 1.0
RECOGNITION_WEIGHT = 6.0             # the network's log-probabilities count six-fold
SEPARATOR_SHARE = 0.9                # at most this much of a mark's likelihood goes to
                                     # separators told by shape alone


@dataclass
class Segment:
    """The pieces in reading order, their paths, their upright x-extents, and how close each
    piece's ink comes to its neighbours' (``closeness[i, j]``, 1 touching to 0 far apart)."""

    pieces: list[Piece]
    paths: list[np.ndarray]
    left: np.ndarray
    right: np.ndarray
    closeness: np.ndarray


@dataclass
class Candidate:
    """Pieces ``first`` to ``stop - 1`` of the segment as one mark; ``image`` and ``outputs``
    once read, ``shape`` and ``scores`` (log score of each reading) once scored. Its reading is
    the best scored, unless ``chosen`` names another (``reading.brackets``)."""

    first: int
    stop: int
    pieces: tuple[Piece, ...]
    left: float = 0.0
    right: float = 0.0
    shape: Shape | None = None
    image: np.ndarray | None = None
    outputs: np.ndarray | None = None
    scores: dict[str, float] = field(default_factory=dict)
    chosen: str | None = None

    @property
    def best(self) -> str:
        return self.chosen or max(self.scores, key=self.scores.get)


def order_pieces(ink: Ink, pieces: Sequence[Piece], line: Line) -> Segment:
    """The pieces sorted by the centre of their upright x-extent (``upright_extent``)."""
    paths = [ink.piece_points(piece) for piece in pieces]
    extents = np.array([upright_extent(ink, piece, line) for piece in pieces]).reshape(-1, 2)
    order = np.argsort(extents.sum(axis=1), kind="stable")
    paths = [paths[i] for i in order]
    return Segment([pieces[i] for i in order], paths, extents[order, 0], extents[order, 1],
                   closeness(paths, line.height, reach=2 * MAX_PIECES))


def upright_extent(ink: Ink, piece: Piece, line: Line) -> tuple[float, float]:
    """(left, right) of the piece's x-extent with the writing stood upright, taking in half the
    pen on either side: a dot is as wide as the pen."""
    xs = line.deslant(ink.piece_points(piece))[:, 0]
    pen = ink.widths[piece.stroke] / 2
    return float(xs.min()) - pen, float(xs.max()) + pen


def closeness(paths: Sequence[np.ndarray], height: float, reach: int) -> np.ndarray:
    """(n, n): 1 where two paths come within ``TOUCHING`` line heights of each other, falling
    to 0 at ``APART``; computed for paths at most ``reach`` apart in the order, 0 for others."""
    count = len(paths)
    near = np.zeros((count, count))
    # A point every TOUCHING line heights (a digit's path has under a hundred), fewer on a
    # path so long that it can only be a scribble.
    sampled = [resample_path(path, max(TOUCHING * height, _length(path) / MOST_SAMPLES))
               for path in paths]
    low = np.array([path.min(axis=0) for path in paths])
    high = np.array([path.max(axis=0) for path in paths])
    for first in range(count):
        for second in range(first + 1, min(count, first + reach + 1)):
            gap = np.maximum(0, np.maximum(low[first], low[second])
                             - np.minimum(high[first], high[second]))
            if float(np.hypot(*gap)) >= APART * height:
                continue
            one, other = sampled[first], sampled[second]
            squared = ((one ** 2).sum(axis=1)[:, None] + (other ** 2).sum(axis=1)[None, :]
                       - 2 * one @ other.T)
            distance = math.sqrt(max(float(squared.min()), 0.0)) / height
            near[first, second] = near[second, first] = soft(distance, -math.inf, -math.inf,
                                                             TOUCHING, APART)
    return near


def _length(path: np.ndarray) -> float:
    return float(np.hypot(*np.diff(path, axis=0).T).sum())


def candidates(segment: Segment, line: Line) -> list[Candidate]:
    """Every run of pieces that could be one mark (see the module docstring)."""
    found = []
    count = len(segment.pieces)
    for first in range(count):
        left, right = segment.left[first], segment.right[first]
        for stop in range(first + 1, min(count, first + MAX_PIECES) + 1):
            last = stop - 1
            if stop > first + 1:
                if segment.left[last] - right > MAX_GAP * line.height:
                    break               # sorted by centre, so later pieces lie further right
                left, right = min(left, segment.left[last]), max(right, segment.right[last])
                if right - left > MAX_WIDTH * line.height:
                    break
            found.append(Candidate(first, stop, tuple(segment.pieces[first:stop]),
                                   float(left), float(right)))
    return found


def measure_candidates(segment: Segment, found: Sequence[Candidate], line: Line) -> None:
    """Each candidate's shape against ``line``, its pieces taken in writing order."""
    for candidate in found:
        order = sorted(range(candidate.first, candidate.stop),
                       key=lambda index: (segment.pieces[index].stroke, segment.pieces[index].start))
        candidate.shape = measure_shape([segment.paths[index] for index in order], line)


def read_candidates(model, ink: Ink, found: Sequence[Candidate], read: dict) -> None:
    """Render and read, in one batch, the candidates not yet read whose shape could be a digit.
    ``read`` keeps (image, outputs) by pieces, so that reading the same pieces again, in
    another search, costs nothing."""
    wanted = []
    for candidate in found:
        if candidate.pieces in read:
            candidate.image, candidate.outputs = read[candidate.pieces]
        elif digit_score(candidate.shape) > WORTH_READING:
            wanted.append(candidate)
    render(ink, wanted)
    readable = [candidate for candidate in wanted if candidate.image is not None]
    if readable:
        batch = np.stack([candidate.image for candidate in readable])[..., np.newaxis]
        for candidate, outputs in zip(readable, model.predict(batch)):
            candidate.outputs = outputs
    for candidate in wanted:
        read[candidate.pieces] = candidate.image, candidate.outputs


def read_apart_first(model, symbols: Sequence[str], ink: Ink, segment: Segment,
                     found: Sequence[Candidate], read: dict) -> None:
    """Read and score the candidates: those of one piece first, then those of several pieces
    unless reading their pieces apart already scores ``APART_ENOUGH`` or more (their best
    scores, less the log-odds that neighbours are one mark): a mark's score is at most 0, so
    such a candidate cannot win, and reading it would only cost time."""
    singles = {candidate.first: candidate for candidate in found
               if candidate.stop == candidate.first + 1}
    read_candidates(model, ink, list(singles.values()), read)
    score_candidates(singles.values(), symbols)
    pen = ink.pen_width()
    together = []
    for candidate in found:
        if candidate.stop > candidate.first + 1:
            parts = [singles[index] for index in range(candidate.first, candidate.stop)]
            apart = (sum(max(part.scores.values()) for part in parts)
                     - sum(one_mark(a, b, segment, pen) for a, b in zip(parts, parts[1:])))
            if apart < APART_ENOUGH:
                together.append(candidate)
    read_candidates(model, ink, together, read)
    score_candidates([candidate for candidate in found if candidate.stop > candidate.first + 1],
                     symbols)


def render(ink: Ink, found: Sequence[Candidate]) -> None:
    """Each candidate's 28x28 image (``Ink.image_of``: as the app makes it)."""
    for candidate in found:
        if candidate.image is None:
            try:
                candidate.image = ink.image_of(candidate.pieces)
            except BlankImageError:
                candidate.image = None


def score_candidates(found: Sequence[Candidate], symbols: Sequence[str]) -> None:
    """Each measured candidate's ``scores`` (``score_readings``)."""
    for candidate in found:
        candidate.scores = score_readings(candidate.shape, candidate.outputs, symbols)


def score_readings(shape: Shape, outputs: np.ndarray | None, symbols: Sequence[str]
                   ) -> dict[str, float]:
    """Log score of each reading of a mark of ``shape`` that the network read as ``outputs``
    (None: not read). See the module docstring.

    Separators are told by their shape alone (``reading.separators``); the better the shape
    fits one, the less likely a digit is: the digits share what the shape leaves them,
    ``1 - SEPARATOR_SHARE * exp(best separator fit)`` (never nothing: a bracket that pairs
    with none is more likely a digit, ``reading.brackets``).
    """
    scores = separator_scores(shape)
    left_for_digits = 1 - SEPARATOR_SHARE * math.exp(max(scores.values()))
    digit_fit = digit_score(shape) + math.log(left_for_digits)
    if outputs is None:
        scores.update({digit: digit_fit + UNREAD_DIGIT for digit in DIGITS})
        scores[NOT_A_DIGIT] = NOT_A_DIGIT_SCORE
        return scores
    logs = RECOGNITION_WEIGHT * np.log(np.maximum(outputs, 1e-12))
    for index, digit in enumerate(DIGITS):
        scores[digit] = float(logs[index]) + digit_fit
    scores[NOT_A_DIGIT] = (float(logs[symbols.index(NOT_A_DIGIT)]) - NOT_A_DIGIT_COST
                           if NOT_A_DIGIT in symbols else NOT_A_DIGIT_SCORE)
    return scores


def overlap(a: Candidate, b: Candidate, pen: float) -> float:
    """The share of the narrower candidate's upright x-extent that the other covers."""
    shared = min(a.right, b.right) - max(a.left, b.left)
    if shared <= 0:
        return 0.0
    return shared / max(min(a.right - a.left, b.right - b.left), pen)


def one_mark(a: Candidate, b: Candidate, segment: Segment, pen: float) -> float:
    """Log-odds that neighbours ``a`` and ``b`` are one mark (module docstring)."""
    near = float(segment.closeness[a.first:a.stop, b.first:b.stop].max())
    share = overlap(a, b, pen)
    bias, by_overlap, by_closeness, by_both = ONE_MARK
    return bias + by_overlap * share + by_closeness * near + by_both * share * near


def best_marks(found: Sequence[Candidate], segment: Segment, pen: float) -> list[Candidate]:
    """The sequence of scored candidates covering every piece of ``segment`` once with the best
    total (module docstring): dynamic programming, a state for each candidate ending a prefix."""
    ending: dict[int, list[int]] = {}
    for index, candidate in enumerate(found):
        ending.setdefault(candidate.stop, []).append(index)
    total = [-math.inf] * len(found)
    previous = [-1] * len(found)
    for index in sorted(range(len(found)), key=lambda i: found[i].first):
        candidate = found[index]
        own = max(candidate.scores.values())
        if candidate.first == 0:
            total[index] = own
            continue
        for before in ending.get(candidate.first, []):
            value = total[before] + own - one_mark(found[before], candidate, segment, pen)
            if value > total[index]:
                total[index], previous[index] = value, before
    index = max(ending[len(segment.pieces)], key=lambda i: total[i])
    marks = []
    while index != -1:
        marks.append(found[index])
        index = previous[index]
    return marks[::-1]
