"""Written numbers: one JSON file a number, a folder a person, for measuring how numbers are read.

    {"format": 1, "text": "800-901-4678", "created": "2026-...", "canvas": [W, H],
     "strokes": [{"width": 20.0, "points": [[x, y], ...]}, ...]}

``text`` is what was written: digits, the separators ``- / : . , ( ) +``, and spaces, which
only space the characters out ("2 1 2 - 7 5 3" is "212-753"); it holds at least one digit.
``created`` is optional. Strokes are canvas pixels, x to the right, y down.

The drawing app saves each number written on its canvas with :func:`save_number`, as a new
file in ``data/my_numbers/`` by default, named by the time of the save, to the microsecond:
``20261204-031522-123456_ab12cd.json`` (the suffix random, so that two saves never clash).

A set of numbers is given as folders: a folder that holds ``.json`` files is one person's,
named after its path below the folder given (its own name when it is given itself); one that
holds none is searched for such folders, at any depth. Every ``.json`` file in a person's
folder must be a number: a measurement that skipped files quietly would not say what it
measured. Hidden files and folders, and other files (a README), are ignored.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from scratchnet.files import json_files, read_json_object, write_new_file
from scratchnet.preprocess.strokes import Stroke, check_canvas, check_strokes

FORMAT = 1
TEXT_ALPHABET = frozenset("0123456789-/:.,()+ ")


class NumbersError(ValueError):
    """A set of numbers cannot be used; the message names the folder or file and why."""


@dataclass
class WrittenNumber:
    """One written number: who wrote it, its file (None for one made in memory), its text
    (spaces removed), its canvas and strokes."""

    person: str
    path: Path | None
    text: str
    canvas: tuple[int, int]
    strokes: list[Stroke]


def read_number_file(path: str | os.PathLike, person: str = "") -> WrittenNumber:
    """One number file, checked; ``NumbersError`` names the file and what is wrong with it."""
    path = Path(path)
    try:
        record = read_json_object(path)
    except ValueError as error:
        raise NumbersError(str(error)) from error
    missing = [key for key in ("format", "text", "canvas", "strokes") if key not in record]
    if missing:
        raise NumbersError(f"{path}: missing {', '.join(missing)}")
    if record["format"] != FORMAT:
        raise NumbersError(f"{path}: format {record['format']!r}; this version of scratchnet "
                           f"reads format {FORMAT}")
    return WrittenNumber(person, path, check_text(record["text"], path),
                         _check_canvas(record["canvas"], path),
                         _check_strokes(record["strokes"], path))


def check_text(text, where: str | os.PathLike = "text") -> str:
    """The text with its spaces removed, or ``NumbersError``: it must be a string of
    ``TEXT_ALPHABET`` holding at least one digit."""
    if not isinstance(text, str):
        raise NumbersError(f"{where}: text must be a string, got {type(text).__name__}")
    strays = sorted(set(text) - TEXT_ALPHABET)
    if strays:
        raise NumbersError(f"{where}: text {text!r} holds {', '.join(map(repr, strays))}; a "
                           "number is written with digits, the separators - / : . , ( ) + "
                           "and spaces")
    if not any(character.isdigit() for character in text):
        raise NumbersError(f"{where}: text {text!r} holds no digit")
    return text.replace(" ", "")


def save_number(directory: str | os.PathLike, text: str, strokes: Sequence[Stroke | dict],
                canvas: tuple[int, int]) -> Path:
    """Save one written number as a new file in ``directory`` (created if missing).

    Parameters
    ----------
    text : what was written, checked by :func:`check_text` and stored with its spaces removed.
    strokes : Stroke objects or their records, canvas pixels; stored rounded to 0.01 px.
    canvas : (width, height) of the canvas they were drawn on, pixels.

    Returns the new file's path. Raises ``NumbersError`` for a text that is not a number, or no
    strokes, ``ValueError`` naming the argument for malformed strokes or canvas (nothing is
    written either way), ``OSError`` naming the file if it cannot be written (the file then
    appears complete or not at all).
    """
    text = check_text(text)
    records = [stroke.rounded().record() for stroke in check_strokes(list(strokes), "strokes")]
    if not records:
        raise NumbersError("strokes: a number needs at least one stroke")
    width, height = check_canvas(canvas, "canvas")
    now = datetime.now(timezone.utc)
    lines = [f'  "format": {FORMAT},', f'  "text": {json.dumps(text)},',
             f'  "created": {json.dumps(now.astimezone().isoformat(timespec="microseconds"))},',
             f'  "canvas": [{width}, {height}],', '  "strokes": [',
             ",\n".join("    " + json.dumps(record, allow_nan=False) for record in records),
             "  ]"]
    contents = "{\n" + "\n".join(lines) + "\n}\n"      # one stroke a line, for a diff
    return write_new_file(Path(directory), lambda suffix: f"{now:%Y%m%d-%H%M%S-%f}_{suffix}.json",
                          contents.encode("utf-8"), "the number")


def _check_canvas(canvas, path: Path) -> tuple[int, int]:
    try:
        return check_canvas(canvas)
    except ValueError as error:
        raise NumbersError(f"{path}: {error}") from error


def _check_strokes(strokes, path: Path) -> list[Stroke]:
    try:
        checked = check_strokes(strokes, "strokes")
    except ValueError as error:
        raise NumbersError(f"{path}: {error}") from error
    if not checked:
        raise NumbersError(f"{path}: holds no strokes")
    return checked


def load_numbers(folders: Sequence[str | os.PathLike]) -> list[WrittenNumber]:
    """Every number in ``folders`` (module docstring), person by person, file by file.

    Raises ``NumbersError`` for a folder that is missing, not a folder or holds no numbers, for
    a file that is not a number, and for two people of the same name.
    """
    if not folders:
        raise NumbersError("no folders of numbers given")
    people: dict[str, Path] = {}
    for folder in map(Path, folders):
        if not folder.exists():
            raise NumbersError(f"{folder}: no such directory")
        if not folder.is_dir():
            raise NumbersError(f"{folder}: not a directory")
        found = _people(folder, folder.resolve().name if _json_files(folder) else "")
        if not found:
            raise NumbersError(f"{folder}: no numbers: expected .json files (one person's "
                               "numbers) or folders of them (one per person)")
        for person, place in found:
            if person in people:
                raise NumbersError(f"{place}: holds the numbers of {person!r}, as does "
                                   f"{people[person]}; give each person's folder once")
            people[person] = place
    return [read_number_file(path, person) for person, place in people.items()
            for path in _json_files(place)]


def _people(folder: Path, name: str) -> list[tuple[str, Path]]:
    """(person, folder) for the folder if it holds numbers, else for the folders below it."""
    if _json_files(folder):
        return [(name, folder)]
    found = []
    for sub in sorted(entry for entry in folder.iterdir()
                      if entry.is_dir() and not entry.name.startswith(".")):
        found += _people(sub, f"{name}/{sub.name}" if name else sub.name)
    return found


def _json_files(folder: Path) -> list[Path]:
    try:
        return json_files(folder)
    except OSError as error:
        raise NumbersError(f"{folder}: cannot be read: {error.strerror or error}") from error
