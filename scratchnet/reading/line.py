"""The line a number is written on: how tall its digits are, where its middle runs, how it leans.

Whether a mark is a digit or a separator depends on its size and place on the line (a "." is
small and sits on the baseline, a "-" is flat and in the middle), so reading first estimates the
line from rough marks (``rough_marks``: pieces whose x-extents overlap, the classic grouping):

    height  = the digits' height: the height shared (within 25%) by the most rough marks, then
              the median of those. Separators are much smaller (". , - :") or taller ("/ ( )"),
              and a number has more digits than separators, so they do not sway it.
    middle  = y of the line's middle at x: a straight line fitted to the centres of the marks of
              that height, its slope clamped to +-SLOPE_LIMIT (people's lines drift by under 6%
              of their length; a clamped fit keeps two marks from tilting a short line)
    slant   = how far the writing leans, x moved per y down: the median of dx/dy over the
              chords of the strokes within 30 degrees of vertical, chords HEIGHT_STEP * height
              long so that a coarse tablet's staircase of points does not count. Long straight
              strokes (taller than TALL_STRAIGHT heights, within STRAIGHT of a straight line)
              are left out when there are others: they are the slashes of a date as often as
              ones, and a slash leans more than the writing does.

``deslant(points)`` shifts x by ``-slant * (y - middle)``, standing the writing upright, so that
marks that overlap only because they lean stop overlapping.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

SAME_HEIGHT = 0.25          # |log(h / h')| under this: the same height (within ~25%)
SLOPE_LIMIT = 0.15          # largest slope of the line's middle
SLANT_LIMIT = 1.0           # largest lean, 45 degrees
NEAR_VERTICAL = 0.6         # |dx| / |dy| of the chords that measure the slant (31 degrees)
HEIGHT_STEP = 0.1           # chord length for the slant, a share of the line's height
TALL_STRAIGHT = 1.1         # line heights: straight strokes at least this tall do not set the slant
STRAIGHT = 0.1              # largest distance from the chord, over the chord's length


@dataclass(frozen=True)
class Line:
    """A written line: ``height`` of its digits, ``middle(x)`` = ``centre_y + slope * (x -
    centre_x)``, and ``slant`` (x moved per y down; negative when the tops lean right)."""

    height: float
    centre_x: float
    centre_y: float
    slope: float = 0.0
    slant: float = 0.0

    def middle(self, x):
        """The y of the line's middle at ``x`` (a number or an array)."""
        return self.centre_y + self.slope * (np.asarray(x, dtype=np.float64) - self.centre_x)

    def deslant(self, points: np.ndarray) -> np.ndarray:
        """(n, 2) points with x moved by ``-slant * (y - middle)``: the writing stood upright."""
        upright = np.array(points, dtype=np.float64)
        upright[:, 0] -= self.slant * (points[:, 1] - self.middle(points[:, 0]))
        return upright


def rough_marks(point_sets: Sequence[np.ndarray]) -> list[list[int]]:
    """Indices of the point sets grouped by overlapping x-extents, left to right: each group's
    extent is the union of its members', and a set that starts within it joins it."""
    extents = [(float(points[:, 0].min()), float(points[:, 0].max())) for points in point_sets]
    groups: list[list[int]] = []
    right = -np.inf
    for index in sorted(range(len(point_sets)), key=lambda i: extents[i]):
        left, end = extents[index]
        if groups and left <= right:
            groups[-1].append(index)
            right = max(right, end)
        else:
            groups.append([index])
            right = end
    return groups


def estimate_line(point_sets: Sequence[np.ndarray], pen: float = 1.0) -> Line:
    """The line of the drawing whose strokes (or pieces) are ``point_sets``, (n, 2) each.

    ``pen`` (the pen's width, canvas pixels) is the smallest height the line may have: a number
    written as dots still has a line as tall as a dot.
    """
    boxes = []
    for group in rough_marks(point_sets):
        points = np.concatenate([point_sets[index] for index in group])
        boxes.append(np.concatenate([points.min(axis=0), points.max(axis=0)]))
    boxes = np.array(boxes)
    logs = np.log(np.maximum(boxes[:, 3] - boxes[:, 1], pen))
    # The height shared by the most marks; among equally common heights, the one nearest the
    # median, so that neither the dots of a colon nor a pair of brackets sets it, and of two
    # as near, the taller (a 5 whose bar stands apart is two marks, each as common).
    shared = (np.abs(logs[:, None] - logs[None, :]) < SAME_HEIGHT).sum(axis=1)
    best = np.flatnonzero(shared == shared.max())
    distance = np.round(np.abs(logs[best] - np.median(logs)), 6)
    nearest = best[distance == distance.min()]
    anchor = logs[nearest].max()
    line = fit_line(boxes[np.abs(logs - anchor) < SAME_HEIGHT], pen)
    return replace(line, slant=measure_slant(point_sets, line.height))


def fit_line(boxes: np.ndarray, pen: float = 1.0, slant: float = 0.0) -> Line:
    """The line through the marks whose boxes are ``boxes``, (n, 4) rows of (left, top, right,
    bottom): their median height (at least ``pen``), and their centres' straight line."""
    boxes = np.asarray(boxes, dtype=np.float64)
    height = max(float(np.median(boxes[:, 3] - boxes[:, 1])), pen)
    centres_x = (boxes[:, 0] + boxes[:, 2]) / 2
    centres_y = (boxes[:, 1] + boxes[:, 3]) / 2
    centre_x, centre_y = float(np.mean(centres_x)), float(np.mean(centres_y))
    slope = 0.0
    spread = float(((centres_x - centre_x) ** 2).sum())
    if len(boxes) >= 3 and spread > 0:
        slope = float(((centres_x - centre_x) * (centres_y - centre_y)).sum() / spread)
        slope = float(np.clip(slope, -SLOPE_LIMIT, SLOPE_LIMIT))
    return Line(height, centre_x, centre_y, slope, slant)


def measure_slant(point_sets: Sequence[np.ndarray], height: float) -> float:
    """How far the writing of ``point_sets`` leans (module docstring), on a line ``height``
    tall: x moved per y down, within +-SLANT_LIMIT."""
    step = HEIGHT_STEP * height
    ratios, weights = [], []
    others = [points for points in point_sets if not _tall_and_straight(points, height)]
    for points in others or point_sets:
        chords = np.diff(resample_path(points, step), axis=0)
        steep = np.abs(chords[:, 0]) < NEAR_VERTICAL * np.abs(chords[:, 1])
        if steep.any():
            ratios.append(chords[steep, 0] / chords[steep, 1])
            weights.append(np.abs(chords[steep, 1]))
    if not ratios:
        return 0.0
    ratios, weights = np.concatenate(ratios), np.concatenate(weights)
    order = np.argsort(ratios)
    cumulative = np.cumsum(weights[order])
    median = ratios[order][np.searchsorted(cumulative, cumulative[-1] / 2)]
    return float(np.clip(median, -SLANT_LIMIT, SLANT_LIMIT))


def _tall_and_straight(points: np.ndarray, height: float) -> bool:
    if np.ptp(points[:, 1]) < TALL_STRAIGHT * height:
        return False
    chord = points[-1] - points[0]
    length = float(np.hypot(*chord))
    if length == 0:
        return False
    distance = np.abs(chord[0] * (points[:, 1] - points[0, 1])
                      - chord[1] * (points[:, 0] - points[0, 0])) / length
    return float(distance.max()) < STRAIGHT * length


def resample_path(points: np.ndarray, step: float) -> np.ndarray:
    """Points every ``step`` along the path, the last point kept; a path shorter than a step
    is its two ends."""
    lengths = np.hypot(*np.diff(points, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(lengths)])
    if along[-1] <= step:
        return points[[0, -1]]
    targets = np.append(np.arange(0.0, along[-1], step), along[-1])
    return np.column_stack([np.interp(targets, along, points[:, 0]),
                            np.interp(targets, along, points[:, 1])])
