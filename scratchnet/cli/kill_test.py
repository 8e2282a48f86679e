"""``python scripts/kill_test.py``: SIGKILL training at random moments and prove that nothing
is lost (``scratchnet.tools.killtest`` does the work)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from scratchnet.cli.arguments import non_negative_int, positive_int
from scratchnet.tools.killtest import run_kill_test


def progress(text: str) -> None:
    print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kill_test.py",
        description="SIGKILL training at random moments, RUNS times, resuming each time; check "
                    "that the checkpoint always loads and that the resumed run ends with the "
                    "same weights as an uninterrupted one. Uses the small CNN on 1,000 digits.")
    parser.add_argument("--runs", type=positive_int, default=20,
                        help="number of kills (default 20)")
    parser.add_argument("--epochs", type=positive_int, default=60,
                        help="epochs of the uninterrupted run (default 60)")
    parser.add_argument("--write-every", type=non_negative_int, default=3, metavar="N",
                        help="make every Nth kill wait for a checkpoint write and land in it "
                             "(default 3; 0: never)")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="seeds the kill delays")
    parser.add_argument("--data-dir", default="data", help="data directory (default data)")
    parser.add_argument("--workdir", help="where the runs write (default: a temporary "
                                          "directory, removed afterwards)")
    args = parser.parse_args(argv)
    if args.workdir:
        report = run_kill_test(Path(args.workdir), args.data_dir, args.runs, args.epochs,
                               args.write_every, args.seed, progress)
    else:
        with tempfile.TemporaryDirectory(prefix="kill_test.") as workdir:
            report = run_kill_test(Path(workdir), args.data_dir, args.runs, args.epochs,
                                   args.write_every, args.seed, progress)
    print("\n".join(report.lines()))
    return 0 if report.passed else 1
