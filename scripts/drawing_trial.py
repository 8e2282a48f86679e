#!/usr/bin/env python3
"""Train a model a little further with one training idea (augmentation, synthetic digits,
deslanting), to compare ideas cheaply; read the result with scripts/drawing_study.py.
``--help`` for options."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.drawing_study import trial_main

if __name__ == "__main__":
    sys.exit(trial_main())
