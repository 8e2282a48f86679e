"""``scratchnet-predict`` / ``python scripts/predict.py MODEL IMAGE [IMAGE ...]``: read the
digit or the number written in each picture.

Each picture's ink is split into its connected pieces and read as a written number
(``scratchnet.reading.picture.read_picture``): marks left to right, each read from its pixels
prepared like an MNIST digit (grey, light ink on dark, fitted in 20x20 and centred in 28x28).
One line per image gives, for a picture of one digit, the digit, its probability and the ten
digits' probabilities; for a number, its text and each mark's reading and confidence:

    digit.png: 7 (98.4%)   0:0.00 1:0.00 2:0.01 3:0.00 4:0.00 5:0.00 6:0.00 7:0.98 8:0.00 9:0.01
    phone.png: 800-901-4678   8 99% 0 97% 0 99% - 100% 9 88% (not sure) ...
    empty.png: the image is blank: no pixel differs from the background by 10% or more (...)

``--json`` prints a JSON list instead, one object per image, in order: ``{"file", "text",
"marks"}`` (and ``"digit", "probabilities"``, all the model's outputs, for one digit),
``{"file", "blank": true, "reason"}`` or ``{"file", "error"}``.

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

from scratchnet.preprocess.images import BlankImageError, ImageFileError, load_image
from scratchnet.reading.ink import ReadingError
from scratchnet.reading.outputs import DIGITS, output_symbols
from scratchnet.reading.picture import read_picture


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scratchnet-predict",
        description="Read the digit or the number written in each image file (PNG, JPEG, GIF, "
                    "BMP, TIFF, WebP, ...: dark on light or light on dark, any size) with a "
                    "trained model.",
        epilog="An unusable image file is reported on stderr and the others are still read; "
               "the exit status is then 2.")
    parser.add_argument("model", metavar="MODEL", help="a model file, e.g. models/mnist.npz")
    parser.add_argument("images", metavar="IMAGE", nargs="+", help="image files of a digit or a number each")
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
    if model.input_shape != (28, 28, 1):
        parser.error(f"{args.model}: the model takes inputs of shape {model.input_shape}; "
                     "reading digits needs (28, 28, 1)")
    try:
        output_symbols(model)
    except ValueError as error:
        parser.error(f"{args.model}: {error}")
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
    """What one image file says (module docstring): ``{"file", "text", "marks"}`` with
    ``"digit"`` and ``"probabilities"`` for one digit, ``{"file", "blank", "reason"}`` or
    ``{"file", "error"}``."""
    try:
        reading = read_picture(model, load_image(path))
    except BlankImageError as error:
        return {"file": path, "blank": True, "reason": str(error)}
    except ImageFileError as error:          # its message names the file
        return {"file": path, "error": str(error)}
    except (ReadingError, ValueError) as error:   # too many pieces; a mode no grey is made of
        return {"file": path, "error": f"{path}: {error}"}
    result = {"file": path, "text": reading.text,
              "marks": [{"character": mark.character, "kind": mark.kind,
                         "box": [round(value, 1) for value in mark.box],
                         "confidence": mark.confidence, "sure": mark.sure}
                        for mark in reading.marks]}
    if len(reading.marks) == 1 and reading.text in DIGITS:
        probabilities = reading.marks[0].probabilities.astype(np.float64)
        result.update(digit=int(reading.text), probabilities=[float(p) for p in probabilities])
    return result


def format_result(result: dict) -> str:
    if result.get("blank"):
        return f"{result['file']}: {result['reason']}"
    if "digit" in result:
        digit = result["digit"]
        probabilities = result["probabilities"]
        table = " ".join(f"{k}:{p:.2f}" for k, p in enumerate(probabilities[:len(DIGITS)]))
        return f"{result['file']}: {digit} ({probabilities[digit]:.1%})   {table}"
    marks = " ".join(f"{mark['character']} {mark['confidence']:.0%}"
                     + ("" if mark["sure"] else " (not sure)") for mark in result["marks"])
    return f"{result['file']}: {result['text']}   {marks}"


if __name__ == "__main__":
    sys.exit(main())
