"""The digits of written numbers someone saved, as saved digits to teach.

The app's Enter saves a drawing as a number with its right text (``scratchnet.data.numbers``).
When the reading of that drawing finds as many marks as the text has characters, each of them
a digit where the text has a digit and not one where it has a separator, the marks are taken to
be the characters written, and each digit mark becomes a saved digit labelled by the text, even
one the network misread: that is what teaching is for. A number whose marks do not line up
with its text (a digit split in two, two merged into one) teaches nothing, since which ink is
which digit is then a guess.

    samples, passed_over = digits_of_numbers(model, "data/my_numbers")
"""

from __future__ import annotations

import os
from pathlib import Path

from scratchnet.data.classes import DIGITS
from scratchnet.data.numbers import NumbersError, WrittenNumber, read_number_file
from scratchnet.data.personal import SavedDigit
from scratchnet.reading import ReadingError, read_number
from scratchnet.reading.ink import Ink
from scratchnet.reading.number import DIGIT, Mark


def digits_of_numbers(model, folder: str | os.PathLike) -> tuple[list[SavedDigit], list[str]]:
    """The digit marks of the numbers saved in ``folder`` (its ``*.json`` files, oldest name
    first) whose reading by ``model`` lines up with their text, and one line per file passed
    over, naming it and why. A missing folder holds no numbers."""
    folder = Path(folder)
    if not folder.is_dir():
        return [], []
    samples, passed_over = [], []
    for path in sorted(folder.glob("*.json")):
        try:
            number = read_number_file(path)
            marks = read_number(model, number.strokes, number.canvas).marks
        except NumbersError as error:            # names the file
            passed_over.append(str(error))
            continue
        except ReadingError as error:
            passed_over.append(f"{path}: {error}")
            continue
        if not lines_up(marks, number.text):
            passed_over.append(f"{path}: its {len(marks)} marks do not line up with its text "
                               f"{number.text!r}")
            continue
        samples += [digit_of(number, mark, int(character))
                    for mark, character in zip(marks, number.text) if character in DIGITS]
    return samples, passed_over


def lines_up(marks: tuple[Mark, ...], text: str) -> bool:
    """One mark a character, a digit mark where the text has a digit and none elsewhere."""
    return len(marks) == len(text) and all(
        (mark.kind == DIGIT) == (character in DIGITS) for mark, character in zip(marks, text))


def digit_of(number: WrittenNumber, mark: Mark, label: int) -> SavedDigit:
    """``mark`` of ``number`` as a saved digit: the image the network read for it, and its ink
    alone on the number's canvas."""
    strokes = Ink(number.strokes, number.canvas).strokes_of(mark.pieces)
    return SavedDigit(number.path, mark.image, label, [stroke.record() for stroke in strokes],
                      number.canvas)
