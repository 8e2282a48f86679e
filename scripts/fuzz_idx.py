#!/usr/bin/env python3
"""Fuzz the IDX reader at scale: ``python scripts/fuzz_idx.py --examples 10000`` (``--help``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.fuzz_idx import main

if __name__ == "__main__":
    sys.exit(main())
