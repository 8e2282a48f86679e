"""The classic way to read a number from strokes, kept to measure ``read_number`` against:
strokes grouped by overlapping x-extent (``line.rough_marks``), each group read as a digit by
``strokes_to_mnist`` and the network, left to right. It knows no separators, cuts no stroke and
never says "not a digit"."""

from __future__ import annotations

import numpy as np

from scratchnet.preprocess.rendering import strokes_to_mnist
from scratchnet.preprocess.strokes import Stroke
from scratchnet.reading.ink import Ink
from scratchnet.reading.line import rough_marks


def read_by_overlap(model, strokes: list[Stroke | dict], canvas: tuple[int, int]) -> str:
    """The digits read from the strokes grouped by overlapping x-extent."""
    ink = Ink(strokes, canvas)
    groups = rough_marks(ink.points)
    if not groups:
        return ""
    images = np.stack([strokes_to_mnist([ink.strokes[index] for index in group], ink.canvas)
                       for group in groups])
    return "".join(str(digit) for digit in model.predict(images[..., np.newaxis]).argmax(axis=1))


def overlap_reader(model):
    """``read_by_overlap`` with ``model``, as a reader for ``scratchnet.reading.measure``."""
    return lambda strokes, canvas: read_by_overlap(model, strokes, canvas)
