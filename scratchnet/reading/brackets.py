"""Brackets come in pairs: the readings of the marks that could be brackets, chosen together.

A "(" read alone, with no ")" after it, is more often a 1 or a 6 whose shape fooled the rules,
and a ")" with no "(" before it a 1 or a 7. Of the marks whose best bracket reading scores
within ``MARGIN`` of their best reading, each either keeps its best reading other than a
bracket or becomes the bracket it fits better; the choice with the best total score is taken,
each bracket that does not pair up ("(" then ")") costing ``UNPAIRED``. A text with no bracket
reading near is left as it is.
"""

from __future__ import annotations

import itertools
from typing import Sequence

from scratchnet.reading.search import Candidate

BRACKETS = ("(", ")")
MARGIN = 6.0
UNPAIRED = 3.0
MOST = 8            # marks that could be brackets, at most: 2**MOST choices are weighed


def pair_brackets(chosen: Sequence[Candidate]) -> None:
    """Set ``chosen`` on the marks whose reading the pairing changes (module docstring)."""
    doubtful = []
    for index, mark in enumerate(chosen):
        best = max(mark.scores.values())
        bracket = max(BRACKETS, key=lambda name: mark.scores.get(name, -float("inf")))
        if mark.scores.get(bracket, -float("inf")) >= best - MARGIN:
            other = max((name for name in mark.scores if name not in BRACKETS),
                        key=mark.scores.get)
            doubtful.append((index, bracket, other))
    if not doubtful or len(doubtful) > MOST:
        return
    best_total, best_choice = -float("inf"), None
    for choice in itertools.product((False, True), repeat=len(doubtful)):
        readings = [bracket if as_bracket else other
                    for (_, bracket, other), as_bracket in zip(doubtful, choice)]
        total = sum(chosen[index].scores[reading]
                    for (index, _, _), reading in zip(doubtful, readings))
        total -= UNPAIRED * _unpaired([reading for reading in readings if reading in BRACKETS])
        if total > best_total:
            best_total, best_choice = total, readings
    for (index, _, _), reading in zip(doubtful, best_choice):
        if reading != chosen[index].best:
            chosen[index].chosen = reading


def _unpaired(brackets: Sequence[str]) -> int:
    """How many of the brackets, in order, do not pair up: a "(" is closed by the first ")"
    after it, before the next "(" opens."""
    unpaired, open_ = 0, False
    for bracket in brackets:
        if bracket == "(":
            unpaired += open_
            open_ = True
        elif open_:
            open_ = False
        else:
            unpaired += 1
    return unpaired + open_
