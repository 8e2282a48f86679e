"""How well a reader reads written numbers: the figures ``scripts/bench_reading.py`` and
``scripts/evaluate.py --numbers`` print.

A reader is any function ``(strokes, canvas) -> text``; ``number_reader(model)`` is
``read_number``'s, ``scratchnet.reading.baseline.overlap_reader(model)`` the classic grouping it
is measured against. Each number is read once and timed (CPU time of the
process, which is one core's when NumPy's BLAS is held to one thread), and the text read is
compared with the text written, spaces left out of both:

    digits in order   the digits read, in order, are the digits written (separators and "?"
                      aside): the number is right
    whole text        the text read is the text written, separators included
    digits right      written digits matched by the same digit read, over all written digits

Mistakes are counted by kind on an alignment of the two texts (the fewest edits: a character
changed, one left out, one added):

    misread                    a digit read as another digit
    separator read as digit    a separator read as a digit
    digit read as separator    a digit read as a separator
    digit read as not a digit  a digit read as "?"
    separator misread          a separator read as another separator or "?"
    merged                     a written character with no mark of its own (it was read
                               together with a neighbour)
    split                      a mark read where nothing was written (a character read as
                               two marks, a stray mark)
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from statistics import median
from typing import Callable, Sequence

import numpy as np

from scratchnet.data.drawings import LabelledDrawing, LetterDrawing
from scratchnet.data.letters import DIGIT_LOOKALIKES
from scratchnet.data.numbers import WrittenNumber
from scratchnet.preprocess.rendering import strokes_to_mnist
from scratchnet.reading.ink import ReadingError
from scratchnet.reading.number import read_number
from scratchnet.reading.outputs import DIGITS, NOT_A_DIGIT

Reader = Callable[[list, tuple], str]
KINDS = ("misread", "separator read as digit", "digit read as separator",
         "digit read as not a digit", "separator misread", "merged", "split")


@dataclass
class Outcome:
    """One number read: who wrote it, what was written, what was read, the CPU seconds."""

    person: str
    name: str
    written: str
    read: str
    seconds: float

    @property
    def digits_written(self) -> str:
        return "".join(character for character in self.written if character in DIGITS)

    @property
    def digits_right(self) -> bool:
        return "".join(character for character in self.read if character in DIGITS) == \
            self.digits_written

    @property
    def text_right(self) -> bool:
        return self.read == self.written


def number_reader(model) -> Reader:
    """``read_number``'s text, as a reader."""
    return lambda strokes, canvas: read_number(model, strokes, canvas).text


def read_numbers(reader: Reader, numbers: Sequence[WrittenNumber]) -> list[Outcome]:
    """Read every number once, timing each reading in CPU seconds."""
    outcomes = []
    for number in numbers:
        name = str(number.path) if number.path is not None else f"{number.person} {number.text}"
        started = time.process_time()
        try:
            text = reader(number.strokes, number.canvas)
        except ReadingError as error:
            raise ReadingError(f"{name}: {error}") from error
        seconds = time.process_time() - started
        outcomes.append(Outcome(number.person, name, number.text, text.replace(" ", ""), seconds))
    return outcomes


def read_named(model, drawing) -> str:
    """``read_number``'s text for ``drawing`` (a file read for measuring); a ``ReadingError``
    names the file."""
    try:
        return read_number(model, drawing.strokes, drawing.canvas).text
    except ReadingError as error:
        raise ReadingError(f"{drawing.path}: {error}") from error


def align(written: str, read: str) -> list[tuple[str | None, str | None]]:
    """The fewest edits turning ``written`` into ``read``, as pairs (written character or None,
    read character or None), in order; a change is preferred to a removal and an addition."""
    rows, cols = len(written) + 1, len(read) + 1
    cost = np.zeros((rows, cols), np.int64)
    cost[:, 0] = np.arange(rows)
    cost[0, :] = np.arange(cols)
    for i in range(1, rows):
        for j in range(1, cols):
            cost[i, j] = min(cost[i - 1, j - 1] + (written[i - 1] != read[j - 1]),
                             cost[i - 1, j] + 1, cost[i, j - 1] + 1)
    pairs = []
    i, j = len(written), len(read)
    while i or j:
        if i and j and cost[i, j] == cost[i - 1, j - 1] + (written[i - 1] != read[j - 1]):
            pairs.append((written[i - 1], read[j - 1]))
            i, j = i - 1, j - 1
        elif i and cost[i, j] == cost[i - 1, j] + 1:
            pairs.append((written[i - 1], None))
            i -= 1
        else:
            pairs.append((None, read[j - 1]))
            j -= 1
    return pairs[::-1]


def mistakes(written: str, read: str) -> Counter:
    """The mistakes of reading ``written`` as ``read``, counted by kind (module docstring)."""
    found: Counter = Counter()
    for expected, got in align(written, read):
        if expected == got:
            continue
        if got is None:
            found["merged"] += 1
        elif expected is None:
            found["split"] += 1
        elif expected in DIGITS:
            found["misread" if got in DIGITS else "digit read as not a digit" if got == NOT_A_DIGIT
                  else "digit read as separator"] += 1
        else:
            found["separator read as digit" if got in DIGITS else "separator misread"] += 1
    return found


def digits_matched(written: str, read: str) -> int:
    """How many written digits the alignment pairs with the same digit read."""
    return sum(1 for expected, got in align(written, read) if expected == got and got in DIGITS)


def summarize(outcomes: Sequence[Outcome]) -> dict:
    """The figures of the module docstring, overall, by number of digits and by person, as
    plain data (shares are fractions; times in milliseconds)."""
    if not outcomes:
        raise ValueError("no numbers were read")
    kinds: Counter = Counter()
    matched = written_digits = 0
    for outcome in outcomes:
        kinds.update(mistakes(outcome.written, outcome.read))
        matched += digits_matched(outcome.written, outcome.read)
        written_digits += len(outcome.digits_written)
    by_length: dict[int, list[Outcome]] = defaultdict(list)
    by_person: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_length[len(outcome.digits_written)].append(outcome)
        by_person[outcome.person].append(outcome)
    times = [outcome.seconds * 1000 for outcome in outcomes]
    ten = [outcome.seconds * 1000 for outcome in by_length.get(10, [])]
    return {
        "numbers": len(outcomes),
        "people": len(by_person),
        "digits_in_order": _share(outcomes, "digits_right"),
        "whole_text": _share(outcomes, "text_right"),
        "digits_right": matched / max(written_digits, 1),
        "digits": written_digits,
        "mistakes": {kind: kinds[kind] for kind in KINDS},
        "by_length": {length: {"numbers": len(group), "digits_in_order":
                               _share(group, "digits_right"),
                               "whole_text": _share(group, "text_right")}
                      for length, group in sorted(by_length.items())},
        "by_person": {person: {"numbers": len(group), "digits_in_order":
                               _share(group, "digits_right"),
                               "whole_text": _share(group, "text_right")}
                      for person, group in sorted(by_person.items())},
        "ms_median": median(times),
        "ms_p90": float(np.percentile(times, 90)),
        "ms_median_10_digits": median(ten) if ten else None,
    }


def _share(outcomes: Sequence[Outcome], attribute: str) -> float:
    return sum(bool(getattr(outcome, attribute)) for outcome in outcomes) / len(outcomes)


def format_summary(title: str, summary: dict, people: bool = False) -> str:
    """The summary as a few lines of text (and a line per person with ``people``)."""
    lines = [f"{title}: {summary['numbers']} numbers by {summary['people']} people",
             f"  digits in order {summary['digits_in_order']:.1%}   whole text "
             f"{summary['whole_text']:.1%}   digits right {summary['digits_right']:.1%} "
             f"of {summary['digits']}",
             "  mistakes: " + ", ".join(f"{kind} {count}" for kind, count
                                        in summary["mistakes"].items()),
             "  by digits: " + "  ".join(f"{length}: {row['digits_in_order']:.0%} of "
                                         f"{row['numbers']}" for length, row
                                         in summary["by_length"].items())]
    ten = summary["ms_median_10_digits"]
    lines.append(f"  CPU time a number: median {summary['ms_median']:.1f} ms, 90th percentile "
                 f"{summary['ms_p90']:.1f} ms" + ("" if ten is None else
                                                 f", 10-digit numbers median {ten:.1f} ms"))
    if people:
        lines += [f"    {person}: {row['digits_in_order']:.0%} of {row['numbers']}"
                  for person, row in summary["by_person"].items()]
    return "\n".join(lines)


def read_single_digits(model, drawings: Sequence[LabelledDrawing]) -> dict:
    """People's single digits (``scratchnet.data.drawings``) read two ways: as today's app reads
    a drawing (``strokes_to_mnist`` of the whole drawing, the network's top digit) and as a
    number of one mark (``read_number``'s text must be the digit alone). Shares right."""
    if not drawings:
        raise ValueError("no drawings to read")
    images = np.stack([strokes_to_mnist(drawing.strokes, drawing.canvas) for drawing in drawings])
    whole = model.predict(images[..., np.newaxis]).argmax(axis=1)
    labels = np.array([drawing.label for drawing in drawings])
    as_number = [read_number(model, drawing.strokes, drawing.canvas).text == str(drawing.label)
                 for drawing in drawings]
    return {"digits": len(drawings), "people": len({drawing.person for drawing in drawings}),
            "whole_drawing": float(np.mean(whole == labels)),
            "read_number": float(np.mean(as_number))}


def read_letters(model, letters: Sequence[LetterDrawing]) -> dict:
    """People's letters (``scratchnet.data.drawings.load_letters``) read as numbers: the share
    answered "not a digit" (no digit in ``read_number``'s text), over all of them, over those
    that look like no digit (not in ``DIGIT_LOOKALIKES``, for which a digit is a fair reading),
    and per person; the digits read most often."""
    if not letters:
        raise ValueError("no letters to read")
    texts = [read_named(model, letter) for letter in letters]
    refused = [not any(character in DIGITS for character in text) for text in texts]
    unlike = [answer for letter, answer in zip(letters, refused)
              if letter.label not in DIGIT_LOOKALIKES]
    by_person: dict[str, list[bool]] = defaultdict(list)
    for letter, answer in zip(letters, refused):
        by_person[letter.person].append(answer)
    digits = Counter(character for text in texts for character in text if character in DIGITS)
    return {"letters": len(letters), "people": len(by_person),
            "not_a_digit": float(np.mean(refused)),
            "unlike_digits": len(unlike),
            "not_a_digit_unlike_digits": float(np.mean(unlike)) if unlike else None,
            "by_person": {person: {"letters": len(answers),
                                   "not_a_digit": float(np.mean(answers))}
                          for person, answers in sorted(by_person.items())},
            "digits_read": dict(digits.most_common())}


def format_letters(summary: dict, people: bool = False) -> str:
    """``read_letters``' figures as a few lines of text (and a line per person with ``people``)."""
    unlike = summary["not_a_digit_unlike_digits"]
    lines = [f"letters: {summary['letters']} by {summary['people']} people: answered not a "
             f"digit {summary['not_a_digit']:.1%}"
             + ("" if unlike is None else f"; of the {summary['unlike_digits']} that look like "
                                          f"no digit {unlike:.1%}"),
             "  digits read in them: " + (", ".join(f"{digit} {count}" for digit, count
                                                     in summary["digits_read"].items()) or "none")]
    if people:
        lines += [f"    {person}: {row['not_a_digit']:.0%} of {row['letters']}"
                  for person, row in summary["by_person"].items()]
    return "\n".join(lines)


def split_people(people: Sequence[str], seed: int = 0) -> tuple[list[str], list[str]]:
    """The people in two fixed halves, (tuning, checking): the sorted names shuffled with
    ``seed``, the first half (rounded down) for tuning."""
    names = sorted(set(people))
    order = np.random.default_rng(seed).permutation(len(names))
    half = len(names) // 2
    return sorted(names[i] for i in order[:half]), sorted(names[i] for i in order[half:])
