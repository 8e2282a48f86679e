#!/usr/bin/env python3
"""Ways of teaching someone's handwriting, measured: see ``python scripts/teach_methods.py --help``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.teach_methods import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
