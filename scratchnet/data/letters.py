"""Letter templates for synthetic "not a digit" marks: the letters that do not look like digits.

Left out on purpose are the letters a digit is a fair reading of: O o D Q (0), I l i j (1),
Z z (2), S s (5), B b (8 or 6), G g q (6 or 9). Each template draws one letter as pen paths
in line units: x to the right, y down, the top of a capital at 0 and the baseline at 1; a
lower-case letter's body starts at its x-height (0.35-0.55), ascenders reach 0 and descenders
1.4. A template draws its own proportions and the ways people write the letter (in print, in
one stroke or several, with cursive lead-ins and tails); ``scratchnet.data.marks`` then adds
what every hand adds: sloppy joins, tremor, slant, rotation and stroke order.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from scratchnet.data.synthetic import Path, ellipse_arc, smooth_curve

Template = Callable[[np.random.Generator], list[Path]]


def corners(*points) -> Path:
    """A polyline through the points."""
    return np.array(points, dtype=np.float64)


def curve(*points) -> Path:
    """A smooth curve through the points."""
    return smooth_curve(np.array(points, dtype=np.float64))


def sometimes_round(rng: np.random.Generator, *points, chance: float = 0.3) -> Path:
    """A polyline through the points, or (one time in ``1 / chance``) a curve: a hand in a
    hurry rounds the corners."""
    return curve(*points) if rng.random() < chance else corners(*points)


def x_height(rng: np.random.Generator) -> float:
    """Where a lower-case letter's body starts: its top, in line units."""
    return rng.uniform(0.35, 0.55)


def cursive(rng: np.random.Generator, stroke: Path, lead_in: float = 0.3,
            tail: float = 0.4) -> Path:
    """The stroke with, at random, the lead-in from the baseline and the tail up to the right
    that a letter cut out of joined writing keeps."""
    parts = [stroke]
    if rng.random() < lead_in:
        start = stroke[0]
        parts.insert(0, curve([start[0] - rng.uniform(0.15, 0.35), rng.uniform(0.95, 1.05)],
                              start + [-0.03, 0.05])[:-1])
    if rng.random() < tail:
        end = stroke[-1]
        parts.append(curve(end + [0.03, 0.02], [end[0] + rng.uniform(0.15, 0.35),
                                                rng.uniform(0.75, 0.95)]))
    return np.concatenate(parts)


# ------------------------------------------------------------------------------------ capitals
def capital_a(rng):
    width, bar = rng.uniform(0.6, 1.0), rng.uniform(0.5, 0.75)
    apex = [width * rng.uniform(0.4, 0.6), 0.0]
    left, right = [0.0, 1.0], [width, 1.0]
    # Where the legs are at the bar's height, and how far the bar runs past them.
    bar_left = left[0] + (apex[0] - left[0]) * (1 - bar) - rng.uniform(-0.05, 0.1)
    bar_right = right[0] - (right[0] - apex[0]) * (1 - bar) + rng.uniform(-0.05, 0.1)
    crossbar = corners([bar_left, bar], [bar_right, bar + rng.uniform(-0.06, 0.06)])
    if rng.random() < 0.7:
        return [sometimes_round(rng, left, apex, right, chance=0.2), crossbar]
    return [corners(apex, left), corners(apex, right), crossbar]


def capital_c(rng):
    width = rng.uniform(0.55, 1.0)
    start = np.deg2rad(rng.uniform(20, 70))
    sweep = np.deg2rad(rng.uniform(250, 300))
    return [ellipse_arc(np.array([width / 2, 0.5]), np.array([width / 2, 0.5]), start, sweep, 20)]


def capital_e(rng):
    width, middle = rng.uniform(0.5, 0.85), rng.uniform(0.4, 0.6)
    bars = [rng.uniform(0.8, 1.05) * width, rng.uniform(0.55, 0.95) * width,
            rng.uniform(0.8, 1.1) * width]
    style = rng.random()
    if style < 0.5:                   # the spine, then the three bars
        return [corners([0, 0], [0, 1]), corners([0, 0], [bars[0], 0]),
                corners([0, middle], [bars[1], middle]), corners([0, 1], [bars[2], 1])]
    if style < 0.88:                  # top bar, spine and bottom bar in one stroke
        return [corners([bars[0], 0], [0, 0], [0, 1], [bars[2], 1]),
                corners([0, middle], [bars[1], middle])]
    # The rounded E, like a 3 facing left.
    return [curve([width, 0.12], [0.5 * width, 0], [0.1 * width, 0.2], [0.45 * width, middle],
                  [0.05 * width, middle + 0.25], [0.5 * width, 1], [width, 0.85])]


def capital_f(rng):
    width, middle = rng.uniform(0.45, 0.8), rng.uniform(0.4, 0.6)
    arm = rng.uniform(0.6, 1.0) * width
    if rng.random() < 0.5:
        return [corners([0, 0], [0, 1]), corners([0, 0], [width, 0]),
                corners([0, middle], [arm, middle])]
    return [corners([width, 0], [0, 0], [0, 1]),
            corners([-rng.uniform(0, 0.1), middle], [arm, middle])]


def capital_h(rng):
    width, bar = rng.uniform(0.55, 0.95), rng.uniform(0.4, 0.6)
    left = corners([0, 0], [0, 1])
    right = corners([width, 0], [width, 1])
    crossbar = corners([0, bar], [width, bar + rng.uniform(-0.05, 0.05)])
    if rng.random() < 0.3:            # down the left, then across and down the right
        return [left, corners([0, bar], [width, bar], [width, 0], [width, 1])]
    return [left, right, crossbar]


def capital_j(rng):
    width = rng.uniform(0.45, 0.8)
    stem_x = width * rng.uniform(0.6, 0.9)
    hook = curve([stem_x, 0], [stem_x, 0.65], [stem_x * 0.8, 0.95], [stem_x * 0.35, 1.0],
                 [0, rng.uniform(0.7, 0.85)])
    if rng.random() < 0.5:
        return [hook, corners([stem_x - width * 0.45, 0], [stem_x + width * 0.35, 0])]
    return [hook]


def capital_k(rng):
    width, joint = rng.uniform(0.5, 0.85), rng.uniform(0.4, 0.6)
    stem = corners([0, 0], [0, 1])
    arm_start = [rng.uniform(0.0, 0.1), joint]
    if rng.random() < 0.6:
        return [stem, sometimes_round(rng, [width, 0], arm_start, [width, 1], chance=0.15)]
    leg_start = [width * rng.uniform(0.1, 0.35), joint - 0.5 * joint * rng.uniform(0.1, 0.4)]
    return [stem, corners([width, 0], arm_start), corners(leg_start, [width, 1])]


def capital_l(rng):
    return [sometimes_round(rng, [0, 0], [0, 1], [rng.uniform(0.45, 0.85), 1], chance=0.15)]


def capital_m(rng):
    width, dip = rng.uniform(0.7, 1.2), rng.uniform(0.45, 1.0)
    slant = width * rng.uniform(0.0, 0.15)                    # legs splayed
    points = ([0, 1], [slant, 0], [width / 2, dip], [width - slant, 0], [width, 1])
    if rng.random() < 0.25:
        return [corners(*points[:2]), corners(*points[1:4]), corners(*points[3:])]
    return [sometimes_round(rng, *points, chance=0.25)]


def capital_n(rng):
    width = rng.uniform(0.55, 0.95)
    points = ([0, 1], [0, 0], [width, 1], [width, 0])
    if rng.random() < 0.3:
        return [corners(*points[:2]), corners(*points[1:3]), corners(*points[2:])]
    return [sometimes_round(rng, *points, chance=0.25)]


def bowl(rng, width: float, top: float, bottom: float, x: float = 0.0) -> Path:
    """The bowl of a P or R: from the stem at ``top`` round to the right and back to the
    stem at ``bottom``."""
    reach = x + width * rng.uniform(0.8, 1.0)
    return curve([x, top], [x + 0.6 * (reach - x), top - 0.02], [reach, (top + bottom) / 2],
                 [x + 0.6 * (reach - x), bottom + 0.01], [x - rng.uniform(0, 0.08), bottom])


def capital_p(rng):
    width, waist = rng.uniform(0.5, 0.8), rng.uniform(0.45, 0.65)
    if rng.random() < 0.6:            # up the stem and round the bowl without lifting the pen
        return [np.concatenate([corners([0, 1], [0, 0]), bowl(rng, width, 0, waist)[1:]])]
    return [corners([0, 0], [0, 1]), bowl(rng, width, 0, waist)]


def capital_r(rng):
    width, waist = rng.uniform(0.5, 0.85), rng.uniform(0.45, 0.6)
    leg = corners([width * rng.uniform(0.1, 0.4), waist], [width, 1])
    loop = bowl(rng, width, 0, waist)
    if rng.random() < 0.6:
        return [np.concatenate([corners([0, 1], [0, 0]), loop[1:], leg[1:]])]
    return [corners([0, 0], [0, 1]), np.concatenate([loop, leg[1:]])]


def capital_t(rng):
    width = rng.uniform(0.55, 1.0)
    stem_x = width * rng.uniform(0.4, 0.6)
    bar = corners([0, rng.uniform(-0.04, 0.04)], [width, rng.uniform(-0.04, 0.04)])
    return [bar, corners([stem_x, 0], [stem_x + rng.uniform(-0.05, 0.05), 1])]


def capital_u(rng):
    width = rng.uniform(0.55, 1.0)
    shape = [curve([0, 0], [0.02, 0.7], [width / 2, 1], [width - 0.02, 0.7], [width, 0])]
    if rng.random() < 0.25:           # with the stem of a print U
        shape[0] = np.concatenate([shape[0], corners([width, 0], [width, 1])[1:]])
    return shape


def capital_v(rng):
    width = rng.uniform(0.5, 0.95)
    return [sometimes_round(rng, [0, 0], [width * rng.uniform(0.4, 0.6), 1], [width, 0],
                            chance=0.15)]


def capital_w(rng):
    width, middle = rng.uniform(0.8, 1.3), rng.uniform(0.0, 0.6)
    points = ([0, 0], [0.25 * width, 1], [0.5 * width, middle], [0.75 * width, 1], [width, 0])
    return [sometimes_round(rng, *points, chance=0.3)]


def capital_x(rng):
    width = rng.uniform(0.55, 1.0)
    crossing = rng.uniform(0.35, 0.65)
    lean = rng.uniform(-0.15, 0.15)
    first = corners([0, 0], [width + lean, 1])
    second = corners([width, 0], [lean - 0.05, 1])
    # Most people cross from the top left first; the heights of the ends differ a little.
    first[:, 1] += (np.array([0, 1]) - crossing) * rng.uniform(-0.1, 0.1)
    return [first, second] if rng.random() < 0.7 else [second, first]


def capital_y(rng):
    width, joint = rng.uniform(0.55, 0.95), rng.uniform(0.4, 0.6)
    middle = [width * rng.uniform(0.4, 0.6), joint]
    foot = [middle[0] + rng.uniform(-0.05, 0.05), 1]
    if rng.random() < 0.6:
        return [corners([0, 0], middle), corners([width, 0], middle, foot)]
    return [corners([0, 0], middle, foot), corners([width, 0], middle)]


# ---------------------------------------------------------------------------------- lower case
def small_a(rng):
    top, width = x_height(rng), rng.uniform(0.4, 0.7)
    centre = np.array([width * 0.45, (top + 1) / 2])
    radii = np.array([width * 0.45, (1 - top) / 2])
    if rng.random() < 0.7:            # the round a: the bowl from its top right, then the stem
        start = np.deg2rad(rng.uniform(20, 60))
        loop = ellipse_arc(centre, radii, start, np.deg2rad(rng.uniform(300, 340)), 18)
        stem = corners(loop[-1] + [0.02, 0], [width * 0.92, 1])
        return [cursive(rng, np.concatenate([loop, stem]))]
    # The two-storey a: the hook, down the stem, and the bowl drawn from it.
    hook = curve([0.1 * width, top + 0.1], [0.5 * width, top], [0.9 * width, top + 0.15],
                 [0.9 * width, 1])
    low = curve([0.9 * width, top + 0.35], [0.3 * width, top + 0.35], [0.05 * width, 0.85],
                [0.4 * width, 1], [0.9 * width, 0.88])
    return [cursive(rng, hook, lead_in=0), low] if rng.random() < 0.5 else \
        [cursive(rng, np.concatenate([hook, low]), lead_in=0)]


def small_c(rng):
    top, width = x_height(rng), rng.uniform(0.35, 0.65)
    arc = ellipse_arc(np.array([width / 2, (top + 1) / 2]), np.array([width / 2, (1 - top) / 2]),
                      np.deg2rad(rng.uniform(20, 70)), np.deg2rad(rng.uniform(240, 290)), 16)
    return [cursive(rng, arc, lead_in=0.1)]


def small_d(rng):
    top, width = x_height(rng), rng.uniform(0.4, 0.7)
    stem_x = width * 0.9
    loop = ellipse_arc(np.array([width * 0.45, (top + 1) / 2]),
                       np.array([width * 0.45, (1 - top) / 2]),
                       np.deg2rad(rng.uniform(10, 50)), np.deg2rad(rng.uniform(300, 345)), 18)
    stem = corners([stem_x, rng.uniform(-0.05, 0.1)], [stem_x + rng.uniform(-0.05, 0.05), 1])
    if rng.random() < 0.5:            # the bowl, up to the ascender, back down the stem
        return [cursive(rng, np.concatenate([loop, stem]), lead_in=0.1)]
    return [loop, stem]


def small_e(rng):
    top, width = x_height(rng), rng.uniform(0.4, 0.75)
    middle = top + (1 - top) * rng.uniform(0.4, 0.6)
    if rng.random() < 0.6:            # across the middle, then round
        stroke = curve([0.05 * width, middle], [0.95 * width, middle - 0.02],
                       [0.8 * width, top + 0.05], [0.45 * width, top],
                       [0.08 * width, (middle + top) / 2 + 0.1], [0.1 * width, 0.9],
                       [0.55 * width, 1], [0.95 * width, 0.88])
        return [cursive(rng, stroke, lead_in=0.15)]
    # The looped e of joined writing.
    loop = curve([0, 0.95], [0.7 * width, middle], [0.55 * width, top], [0.15 * width, middle],
                 [0.2 * width, 0.92], [0.6 * width, 1], [width, 0.85])
    return [cursive(rng, loop, lead_in=0)]


def small_f(rng):
    width = rng.uniform(0.35, 0.65)
    bar = x_height(rng)
    foot = rng.choice([1.0, rng.uniform(1.15, 1.4)])
    stem = curve([width, 0.12], [0.65 * width, 0], [0.35 * width, 0.12], [0.3 * width, 0.5],
                 [0.3 * width, foot])
    return [stem, corners([0, bar], [0.8 * width, bar + rng.uniform(-0.04, 0.04)])]


def arches(rng, top: float, width: float, count: int, x: float = 0.0) -> Path:
    """``count`` arches of an n or m side by side from ``x`` (each up from the baseline,
    over, and down), as one path starting at the baseline."""
    step = width / count
    points = [[x, 1.0]]
    for index in range(count):
        left = x + index * step
        points += [[left + 0.05 * step, top + 0.25 * (1 - top)], [left + 0.5 * step, top],
                   [left + 0.95 * step, top + 0.3 * (1 - top)], [left + step, 1.0]]
    if rng.random() < 0.6:
        return curve(*points)
    return corners(*points)            # the pointed arches of a hurried hand


def small_h(rng):
    top, width = x_height(rng), rng.uniform(0.35, 0.65)
    if rng.random() < 0.3:            # the looped ascender of joined writing
        loop = curve([0, 0.8], [0.3 * width, 0.15], [0.15 * width, 0], [0, 0.2], [0, 1])
    else:
        loop = corners([0, 0], [0, 1])
    return [cursive(rng, np.concatenate([loop, arches(rng, top, width, 1)[1:]]), lead_in=0.1)]


def small_k(rng):
    top, width = x_height(rng), rng.uniform(0.35, 0.6)
    stem = corners([0, 0], [0, 1])
    joint = [rng.uniform(0.0, 0.1), top + (1 - top) * rng.uniform(0.4, 0.6)]
    if rng.random() < 0.6:
        return [stem, corners([width, top], joint, [width, 1])]
    # The k of joined writing: a small loop at the joint.
    return [np.concatenate([stem, curve([0, 0.8], [0.7 * width, top], [0.8 * width, top + 0.2],
                                        [0.1 * width, joint[1]], [width, 1])])]


def small_m(rng):
    top, width = x_height(rng), rng.uniform(0.7, 1.2)
    stroke = np.concatenate([corners([0, top], [0, 1]), arches(rng, top, width, 2)[1:]])
    return [cursive(rng, stroke, lead_in=0.4)]


def small_n(rng):
    top, width = x_height(rng), rng.uniform(0.4, 0.7)
    stroke = np.concatenate([corners([0, top], [0, 1]), arches(rng, top, width, 1)[1:]])
    return [cursive(rng, stroke, lead_in=0.4)]


def small_p(rng):
    top, width = x_height(rng), rng.uniform(0.4, 0.65)
    stem = corners([0, top], [0, rng.uniform(1.25, 1.45)])
    loop = bowl(rng, width, top + 0.02, 0.97)
    if rng.random() < 0.6:            # down the stem, back up, round the bowl
        return [np.concatenate([stem, corners(stem[-1], [0, top + 0.05]), loop[1:]])]
    return [stem, loop]


def small_r(rng):
    top, width = x_height(rng), rng.uniform(0.3, 0.55)
    stem = corners([0, top], [0, 1])
    shoulder = curve([0, 0.65 + 0.1 * rng.random()], [0.35 * width, top + 0.02], [width, top + 0.1])
    if rng.random() < 0.6:
        return [cursive(rng, np.concatenate([stem, shoulder]), lead_in=0.3, tail=0.2)]
    return [stem, shoulder]


def small_t(rng):
    top, width = x_height(rng), rng.uniform(0.35, 0.6)
    stem_x = 0.45 * width
    stem = curve([stem_x, rng.uniform(0.05, 0.25)], [stem_x, 0.8], [stem_x + 0.1 * width, 0.98],
                 [width, rng.uniform(0.85, 0.95)]) if rng.random() < 0.6 \
        else corners([stem_x, rng.uniform(0.05, 0.25)], [stem_x, 1])
    bar = corners([0, top], [width, top + rng.uniform(-0.05, 0.05)])
    return [stem, bar] if rng.random() < 0.8 else [bar, stem]


def small_u(rng):
    top, width = x_height(rng), rng.uniform(0.4, 0.7)
    cup = curve([0, top], [0.03, 0.8], [0.45 * width, 1], [0.9 * width, 0.8], [width, top])
    return [cursive(rng, np.concatenate([cup, corners([width, top], [width, 1])[1:]]),
                    lead_in=0.4)]


def small_v(rng):
    top, width = x_height(rng), rng.uniform(0.35, 0.7)
    stroke = sometimes_round(rng, [0, top], [0.5 * width, 1], [width, top], chance=0.2)
    if rng.random() < 0.3:            # the flourish at the end of a joined v
        stroke = np.concatenate([stroke, curve([width, top], [width + 0.1, top - 0.03])[1:]])
    return [cursive(rng, stroke, lead_in=0.3, tail=0)]


def small_w(rng):
    top, width = x_height(rng), rng.uniform(0.6, 1.1)
    middle = top + (1 - top) * rng.uniform(0.0, 0.5)
    return [cursive(rng, sometimes_round(rng, [0, top], [0.25 * width, 1], [0.5 * width, middle],
                                         [0.75 * width, 1], [width, top], chance=0.4),
                    lead_in=0.3, tail=0.2)]


def small_x(rng):
    top, width = x_height(rng), rng.uniform(0.45, 0.7)
    if rng.random() < 0.65:
        first = corners([0, top], [width + rng.uniform(-0.1, 0.1), 1])
        second = corners([width, top + rng.uniform(-0.05, 0.05)], [rng.uniform(-0.1, 0.05), 1])
        return [first, second] if rng.random() < 0.7 else [second, first]
    # The x of joined writing: a ) and a ( back to back.
    middle = (top + 1) / 2
    left = curve([0.05 * width, top + 0.1], [0.3 * width, top], [0.5 * width, middle],
                 [0.3 * width, 1], [0, 0.92])
    right = curve([0.95 * width, top + 0.1], [0.7 * width, top], [0.5 * width, middle],
                  [0.7 * width, 1], [width, 0.92])
    return [left, right]


def small_y(rng):
    top, width = x_height(rng), rng.uniform(0.4, 0.7)
    descender = rng.uniform(1.25, 1.45)
    if rng.random() < 0.55:           # a v whose right arm runs on below the line
        return [corners([0, top], [0.5 * width, 1]),
                corners([width, top], [0.1 * width, descender])]
    # The y of joined writing: a u whose stem drops into a loop or a hook.
    cup = curve([0, top], [0.03, 0.8], [0.45 * width, 1], [0.9 * width, 0.8], [width, top])
    tail = curve([width, top], [width, 1.15], [0.7 * width, descender], [0.3 * width, 1.25],
                 [0.5 * width, 1.05] if rng.random() < 0.5 else [0.2 * width, 1.1])
    return [cursive(rng, np.concatenate([cup, tail[1:]]), lead_in=0.3, tail=0)]


CAPITALS: dict[str, Template] = {
    "A": capital_a, "C": capital_c, "E": capital_e, "F": capital_f, "H": capital_h,
    "J": capital_j, "K": capital_k, "L": capital_l, "M": capital_m, "N": capital_n,
    "P": capital_p, "R": capital_r, "T": capital_t, "U": capital_u, "V": capital_v,
    "W": capital_w, "X": capital_x, "Y": capital_y,
}
LOWER_CASE: dict[str, Template] = {
    "a": small_a, "c": small_c, "d": small_d, "e": small_e, "f": small_f, "h": small_h,
    "k": small_k, "m": small_m, "n": small_n, "p": small_p, "r": small_r, "t": small_t,
    "u": small_u, "v": small_v, "w": small_w, "x": small_x, "y": small_y,
}
LETTERS: dict[str, Template] = {**CAPITALS, **LOWER_CASE}
# The letters a digit is a fair reading of; never drawn here.
DIGIT_LOOKALIKES = "OoDQIlijZzSsBbGgq"
