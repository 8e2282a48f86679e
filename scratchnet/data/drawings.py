"""Real people's drawings, in the app's personal-digit format, for measuring how a model reads them.

A set of drawings is given as folders, each either

    one person's:      PERSON/*.json          (as the app saves them: data/my_digits/)
    or a folder of people's:  DIR/PERSON/*.json  (as ../shared/drawn/ is)

A folder that holds ``.json`` files is one person's, named after the folder; one that holds
none is a folder of people, each subfolder with ``.json`` files a person. Every ``.json`` file
in a person's folder must be a drawing (``scratchnet.data.personal.read_sample_file``), whatever its
name: a measurement that skipped files quietly would not say what it measured. Hidden files and
other files (a README) are ignored.

A drawing (a :class:`LabelledDrawing`) is read from its strokes, as the app reads it
(``strokes_to_mnist``); the stored ``image`` is only what the app saw when it saved the drawing.
``scale_to_box`` redraws a drawing larger or smaller, to measure how the size at which people
draw matters.
``scratchnet.training.metrics.evaluate_drawings`` scores a model on them.

Folders of letters (../shared/letters) are laid out the same way, a file a letter:
``{"format": 1, "label": "A", "canvas": [W, H], "strokes": [...]}`` (no image), read by
``load_letters`` as :class:`LetterDrawing` s: drawings that are not digits, to measure how often
a model says so (``scratchnet.reading.measure.read_letters``). ``holds_letters`` tells the two
kinds of folder apart by the label of their first file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from scratchnet.data.personal import FORMAT, NAME_PATTERN, read_sample_file
from scratchnet.files import json_files, read_json_object
from scratchnet.preprocess.rendering import strokes_to_mnist
from scratchnet.preprocess.strokes import Stroke, check_canvas, check_strokes


class DrawingsError(ValueError):
    """A set of drawings cannot be used; the message names the folder or file and why."""


@dataclass
class LabelledDrawing:
    """One person's drawing of a digit, read from its file for measuring: who drew it, the
    file, the digit it shows and its strokes on a canvas of (width, height) pixels."""

    person: str
    path: Path
    label: int
    strokes: list[Stroke]
    canvas: tuple[int, int]


@dataclass
class LetterDrawing:
    """One person's drawing of a letter: who drew it, the file, the letter, its strokes on a
    canvas of (width, height) pixels."""

    person: str
    path: Path
    label: str
    strokes: list[Stroke]
    canvas: tuple[int, int]


def load_drawings(folders: Sequence[str | os.PathLike]) -> list[LabelledDrawing]:
    """Every drawing in ``folders`` (see the module docstring), person by person, by file name.

    Raises ``DrawingsError`` for a folder that is missing, not a folder, or holds no drawings,
    for a file that is not a drawing (damaged, not valid JSON, no strokes, ...), and for two
    people of the same name.
    """
    return [_read_drawing(person, path) for person, path in _files(folders)]


def load_letters(folders: Sequence[str | os.PathLike]) -> list[LetterDrawing]:
    """Every letter in ``folders``, laid out as drawings are (module docstring); raises
    ``DrawingsError`` as ``load_drawings`` does, naming a file whose label is not one letter."""
    return [_read_letter(person, path) for person, path in _files(folders)]


def holds_letters(folders: Sequence[str | os.PathLike]) -> bool:
    """Whether the first file of ``folders`` is labelled with a letter rather than a digit
    (``DrawingsError`` as ``load_drawings`` raises, for folders without drawings)."""
    path = _files(folders)[0][1]
    label = _json_object(path).get("label")
    return isinstance(label, str) and len(label) == 1 and label.isalpha()


def _files(folders: Sequence[str | os.PathLike]) -> list[tuple[str, Path]]:
    """(person, file) of every drawing file in ``folders``, person by person, by name."""
    if not folders:
        raise DrawingsError("no folders of drawings given")
    people: dict[str, Path] = {}
    for folder in map(Path, folders):
        for person, files in _people(folder):
            if person in people:
                raise DrawingsError(f"{folder}: holds the drawings of {person!r}, as does "
                                    f"{people[person]}; give each person's folder once")
            people[person] = files[0].parent
    return [(person, path) for person, folder in people.items() for path in _json_files(folder)]


def _people(folder: Path) -> list[tuple[str, list[Path]]]:
    if not folder.exists():
        raise DrawingsError(f"{folder}: no such directory")
    if not folder.is_dir():
        raise DrawingsError(f"{folder}: not a directory")
    files = _json_files(folder)
    if files:
        return [(folder.resolve().name, files)]
    people = []
    for sub in sorted(entry for entry in folder.iterdir()
                      if entry.is_dir() and not entry.name.startswith(".")):
        files = _json_files(sub)
        if files:
            people.append((sub.name, files))
    if not people:
        raise DrawingsError(f"{folder}: no drawings: expected .json files (one person's "
                            "drawings) or folders of them (one per person)")
    return people


def _json_files(folder: Path) -> list[Path]:
    try:
        return json_files(folder)
    except OSError as error:
        raise DrawingsError(f"{folder}: cannot be read: {error.strerror or error}") from error


def _read_drawing(person: str, path: Path) -> LabelledDrawing:
    match = NAME_PATTERN.match(path.name)
    try:
        sample = read_sample_file(path, int(match["label"]) if match else None)
    except ValueError as error:
        raise DrawingsError(f"{path}: {error}") from error
    if not sample["strokes"]:
        raise DrawingsError(f"{path}: holds no strokes; drawings are measured from their "
                            "strokes")
    return LabelledDrawing(person, path, sample["label"], sample["strokes"], sample["canvas"])


def _json_object(path: Path) -> dict:
    try:
        return read_json_object(path)
    except ValueError as error:
        raise DrawingsError(str(error)) from error


def _read_letter(person: str, path: Path) -> LetterDrawing:
    record = _json_object(path)
    missing = [key for key in ("format", "label", "canvas", "strokes") if key not in record]
    if missing:
        raise DrawingsError(f"{path}: missing {', '.join(missing)}")
    if record["format"] != FORMAT:
        raise DrawingsError(f"{path}: format {record['format']!r}; this version of scratchnet "
                            f"reads format {FORMAT}")
    label = record["label"]
    if not (isinstance(label, str) and len(label) == 1 and label.isalpha()):
        raise DrawingsError(f"{path}: label must be one letter, got {label!r}; give folders "
                            "of letters or of digits, not both")
    try:
        strokes = check_strokes(record["strokes"], "strokes")
        canvas = check_canvas(record["canvas"], "canvas")
    except ValueError as error:
        raise DrawingsError(f"{path}: {error}") from error
    if not strokes:
        raise DrawingsError(f"{path}: holds no strokes")
    return LetterDrawing(person, path, label, strokes, canvas)


def scale_to_box(strokes: Sequence[Stroke], canvas: tuple[int, int], box: float
                 ) -> list[Stroke]:
    """The strokes scaled so that the bounding box of their points is ``box`` pixels on its
    longest side, and moved so that its centre is the canvas's centre; pen widths unchanged.

    A drawing of a single point is only moved. ``box`` must fit in the canvas.
    """
    if not 0 < box <= min(canvas):
        raise ValueError(f"the digit box must be above 0 and fit in the {canvas[0]}x{canvas[1]} "
                         f"canvas, got {box!r}")
    points = np.array([point for stroke in strokes for point in stroke.points], np.float64)
    low, high = points.min(axis=0), points.max(axis=0)
    middle = (low + high) / 2
    longest = float((high - low).max())
    scale = box / longest if longest > 0 else 1.0
    centre = np.array(canvas, np.float64) / 2
    scaled = []
    for stroke in strokes:
        moved = (np.asarray(stroke.points, np.float64) - middle) * scale + centre
        scaled.append(Stroke(stroke.width, tuple(map(tuple, moved.tolist()))))
    return scaled


def drawings_to_mnist(drawings: Sequence[LabelledDrawing], box: float | None = None,
                      pen: str = "mnist") -> np.ndarray:
    """The network's input for each drawing, float32 (N, 28, 28): ``strokes_to_mnist`` of its
    strokes, first scaled to ``box`` pixels (``scale_to_box``) unless ``box`` is None.

    Raises ``DrawingsError`` naming the file of a drawing that cannot be read (no ink on the
    canvas, say).
    """
    images = np.zeros((len(drawings), 28, 28), np.float32)
    for index, drawing in enumerate(drawings):
        strokes = drawing.strokes
        try:
            if box is not None:
                strokes = scale_to_box(strokes, drawing.canvas, box)
            images[index] = strokes_to_mnist(strokes, drawing.canvas, pen=pen)
        except ValueError as error:
            raise DrawingsError(f"{drawing.path}: {error}") from error
    return images

