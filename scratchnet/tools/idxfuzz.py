"""Damaged IDX files for fuzzing the reader: the hypothesis strategies that ``tests/test_idx.py``
runs a few hundred times and ``scripts/fuzz_idx.py`` tens of thousands of times.

Four kinds of case (``FUZZ_CASES``): random bytes, valid files with 1-4 header bytes overwritten,
valid files cut short or with bytes appended, and headers whose dimensions ask for terabytes.
Each is written raw or gzipped and read with :func:`scratchnet.data.idx.read_idx`; the only
outcomes allowed are an array or ``IDXError``. Needs hypothesis (``pip install -e ".[dev]"``).
"""

from __future__ import annotations

import gzip
import os
import struct
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scratchnet.data.idx import TYPE_CODES, IDXError, read_idx


@st.composite
def valid_idx_bytes(draw) -> bytes:
    """A well-formed IDX file of random type and small shape."""
    code = draw(st.sampled_from(sorted(TYPE_CODES)))
    dims = draw(st.lists(st.integers(0, 5), min_size=0, max_size=4))
    count = int(np.prod(dims)) if dims else 1
    payload = draw(st.binary(min_size=count * TYPE_CODES[code].itemsize,
                             max_size=count * TYPE_CODES[code].itemsize))
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + payload


@st.composite
def mutated_header_bytes(draw) -> bytes:
    """A valid file with 1-4 bytes of its header (and maybe first payload bytes) overwritten."""
    data = bytearray(draw(valid_idx_bytes()))
    span = min(len(data), 4 + 4 * data[3] + 2)
    for _ in range(draw(st.integers(1, 4))):
        data[draw(st.integers(0, span - 1))] = draw(st.integers(0, 255))
    return bytes(data)


@st.composite
def truncated_or_extended_bytes(draw) -> bytes:
    """A valid file cut at a random point or with random bytes appended."""
    data = draw(valid_idx_bytes())
    if draw(st.booleans()):
        return data[:draw(st.integers(0, max(len(data) - 1, 0)))]
    return data + draw(st.binary(min_size=1, max_size=16))


@st.composite
def oversized_dims_bytes(draw) -> bytes:
    """A header whose dimensions ask for up to terabytes (or far more), with a tiny payload."""
    code = draw(st.sampled_from(sorted(TYPE_CODES)))
    ndim = draw(st.integers(1, 6))
    dims = draw(st.lists(st.integers(2**16, 2**32 - 1), min_size=ndim, max_size=ndim))
    payload = draw(st.binary(max_size=64))
    return bytes([0, 0, code, ndim]) + struct.pack(f">{ndim}I", *dims) + payload


FUZZ_CASES = {
    "random bytes": st.binary(max_size=256),
    "mutated headers": mutated_header_bytes(),
    "truncated or extended": truncated_or_extended_bytes(),
    "oversized dims": oversized_dims_bytes(),
}


def read_bytes(data: bytes, compress: bool, folder: Path) -> str:
    """Write ``data`` (gzipped if ``compress``) to a file in ``folder``, read it, and say what
    happened: ``"array"`` or ``"IDXError"``. Any other exception propagates, and so does an
    ``AssertionError`` if the array read is not in native byte order."""
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".gz" if compress else "",
                                     delete=False) as handle:
        handle.write(gzip.compress(data) if compress else data)
    try:
        array = read_idx(handle.name)
    except IDXError:
        return "IDXError"
    finally:
        os.unlink(handle.name)
    if not (isinstance(array, np.ndarray) and array.dtype.isnative):
        raise AssertionError(f"read_idx returned {type(array).__name__} "
                             f"{getattr(array, 'dtype', '')}, not a native-order array")
    return "array"


def fuzz(category: str, compress: bool, examples: int, folder: Path) -> tuple[Counter, list[str]]:
    """Read ``examples`` cases of ``FUZZ_CASES[category]``, raw or gzipped, in ``folder``.

    Returns how many cases gave each outcome (``"array"``, ``"IDXError"``, ``"other"``), and one
    line for each "other": the exception and the bytes that raised it.
    """
    outcomes, surprises = Counter(), []

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=FUZZ_CASES[category])
    def run(data):
        try:
            outcomes[read_bytes(data, compress, folder)] += 1
        except Exception as error:  # noqa: BLE001 - counted and shown, then the run goes on
            outcomes["other"] += 1
            surprises.append(f"{category}: {type(error).__name__}: {error} for {data!r}")

    run()
    return outcomes, surprises
