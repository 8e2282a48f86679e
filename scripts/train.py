#!/usr/bin/env python3
"""Train the MNIST CNN: ``python scripts/train.py --help``. Runs from a clone without installing."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.train import main

if __name__ == "__main__":
    sys.exit(main())
