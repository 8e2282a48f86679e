#!/usr/bin/env python3
"""Fuzz the IDX reader at scale: for every generated file, an array or IDXError, nothing else.

Runs the hypothesis strategies of ``tests/test_idx.py`` (random bytes, mutated headers,
truncated or extended files, oversized dims), each raw and gzipped, and prints how many cases
gave an array, how many IDXError, and how many anything else (which must be 0). Needs the dev
extras (hypothesis). Example: ``python scripts/fuzz_idx.py --examples 10000``.
"""

import argparse
import importlib.util
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scratchnet.cli.arguments import positive_int  # noqa: E402


def load_test_module():
    spec = importlib.util.spec_from_file_location("test_idx", REPO / "tests" / "test_idx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fuzz(tests, category: str, compress: bool, examples: int, folder: Path) -> Counter:
    """Run ``examples`` cases of one category; return the count of each outcome."""
    from hypothesis import HealthCheck, given, settings

    outcomes = Counter()

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=tests.FUZZ_CASES[category])
    def run(data):
        try:
            outcomes[tests.read_bytes(data, compress, folder)] += 1
        except Exception as exc:  # noqa: BLE001 - counted and shown, then the run goes on
            outcomes["other"] += 1
            print(f"  {category}: {type(exc).__name__}: {exc} for {data!r}")

    run()
    return outcomes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="fuzz_idx.py", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=positive_int, default=10_000,
                        help="cases per category and compression (default 10000)")
    args = parser.parse_args(argv)

    tests = load_test_module()
    rows = []
    with tempfile.TemporaryDirectory(prefix="fuzz-idx-") as tmp:
        for category in tests.FUZZ_CASES:
            for compress in (False, True):
                started = time.perf_counter()
                outcomes = fuzz(tests, category, compress, args.examples, Path(tmp))
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


if __name__ == "__main__":
    sys.exit(main())
