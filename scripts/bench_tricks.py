#!/usr/bin/env python3
"""Time a few of the fast layers' speed tricks against the plain code (docs/performance.md).

Run as ``OPENBLAS_NUM_THREADS=1 python scripts/bench_tricks.py`` (one thread, CPU time).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.tools import tricks  # noqa: E402


def main() -> int:
    print("im2col, second layer, 4-image slice (ms):")
    for name, ms in tricks.im2col_copies().items():
        print(f"  {name:<48}{ms:8.3f}")
    print("optimizer step, reference model (ms):")
    for name, ms in tricks.optimizer_steps().items():
        print(f"  {name:<48}{ms:8.2f}")
    print("training step, reference CNN, batch 128, one thread (ms per round):")
    for name, values in tricks.training_steps().items():
        print(f"  {name:<48}" + " ".join(f"{v:6.0f}" for v in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
