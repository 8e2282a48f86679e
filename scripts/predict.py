#!/usr/bin/env python3
"""Read digits in image files: ``python scripts/predict.py --help``. Runs from a clone, uninstalled."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.predict import main

if __name__ == "__main__":
    sys.exit(main())
