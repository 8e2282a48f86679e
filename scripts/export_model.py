#!/usr/bin/env python3
"""Export a trained model compact, as the package ships it:
``python scripts/export_model.py --help``. Runs from a clone, uninstalled."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.export_model import main

if __name__ == "__main__":
    sys.exit(main())
