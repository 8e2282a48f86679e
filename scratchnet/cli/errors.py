"""How the command-line tools report failures that are the user's to fix, not the code's.

Exit status, the same for every tool: 0 done, 1 a failure with a message that says what to do
(the data could not be obtained, a file could not be read or written, the loss diverged),
2 invalid arguments or an unusable input file (argparse's convention; nothing written),
130 interrupted with Ctrl-C.
"""

from __future__ import annotations

EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


def is_expected_failure(error: BaseException) -> bool:
    """Whether ``error`` carries a message meant for the user, to print without a traceback:
    downloads, IDX files, disks and file systems."""
    from scratchnet.data.download import DownloadError
    from scratchnet.data.idx import IDXError

    return isinstance(error, (OSError, DownloadError, IDXError))
