#!/usr/bin/env python3
"""Evaluate a trained model: ``python scripts/evaluate.py --help``. Runs from a clone, uninstalled."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
