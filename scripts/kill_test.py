#!/usr/bin/env python3
"""SIGKILL training at random moments and resume: ``python scripts/kill_test.py --help``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.kill_test import main

if __name__ == "__main__":
    sys.exit(main())
