"""Writing files so that a crash, a kill or a full disk never leaves half of one."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Callable


def _new_file_mode() -> int:
    """The permissions ``open(path, "w")`` gives a new file: 0o666 less the umask. (The
    temporary file of an atomic write is created 0o600, private, whatever the umask says.)"""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


NEW_FILE_MODE = _new_file_mode()


def write_atomically(path: Path, write: Callable[[io.BufferedWriter], None]) -> None:
    """Write via a temporary file in the same directory, fsync, then ``os.replace``.

    If anything fails (a full disk, an interrupt) the temporary file is removed and whatever
    ``path`` held before is untouched. The file gets the permissions a plain write would give it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp_name, NEW_FILE_MODE)
        os.replace(temp_name, path)
    except BaseException as error:
        try:
            os.unlink(temp_name)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise OSError(error.errno, f"could not write {path}: {error.strerror or error}; "
                          "any previous file there is untouched") from error
        raise


def write_json(path: Path, data: dict) -> Path:
    """``data`` as indented JSON, written atomically; returns ``path``."""
    text = json.dumps(data, indent=2) + "\n"
    write_atomically(path, lambda f: f.write(text.encode("utf-8")))
    return path


def remove_stale_temporaries(directory: Path, names: tuple[str, ...]) -> None:
    """Delete temporary files that a killed run's atomic writes left behind in ``directory``."""
    if not directory.is_dir():
        return
    for name in names:
        for stale in directory.glob(f".{name}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()
