"""The four MNIST files: their names, the SHA256 and size of their decompressed content, and
the folder of a data directory they live in.

The loader (``scratchnet.data.mnist``) reads them and the downloader
(``scratchnet.data.download``) fetches and verifies them; both take the list from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class DataFile:
    """One expected data file: name, and SHA256 and size in bytes of its decompressed content."""

    name: str
    sha256: str
    size: int


#: The four MNIST files, as published (the digests are those of the decompressed IDX files).
MNIST_FILES: tuple[DataFile, ...] = (
    DataFile("train-images-idx3-ubyte",
             "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47040016),
    DataFile("train-labels-idx1-ubyte",
             "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60008),
    DataFile("t10k-images-idx3-ubyte",
             "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7840016),
    DataFile("t10k-labels-idx1-ubyte",
             "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10008),
)

#: Sub-directory of the data directory that holds the MNIST files.
MNIST_SUBDIR = "mnist"


def mnist_dir(data_dir: PathLike = "data") -> Path:
    """Return the directory holding the MNIST files for data directory ``data_dir``."""
    return Path(data_dir) / MNIST_SUBDIR
