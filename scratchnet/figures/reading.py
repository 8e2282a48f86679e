"""How ``read_number`` read written numbers, drawn: the strokes, each mark's box, what it was
read as and how sure (docs/reading.md's figure, ``scripts/bench_reading.py --figure``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from scratchnet.data.numbers import WrittenNumber
from scratchnet.figures.plots import _save
from scratchnet.reading.number import NumberReading

COLOURS = {"digit": "tab:blue", "separator": "tab:green", "not a digit": "tab:red"}


def number_readings(examples: Sequence[tuple[WrittenNumber, NumberReading]],
                    path: str | os.PathLike) -> Path:
    """One row per (number, reading): the number's strokes, a box round each mark coloured by
    its kind (digit blue, separator green, not a digit red) with its reading and confidence
    above it, and the text written and read as the row's title."""
    widths = [number.canvas[0] for number, _ in examples]
    figure = Figure(figsize=(12, 2.2 * len(examples) + 0.3), layout="constrained")
    grid = figure.add_gridspec(len(examples), 1)
    for row, (number, reading) in enumerate(examples):
        axes = figure.add_subplot(grid[row])
        for stroke in number.strokes:
            points = np.array(stroke.points)
            axes.plot(points[:, 0], points[:, 1], color="0.25", linewidth=2.2,
                      solid_capstyle="round")
        for mark in reading.marks:
            left, top, right, bottom = mark.box
            colour = COLOURS[mark.kind]
            axes.add_patch(Rectangle((left - 6, top - 6), right - left + 12, bottom - top + 12,
                                     fill=False, edgecolor=colour, linewidth=1.2,
                                     linestyle="-" if mark.sure else "--"))
            axes.text((left + right) / 2, top - 12, f"{mark.character}\n{mark.confidence:.0%}",
                      ha="center", va="bottom", fontsize=8, color=colour)
        verdict = "right" if reading.text == number.text else "wrong"
        axes.set_title(f"{number.person}: written {number.text!r}, read {reading.text!r} "
                       f"({verdict})", fontsize=10, loc="left")
        axes.set_xlim(0, max(widths))
        axes.set_ylim(number.canvas[1], 0)
        axes.set_aspect("equal")
        axes.set_xticks([])
        axes.set_yticks([])
    return _save(figure, path)
