"""Synthetic drawn digits in styles MNIST rarely shows, for mixing into training.

MNIST's digits were written by American Census Bureau employees and high-school students, so
some ways of writing a digit common elsewhere are rare in it: the continental-European 1 with a
long up-stroke (the "flag") read as a 7 or a 4, the 7 with a bar through its stem, the 4 whose
top is left open, the 9 whose stem curves back to the left (read as a 3), the zero with a slash
through it (read as an 8 or a 9) that engineers and programmers write. Each style here is a
stroke template: pen paths in a unit box (x to the right, y down, the digit spanning about
[0, 1] on its longer side), with the points that shape it drawn at random within ranges,
then bent as a hand bends them:

    points  = template(random lengths and angles)          a few corner points per stroke
    path    = the corners joined by straight segments, with the pen's tremor (a smooth random
              offset of ~0.6% of the digit) and points every ~2% of the digit, as a mouse reports
    digit   = path leaned (shear), turned, squeezed or stretched sideways, at random
    strokes = digit scaled so its longer side spans ``box`` canvas pixels, centred, pen ``width``

and the strokes are drawn and read as the drawing app does (``reader``, by default the app's
render-then-``to_mnist`` path). Everything random comes from one ``numpy.random.Generator``
seeded by the caller, so ``synthetic_digits(n, seed=s)`` always returns the same digits.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from scratchnet.preprocess.rendering import strokes_to_mnist
from scratchnet.preprocess.strokes import Stroke

Path = np.ndarray          # (points, 2) x, y in the unit box
Reader = Callable[[Sequence[Stroke], tuple[int, int]], np.ndarray]

CANVAS = (280, 280)
PEN_WIDTH = 20.0           # the app's default brush on its 280 px canvas


def flagged_one(rng: np.random.Generator) -> tuple[int, list[Path]]:
    """1 written with a long up-stroke into its top, sometimes with a foot."""
    top = np.array([0.0, 0.0])
    flag_length = rng.uniform(0.25, 0.75)             # of the height
    flag_angle = np.deg2rad(rng.uniform(20, 60))      # below the horizontal, to the left
    start = top + flag_length * np.array([-np.cos(flag_angle), np.sin(flag_angle)])
    bottom = np.array([rng.uniform(-0.05, 0.05), 1.0])
    strokes = [np.array([start, top, bottom])]
    if rng.random() < 0.1:                            # a foot across the bottom
        half = rng.uniform(0.15, 0.3)
        strokes.append(np.array([bottom + [-half, 0], bottom + [half, 0]]))
    return 1, strokes


def crossed_seven(rng: np.random.Generator) -> tuple[int, list[Path]]:
    """7 with a bar through the middle of its stem."""
    width = rng.uniform(0.5, 0.85)
    left = np.array([0.0, rng.uniform(-0.03, 0.08)])
    right = np.array([width, 0.0])
    foot = np.array([width * rng.uniform(0.1, 0.55), 1.0])
    stroke = [left, right, foot]
    if rng.random() < 0.25:                           # a serif down at the start
        stroke.insert(0, left + [0, rng.uniform(0.08, 0.18)])
    height = rng.uniform(0.4, 0.6)
    centre = right + height * (foot - right)          # on the stem
    half = width * rng.uniform(0.25, 0.45)
    tilt = rng.uniform(-0.05, 0.05)
    bar = np.array([centre + [-half, tilt], centre + [half, -tilt]])
    return 7, [np.array(stroke), bar]


def open_four(rng: np.random.Generator) -> tuple[int, list[Path]]:
    """4 of two strokes whose top is open: a hook down and across, then the stem."""
    width = rng.uniform(0.55, 0.9)
    cross = rng.uniform(0.5, 0.7)                     # height of the horizontal bar
    hook_top = np.array([rng.uniform(0.0, 0.15) * width, 0.0])
    corner = np.array([rng.uniform(-0.05, 0.05) * width, cross])
    bar_end = np.array([width, cross + rng.uniform(-0.05, 0.03)])
    stem_x = width * rng.uniform(0.6, 0.85)
    stem = np.array([[stem_x, rng.uniform(0.0, 0.25)],
                     [stem_x + rng.uniform(-0.08, 0.05), 1.0]])
    return 4, [np.array([hook_top, corner, bar_end]), stem]


def hooked_nine(rng: np.random.Generator) -> tuple[int, list[Path]]:
    """9 whose stem curves back to the left at the bottom, in one stroke: the loop drawn
    counter-clockwise from its right side, then the stem down into the hook."""
    width, loop_height = rng.uniform(0.55, 0.85), rng.uniform(0.35, 0.5)
    centre = np.array([width / 2, loop_height / 2])
    start = np.deg2rad(rng.uniform(-20, 20))
    sweep = np.deg2rad(rng.uniform(330, 370))        # a loop a little open or overlapping
    angles = start + np.linspace(0, sweep, 24)
    loop = centre + np.column_stack([width / 2 * np.cos(angles), -loop_height / 2 * np.sin(angles)])
    # The stem: a quadratic Bezier curve from the loop's last point down to the hook's end.
    top = loop[-1]
    bend_point = np.array([top[0] + rng.uniform(-0.05, 0.05), 1.0])
    end = np.array([width * rng.uniform(0.05, 0.45), 1.0 - rng.uniform(0.0, 0.12)])
    t = np.linspace(0, 1, 12)[1:, None]
    stem = (1 - t) ** 2 * top + 2 * (1 - t) * t * bend_point + t ** 2 * end
    return 9, [np.concatenate([loop, stem])]


def slashed_zero(rng: np.random.Generator) -> tuple[int, list[Path]]:
    """0 with a stroke through it (Ø): an oval drawn from its top, most often counter-clockwise,
    then a line through its middle that often runs past the oval at either end. Mostly the
    line leans like a slash; some are near upright (like a phi), a few across (like a theta).
    One in four is drawn without lifting the pen: the oval, then the line from where it ended."""
    width = rng.uniform(0.35, 0.85)
    centre, radii = np.array([width / 2, 0.5]), np.array([width / 2, 0.5])
    kind = rng.random()
    if kind < 0.7:
        angle = rng.uniform(45, 80)                    # from the horizontal, leaning right
    elif kind < 0.9:
        angle = rng.uniform(80, 98)
    else:
        angle = rng.uniform(-12, 12)
    direction = np.array([np.cos(np.deg2rad(angle)), -np.sin(np.deg2rad(angle))])
    # Half the oval's extent along the line, then how far each end stops short of it or
    # runs past it.
    reach = 1 / np.hypot(direction[0] / radii[0], direction[1] / radii[1])
    through = centre + rng.normal(0, 0.04, 2)
    ends = [through - direction * reach * (1 + rng.uniform(-0.05, 0.8)),
            through + direction * reach * (1 + rng.uniform(0.0, 1.0))]
    turn = 1 if rng.random() < 0.8 else -1            # counter-clockwise on the page, or not
    sweep = turn * np.deg2rad(rng.uniform(340, 390))
    one_stroke = rng.random() < 0.25
    if one_stroke:
        # End the oval near the end of the line it then draws: the line starts there.
        start_end = int(np.argmin([end[1] for end in ends]))   # from the upper end down
        corner = ends[start_end] - centre
        finish = np.arctan2(-corner[1] / radii[1], corner[0] / radii[0])
        start = finish - sweep
    else:
        start = np.deg2rad(90 + rng.uniform(-40, 40))
    oval = ellipse_arc(centre, radii * rng.uniform(0.97, 1.03, 2), start, sweep, 28)
    if one_stroke:
        line = np.array([ends[start_end], ends[1 - start_end]])
        return 0, [np.concatenate([oval, line])]
    line = np.array(ends if rng.random() < 0.6 else ends[::-1])
    return 0, [oval, line]


STYLES: dict[str, Callable[[np.random.Generator], tuple[int, list[Path]]]] = {
    "flagged_one": flagged_one,
    "crossed_seven": crossed_seven,
    "open_four": open_four,
    "hooked_nine": hooked_nine,
    "slashed_zero": slashed_zero,
}
# What the default training recipe mixes in: the styles measured in a full run (docs/drawings.md).
DEFAULT_STYLES = ("flagged_one", "crossed_seven", "open_four", "hooked_nine", "slashed_zero")


def ellipse_arc(centre: np.ndarray, radii: np.ndarray, start: float, sweep: float,
                count: int) -> Path:
    """``count`` points along an ellipse from angle ``start`` through ``sweep`` (radians; a
    positive sweep turns counter-clockwise on the page, y being down)."""
    angles = start + np.linspace(0, sweep, count)
    return centre + np.column_stack([radii[0] * np.cos(angles), -radii[1] * np.sin(angles)])


def smooth_curve(points: Path, per_segment: int = 8) -> Path:
    """A Catmull-Rom spline through ``points``: the curve a hand draws through them, with
    ``per_segment`` points from each one to the next."""
    points = np.asarray(points, dtype=np.float64)
    padded = np.concatenate([points[:1], points, points[-1:]])
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    pieces = []
    for before, start, end, after in zip(padded, padded[1:], padded[2:], padded[3:]):
        pieces.append(0.5 * (2 * start + (end - before) * t
                             + (2 * before - 5 * start + 4 * end - after) * t ** 2
                             + (3 * start - before - 3 * end + after) * t ** 3))
    return np.concatenate([*pieces, points[-1:]])


def hand_path(corners: Path, rng: np.random.Generator, spacing: float = 0.02,
              tremor: float = 0.006) -> Path:
    """The corners joined by straight segments, sampled every ``spacing`` with a smooth random
    wobble of about ``tremor`` (both in units of the digit's size)."""
    segments = np.diff(corners, axis=0)
    lengths = np.hypot(segments[:, 0], segments[:, 1])
    total = float(lengths.sum())
    count = max(2, int(np.ceil(total / spacing)) + 1)
    along = np.linspace(0, total, count)
    ends = np.concatenate([[0], np.cumsum(lengths)])
    path = np.column_stack([np.interp(along, ends, corners[:, 0]),
                            np.interp(along, ends, corners[:, 1])])
    # The wobble: a few random sine waves along the stroke, zero at neither end.
    phase = rng.uniform(0, 2 * np.pi, (2, 3))
    frequency = rng.uniform(0.5, 3.0, (2, 3))
    amplitude = rng.normal(0, tremor, (2, 3))
    wobble = (amplitude[:, :, None] * np.sin(frequency[:, :, None] * 2 * np.pi
                                            * along[None, None, :] + phase[:, :, None])).sum(1)
    return path + wobble.T


def bend(paths: list[Path], rng: np.random.Generator, max_shear: float = 20.0,
         max_rotation: float = 8.0, max_squeeze: float = 0.2) -> list[Path]:
    """The digit's paths leaned (degrees, the top to the right for positive), turned, and
    squeezed or stretched sideways, all by random amounts."""
    shear = np.tan(np.deg2rad(rng.uniform(-max_shear, max_shear)))
    angle = np.deg2rad(rng.uniform(-max_rotation, max_rotation))
    squeeze = 1 + rng.uniform(-max_squeeze, max_squeeze)
    cos, sin = np.cos(angle), np.sin(angle)
    matrix = np.array([[cos, -sin], [sin, cos]]) @ np.array([[squeeze, -shear], [0, 1]])
    return [path @ matrix.T for path in paths]


def to_strokes(paths: list[Path], box: float, width: float = PEN_WIDTH,
               canvas: tuple[int, int] = CANVAS) -> list[Stroke]:
    """The paths scaled so the digit's longer side spans ``box`` px, centred on the canvas, as
    the app records strokes (to 0.01 px, as saved digits hold them)."""
    points = np.concatenate(paths)
    low, high = points.min(axis=0), points.max(axis=0)
    scale = box / max(float((high - low).max()), 1e-9)
    offset = np.array(canvas, dtype=np.float64) / 2 - (low + high) / 2 * scale
    return [Stroke(float(width), tuple(map(tuple, np.round(path * scale + offset, 2).tolist())))
            for path in paths]


def app_reader(strokes: Sequence[Stroke], canvas: tuple[int, int]) -> np.ndarray:
    """The app's path from strokes to the network's input (``strokes_to_mnist``)."""
    return strokes_to_mnist(strokes, canvas)


def synthetic_strokes(count: int, seed: int, styles: Sequence[str] = DEFAULT_STYLES,
                      boxes: tuple[float, float] = (100.0, 220.0)
                      ) -> tuple[list[list[Stroke]], np.ndarray]:
    """``count`` drawings as strokes, the styles taking turns, and their labels (count,) int64.

    Each digit's box is drawn uniformly from ``boxes`` (canvas px) with the app's pen, so its
    strokes are as thick relative to it as a person's would be on the app's canvas.
    """
    rng = np.random.default_rng(seed)
    drawings, labels = [], np.empty(count, dtype=np.int64)
    for index in range(count):
        label, corners = STYLES[styles[index % len(styles)]](rng)
        paths = bend([hand_path(stroke, rng) for stroke in corners], rng)
        drawings.append(to_strokes(paths, rng.uniform(*boxes)))
        labels[index] = label
    return drawings, labels


def synthetic_digits(count: int, seed: int = 0, styles: Sequence[str] = DEFAULT_STYLES,
                     reader: Reader = app_reader) -> tuple[np.ndarray, np.ndarray]:
    """``count`` synthetic digits as the network reads them: uint8 (count, 28, 28) in 0-255
    (like MNIST's arrays, for ``to_float_images``) and labels (count,) int64."""
    drawings, labels = synthetic_strokes(count, seed, styles)
    images = np.empty((count, 28, 28), dtype=np.uint8)
    for index, strokes in enumerate(drawings):
        images[index] = np.round(reader(strokes, CANVAS) * 255)
    return images, labels
