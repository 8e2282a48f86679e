"""Marks that hold two or three characters written without lifting the pen, split where the
network reads best.

A "00" written in one go, or a "16" whose 1 runs into the 6, is one stroke, so grouping strokes
(``scratchnet.reading.search``) reads it as one mark. A chosen mark with a piece wider than
``CUT_WIDTH`` line heights (the writing stood upright; few single digits are that wide) is
looked at again when its reading is not sure (its share of its readings below ``SURE_WHOLE``),
and any mark with a piece wider than ``WIDE``: on the tuning numbers no wide mark read surely
was ever better cut, and cutting costs time. Its widest piece's candidate cuts are the points
where the pen turns:

    tops and bottoms   the lowest and highest points of the path's bends (a ligature between
                       two digits runs through the bottom of one, or over the top)
    turn-backs         the leftmost and rightmost points of its bends (where the pen starts a
                       digit's loop it turns back)
    thin columns       the middle of a stretch of columns the path crosses once, between
                       columns it crosses more often (the ligature between two loops)

each an extreme of x or y within ``REACH`` line heights along the path either way that stands
out from the path at that distance by ``DEPTH`` line heights or more, with at least ``SIDE``
line heights of path on either side; of cuts closer than ``SIDE`` along the path the deeper is
kept, at most ``MAX_CUTS`` of them. Between the piece's ends and the cuts lie spans; every run
of up to ``MAX_SPANS`` spans is read as a mark (the mark's other pieces join the run whose
x-extent holds their centre), and dynamic programming over the cuts picks the sequence with the
best total score, each cut made costing ``CUT_ODDS`` (the log-odds against a cut). The mark is
replaced by the runs when they beat it.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from scratchnet.reading.ink import Ink, Piece
from scratchnet.reading.line import Line
from scratchnet.reading.search import (Candidate, read_candidates, score_readings,
                                       upright_extent)
from scratchnet.reading.shape import measure_shape

CUT_WIDTH = 0.9
WIDE = 1.5
SURE_WHOLE = 0.9
REACH = 0.25
DEPTH = 0.08
SIDE = 0.35
MAX_CUTS = 5
COLUMN = 0.05
MAX_SPANS = 3
CUT_ODDS = 0.5


def split_joined(model, symbols: Sequence[str], ink: Ink, line: Line, chosen: Sequence[Candidate],
                 read: dict) -> list[Candidate]:
    """``chosen`` with each mark that reads better cut apart replaced by its parts."""
    result = []
    for mark in chosen:
        result += _split(model, symbols, ink, line, mark, read) or [mark]
    return result


def _split(model, symbols, ink: Ink, line: Line, mark: Candidate, read: dict
           ) -> list[Candidate] | None:
    widths = [np.ptp(line.deslant(ink.piece_points(piece))[:, 0]) for piece in mark.pieces]
    widest = int(np.argmax(widths))
    own = max(mark.scores.values())
    sure = 1 / sum(math.exp(score - own) for score in mark.scores.values()) >= SURE_WHOLE
    if widths[widest] < (WIDE if sure else CUT_WIDTH) * line.height:
        return None
    piece = mark.pieces[widest]
    points = line.deslant(ink.piece_points(piece))
    bounds = [0] + cut_points(points, line.height) + [len(points) - 1]
    if len(bounds) == 2:
        return None
    others = [other for index, other in enumerate(mark.pieces) if index != widest]
    centres = [sum(upright_extent(ink, other, line)) / 2 for other in others]
    runs = {}
    for first in range(len(bounds) - 1):
        for last in range(first + 1, min(len(bounds), first + MAX_SPANS + 1)):
            if (first, last) == (0, len(bounds) - 1):
                continue
            span = Piece(piece.stroke, piece.start + bounds[first], piece.start + bounds[last] + 1)
            low, high = upright_extent(ink, span, line)
            joined = tuple(other for other, centre in zip(others, centres) if low <= centre <= high)
            runs[first, last] = Candidate(0, 0, (span, *joined), low, high)
    found = list(runs.values())
    for run in found:
        run.shape = measure_shape([ink.piece_points(part) for part in run.pieces], line)
    read_candidates(model, ink, found, read)
    for run in found:
        run.scores = score_readings(run.shape, run.outputs, symbols)
    # best[k]: the best total of runs covering spans 0 to k - 1, cuts paid for.
    best = [0.0] + [-math.inf] * (len(bounds) - 1)
    back = [0] * len(bounds)
    for (first, last), run in sorted(runs.items(), key=lambda item: item[0][1]):
        value = best[first] + max(run.scores.values()) - (CUT_ODDS if first else 0.0)
        if value > best[last]:
            best[last], back[last] = value, first
    if best[-1] <= own:
        return None
    parts, last = [], len(bounds) - 1
    while last:
        parts.append(runs[back[last], last])
        last = back[last]
    return parts[::-1]


def cut_points(points: np.ndarray, height: float) -> list[int]:
    """Indices (into ``points``, (n, 2), the writing stood upright) of the candidate cuts, in
    order (module docstring)."""
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
    reach, side = REACH * height, SIDE * height
    inner = np.flatnonzero((along >= side) & (along <= along[-1] - side))
    if len(inner) == 0:
        return []
    found: dict[int, float] = {}
    before = np.searchsorted(along, along[inner] - reach)
    after = np.minimum(np.searchsorted(along, along[inner] + reach), len(points) - 1)
    for axis in (0, 1):
        for sign in (1, -1):                    # the largest, then the smallest
            signed = sign * points[:, axis]
            for index, start, stop in zip(inner, before, after):
                if signed[index] < signed[start:stop + 1].max():
                    continue
                depth = signed[index] - max(signed[start], signed[stop])
                if depth >= DEPTH * height:
                    found[int(index)] = max(found.get(int(index), 0.0), float(depth))
    for index in _thin_columns(points, height):
        if side <= along[index] <= along[-1] - side:
            found[index] = max(found.get(index, 0.0), DEPTH * height)
    kept: list[int] = []
    for index in sorted(found, key=found.get, reverse=True):
        if all(abs(along[index] - along[other]) >= side for other in kept):
            kept.append(index)
    return sorted(kept[:MAX_CUTS])


def _thin_columns(points: np.ndarray, height: float) -> list[int]:
    """The points in the middle of each stretch of columns (``COLUMN`` line heights wide) that
    the path crosses once, with columns crossed more often on both sides."""
    xs = points[:, 0]
    columns = np.arange(xs.min() + COLUMN * height / 2, xs.max(), COLUMN * height)
    low, high = np.minimum(xs[:-1], xs[1:]), np.maximum(xs[:-1], xs[1:])
    crossings = ((low[None, :] <= columns[:, None]) & (columns[:, None] < high[None, :])).sum(1)
    many = np.flatnonzero(crossings >= 2)
    found = []
    for first, last in zip(many, many[1:]):
        if last - first < 2:
            continue
        middle = (columns[first] + columns[last]) / 2
        once = np.flatnonzero((low <= middle) & (middle < high))
        if len(once) == 1:
            segment = once[0]
            found.append(int(segment if abs(xs[segment] - middle) <= abs(xs[segment + 1] - middle)
                             else segment + 1))
    return found
