"""How well a mark's shape fits each separator, and a digit, from its size, place and form.

Each rule is a product of soft bounds on the measures of ``scratchnet.reading.shape`` (line
heights): ``soft(value, outer_low, inner_low, inner_high, outer_high)`` is 1 inside the inner
range, falls linearly to ``FLOOR`` at the outer bounds and stays there beyond them. A rule's
score is the log of the product, 0 for a perfect fit.

    digit  0.5-1.45 tall (0.25-2.2 at all), at most 1.1 wide (1.8), its bottom 0.3 or more
           below the line's middle (at all: below it), its top 0.15 or more above it
    "-"    one path, flat (2.5 times as wide as tall), at most 0.22 tall, 0.2-1.3 wide, its
           centre within 0.2 of the middle
    "."    one path, at most 0.3 tall and 0.25 wide, its centre 0.25 or more below the middle
    ","    one path, 0.3-0.8 tall, at most 0.35 wide, its centre 0.3 or more below the middle
    ":"    two dots (each at most 0.3 tall and wide), one 0.3 or more below the other
    "/"    one path, 1.3 or more tall, straight (bend at most 0.1), leaning 0.12 or more beyond
           the writing
    "(" ")"  one path, 1.0 or more tall, its width at most 0.7 of its height, smooth (no turn
           sharper than 50 degrees, at most 60 degrees of turning back), bending 45-200 degrees
           one way, its ends one over the other, bulging left ("(") or right (")")

The bounds come from the marks of the tuning half of ../shared/numbers: the percentiles of
each measure for each character, on the numbers whose rough marks matched their text one to
one and on all of them read with the labels' help (docs/reading.md). The network has no
output for any separator (``scratchnet.data.classes``): these rules are all that tells them.
"""

from __future__ import annotations

import math

from scratchnet.reading.shape import Shape

FLOOR = 1e-4
DIGIT_WIDTH = (1.1, 1.8)   # line heights: a digit is at most so wide, fully and at all


def soft(value: float, outer_low: float, inner_low: float, inner_high: float,
         outer_high: float) -> float:
    """1 within [inner_low, inner_high], falling linearly to ``FLOOR`` at the outer bounds."""
    if value < inner_low:
        if value <= outer_low:
            return FLOOR
        return FLOOR + (1 - FLOOR) * (value - outer_low) / (inner_low - outer_low)
    if value > inner_high:
        if value >= outer_high:
            return FLOOR
        return FLOOR + (1 - FLOOR) * (outer_high - value) / (outer_high - inner_high)
    return 1.0


INF = math.inf


def digit_score(shape: Shape) -> float:
    """Log of how well the mark's size and place fit a digit: it reaches down to the baseline
    and up to the top of the line, or near them."""
    top, bottom = shape.offset - shape.height / 2, shape.offset + shape.height / 2
    return math.log(soft(shape.height, 0.25, 0.5, 1.45, 2.2) * soft(shape.width, -INF, -INF, *DIGIT_WIDTH)
                    * soft(bottom, 0.0, 0.3, INF, INF) * soft(top, -INF, -INF, -0.15, 0.25))


def _place_scores(shape: Shape) -> dict[str, float]:
    """Log of how well the mark's size and place (not its form) fit each separator."""
    one = 1.0 if shape.one_path else FLOOR
    small = soft(shape.height, -INF, -INF, 0.3, 0.5)
    tall = soft(shape.height, 0.8, 1.0, INF, INF)
    return {
        "-": math.log(one * small * soft(abs(shape.offset), -INF, -INF, 0.2, 0.4)),
        ".": math.log(one * small * soft(shape.width, -INF, -INF, 0.25, 0.45)
                      * soft(shape.offset, 0.1, 0.25, INF, INF)),
        ",": math.log(one * soft(shape.height, -INF, -INF, 0.8, 1.0)
                      * soft(shape.width, -INF, -INF, 0.35, 0.5)
                      * soft(shape.offset, 0.15, 0.3, INF, INF)),
        ":": math.log(_colon(shape)),
        "/": math.log(one * tall),
        "(": math.log(one * tall),
        ")": math.log(one * tall),
    }


def separator_scores(shape: Shape) -> dict[str, float]:
    """Log of how well the mark fits each separator, form included (see the module docstring)."""
    scores = _place_scores(shape)
    straight = soft(abs(shape.bend), -INF, -INF, 0.1, 0.2)
    smooth = soft(shape.wiggle, -INF, -INF, 60, 120) * soft(shape.sharpest, -INF, -INF, 50, 90)
    arc = (soft(shape.flatness, -INF, -INF, 0.7, 1.0) * smooth
           * soft(abs(shape.turning), 15, 45, 200, 260) * soft(abs(shape.lean), -INF, -INF, 0.3, 0.6))
    scores["-"] += math.log(soft(shape.flatness, 1.2, 2.5, INF, INF)
                            * soft(shape.height, -INF, -INF, 0.22, 0.4)
                            * soft(shape.width, 0.1, 0.2, 1.3, 1.8))
    scores[","] += math.log(soft(shape.height, 0.15, 0.3, INF, INF)
                            * soft(shape.flatness, -INF, -INF, 0.8, 1.5))
    # A slash is told from a one by its height and by leaning more than the writing does.
    leaning = soft(shape.lean, -INF, -INF, -0.12, 0.1)
    scores["/"] += math.log(straight * leaning * soft(shape.height, 1.0, 1.3, INF, INF))
    scores["("] += math.log(arc * soft(shape.bend, 0.03, 0.1, 0.9, 1.2))
    scores[")"] += math.log(arc * soft(-shape.bend, 0.03, 0.1, 0.9, 1.2))
    return scores


def _colon(shape: Shape) -> float:
    """Two small dots, one above the middle and one below, one over the other."""
    if len(shape.pieces) != 2:
        return FLOOR
    (high_h, high_w, upper), (low_h, low_w, lower) = sorted(shape.pieces, key=lambda piece: piece[2])
    dots = 1.0
    for height, width in ((high_h, high_w), (low_h, low_w)):
        dots *= soft(height, -INF, -INF, 0.3, 0.5) * soft(width, -INF, -INF, 0.3, 0.5)
    return (dots * soft(lower - upper, 0.15, 0.3, INF, INF)
            * soft(shape.width, -INF, -INF, 0.4, 0.6))
