#!/usr/bin/env python3
"""The drawing app: ``python scripts/draw.py --help``. Runs from a clone, uninstalled."""

import os
import sys
from pathlib import Path

# The app keeps BLAS on one thread (see scratchnet/cli/draw.py); these variables do the same for
# BLAS libraries that scratchnet.blas cannot set while running. Set before NumPy is imported.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.draw import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
