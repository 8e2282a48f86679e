#!/usr/bin/env python3
"""Write MNIST training digits in a fixed handwriting style (slanted, thick) as personal samples.

A reproducible stand-in for a person's own digits, to measure what fine-tuning gains:

    python scripts/styled_digits.py --out /tmp/styled --count 1000
    python scripts/train.py --finetune models/mnist.npz --extra /tmp/styled --holdout 0.5

fine-tunes on 500 of them and reports accuracy on the other 500, before and after, with MNIST's.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratchnet.training.augment import slant_and_thicken  # noqa: E402
from scratchnet.cli.arguments import positive_int  # noqa: E402
from scratchnet.data.mnist import load_mnist  # noqa: E402
from scratchnet.data.personal import save_sample  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="directory for the sample files (like data/my_digits)")
    parser.add_argument("--count", type=positive_int, default=1000,
                        help="how many digits, the first of the training set (default 1000)")
    parser.add_argument("--data-dir", default="data", metavar="DIR",
                        help="data directory holding mnist/ (default data)")
    args = parser.parse_args(argv)
    if Path(args.out).exists() and any(Path(args.out).iterdir()):
        parser.error(f"--out {args.out}: exists and is not empty")
    (images, labels), _ = load_mnist(args.data_dir)
    styled = slant_and_thicken(images[:args.count])
    for image, label in zip(styled, labels[:args.count]):
        save_sample(args.out, int(label), image / 255.0, [], (28, 28))
    print(f"wrote {len(styled)} styled digits to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
