"""Atomic writes: the whole file or the old one, with the permissions a plain write gives."""

from __future__ import annotations

import os
import stat

import pytest

from scratchnet.files import write_atomically, write_json


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_an_atomic_write_gives_the_file_the_permissions_a_plain_write_would(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    atomic = write_json(tmp_path / "atomic.json", {"x": 1})
    assert stat.S_IMODE(atomic.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = write_json(tmp_path / "kept.json", {"version": 1})

    def fail(handle):
        handle.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="kept.json.*untouched"):
        write_atomically(path, fail)
    assert path.read_text() == '{\n  "version": 1\n}\n'
    assert [entry.name for entry in tmp_path.iterdir()] == ["kept.json"]
