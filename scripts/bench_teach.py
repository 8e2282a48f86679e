#!/usr/bin/env python3
"""Time "Teach my handwriting": see ``python scripts/bench_teach.py --help``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.teach_eval import bench_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(bench_main())
