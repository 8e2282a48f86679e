"""Synthetic marks that are not digits: letters, shapes, scribbles and the separators of numbers.

A network that answers only digits reads a drawn X as a 4 and an A as a 4 too. These marks
teach it the other output of ``scratchnet.data.classes``: "not a digit" (letters that do not
look like digits, shapes, scribbles). The separators written inside numbers (``- / ( ) : .
,``) are drawn too, for composing numbers and for testing reading; they have no output (their
shape, size and place in the line tell them apart).

Every mark is drawn the way ``scratchnet.data.synthetic`` draws its digits: pen paths from a
template (``letters.LETTERS``, ``SHAPES``, ``SCRIBBLES``, ``SEPARATORS``), in line units (x to
the right, y down, the top of the digits at 0 and their baseline at 1), then what a hand does
to them:

    paths  = template(random proportions and variants)
    paths  = each stroke shifted a little (joins that miss or overshoot), its ends run on or
             stopped short, the pen's tremor (``synthetic.hand_path``), a smooth random warp of
             the whole mark, then leaned, turned and squeezed about its centre
             (``synthetic.bend``); strokes sometimes drawn in another order or direction

``mark_paths(kind, rng)`` gives one mark in line units (for placing beside digits with
``on_line``); ``synthetic_mark_strokes`` and ``synthetic_marks`` give marks alone on the
app's canvas and as the network reads them, with ``kinds`` taking turns as
``synthetic_strokes``' styles do.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from scratchnet.data.classes import class_index
from scratchnet.data.letters import LETTERS, Template, corners, curve
from scratchnet.data.synthetic import (CANVAS, PEN_WIDTH, Path, Reader, app_reader, bend,
                                       ellipse_arc, hand_path, smooth_curve, to_strokes)
from scratchnet.preprocess.strokes import Stroke


def turned(path: Path, degrees: float, about=(0.5, 0.5)) -> Path:
    """The path turned by ``degrees`` (counter-clockwise on the page) about ``about``."""
    angle = np.deg2rad(degrees)
    matrix = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    return (path - about) @ matrix.T + about


# -------------------------------------------------------------------------------------- shapes
def zigzag(rng):
    upright = rng.random() < 0.15     # a column of strokes across, rather than a row
    turns = int(rng.integers(6 if upright else 4, 10))
    height = rng.uniform(0.15, 0.7)
    x = np.linspace(0, 1, turns + 1) + rng.normal(0, 0.02, turns + 1)
    y = np.where(np.arange(turns + 1) % 2, height, 0) + rng.normal(0, 0.03, turns + 1)
    path = np.column_stack([x, y])
    if rng.random() < 0.25:
        path = smooth_curve(path)
    return [turned(path, rng.uniform(-25, 25) + (90 if upright else 0))]


def spiral(rng):
    turns = rng.uniform(2.5, 4.0)
    angles = np.linspace(0, 2 * np.pi * turns, int(24 * turns))
    radius = rng.uniform(0.0, 0.08) + angles / angles[-1] * 0.5
    squash = rng.uniform(0.6, 1.0)
    way = rng.choice([-1, 1])
    path = np.column_stack([radius * np.cos(way * angles), radius * np.sin(way * angles) * squash])
    return [path if rng.random() < 0.6 else path[::-1]]     # outwards from the middle, or in


def star(rng):
    style = rng.random()
    if style < 0.6:                   # five points in one stroke
        angles = np.deg2rad(-90 + 144 * np.arange(6) + rng.normal(0, 4, 6))
        points = 0.5 * np.column_stack([np.cos(angles), np.sin(angles)])
        return [points + rng.normal(0, 0.03, points.shape)]
    if style < 0.85:                  # an asterisk: three or four lines through the middle
        count = int(rng.integers(3, 5))
        angles = np.deg2rad(rng.uniform(0, 180) + 180 / count * np.arange(count)
                            + rng.normal(0, 6, count))
        return [corners(-0.5 * direction, 0.5 * direction) + rng.normal(0, 0.03, 2)
                for direction in np.column_stack([np.cos(angles), np.sin(angles)])]
    # Two triangles, one pointing up and one down.
    up = np.deg2rad(-90 + 120 * np.arange(4))
    return [0.5 * np.column_stack([np.cos(up + offset), np.sin(up + offset)])
            for offset in (0, np.pi)]


def heart(rng):
    t = np.linspace(0, 2 * np.pi, 40)
    x = 16 * np.sin(t) ** 3 * rng.uniform(0.8, 1.2)
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    path = np.column_stack([x, y]) / 32
    if rng.random() < 0.4:            # each half from the dip at the top down to the point
        return [path[:21], path[20:][::-1]]
    return [path]


def check_mark(rng):
    corner = [rng.uniform(0.25, 0.45), 1.0]
    stroke = [[0, rng.uniform(0.45, 0.7)], corner, [1.0, rng.uniform(-0.1, 0.1)]]
    path = curve(*stroke) if rng.random() < 0.3 else corners(*stroke)
    return [turned(path, rng.uniform(-15, 15))]


def arrow(rng):
    length = 1.0
    if rng.random() < 0.3:
        shaft = curve([0, 0.5], [0.5, 0.5 + rng.uniform(-0.2, 0.2)], [length, 0.5])
    else:
        shaft = corners([0, 0.5], [length, 0.5])
    barb, spread = rng.uniform(0.25, 0.45), np.deg2rad(rng.uniform(30, 50))
    tip = shaft[-1]
    back = [tip + barb * np.array([-np.cos(spread), -np.sin(spread)]),
            tip + barb * np.array([-np.cos(spread), np.sin(spread)])]
    style = rng.random()
    if style < 0.5:
        strokes = [shaft, corners(back[0], tip, back[1])]
    elif style < 0.8:
        strokes = [shaft, corners(back[0], tip), corners(back[1], tip)]
    else:                             # without lifting the pen: out along one barb and back
        strokes = [np.concatenate([shaft, corners(tip, back[0], tip, back[1])[1:]])]
    degrees = rng.choice([0, 90, 180, 270]) + rng.uniform(-20, 20) if rng.random() < 0.6 \
        else rng.uniform(0, 360)
    return [turned(stroke, degrees) for stroke in strokes]


def hatching(rng):
    count = int(rng.integers(3, 8))
    length, gap = rng.uniform(0.5, 1.0), rng.uniform(0.1, 0.25)
    lines = [corners([index * gap, 0], [index * gap + rng.uniform(-0.05, 0.05), length])
             for index in range(count)]
    degrees = rng.uniform(20, 70) * rng.choice([-1, 1]) if rng.random() < 0.7 \
        else rng.uniform(0, 180)
    if rng.random() < 0.4:            # back and forth without lifting the pen
        lines = [np.concatenate([line if index % 2 == 0 else line[::-1]
                                 for index, line in enumerate(lines)])]
    return [turned(line, degrees) for line in lines]


def crossing(rng, degrees: float) -> list[Path]:
    """Two lines crossing near their middles, turned by ``degrees`` (0: a +, 45: an x)."""
    arms = [rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.0)]
    across = corners([-arms[0] / 2, 0], [arms[0] / 2, 0]) + [0, rng.normal(0, 0.08)]
    down = corners([0, -arms[1] / 2], [0, arms[1] / 2]) + [rng.normal(0, 0.08), 0]
    down = turned(down, rng.normal(0, 10), about=(0, 0))
    strokes = [across, down] if rng.random() < 0.5 else [down, across]
    return [turned(stroke, degrees, about=(0, 0)) for stroke in strokes]


def cross(rng):
    return crossing(rng, 45 + rng.uniform(-15, 15))


def plus(rng):
    return crossing(rng, rng.uniform(-12, 12))


def hash_sign(rng):
    gap, length = rng.uniform(0.25, 0.45), rng.uniform(0.7, 1.0)
    lean = rng.uniform(0, 0.25)
    rows = [corners([0, y], [length, y]) for y in (0.5 - gap / 2, 0.5 + gap / 2)]
    columns = [corners([x + lean, 0], [x - lean, 1]) for x in (0.5 - gap / 2, 0.5 + gap / 2)]
    return columns + rows if rng.random() < 0.5 else rows + columns


def wave(rng):
    periods = rng.uniform(2.0, 4.0)
    x = np.linspace(0, 1, int(16 * periods))
    y = rng.uniform(0.1, 0.25) * np.sin(2 * np.pi * periods * x + rng.uniform(0, np.pi))
    return [turned(np.column_stack([x, y]), rng.uniform(-20, 20))]


# ----------------------------------------------------------------------------------- scribbles
def squiggle(rng):
    count = int(rng.integers(7, 15))
    return [smooth_curve(rng.uniform(0, 1, (count, 2)))]


def scribbled_out(rng):
    """A patch filled in by going back and forth, as when crossing something out."""
    sweeps = int(rng.integers(8, 26))
    height = rng.uniform(0.4, 1.0)
    rows = np.linspace(-height / 2, height / 2, sweeps) + rng.normal(0, 0.02, sweeps)
    half = 0.5 * np.sqrt(np.clip(1 - (2 * rows / height) ** 2, 0.1, 1))    # an oval's edge
    sides = np.where(np.arange(sweeps) % 2, 1, -1)
    ends = half * sides * rng.uniform(0.8, 1.1, sweeps)
    path = np.column_stack([ends, rows + sides * rng.uniform(0, 0.08, sweeps)])
    if rng.random() < 0.5:
        path = smooth_curve(path, per_segment=4)
    return [turned(path, rng.uniform(-60, 60), about=(0, 0))]


def coil(rng):
    """A row of loops, like a spring or a line of e's."""
    loops = rng.uniform(3, 8)
    t = np.linspace(0, 2 * np.pi * loops, int(20 * loops))
    radius = rng.uniform(0.3, 0.6) / loops * 2
    path = np.column_stack([t / t[-1] - radius * np.sin(t) * 0.8,
                            -radius * rng.uniform(1.0, 2.0) * np.cos(t)])
    return [turned(path, rng.uniform(-20, 20))]


SHAPES: dict[str, Template] = {
    "zigzag": zigzag, "spiral": spiral, "star": star, "heart": heart, "check mark": check_mark,
    "arrow": arrow, "hatching": hatching, "cross": cross, "plus": plus, "hash": hash_sign,
    "wave": wave,
}
SCRIBBLES: dict[str, Template] = {
    "squiggle": squiggle, "scribbled out": scribbled_out, "coil": coil,
}


# ---------------------------------------------------------------------------------- separators
def dash(rng):
    height, length = rng.uniform(0.35, 0.65), rng.uniform(0.15, 0.7)
    path = corners([0, height], [length, height + length * np.tan(np.deg2rad(rng.normal(0, 5)))])
    if rng.random() < 0.3:
        path = curve(path[0], (path[0] + path[1]) / 2 + [0, rng.normal(0, 0.03)], path[1])
    if rng.random() < 0.2:            # a little tick where the pen came down or lifted
        end = int(rng.integers(2)) * -1
        tick = path[end] + [rng.uniform(-0.04, 0.04), rng.choice([-1, 1]) * rng.uniform(0.04, 0.1)]
        path = np.concatenate([[tick], path]) if end == 0 else np.concatenate([path, [tick]])
    return [path]


def slash(rng):
    top, height = rng.uniform(-0.3, 0.1), rng.uniform(0.8, 1.45)
    lean = height / np.tan(np.deg2rad(rng.uniform(48, 85)))
    ends = [[lean, top], [0, top + height]]
    path = curve(ends[0], [lean / 2 + rng.normal(0, 0.03), top + height / 2], ends[1]) \
        if rng.random() < 0.3 else corners(*ends)
    return [path if rng.random() < 0.7 else path[::-1]]


def parenthesis(rng, opening: bool) -> list[Path]:
    top, height = rng.uniform(-0.3, 0.05), rng.uniform(0.95, 1.5)
    bow = height * rng.uniform(0.05, 0.3)
    outer, inner = (0.0, bow) if opening else (bow, 0.0)
    points = [[inner, top], [outer, top + height / 2], [inner, top + height]]
    if rng.random() < 0.4:            # the ends bent in a little further
        points[0] = [inner + (bow if opening else -bow) * 0.3, top - 0.02]
        points.insert(1, [(inner + outer) / 2, top + height * 0.15])
    path = curve(*points)
    return [path if rng.random() < 0.9 else path[::-1]]


def opening_parenthesis(rng):
    return parenthesis(rng, opening=True)


def closing_parenthesis(rng):
    return parenthesis(rng, opening=False)


def point(rng, height: float) -> Path:
    """A full stop's mark at ``height``: a click, a tiny stroke or a tiny circle."""
    centre = np.array([0.0, height])
    style = rng.random()
    if style < 0.4:
        return centre[None, :]
    if style < 0.8:
        angle = rng.uniform(0, np.pi)
        return corners(centre, centre + rng.uniform(0.01, 0.08) * np.array([np.cos(angle),
                                                                            np.sin(angle)]))
    return ellipse_arc(centre, np.full(2, rng.uniform(0.015, 0.04)), 0, 2 * np.pi, 8)


def full_stop(rng):
    return [point(rng, rng.uniform(0.85, 1.05))]


def comma(rng):
    start = np.array([0.0, rng.uniform(0.82, 1.0)])
    drop = rng.uniform(0.08, 0.3)
    end = start + [-drop * rng.uniform(0.2, 0.7), drop]
    return [curve(start + [0.01, -0.02], start, (start + end) / 2 + [0.02, 0], end)]


def colon(rng):
    upper = point(rng, rng.uniform(0.25, 0.5))
    lower = point(rng, rng.uniform(0.75, 1.0)) + [rng.normal(0, 0.03), 0]
    return [upper, lower]


SEPARATORS: dict[str, Template] = {
    "-": dash, "/": slash, "(": opening_parenthesis, ")": closing_parenthesis,
    ".": full_stop, ",": comma, ":": colon,
}
SMALL_SEPARATORS = (".", ",", ":")      # read by their size in the line, never alone

# The groups a kind can name, besides any single template's name.
GROUPS: dict[str, tuple[str, ...]] = {
    "letter": tuple(LETTERS), "shape": tuple(SHAPES), "scribble": tuple(SCRIBBLES),
}
TEMPLATES: dict[str, Template] = {**LETTERS, **SHAPES, **SCRIBBLES, **SEPARATORS}
# What a training run mixes in, taking turns: letters half the time, shapes and scribbles a
# quarter each. Separators stay out: they have no output (``classes``), and a slash or a
# bracket taught as "not a digit" would teach the network that a slanted or bent 1 is none.
DEFAULT_KINDS = ("letter", "shape", "letter", "scribble")


def symbol_of(kind: str) -> str:
    """The text a mark of ``kind`` stands for: a separator's own symbol, "?" for the rest."""
    check_kinds([kind])
    return kind if kind in SEPARATORS else "?"


def check_kinds(kinds: Sequence[str]) -> None:
    """A ``ValueError`` naming the first kind that is neither a group nor a template."""
    if isinstance(kinds, str) or len(kinds) == 0:
        raise ValueError(f"kinds must be a non-empty list of kind names, got {kinds!r}")
    for kind in kinds:
        if kind not in GROUPS and kind not in TEMPLATES:
            raise ValueError(f"unknown kind of mark {kind!r}: expected one of "
                             f"{', '.join(GROUPS)}, a separator ({' '.join(SEPARATORS)}), a "
                             f"letter ({''.join(LETTERS)}) or a shape ({', '.join(SHAPES)}, "
                             f"{', '.join(SCRIBBLES)})")


def by_hand(paths: list[Path], rng: np.random.Generator, care: float = 1.0) -> list[Path]:
    """What a hand does to a template's paths (see the module docstring); ``care`` scales the
    misplacement and warp: 1 for letters and shapes, less for the separators."""
    finished = []
    for path in paths:
        path = np.asarray(path, dtype=np.float64) + rng.normal(0, 0.02 * care, 2)
        if len(path) > 1:             # run on past the ends, or stop short of them
            for end, inner in ((0, 1), (-1, -2)):
                segment = path[end] - path[inner]
                length = float(np.hypot(*segment))
                if length > 0:
                    change = max(rng.uniform(-0.06, 0.1) * care, -0.3 * length)
                    path[end] = path[end] + segment / length * change
        finished.append(hand_path(path, rng, tremor=rng.uniform(0.003, 0.01)))
    finished = warped(finished, rng, rng.uniform(0.0, 0.05) * care)
    points = np.concatenate(finished)
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    finished = [path + centre for path in bend([path - centre for path in finished], rng,
                                               max_shear=25 * care, max_rotation=10 * care,
                                               max_squeeze=0.25 * care)]
    if len(finished) > 1 and rng.random() < 0.25:
        finished = [finished[index] for index in rng.permutation(len(finished))]
    return [path[::-1] if rng.random() < 0.15 else path for path in finished]


def warped(paths: list[Path], rng: np.random.Generator, amount: float) -> list[Path]:
    """The paths moved by a smooth random field of about ``amount`` (a hand's proportions
    drifting across the mark)."""
    frequency = rng.uniform(0.3, 1.2, (2, 2, 2))      # (output axis, wave, input axis)
    phase = rng.uniform(0, 2 * np.pi, (2, 2))
    amplitude = rng.normal(0, amount, (2, 2))

    def field(path):
        waves = np.sin(2 * np.pi * np.einsum("awi,pi->paw", frequency, path) + phase)
        return (amplitude * waves).sum(axis=2)

    return [path + field(path) for path in paths]


def mark_paths(kind: str, rng: np.random.Generator) -> list[Path]:
    """One mark of ``kind`` (a group, a letter, a shape or a separator) in line units: x to the
    right from its left edge at 0, y down, the digits' top at 0 and their baseline at 1."""
    check_kinds([kind])
    name = GROUPS[kind][rng.integers(len(GROUPS[kind]))] if kind in GROUPS else kind
    care = 0.3 if name in SEPARATORS else 1.0
    paths = by_hand(TEMPLATES[name](rng), rng, care)
    left = min(float(path[:, 0].min()) for path in paths)
    return [path - [left, 0] for path in paths]


def on_line(paths: list[Path], height: float, left: float, top: float,
            width: float = PEN_WIDTH) -> list[Stroke]:
    """Paths in line units as the app's strokes, for digits ``height`` px tall whose top is at
    ``top`` and with the mark's left edge at ``left`` (canvas px, to 0.01 px)."""
    origin = np.array([left, top])
    return [Stroke(float(width), tuple(map(tuple, np.round(path * height + origin, 2).tolist())))
            for path in paths]


def synthetic_mark_strokes(count: int, seed: int, kinds: Sequence[str] = DEFAULT_KINDS,
                           boxes: tuple[float, float] = (100.0, 220.0)
                           ) -> tuple[list[list[Stroke]], list[str]]:
    """``count`` marks alone on the app's canvas, the kinds taking turns, and their symbols.

    Each mark's longer side is drawn uniformly from ``boxes`` (canvas px), centred, with the
    app's pen, as ``synthetic.synthetic_strokes`` draws digits. The small separators are
    refused: alone and scaled up they are dots and ticks, no longer separators.
    """
    check_kinds(kinds)
    small = [kind for kind in kinds if kind in SMALL_SEPARATORS]
    if small:
        raise ValueError(f"{' '.join(small)} cannot be drawn alone (scaled to a box they are "
                         "dots and ticks); place them beside digits with mark_paths and on_line")
    rng = np.random.default_rng(seed)
    drawings, symbols = [], []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        drawings.append(to_strokes(mark_paths(kind, rng), rng.uniform(*boxes)))
        symbols.append(symbol_of(kind))
    return drawings, symbols


def synthetic_marks(count: int, seed: int = 0, kinds: Sequence[str] = DEFAULT_KINDS,
                    reader: Reader = app_reader) -> tuple[np.ndarray, np.ndarray]:
    """``count`` marks as the network reads them: uint8 (count, 28, 28) in 0-255, like MNIST's
    arrays, and their classes (count,) int64 (``classes.class_index``: 10, "not a digit").
    Separators have no class: asking for them is a ``ValueError``."""
    drawings, symbols = synthetic_mark_strokes(count, seed, kinds)
    images = np.empty((count, 28, 28), dtype=np.uint8)
    for index, strokes in enumerate(drawings):
        images[index] = np.round(reader(strokes, CANVAS) * 255)
    return images, np.array([class_index(symbol) for symbol in symbols], dtype=np.int64)
