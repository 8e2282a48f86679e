"""How many threads NumPy's BLAS runs a matrix product on, read and changed while running.

Data-parallel training (``scratchnet.nn.parallel``) keeps every core busy with one worker thread
each, so each worker's products must run on one BLAS thread: a multi-threaded BLAS called from
two threads at once fights itself for the cores (a training step of the reference model took
140-190 ms that way instead of ~95 ms on one thread each, on the 2-core machine of
docs/performance.md).

NumPy has no call for this. Its wheels bundle OpenBLAS (as "scipy-openblas"), whose thread count
can be read and set through ctypes, which is what this module does. With any other BLAS
(Apple's Accelerate, MKL, a distribution's OpenBLAS under another name) ``available()`` is False
and training runs on one worker, exactly as before.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import os
import threading
from typing import Iterator

import numpy as np

# Symbol names of OpenBLAS' thread-count functions: NumPy's bundled build prefixes them with
# "scipy_" and (for 64-bit integers) suffixes "64_"; a plain build has neither.
# NumPy 1.x wheels bundled "openblas64_" with the suffix only.
SYMBOLS = (("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
           ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
           ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
           ("openblas_get_num_threads", "openblas_set_num_threads"))

# limited_threads() may be entered from several threads (two models training at once): the
# outermost entry saves the count and the last exit restores it.
_lock = threading.Lock()
_entered = 0
_saved: int | None = None


def _library_files() -> list[str]:
    """Where NumPy's wheels keep their bundled OpenBLAS: numpy.libs/ (Linux, Windows) or
    numpy/.dylibs/ (macOS)."""
    package = os.path.dirname(np.__file__)
    folders = [os.path.join(package, os.pardir, "numpy.libs"), os.path.join(package, ".dylibs")]
    return sorted(path for folder in folders
                  for path in glob.glob(os.path.join(folder, "*openblas*")))


@functools.cache
def _controls() -> tuple | None:
    """(get, set) ctypes functions of the OpenBLAS NumPy runs on, or None."""
    for path in _library_files():
        try:
            library = ctypes.CDLL(path)    # already loaded by NumPy: this returns the same copy
        except OSError:
            continue
        for get_name, set_name in SYMBOLS:
            get, set_ = getattr(library, get_name, None), getattr(library, set_name, None)
            if get is not None and set_ is not None:
                get.restype, get.argtypes = ctypes.c_int, []
                set_.restype, set_.argtypes = None, [ctypes.c_int]
                return get, set_
    return None


def threads_from_environment() -> int | None:
    """The thread count OPENBLAS_NUM_THREADS or OMP_NUM_THREADS asks for, if either is set."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def available() -> bool:
    """True when the thread count of NumPy's BLAS can be read and set."""
    return _controls() is not None


def threads() -> int | None:
    """The number of threads NumPy's BLAS currently runs on, or None if unknown."""
    controls = _controls()
    return None if controls is None else int(controls[0]())


@contextlib.contextmanager
def limited_threads(count: int) -> Iterator[bool]:
    """Run the block with NumPy's BLAS on at most ``count`` threads, then restore the count it
    had. Yields whether the limit could be applied. The setting is process-wide."""
    global _entered, _saved
    controls = _controls()
    if controls is None:
        yield False
        return
    get, set_ = controls
    with _lock:
        if _entered == 0:
            _saved = int(get())
        _entered += 1
        set_(min(count, int(get())))
    try:
        yield True
    finally:
        with _lock:
            _entered -= 1
            if _entered == 0:
                set_(_saved)
