#!/usr/bin/env python3
"""The drawing app: ``python scripts/draw.py --help``. Runs from a clone, uninstalled."""

import os
import sys
from pathlib import Path

# One digit at a time is far too little work to share among BLAS threads, and when other
# programs keep the cores busy (a training run, say) waiting for those threads makes a 1 ms
# forward pass take tens of milliseconds. Must be set before NumPy is first imported.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.draw import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
