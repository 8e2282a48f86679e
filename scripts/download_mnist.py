#!/usr/bin/env python3
"""Download verified MNIST into data/mnist/: see ``python scripts/download_mnist.py --help``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.cli.download import main

if __name__ == "__main__":
    sys.exit(main())
