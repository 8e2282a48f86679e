#!/usr/bin/env python3
"""Draw what a trained model sees: see ``python scripts/visualize.py --help``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.visualize import main

if __name__ == "__main__":
    sys.exit(main())
