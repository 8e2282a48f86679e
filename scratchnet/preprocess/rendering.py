"""Strokes drawn as pictures: as the screen shows them, and as the network reads them.

``render_strokes`` draws strokes (``scratchnet.preprocess.strokes``) with a round brush, white
ink (255) on black (0), the polarity of MNIST: a line of the brush's width between consecutive
points and a disc of the same diameter at every point (round caps and joins, so a single click
leaves a dot and sharp turns leave no notches). The app's sketch draws with the same
``draw_dot`` and ``draw_segment`` while the pen moves, so its image always equals
``render_strokes`` of its strokes.

Drawings come as strokes, not pictures. ``strokes_to_mnist`` is the one path from the strokes the
drawing app records (and saves) to the network's input, used by the app, by fine-tuning and by
evaluation. It draws the strokes with a round pen and hands the picture to ``to_mnist``, but it
does not keep the brush the user chose: it draws with a pen as thick, relative to the size of
the digit, as the pens of MNIST's writers were (``PEN_TO_SIZE``), so that a digit drawn small or
large, with a fine or a broad brush, reaches the network as the same image:

    size  = longest side of the bounding box of the stroke points (canvas pixels), at least the
            widest brush (a dot has no size of its own), the box clipped to the canvas
    pen   = PEN_TO_SIZE * size
    image = the strokes, scaled so that size = STROKE_RENDER_SIZE pixels, drawn with the scaled
            pen (round caps and joins) on a black page, only what lies on the canvas
    out   = to_mnist(image)

How thick MNIST's strokes are was measured with ``stroke_thickness`` (ink area over half the
outline's length) on the 60,000 training digits: a median of 2.36 px (10th-90th percentile
1.75-3.26) in digits whose longest side is 20 px. The pen adds half its width at either end of
the digit, so a pen of t px in a 20 px digit is t / (20 - t) = 2.36 / 17.64 = 0.134 of the
size of the stroke points' bounding box. Measured the same way on what ``strokes_to_mnist``
makes of the 1,300 drawings of the dev set (../shared/drawn/, drawn with a 20 px brush, digits
200 px tall) the median is 2.34 px at any size; with the brush as drawn it is 1.83 px, and 3.33
and 4.96 px when the same digits are drawn 100 and 60 px tall. ``strokes_to_mnist(...,
pen="drawn")`` keeps each stroke's own width, as the screen shows it, for measuring.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

from scratchnet.preprocess.images import BOX_SIZE, BlankImageError, to_mnist
from scratchnet.preprocess.strokes import Point, Stroke, check_canvas, check_strokes

MNIST_STROKE_THICKNESS = 2.36      # median ``stroke_thickness`` of the MNIST training digits, px
PEN_TO_SIZE = MNIST_STROKE_THICKNESS / (BOX_SIZE - MNIST_STROKE_THICKNESS)     # = 0.134
STROKE_RENDER_SIZE = 200           # strokes are drawn at this size (px) before to_mnist shrinks
                                   # them 10-fold, averaging areas: smooth grey edges
PEN_CHOICES = ("mnist", "drawn")
INK = 255                          # strokes are white on black, the polarity of MNIST
PAPER = 0


def strokes_to_mnist(strokes: Sequence[Stroke | dict], canvas: tuple[int, int] = (280, 280),
                     pen: str = "mnist") -> np.ndarray:
    """The network's input for a drawing given as strokes (see the module docstring).

    Parameters
    ----------
    strokes : list of Stroke, or of their records ``{"width": w, "points": [[x, y], ...]}``
        What the drawing app records and saves: each stroke's brush width and the points the
        pen passed through, in canvas pixels (x to the right, y down, from the top-left corner).
        Either form is checked (``check_strokes``).
    canvas : (width, height)
        The canvas, in whole pixels; ink beyond it is not part of the drawing.
    pen : "mnist" or "drawn"
        "mnist" (the default, what the app reads): a pen ``PEN_TO_SIZE`` times the digit's
        size, whatever the brush. "drawn": each stroke's own brush width, drawn on the canvas
        pixel for pixel, as the screen shows it (for measuring what the brush does).

    Returns
    -------
    numpy.ndarray
        float32 (28, 28) in [0, 1], white ink on black, maximum 1, as ``to_mnist``.

    Raises
    ------
    BlankImageError
        No strokes, or no ink on the canvas (every point far outside it).
    ValueError
        A stroke is not ``{"width": positive number, "points": non-empty list of [x, y]}`` (or
        a Stroke of such values), a number is NaN, infinite or beyond ``MAX_COORDINATE``, the
        canvas is not two whole numbers above 0, or ``pen`` is neither choice. The message
        names the stroke and point.
    """
    checked = check_strokes(strokes)
    size = check_canvas(canvas)
    if pen not in PEN_CHOICES:
        raise ValueError(f"pen must be one of {', '.join(map(repr, PEN_CHOICES))}, got {pen!r}")
    if not checked:
        raise BlankImageError("the drawing is empty: there are no strokes")
    if pen == "drawn":
        return to_mnist(render_strokes(checked, size))
    return to_mnist(_render_normalised(checked, size))


def draw_dot(draw: ImageDraw.ImageDraw, point: Point, width: float) -> None:
    """A round spot of the pen, ``width`` across, centred on ``point``."""
    x, y = point
    radius = width / 2
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=INK)


def draw_segment(draw: ImageDraw.ImageDraw, start: Point, end: Point, width: float) -> None:
    """The pen dragged from ``start`` to ``end``: a line and a round cap at ``end``."""
    draw.line([start, end], fill=INK, width=max(1, round(width)))
    draw_dot(draw, end, width)


def render_strokes(strokes: Sequence[Stroke], size: tuple[int, int], scale: float = 1.0,
                   origin: Point = (0.0, 0.0), pen: float | None = None) -> Image.Image:
    """Strokes drawn with a round pen on a black "L" image of ``size`` (width, height).

    A point (x, y) lands on ((x - origin x) * scale, (y - origin y) * scale); the pen is each
    stroke's width, or ``pen`` for all of them, times ``scale``. Every point gets a dot of the
    pen's width and consecutive points a line between them: round caps and joins, so a single
    click leaves a dot and sharp turns leave no notches.
    """
    image = Image.new("L", size, PAPER)
    draw = ImageDraw.Draw(image)
    left, top = origin
    for stroke in strokes:
        width = (stroke.width if pen is None else pen) * scale
        points = [((x - left) * scale, (y - top) * scale) for x, y in stroke.points]
        draw_dot(draw, points[0], width)
        for start, end in zip(points, points[1:]):
            draw_segment(draw, start, end, width)
    return image


def _render_normalised(strokes: list[Stroke], canvas: tuple[int, int]) -> Image.Image:
    """The strokes scaled to ``STROKE_RENDER_SIZE`` with a pen ``PEN_TO_SIZE`` of the digit's
    size: the part of the canvas around the digit, as an image."""
    points = np.array([point for stroke in strokes for point in stroke.points])
    # The box of the points that the canvas shows: a stroke that runs off the canvas is cut.
    low = np.clip(points.min(axis=0), 0, canvas)
    high = np.clip(points.max(axis=0), 0, canvas)
    size = max(float((high - low).max()), max(stroke.width for stroke in strokes))
    pen = PEN_TO_SIZE * size
    margin = 0.75 * pen         # room for the pen, the same in the image at every size
    left, top = np.maximum(low - margin, 0)
    right, bottom = np.minimum(high + margin, canvas)
    scale = STROKE_RENDER_SIZE / size
    width = max(1, math.ceil((right - left) * scale))
    height = max(1, math.ceil((bottom - top) * scale))
    return render_strokes(strokes, (width, height), scale, (float(left), float(top)), pen)
