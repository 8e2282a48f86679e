"""Writing files so that a crash, a kill or a full disk never leaves half of one."""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
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


def write_new_file(directory: Path, name: Callable[[str], str], contents: bytes,
                   what: str) -> Path:
    """Write ``contents`` atomically as a new file in ``directory`` (created if missing), named
    ``name(suffix)`` with a random suffix no existing file has, and return its path.

    The suffix comes from the operating system, not a seeded generator: two app windows started
    with the same seed must still not pick the same name. An ``OSError`` says which
    ``what`` ("the digit") could not be saved where, with the underlying cause once, whichever
    step (creating the folder or the temporary file, writing, renaming) failed.
    """
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(error.errno, f"could not create {directory} to save {what} in: "
                                   f"{error.strerror or error}") from error
    while True:
        path = directory / name(secrets.token_hex(3))
        if not path.exists():
            break
    try:
        write_atomically(path, lambda f: f.write(contents))
    except OSError as error:
        cause = error.__cause__ if isinstance(error.__cause__, OSError) else error
        raise OSError(cause.errno, f"could not save {what} to {path}: "
                                   f"{cause.strerror or cause}") from error
    return path


def json_files(folder: Path) -> list[Path]:
    """The ``.json`` files of ``folder`` (hidden ones aside), sorted by name; ``OSError`` if it
    cannot be listed."""
    entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    return [Path(entry.path) for entry in entries
            if entry.name.endswith(".json") and not entry.name.startswith(".")
            and entry.is_file()]


def read_json_object(path: Path) -> dict:
    """The JSON object in ``path``; a ``ValueError`` naming the file says why there is none
    (unreadable, not JSON, perhaps truncated, or JSON but not an object)."""
    try:
        record = json.loads(Path(path).read_bytes().decode("utf-8"))
    except OSError as error:
        raise ValueError(f"{path}: could not be read: {error.strerror or error}") from error
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"{path}: not valid JSON, perhaps truncated ({error})") from error
    if not isinstance(record, dict):
        raise ValueError(f"{path}: expected a JSON object, found {type(record).__name__}")
    return record


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
