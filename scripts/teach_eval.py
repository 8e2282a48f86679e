#!/usr/bin/env python3
"""Measure "Teach my handwriting" per person: see ``python scripts/teach_eval.py --help``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.teach_eval import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
