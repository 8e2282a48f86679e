"""Read and write IDX files, the format MNIST is published in.

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension, then the items in
C order, big-endian::

    byte 0-1   0x00 0x00
    byte 2     type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte 3     number of dimensions, ndim
    4 * ndim   dimension sizes, big-endian uint32
    rest       prod(dims) items of the type above, big-endian

``read_idx`` trusts nothing in the file: it checks the magic, the type code, that the header is
complete and that the payload holds exactly the number of bytes the dimensions promise, *before*
allocating the array, so a corrupt or hostile header cannot make it ask for terabytes.
Gzip-compressed files (detected by their content, not their name) are decompressed with a bounded
read. Every problem with the bytes raises :class:`IDXError`, naming the file.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path
from typing import Union

import numpy as np

PathLike = Union[str, "os.PathLike[str]"]

#: IDX type code -> big-endian dtype of the items.
TYPE_CODES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_BY_KIND = {dtype.str[1:]: code for code, dtype in TYPE_CODES.items()}

#: Largest payload ``read_idx`` accepts by default (4 GiB; MNIST's largest file is 47 MB).
DEFAULT_MAX_BYTES = 4 * 1024**3

_GZIP_MAGIC = b"\x1f\x8b"
# Deflate cannot compress better than about 1032:1, so a gzip file of n bytes cannot hold more than
# this many times n bytes of content; the slack covers headers of tiny files.
_GZIP_MAX_RATIO = 1100
_GZIP_SLACK = 64 * 1024
_READ_CHUNK = 1 << 20


class IDXError(ValueError):
    """The bytes of a file are not a valid IDX file; the message names the file and the problem."""


def _describe_codes() -> str:
    return ", ".join(f"0x{code:02X} {dtype.name}" for code, dtype in TYPE_CODES.items())


def _count_text(dims: tuple[int, ...], count: int) -> str:
    if len(dims) == 1:
        return f"{count} items"
    return f"{'x'.join(map(str, dims))} = {count} items"


def read_idx(path: PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES) -> np.ndarray:
    """Read a raw or gzip-compressed IDX file.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Gzip compression is recognised from the first bytes, whatever the name.
    max_bytes : int, optional
        Refuse payloads larger than this many bytes (default 4 GiB) before allocating anything.

    Returns
    -------
    numpy.ndarray
        Native-endian array of the shape in the header, e.g. uint8 ``(60000, 28, 28)`` for MNIST's
        training images. The array is writable and owns (or solely references) its memory.

    Raises
    ------
    IDXError
        Empty or non-IDX file, bad magic, unknown type code, incomplete header, a payload shorter or
        longer than the dimensions say, a payload above ``max_bytes``, or broken gzip data.
    OSError
        The file cannot be opened (missing, a directory, no permission).
    """
    name = os.fspath(path)
    with open(path, "rb") as raw:
        start = raw.read(2)
        raw.seek(0)
        if start == _GZIP_MAGIC:
            compressed_size = os.fstat(raw.fileno()).st_size
            try:
                with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                    return _read_gzip(stream, name, compressed_size, max_bytes)
            except (OSError, EOFError, zlib.error) as exc:
                raise IDXError(f"{name}: not readable as gzip ({exc})") from None
        file_size = os.fstat(raw.fileno()).st_size
        return _read_raw(raw, name, file_size, max_bytes)


def _parse_header(read, name: str) -> tuple[np.dtype, tuple[int, ...], int]:
    """Read magic and dims with ``read(n)``; return (big-endian dtype, dims, header length)."""
    magic = read(4)
    if len(magic) == 0:
        raise IDXError(f"{name}: the file is empty, expected an IDX header")
    if len(magic) < 4:
        raise IDXError(f"{name}: {len(magic)} bytes is too short for the 4-byte IDX magic number")
    if magic[:2] != b"\x00\x00":
        raise IDXError(f"{name}: bad magic 0x{magic.hex()}: an IDX file starts with two zero "
                       "bytes, a type code and the number of dimensions (not an IDX file?)")
    code, ndim = magic[2], magic[3]
    if code not in TYPE_CODES:
        raise IDXError(f"{name}: unknown IDX type code 0x{code:02X} (known: {_describe_codes()})")
    header_len = 4 + 4 * ndim
    dim_bytes = read(4 * ndim)
    if len(dim_bytes) < 4 * ndim:
        raise IDXError(f"{name}: header declares {ndim} dimensions ({header_len} header bytes) but "
                       f"the file ends after {4 + len(dim_bytes)} bytes")
    dims = struct.unpack(f">{ndim}I", dim_bytes)
    return TYPE_CODES[code], dims, header_len


def _check_size(name: str, dtype: np.dtype, dims: tuple[int, ...], max_bytes: int) -> int:
    count = math.prod(dims)
    nbytes = count * dtype.itemsize
    if nbytes > max_bytes:
        raise IDXError(f"{name}: header says {_count_text(dims, count)} of {dtype.name} "
                       f"({nbytes} bytes), above the limit of {max_bytes} bytes")
    return count


def _size_error(name: str, dims, count: int, dtype: np.dtype, payload: int,
                more: bool = False) -> IDXError:
    held, stray = divmod(payload, dtype.itemsize)
    found = f"more than {count}" if more else str(held)
    if stray and not more:
        found += f" and {stray} stray bytes"
    return IDXError(f"{name}: header says {_count_text(dims, count)} but the file holds {found}")


def _to_native(flat: np.ndarray, dims: tuple[int, ...], name: str) -> np.ndarray:
    if not flat.dtype.isnative:
        flat.byteswap(inplace=True)
        flat = flat.view(flat.dtype.newbyteorder("="))
    try:
        return flat.reshape(dims)
    except ValueError:  # a zero dimension beside others whose product overflows NumPy's indices
        raise IDXError(f"{name}: dimensions {'x'.join(map(str, dims))} are too large for an "
                       "array, even though they hold no items") from None


def _read_raw(raw, name: str, file_size: int, max_bytes: int) -> np.ndarray:
    dtype, dims, header_len = _parse_header(raw.read, name)
    count = _check_size(name, dtype, dims, max_bytes)
    payload = file_size - header_len
    if payload != count * dtype.itemsize:
        raise _size_error(name, dims, count, dtype, payload)
    flat = np.empty(count, dtype=dtype)
    view = memoryview(flat.view(np.uint8))
    filled = 0
    while filled < len(view):
        got = raw.readinto(view[filled:])
        if not got:  # the file shrank while we read it
            raise _size_error(name, dims, count, dtype, filled)
        filled += got
    return _to_native(flat, dims, name)


def _read_gzip(stream, name: str, compressed_size: int, max_bytes: int) -> np.ndarray:
    dtype, dims, _ = _parse_header(stream.read, name)
    count = _check_size(name, dtype, dims, max_bytes)
    nbytes = count * dtype.itemsize
    most_possible = compressed_size * _GZIP_MAX_RATIO + _GZIP_SLACK
    if nbytes > most_possible:
        raise IDXError(f"{name}: header says {_count_text(dims, count)} ({nbytes} bytes) but a "
                       f"{compressed_size}-byte gzip file cannot hold more than {most_possible}")
    # Grow the buffer as data actually arrives, so a lying header costs nothing; read one byte more
    # than promised to detect trailing data without decompressing all of it.
    buffer = bytearray()
    while len(buffer) <= nbytes:
        chunk = stream.read(min(_READ_CHUNK, nbytes + 1 - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    if len(buffer) != nbytes:
        raise _size_error(name, dims, count, dtype, len(buffer), more=len(buffer) > nbytes)
    flat = np.frombuffer(buffer, dtype=dtype)
    return _to_native(flat, dims, name)


def write_idx(path: PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file, gzip-compressed when ``path`` ends in ``.gz``.

    Parameters
    ----------
    path : str or os.PathLike
        Destination; overwritten if it exists.
    array : numpy.ndarray
        Any shape with at most 255 dimensions each below 2**32, of dtype uint8, int8, int16, int32,
        float32 or float64 (either byte order).

    Raises
    ------
    IDXError
        The dtype or shape cannot be represented in IDX.
    """
    array = np.asarray(array)
    name = os.fspath(path)
    kind = array.dtype.str[1:]
    if kind not in _CODE_BY_KIND:
        raise IDXError(f"{name}: cannot write dtype {array.dtype} as IDX "
                       f"(supported: {_describe_codes()})")
    if array.ndim > 255 or any(size >= 2**32 for size in array.shape):
        raise IDXError(f"{name}: shape {array.shape} does not fit an IDX header "
                       "(at most 255 dimensions, each below 2**32)")
    code = _CODE_BY_KIND[kind]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = np.ascontiguousarray(array, dtype=TYPE_CODES[code]).tobytes()
    if Path(name).suffix == ".gz":
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as stream:
            stream.write(header)
            stream.write(payload)
    else:
        with open(path, "wb") as raw:
            raw.write(header)
            raw.write(payload)
