"""What a network's outputs mean: the digits 0-9 first, then "not a digit".

A model trained on MNIST alone has the ten digit outputs. A model trained with synthetic marks
mixed in (``scratchnet.data.marks``: letters, shapes, scribbles) has eleven, in this order, so
that its first ten outputs are still the digits and a reader of ten-output models keeps
working:

    index   symbol   name
    0-9     "0"-"9"  the digits
    10      "?"      not a digit (a letter, a shape, a scribble)

The symbol is what a written number's text shows for the mark (``"1?"``). The separators of
written numbers (``- / ( ) : . ,``) have no output: scaled to the network's 28x28 box a slash
is a slanted 1 and a bracket a bent one (a network given a "/" output read 130 of MNIST's
1,135 test 1s as slashes), so reading tells them by their shape, size and place in the line
(``scratchnet.reading``).
"""

from __future__ import annotations

DIGITS = tuple(str(digit) for digit in range(10))
NOT_A_DIGIT = 10
SYMBOLS = (*DIGITS, "?")
NAMES = (*DIGITS, "not a digit")


def class_index(symbol: str) -> int:
    """The output index of ``symbol`` (``"7"`` -> 7, ``"?"`` -> 10)."""
    if symbol not in SYMBOLS:
        raise ValueError(f"no network output stands for {symbol!r}; the outputs are "
                         f"{' '.join(SYMBOLS)}")
    return SYMBOLS.index(symbol)


def class_names(outputs: int) -> tuple[str, ...]:
    """The names of a model's ``outputs`` outputs: 10 (the digits) or 11 (all of NAMES)."""
    if outputs not in (len(DIGITS), len(NAMES)):
        raise ValueError(f"a model's outputs are the {len(DIGITS)} digits or all "
                         f"{len(NAMES)} classes, got {outputs}")
    return NAMES[:outputs]
