#!/usr/bin/env python3
"""Benchmark the training step: see ``python scripts/bench.py --help``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.bench import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
