"""Reading a drawing: from the app's strokes to the number written, mark by mark.

    from scratchnet.reading import read_number
    reading = read_number(model, strokes, canvas=(840, 280))
    reading.text                  # "800-901-4678"
    reading.marks[0].character    # "8", with its strokes, box, image and probabilities

``number`` holds ``read_number`` and its records; the steps it takes live in ``ink``, ``line``,
``shape``, ``separators``, ``search``, ``cuts`` and ``brackets``; ``outputs`` says what a
model's outputs stand for in the text (from ``scratchnet.data.classes``). ``measure``,
``compose`` and ``baseline`` are the tools that score it on people's numbers
(``scripts/bench_reading.py``, ``scripts/evaluate.py --numbers``); docs/reading.md tells how it
was tuned.
"""

from scratchnet.reading.ink import ReadingError
from scratchnet.reading.number import Mark, NumberReading, read_number

__all__ = ["Mark", "NumberReading", "ReadingError", "read_number"]
