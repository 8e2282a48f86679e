#!/usr/bin/env python3
"""Measure how numbers are read: see ``python scripts/bench_reading.py --help``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.bench_reading import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
