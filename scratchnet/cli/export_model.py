"""``scratchnet-export`` / ``python scripts/export_model.py MODEL``: the compact model to ship.

Writes MODEL as a compact file (float16 weights, no optimizer state; ``scratchnet.nn.saving``)
to ``scratchnet/pretrained/mnist.npz`` by default, the model the drawing app reads when you have
not trained one, and prints its weights' digest, which README quotes for the shipped file.
Exit status: 0 written, 1 the file could not be written, 2 invalid arguments or an unusable
model (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scratchnet.cli.errors import EXIT_FAILED
from scratchnet.nn.loading import ModelFileError, load_model
from scratchnet.nn.saving import save_model, weights_digest
from scratchnet.pretrained import SHIPPED_MODEL


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scratchnet-export",
        description="Write a trained model as a compact file for reading only (float16 weights, "
                    "no optimizer state), by default as the package's shipped model, and print "
                    "the digest of its weights.")
    parser.add_argument("model", metavar="MODEL", help="a model file, e.g. models/mnist.npz")
    parser.add_argument("--out", metavar="PATH", default=str(SHIPPED_MODEL),
                        help=f"where to write it (default {SHIPPED_MODEL})")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Path(args.out)
    if out.is_dir():
        parser.error(f"--out {out}: is a directory; give a file name")
    if out.resolve() == Path(args.model).resolve():
        parser.error(f"--out {out}: is MODEL itself; write the compact copy elsewhere")
    try:
        model = load_model(args.model)
    except ModelFileError as error:
        parser.error(str(error))
    metadata = {**model.metadata, "exported_from": Path(args.model).name}
    try:
        save_model(model, out, metadata=metadata, compact=True)
    except ValueError as error:
        parser.error(f"{args.model}: {error}")
    except OSError as error:
        print(f"error: cannot write {out}: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB, float16 weights, no optimizer "
          f"state)")
    print(f"weights digest (SHA-256): {weights_digest(load_model(out))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
