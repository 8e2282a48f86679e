"""IDX reader and writer: round trips, every corruption, and fuzzing that only IDXError escapes.

The fuzz tests run the hypothesis strategies of ``scratchnet.tools.idxfuzz``, which
``scripts/fuzz_idx.py`` runs at scale. The number of examples per fuzz test is
``$SCRATCHNET_FUZZ_EXAMPLES`` (default 250).
"""

import gzip
import os
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scratchnet.cli import fuzz_idx
from scratchnet.data.idx import IDXError, read_idx, write_idx
from scratchnet.tools.idxfuzz import FUZZ_CASES, read_bytes, valid_idx_bytes

FUZZ_EXAMPLES = int(os.environ.get("SCRATCHNET_FUZZ_EXAMPLES", "250"))

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


# --- round trips ------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", [(), (0,), (7,), (3, 4, 5), (2, 0, 3)], ids=str)
def test_write_then_read_round_trips_every_dtype(tmp_path, dtype, shape, suffix):
    rng = np.random.default_rng(0)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        array = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    else:
        array = rng.standard_normal(shape).astype(dtype)
        if array.size >= 3:
            array.flat[:3] = [np.inf, -np.inf, np.nan]
    path = tmp_path / f"a.idx{suffix}"
    write_idx(path, array)
    result = read_idx(path)
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative
    assert result.shape == shape
    np.testing.assert_array_equal(result, array)
    assert result.flags.writeable


def test_big_endian_input_array_is_written_correctly(tmp_path):
    array = np.arange(6, dtype=">i4").reshape(2, 3)
    write_idx(tmp_path / "a.idx", array)
    raw = (tmp_path / "a.idx").read_bytes()
    assert raw[:4] == b"\x00\x00\x0c\x02" and raw[4:12] == struct.pack(">II", 2, 3)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx"), np.arange(6).reshape(2, 3))


def test_writer_output_matches_the_published_layout(tmp_path):
    write_idx(tmp_path / "labels", np.array([5, 0, 4], dtype=np.uint8))
    assert (tmp_path / "labels").read_bytes() == b"\x00\x00\x08\x01\x00\x00\x00\x03\x05\x00\x04"


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    path = tmp_path / "no-suffix"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x02\x07\x09"))
    np.testing.assert_array_equal(read_idx(path), [7, 9])


@pytest.mark.parametrize("dtype", [np.int64, np.uint16, np.float16, np.bool_, np.complex64],
                         ids=lambda d: np.dtype(d).name)
def test_writer_refuses_dtypes_idx_cannot_hold(tmp_path, dtype):
    with pytest.raises(IDXError, match=f"cannot write dtype {np.dtype(dtype)}"):
        write_idx(tmp_path / "a.idx", np.zeros(3, dtype=dtype))
    assert not (tmp_path / "a.idx").exists()


# --- every corruption -------------------------------------------------------------------------

LABELS_HEADER = b"\x00\x00\x08\x01" + struct.pack(">I", 60000)


def write(tmp_path: Path, data: bytes, name: str = "train-labels-idx1-ubyte") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_payload_one_item_short_names_file_and_counts(tmp_path):
    path = write(tmp_path, LABELS_HEADER + bytes(59999))
    with pytest.raises(IDXError) as caught:
        read_idx(path)
    assert str(caught.value) == f"{path}: header says 60000 items but the file holds 59999"


def test_payload_one_item_long_is_refused(tmp_path):
    path = write(tmp_path, LABELS_HEADER + bytes(60001))
    with pytest.raises(IDXError, match="header says 60000 items but the file holds 60001"):
        read_idx(path)


def test_multibyte_payload_with_stray_bytes_is_refused(tmp_path):
    path = write(tmp_path, b"\x00\x00\x0c\x01" + struct.pack(">I", 4) + bytes(4 * 3 + 2))
    with pytest.raises(IDXError, match="header says 4 items but the file holds 3 and 2 stray"):
        read_idx(path)


def test_image_dims_are_reported_in_the_message(tmp_path):
    path = write(tmp_path, b"\x00\x00\x08\x03" + struct.pack(">III", 2, 28, 28) + bytes(1567))
    with pytest.raises(IDXError, match="header says 2x28x28 = 1568 items but the file holds 1567"):
        read_idx(path)


@pytest.mark.parametrize("extra, found", [(-1, "holds 59999"), (1, "holds more than 60000")])
def test_gzip_payload_shorter_or_longer_is_refused(tmp_path, extra, found):
    path = write(tmp_path, gzip.compress(LABELS_HEADER + bytes(60000 + extra)), "labels.gz")
    with pytest.raises(IDXError, match=found):
        read_idx(path)


@pytest.mark.parametrize("data, message", [
    (b"", "the file is empty"),
    (b"\x00\x00\x08", "3 bytes is too short"),
    (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "bad magic 0x01000801"),
    (b"hello, this is not an IDX file\n", "bad magic"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "unknown IDX type code 0x07"),
    (b"\x00\x00\x0a\x01\x00\x00\x00\x01\x05", "unknown IDX type code 0x0A"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00", "header declares 3 dimensions"),
], ids=["empty", "short-magic", "bad-magic", "text-file", "type-07", "type-0A", "short-header"])
def test_malformed_files_raise_idx_error_naming_the_file(tmp_path, data, message):
    path = write(tmp_path, data, "broken.idx")
    with pytest.raises(IDXError, match=message) as caught:
        read_idx(path)
    assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize("data, message", [
    (b"\x1f\x8b" + b"garbage that is not deflate data", "not readable as gzip"),
    (gzip.compress(LABELS_HEADER + bytes(60000))[:-20], "not readable as gzip"),
    (gzip.compress(b""), "the file is empty"),
], ids=["garbage", "truncated-stream", "empty-content"])
def test_broken_gzip_raises_idx_error(tmp_path, data, message):
    with pytest.raises(IDXError, match=message):
        read_idx(write(tmp_path, data, "broken.gz"))


def test_zero_items_with_overflowing_dims_is_refused(tmp_path):
    # Found by fuzzing: 0 items, but 2**24 cubed overflows NumPy's index type.
    dims = (2**24, 2**24, 2**24, 0)
    path = write(tmp_path, b"\x00\x00\x08\x04" + struct.pack(">4I", *dims), "empty.idx")
    with pytest.raises(IDXError, match="too large for an array, even though they hold no items"):
        read_idx(path)


def test_idx_error_is_a_value_error():
    assert issubclass(IDXError, ValueError)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "absent")


# --- oversized headers are refused before allocating ------------------------------------------

def peak_bytes(function) -> int:
    """Peak bytes allocated (NumPy arrays included) while ``function()`` runs."""
    tracemalloc.start()
    try:
        function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def peak_bytes_refusing(path: Path, match: str) -> int:
    """Read ``path``, expect IDXError matching ``match``, return the peak bytes allocated."""
    def refused():
        with pytest.raises(IDXError, match=match):
            read_idx(path)
    return peak_bytes(refused)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_allocation_probe_sees_a_legitimate_4mb_read(tmp_path, compress):
    # Guards the tests below: a probe that saw nothing would make them pass vacuously.
    path = tmp_path / ("a.gz" if compress else "a")
    write_idx(path, np.zeros(4 << 20, dtype=np.uint8))
    assert peak_bytes(lambda: read_idx(path)) >= 4 << 20


@pytest.mark.parametrize("dims", [(2**32 - 1,) * 4, (1 << 20, 1 << 20)], ids=["2^128", "1TiB"])
@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_terabyte_header_is_refused_before_allocating(tmp_path, dims, compress):
    data = b"\x00\x00\x08" + bytes([len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + bytes(10)
    path = write(tmp_path, gzip.compress(data) if compress else data, "huge")
    assert peak_bytes_refusing(path, "above the limit") < 1 << 20


def test_raw_header_under_the_limit_is_checked_against_file_size_before_allocating(tmp_path):
    path = write(tmp_path, b"\x00\x00\x0e\x01" + struct.pack(">I", 3 * 2**27) + bytes(16), "big")
    message = "header says 402653184 items but the file holds 2"
    assert peak_bytes_refusing(path, message) < 1 << 20


def test_gzip_header_promising_more_than_deflate_can_hold_is_refused(tmp_path):
    data = b"\x00\x00\x08\x01" + struct.pack(">I", 2**31) + bytes(100)
    path = write(tmp_path, gzip.compress(data), "bomb.gz")
    assert peak_bytes_refusing(path, "gzip file cannot hold more than") < 1 << 20


def test_max_bytes_limit_is_configurable(tmp_path):
    path = tmp_path / "a.idx"
    write_idx(path, np.zeros(1000, dtype=np.uint8))
    with pytest.raises(IDXError, match="above the limit of 999 bytes"):
        read_idx(path, max_bytes=999)
    assert read_idx(path, max_bytes=1000).shape == (1000,)


# --- fuzzing: for any bytes, an array or IDXError, nothing else ---------------------------------

FUZZ_SETTINGS = settings(max_examples=FUZZ_EXAMPLES, deadline=None,
                         suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ_SETTINGS
@given(data=FUZZ_CASES["random bytes"], compress=st.booleans())
def test_fuzz_random_bytes_raise_only_idx_error(fuzz_dir, data, compress):
    read_bytes(data, compress, fuzz_dir)


@FUZZ_SETTINGS
@given(data=FUZZ_CASES["mutated headers"], compress=st.booleans())
def test_fuzz_mutated_headers_raise_only_idx_error(fuzz_dir, data, compress):
    read_bytes(data, compress, fuzz_dir)


@FUZZ_SETTINGS
@given(data=FUZZ_CASES["truncated or extended"], compress=st.booleans())
def test_fuzz_truncated_or_extended_files_are_refused(fuzz_dir, data, compress):
    assert read_bytes(data, compress, fuzz_dir) == "IDXError"


@FUZZ_SETTINGS
@given(data=FUZZ_CASES["oversized dims"], compress=st.booleans())
def test_fuzz_oversized_dims_are_refused(fuzz_dir, data, compress):
    assert read_bytes(data, compress, fuzz_dir) == "IDXError"


@FUZZ_SETTINGS
@given(data=valid_idx_bytes(), compress=st.booleans())
def test_fuzz_valid_files_read_back_their_payload(fuzz_dir, data, compress):
    assert read_bytes(data, compress, fuzz_dir) == "array"


def test_the_large_fuzz_run_counts_every_case(capsys):
    assert fuzz_idx.main(["--examples", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["category", "file", "cases", "array", "IDXError", "other",
                                "seconds"]
    assert [line.split()[-6:-4] for line in lines[1:-1]] == [[kind, "3"] for _ in FUZZ_CASES
                                                             for kind in ("raw", "gz")]
    assert lines[-1].split() == ["total", "24"] + lines[-1].split()[2:4] + ["0"]


def test_the_large_fuzz_run_fails_on_any_other_exception(capsys, monkeypatch):
    def broken_reader(path):
        raise ValueError("not an IDXError")

    monkeypatch.setattr("scratchnet.tools.idxfuzz.read_idx", broken_reader)
    assert fuzz_idx.main(["--examples", "2"]) == 1
    out = capsys.readouterr().out
    assert "random bytes: ValueError: not an IDXError for b" in out
    assert out.splitlines()[-1].split()[-1] == "16"
