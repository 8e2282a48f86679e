"""Numbers composed of one person's own digits, to measure reading where the truth is known.

People's drawn digits (``scratchnet.data.drawings``, e.g. ../shared/drawn: five of each digit a
person) are laid out on a line as a person writes a number, with everything random drawn from
one generator seeded by the caller, so that ``compose_numbers(people, count, seed)`` always
makes the same numbers:

    length   2 to 10 digits, uniformly; each digit one of the person's drawings of it
    size     each digit scaled to the line's height (HEIGHT px, as ../shared/numbers) times
             0.85-1.1; the person's digits keep their own width
    baseline each digit moved up or down by up to 6% of the height; the whole line tilted by up
             to 3%
    spacing  the gap between neighbours 5-60% of the height; TOUCHING of the gaps closed, so
             that the neighbours touch or overlap by up to 15% of the height. People's gaps in
             ../shared/numbers measure about so: a median of 0.3 heights, 10% under 0.06 and
             5% below 0 (the writing stood upright)
    order    the digits written left to right; a digit of several strokes has its last stroke
             written after the whole number in LATE of the numbers (a 4's stem, a 7's bar)
    joined   JOINED of the digits follow their left neighbour without the pen being lifted,
             when the neighbour's last stroke ends left of where the digit's first stroke starts
             and within a third of the height above or below it (as a hand joins digits): the
             neighbour's last stroke runs on, straight, into the digit's first stroke
    a third  holds one separator, made here from simple strokes (``separator_strokes``):
             "-", "/", ".", ",", ":" between two digits, or "(" and ")" round the first 2-4
             digits of a number of six or more

The canvas is as in ../shared/numbers: HEIGHT-px ink centred in a canvas 280 px high with
MARGIN px on either side, pen width 20 px. The numbers live in memory only.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import numpy as np

from scratchnet.data.drawings import LabelledDrawing
from scratchnet.data.numbers import WrittenNumber
from scratchnet.data.synthetic import hand_path
from scratchnet.preprocess.strokes import Stroke

HEIGHT = 150.0
CANVAS_HEIGHT = 280
MARGIN = 60.0
PEN = 20.0
TOUCHING = 0.06
LATE = 0.1
JOINED = 0.05
WITH_SEPARATOR = 1 / 3
SEPARATOR_KINDS = ("-", "/", ".", ",", ":", "()")


def compose_numbers(drawings: Sequence[LabelledDrawing], count: int, seed: int = 0
                    ) -> list[WrittenNumber]:
    """``count`` numbers, each of one person's digits, the people taking turns (module
    docstring). Every person must have drawn every digit at least once."""
    people: dict[str, dict[int, list[LabelledDrawing]]] = defaultdict(lambda: defaultdict(list))
    for drawing in drawings:
        people[drawing.person][drawing.label].append(drawing)
    names = sorted(people)
    if not names:
        raise ValueError("no drawings to compose numbers of")
    for name in names:
        missing = sorted(set(range(10)) - set(people[name]))
        if missing:
            raise ValueError(f"{name} has drawn no {', '.join(map(str, missing))}: a person "
                             "composes numbers of all ten digits")
    rng = np.random.default_rng(seed)
    return [compose_number(names[index % len(names)], people[names[index % len(names)]], rng)
            for index in range(count)]


def compose_number(person: str, digits: dict[int, list[LabelledDrawing]], rng: np.random.Generator
                   ) -> WrittenNumber:
    """One number of ``person``'s ``digits`` (label -> drawings), see the module docstring."""
    labels = rng.integers(0, 10, size=int(rng.integers(2, 11)))
    separator = (SEPARATOR_KINDS[rng.integers(len(SEPARATOR_KINDS))]
                 if rng.random() < WITH_SEPARATOR else None)
    if separator == "()" and len(labels) < 6:
        separator = "-"
    # The characters, left to right: ("digit", label) or ("separator", character).
    characters = [("digit", int(label)) for label in labels]
    if separator == "()":
        close = int(rng.integers(2, 5))
        characters = ([("separator", "(")] + characters[:close] + [("separator", ")")]
                      + characters[close:])
    elif separator is not None:
        characters.insert(int(rng.integers(1, len(labels))), ("separator", separator))
    slope = rng.uniform(-0.03, 0.03)
    strokes, late, text = [], [], ""
    x = 0.0
    for index, (kind, value) in enumerate(characters):
        if index:
            gap = rng.uniform(0.05, 0.6) if rng.random() >= TOUCHING else -rng.uniform(0, 0.15)
            x += gap * HEIGHT
        middle = slope * x + rng.uniform(-0.06, 0.06) * HEIGHT
        if kind == "digit":
            drawing = digits[value][rng.integers(len(digits[value]))]
            paths = _placed(drawing.strokes, x, middle, HEIGHT * rng.uniform(0.85, 1.1))
            text += str(value)
        else:
            paths = separator_strokes(value, rng, x, slope * x)
            text += value
        x = max(float(path[:, 0].max()) for path in paths)
        if (kind == "digit" and strokes and characters[index - 1][0] == "digit"
                and rng.random() < JOINED and _joinable(strokes[-1][-1], paths[0][0])):
            before = strokes.pop()
            ligature = hand_path(np.array([before[-1], paths[0][0]]) / HEIGHT, rng, spacing=0.03,
                                 tremor=0.003) * HEIGHT
            paths[0] = np.concatenate([before, ligature[1:-1], paths[0]])
        if kind == "digit" and len(paths) > 1 and rng.random() < LATE:
            late.append(paths.pop())
        strokes += paths
    strokes += late
    return _on_canvas(person, text, strokes)


def _joinable(end: np.ndarray, start: np.ndarray) -> bool:
    return start[0] >= end[0] and abs(start[1] - end[1]) <= HEIGHT / 3


def separator_strokes(character: str, rng: np.random.Generator, left: float, middle: float
                      ) -> list[np.ndarray]:
    """The pen paths of a simple separator starting at x = ``left``, on a line whose middle is
    at y = ``middle`` and whose digits are ``HEIGHT`` tall."""
    unit = HEIGHT
    width = rng.uniform(0.3, 0.6)
    corners = {
        "-": [[[0, 0], [width, rng.uniform(-0.05, 0.05)]]],
        "/": [[[rng.uniform(0.3, 0.6), -0.65], [0, 0.65]]],
        ".": [[[0, 0.45], [0.03, 0.47]]],
        ",": [[[0.05, 0.4], [0.07, 0.5], [0, 0.7]]],
        ":": [[[0, -0.2], [0.03, -0.18]], [[0, 0.4], [0.03, 0.42]]],
        "(": [_arc(rng, +1)],
        ")": [_arc(rng, -1)],
    }[character]
    paths = []
    for stroke in corners:
        path = hand_path(np.array(stroke, dtype=np.float64), rng, spacing=0.03, tremor=0.004)
        path = path * unit
        path[:, 0] += left - path[:, 0].min()
        path[:, 1] += middle
        paths.append(path)
    return paths


def _arc(rng: np.random.Generator, side: int) -> list[list[float]]:
    """A bracket's corners, drawn top to bottom: bulging left (side +1, "(") or right (-1)."""
    height = rng.uniform(1.2, 1.45)
    bulge = rng.uniform(0.15, 0.3)
    angles = np.linspace(-1, 1, 9)
    xs = bulge * (1 - angles ** 2) * -side
    return np.column_stack([xs - xs.min(), angles * height / 2]).tolist()


def _placed(strokes: Sequence[Stroke], left: float, middle: float, height: float
            ) -> list[np.ndarray]:
    """The drawing's strokes scaled to ``height``, its box's left edge at ``left`` and its
    middle at ``middle``."""
    paths = [np.array(stroke.points, dtype=np.float64) for stroke in strokes]
    points = np.concatenate(paths)
    low, high = points.min(axis=0), points.max(axis=0)
    scale = height / max(float(high[1] - low[1]), 1.0)
    centre_y = (low[1] + high[1]) / 2
    return [np.column_stack([(path[:, 0] - low[0]) * scale + left,
                             (path[:, 1] - centre_y) * scale + middle]) for path in paths]


def _on_canvas(person: str, text: str, paths: list[np.ndarray]) -> WrittenNumber:
    """The paths moved onto a canvas ``CANVAS_HEIGHT`` high with ``MARGIN`` on either side."""
    points = np.concatenate(paths)
    low, high = points.min(axis=0), points.max(axis=0)
    shift = np.array([MARGIN - low[0], CANVAS_HEIGHT / 2 - (low[1] + high[1]) / 2])
    width = int(np.ceil(high[0] - low[0] + 2 * MARGIN))
    strokes = [Stroke(PEN, tuple(map(tuple, np.round(path + shift, 2).tolist()))) for path in paths]
    return WrittenNumber(person, None, text, (width, CANVAS_HEIGHT), strokes)
