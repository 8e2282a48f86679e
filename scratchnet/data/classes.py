"""What a network's outputs mean: the digits 0-9 first, then the marks that are not digits.

A model trained on MNIST alone has the ten digit outputs. A model trained with synthetic marks
mixed in (``scratchnet.data.marks``) has these fifteen, in this order, so that its first ten
outputs are still the digits and a reader of ten-output models keeps working:

    index   symbol   name
    0-9     "0"-"9"  the digits
    10      "?"      not a digit (a letter, a shape, a scribble)
    11      "-"      dash
    12      "/"      slash
    13      "("      opening parenthesis
    14      ")"      closing parenthesis

The name is what a model file lists in ``model.metadata["classes"]`` (``class_names``, written
by every training run); the symbol is what a written number's text shows for the mark
(``"(800) 901-4678"``, ``"1?"``: ``symbol_of_name``). The small separators ``.``, ``,`` and
``:`` (``SMALL_SEPARATORS``) have no output: scaled to the network's 28x28 box they are blobs
and ticks that only their size and place in the line tell apart.
"""

from __future__ import annotations

DIGITS = tuple(str(digit) for digit in range(10))
NOT_A_DIGIT = 10
SYMBOLS = (*DIGITS, "?", "-", "/", "(", ")")
NAMES = (*DIGITS, "not a digit", "dash", "slash", "opening parenthesis", "closing parenthesis")
SEPARATORS = ("-", "/", "(", ")")      # the separators with an output of their own
SMALL_SEPARATORS = (".", ",", ":")     # the separators of written numbers with none


def class_index(symbol: str) -> int:
    """The output index of ``symbol`` (``"7"`` -> 7, ``"?"`` -> 10, ``")"`` -> 14)."""
    if symbol not in SYMBOLS:
        raise ValueError(f"no network output stands for {symbol!r}; the outputs are "
                         f"{' '.join(SYMBOLS)}")
    return SYMBOLS.index(symbol)


def class_names(outputs: int) -> tuple[str, ...]:
    """The names of a model's ``outputs`` outputs: 10 (the digits) or 15 (all of NAMES)."""
    if outputs not in (len(DIGITS), len(NAMES)):
        raise ValueError(f"a model's outputs are the {len(DIGITS)} digits or all "
                         f"{len(NAMES)} classes, got {outputs}")
    return NAMES[:outputs]


def symbol_of_name(name: str) -> str:
    """The symbol of the output named ``name`` (``"7"`` -> "7", ``"not a digit"`` -> "?",
    ``"dash"`` -> "-")."""
    if name not in NAMES:
        raise ValueError(f"no network output is named {name!r}; the names are "
                         f"{', '.join(map(repr, NAMES))}")
    return SYMBOLS[NAMES.index(name)]
