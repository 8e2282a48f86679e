#!/usr/bin/env python3
"""Read the dev-set drawings at digit boxes of 200, 100 and 60 px and the MNIST test set with
one or more models; print a row of docs/drawings.md's table for each. ``--help`` for options."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.drawing_study import main

if __name__ == "__main__":
    sys.exit(main())
