"""``python scripts/fuzz_idx.py``: fuzz the IDX reader at scale; for every generated file, an
array or IDXError, nothing else (``scratchnet.tools.idxfuzz`` makes the files and reads them)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from scratchnet.cli.arguments import positive_int


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="fuzz_idx.py",
        description="Fuzz the IDX reader: random bytes, mutated headers, truncated or extended "
                    "files and oversized dimensions, each raw and gzipped. Prints how many cases "
                    "gave an array, how many IDXError and how many anything else (which must be "
                    "0). Needs the dev extras (hypothesis).")
    parser.add_argument("--examples", type=positive_int, default=10_000,
                        help="cases per category and compression (default 10000)")
    args = parser.parse_args(argv)
    try:
        from scratchnet.tools.idxfuzz import FUZZ_CASES, fuzz
    except ModuleNotFoundError as error:
        if error.name != "hypothesis":
            raise
        print("error: fuzz_idx.py needs hypothesis: pip install -e \".[dev]\"", file=sys.stderr)
        return 1

    rows = []
    with tempfile.TemporaryDirectory(prefix="fuzz-idx-") as folder:
        for category in FUZZ_CASES:
            for compress in (False, True):
                started = time.perf_counter()
                outcomes, surprises = fuzz(category, compress, args.examples, Path(folder))
                for line in surprises:
                    print(f"  {line}")
                rows.append((category, "gz" if compress else "raw", outcomes,
                             time.perf_counter() - started))

    print(f"{'category':<24}{'file':<6}{'cases':>8}{'array':>8}{'IDXError':>10}{'other':>7}"
          f"{'seconds':>9}")
    total = Counter()
    for category, kind, outcomes, seconds in rows:
        cases = sum(outcomes.values())
        total.update(outcomes)
        print(f"{category:<24}{kind:<6}{cases:>8}{outcomes['array']:>8}{outcomes['IDXError']:>10}"
              f"{outcomes['other']:>7}{seconds:>9.1f}")
    print(f"{'total':<30}{sum(total.values()):>8}{total['array']:>8}{total['IDXError']:>10}"
          f"{total['other']:>7}")
    return 1 if total["other"] else 0
