"""Safe extraction of tar, tar.gz/tgz and zip archives that come from outside.

Every member of the archive is checked *before* anything is written, and one bad member refuses
the whole archive (an archive crafted to escape is not one whose other contents we want):

- names must be relative paths that stay inside the destination: no leading ``/``, no drive letter,
  no ``..`` component, no NUL byte;
- only regular files and directories: symbolic links, hard links, devices and FIFOs are refused;
- sizes are bounded: each member, the total, the number of members, and the ratio of the total
  to the archive's size on disk (zip bombs and gzip bombs claim enormous expansion).

Tar members are checked one header at a time, so an oversized member is refused before the
(possibly compressed) stream is decompressed past its header.
"""

from __future__ import annotations

import os
import re
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Union

PathLike = Union[str, "os.PathLike[str]"]

_DRIVE = re.compile(r"^[A-Za-z]:")
_COPY_CHUNK = 1 << 20


class ArchiveError(ValueError):
    """An archive is unreadable or unsafe; the message names the archive and the member."""


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on what an archive may contain.

    Attributes
    ----------
    max_member_bytes : int
        Largest uncompressed size of one member (default 256 MiB; MNIST's largest file is 47 MB).
    max_total_bytes : int
        Largest sum of the uncompressed sizes of all members (default 1 GiB).
    max_members : int
        Largest number of entries (default 10,000).
    max_ratio : float
        Largest ratio of total uncompressed size to the archive's size on disk (default 100; the
        MNIST files compress about 5:1, a zip bomb by thousands).
    """

    max_member_bytes: int = 256 * 1024**2
    max_total_bytes: int = 1024**3
    max_members: int = 10_000
    max_ratio: float = 100.0


@dataclass(frozen=True)
class _Member:
    name: str           # as stored in the archive
    path: PurePosixPath  # checked relative path, "" for the archive's root directory
    is_dir: bool
    size: int


def is_archive(path: PathLike) -> bool:
    """Whether ``path`` is a file :func:`extract_archive` can open (tar of any compression, zip)."""
    path = Path(path)
    if not path.is_file():
        return False
    try:
        return zipfile.is_zipfile(path) or tarfile.is_tarfile(path)
    except (OSError, EOFError, zlib.error, tarfile.TarError):
        return False


def check_member_name(archive: str, name: str) -> PurePosixPath:
    """Return the member's path if it stays inside the destination, else raise ArchiveError."""
    problem = None
    unified = name.replace("\\", "/")
    parts = [part for part in unified.split("/") if part not in ("", ".")]
    if "\x00" in name:
        problem = "contains a NUL byte"
    elif unified.startswith("/"):
        problem = "is an absolute path"
    elif _DRIVE.match(unified):
        problem = "starts with a drive letter"
    elif ".." in parts:
        problem = "contains '..' and would escape the destination"
    if problem:
        raise ArchiveError(f"{archive}: member {name!r} {problem}; refusing the archive")
    return PurePosixPath(*parts)


def extract_archive(archive: PathLike, dest: PathLike,
                    select: Callable[[PurePosixPath], bool] | None = None,
                    limits: ArchiveLimits = ArchiveLimits()) -> dict[PurePosixPath, Path]:
    """Check every member of ``archive``, then extract the selected regular files into ``dest``.

    Parameters
    ----------
    archive : str or os.PathLike
        A .tar, .tar.gz/.tgz (or other tar compression) or .zip file; the format is read from the
        content.
    dest : str or os.PathLike
        Directory to extract into (created if needed). Files keep their relative paths.
    select : callable, optional
        ``select(member_path) -> bool`` picks the regular files to extract; all when omitted.
        Every member is checked whether selected or not.
    limits : ArchiveLimits, optional
        Size and count bounds.

    Returns
    -------
    dict
        Relative member path -> extracted file, for each extracted file.

    Raises
    ------
    ArchiveError
        The archive is unreadable, not tar or zip, or any member is unsafe (see the module doc).
        Members are all checked before the first file is written, so an unsafe archive writes
        nothing; extract into a fresh directory so that a read error midway leaves nothing behind.
    """
    archive = Path(archive)
    label = os.fspath(archive)
    try:
        if zipfile.is_zipfile(archive):
            return _extract_zip(archive, label, Path(dest), select, limits)
        if tarfile.is_tarfile(archive):
            return _extract_tar(archive, label, Path(dest), select, limits)
    except ArchiveError:
        raise
    except (OSError, EOFError, zlib.error, tarfile.TarError, zipfile.BadZipFile,
            NotImplementedError, RuntimeError, ValueError) as exc:
        raise ArchiveError(f"{label}: cannot read the archive ({exc})") from None
    raise ArchiveError(f"{label}: not a tar, tar.gz/tgz or zip archive")


class _Budget:
    """Counts members and bytes as they are declared and refuses what exceeds the limits."""

    def __init__(self, label: str, archive_size: int, limits: ArchiveLimits) -> None:
        self.label, self.limits = label, limits
        self.ratio_cap = max(archive_size, 1) * limits.max_ratio
        self.members = 0
        self.total = 0
        self.seen: set[PurePosixPath] = set()

    def add(self, member: _Member) -> None:
        limits, label = self.limits, self.label
        self.members += 1
        if self.members > limits.max_members:
            raise ArchiveError(f"{label}: more than {limits.max_members} members; "
                               "refusing the archive")
        if member.size > limits.max_member_bytes:
            raise ArchiveError(f"{label}: member {member.name!r} is {member.size} bytes, above the "
                               f"limit of {limits.max_member_bytes}; refusing the archive")
        self.total += member.size
        if self.total > limits.max_total_bytes:
            raise ArchiveError(f"{label}: members add up to more than {limits.max_total_bytes} "
                               "bytes; refusing the archive")
        if self.total > self.ratio_cap:
            raise ArchiveError(f"{label}: members expand to more than {limits.max_ratio:g} times "
                               "the archive's size (a decompression bomb?); refusing the archive")
        if not member.is_dir:
            if member.path in self.seen:
                raise ArchiveError(f"{label}: member {member.name!r} appears twice; "
                                   "refusing the archive")
            self.seen.add(member.path)


def _tar_members(tar: tarfile.TarFile, label: str, budget: _Budget) -> list[_Member]:
    members = []
    while True:
        info = tar.next()  # reads the next header only; data of earlier members is skipped
        if info is None:
            return members
        path = check_member_name(label, info.name)
        if info.issym() or info.islnk():
            kind = "symbolic link" if info.issym() else "hard link"
            raise ArchiveError(f"{label}: member {info.name!r} is a {kind} to {info.linkname!r}; "
                               "refusing the archive")
        if not (info.isfile() or info.isdir()):
            raise ArchiveError(f"{label}: member {info.name!r} is not a regular file or directory "
                               "(device or FIFO); refusing the archive")
        member = _Member(info.name, path, info.isdir(), 0 if info.isdir() else info.size)
        if not member.is_dir and not member.path.parts:
            raise ArchiveError(f"{label}: a file member has an empty name; refusing the archive")
        budget.add(member)
        members.append(member)


def _extract_tar(archive: Path, label: str, dest: Path, select, limits) -> dict:
    budget = _Budget(label, archive.stat().st_size, limits)
    with tarfile.open(archive, mode="r:*") as tar:
        members = _tar_members(tar, label, budget)
        chosen = [m for m in members if not m.is_dir and (select is None or select(m.path))]
        extracted = {}
        for member in chosen:
            source = tar.extractfile(tar.getmember(member.name))
            extracted[member.path] = _write_member(source, dest, member, label)
    return extracted


def _extract_zip(archive: Path, label: str, dest: Path, select, limits) -> dict:
    budget = _Budget(label, archive.stat().st_size, limits)
    with zipfile.ZipFile(archive) as zf:
        members = []
        for info in zf.infolist():
            path = check_member_name(label, info.filename)
            mode = info.external_attr >> 16
            if (mode & 0o170000) == 0o120000:
                raise ArchiveError(f"{label}: member {info.filename!r} is a symbolic link; "
                                   "refusing the archive")
            if info.file_size > max(info.compress_size, 1) * limits.max_ratio:
                raise ArchiveError(f"{label}: member {info.filename!r} expands from "
                                   f"{info.compress_size} to {info.file_size} bytes, more than "
                                   f"{limits.max_ratio:g} times (a zip bomb?); "
                                   "refusing the archive")
            member = _Member(info.filename, path, info.is_dir(), info.file_size)
            if not member.is_dir and not member.path.parts:
                raise ArchiveError(f"{label}: a file member has an empty name; "
                                   "refusing the archive")
            budget.add(member)
            members.append(member)
        chosen = [m for m in members if not m.is_dir and (select is None or select(m.path))]
        extracted = {}
        for member in chosen:
            with zf.open(member.name) as source:
                extracted[member.path] = _write_member(source, dest, member, label)
    return extracted


def _write_member(source, dest: Path, member: _Member, label: str) -> Path:
    """Copy at most the declared size of one member to ``dest / member.path``."""
    target = dest.joinpath(*member.path.parts)
    root = dest.resolve()
    if root not in target.resolve().parents:  # belt and braces after check_member_name
        raise ArchiveError(f"{label}: member {member.name!r} resolves outside {dest}")
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(target, "wb") as out:
        while True:
            chunk = source.read(min(_COPY_CHUNK, member.size - written + 1))
            if not chunk:
                break
            written += len(chunk)
            if written > member.size:
                out.close()
                target.unlink()
                raise ArchiveError(f"{label}: member {member.name!r} holds more than its declared "
                                   f"{member.size} bytes; refusing it")
            out.write(chunk)
    return target
