"""``scratchnet-predict`` / ``python scripts/predict.py MODEL IMAGE [IMAGE ...]``: read digits.

Each image is prepared like an MNIST digit (``scratchnet.preprocess``: grey, light ink on dark,
fitted in 20x20 and centred in 28x28), then one line per image gives the digit, its probability
and all ten probabilities:

    digit.png: 7 (98.4%)   0:0.00 1:0.00 2:0.01 3:0.00 4:0.00 5:0.00 6:0.00 7:0.98 8:0.00 9:0.01
    empty.png: the image is blank: no pixel differs from the background by 10% or more (...)

``--json`` prints a JSON list instead, one object per image, in order: ``{"file", "digit",
"probabilities"}``, ``{"file", "blank": true, "reason"}`` or ``{"file", "error"}``.

A file that cannot be used (missing, not an image, truncated, too large) is reported on stderr in
one line naming it, and the remaining images are still read, so one bad file in a batch costs
only its own line. Exit status: 0 every image was read (a blank image counts as read), 2 invalid
arguments or an unusable model file (no image read), or at least one image file was unusable.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from scratchnet.cli.errors import EXIT_USAGE
from scratchnet.nn.model import Sequential
from scratchnet.nn.loading import ModelFileError, load_model

from scratchnet.preprocess.images import BlankImageError, ImageFileError, load_image, to_mnist
from scratchnet.preprocess.network_input import to_network_input


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scratchnet-predict",
        description="Read the digit in each image file (PNG, JPEG, GIF, BMP, TIFF, WebP, ...: "
                    "dark on light or light on dark, any size) with a trained model.",
        epilog="An unusable image file is reported on stderr and the others are still read; "
               "the exit status is then 2.")
    parser.add_argument("model", metavar="MODEL", help="a model file, e.g. models/mnist.npz")
    parser.add_argument("images", metavar="IMAGE", nargs="+", help="image files of one digit each")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON list, one object per image, instead of text")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        model = load_model(args.model)
    except ModelFileError as error:
        parser.error(str(error))
    if model.input_shape != (28, 28, 1) or model.output_shape != (10,):
        parser.error(f"{args.model}: the model maps inputs of shape {model.input_shape} to "
                     f"{model.output_shape}; reading digits needs (28, 28, 1) to (10,)")
    results = []
    for path in args.images:
        result = read_digit(model, path)
        if "error" in result:
            print(f"error: {result['error']}", file=sys.stderr)
        elif not args.json:
            print(format_result(result))
        results.append(result)
    if args.json:      # one object per line: still one JSON document, and easy to grep
        print("[\n" + ",\n".join(json.dumps(result) for result in results) + "\n]")
    return EXIT_USAGE if any("error" in result for result in results) else 0


def read_digit(model: Sequential, path: str) -> dict:
    """``{"file", "digit", "probabilities"}``, ``{"file", "blank", "reason"}`` or
    ``{"file", "error"}`` for one image file."""
    try:
        digit = to_mnist(load_image(path))
    except BlankImageError as error:
        return {"file": path, "blank": True, "reason": str(error)}
    except ImageFileError as error:          # its message names the file
        return {"file": path, "error": str(error)}
    except ValueError as error:              # an image mode no grey can be made of
        return {"file": path, "error": f"{path}: {error}"}
    probabilities = model.predict(to_network_input(digit))[0].astype(np.float64)
    return {"file": path, "digit": int(probabilities.argmax()),
            "probabilities": [float(p) for p in probabilities]}


def format_result(result: dict) -> str:
    if result.get("blank"):
        return f"{result['file']}: {result['reason']}"
    probabilities = result["probabilities"]
    digit = result["digit"]
    table = " ".join(f"{k}:{p:.2f}" for k, p in enumerate(probabilities))
    return f"{result['file']}: {digit} ({probabilities[digit]:.1%})   {table}"


if __name__ == "__main__":
    sys.exit(main())
