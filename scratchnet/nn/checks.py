"""Argument checks shared by the layers, the optimizers, the model and the data readers.

Python's ``bool`` is a subclass of ``int``, so ``isinstance(True, int)`` holds; every check here
refuses booleans, so that ``Conv2D(filters=True)`` or ``fit(epochs=True)`` is an error rather
than a 1.
"""

from __future__ import annotations

import math
import numbers


def is_integer(value) -> bool:
    """A whole number (Python or NumPy: NumPy registers its types with ``numbers``), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value) -> bool:
    """A real number (Python or NumPy), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def positive_int(value, name: str) -> int:
    if not is_integer(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def non_negative_int(value, name: str) -> int:
    if not is_integer(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def positive_number(value, name: str) -> float:
    """A finite number above zero (a learning rate), as a float."""
    if not is_real(value) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def fraction(value, name: str) -> float:
    """A number in [0, 1) (a momentum or the decay of a running mean), as a float."""
    if not is_real(value) or not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return float(value)


def nesterov_flag(nesterov, momentum: float) -> bool:
    """SGD's ``nesterov``: Nesterov momentum needs a momentum to look ahead with."""
    if nesterov and momentum == 0:
        raise ValueError("nesterov momentum needs momentum > 0")
    return bool(nesterov)


def pair(value, name: str) -> tuple[int, int]:
    """Accept ``3`` or ``(3, 3)`` like Keras does: (rows, columns), each a positive integer."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return positive_int(value[0], name), positive_int(value[1], name)
    size = positive_int(value, name)
    return size, size
