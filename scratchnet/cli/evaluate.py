"""``scratchnet-evaluate`` / ``python scripts/evaluate.py MODEL``: test-set report of a model.

Prints accuracy, a per-class precision/recall/F1 table and the confusion matrix, and writes the
confusion matrix as a PNG. Instead of the MNIST test set it reads, as text or, with ``--json``,
as one JSON object:

    --drawings DIR ...  people's drawings (``scratchnet.data.drawings``): of digits, accuracy
                        overall, per digit and per person and the top confusions; of letters
                        (files labelled with a letter), the share read as no digit at all
                        (``scratchnet.reading.measure.read_letters``)
    --numbers DIR ...   people's written numbers (``scratchnet.data.numbers``), each read by
                        ``read_number``: numbers right (digits in order, whole text), digits
                        right, by length, mistakes by kind, per person
                        (``scratchnet.reading.measure``)

Exit status: 0 done, 1 the data could not be obtained or the PNG not written, 2 invalid
arguments or an unusable model, drawing or number file (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from scratchnet.cli.arguments import positive_int
from scratchnet.cli.errors import EXIT_FAILED, is_expected_failure
from scratchnet.nn.loading import ModelFileError, load_model
from scratchnet.preprocess.rendering import PEN_CHOICES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scratchnet-evaluate",
        description="Evaluate a trained model on the 10,000 MNIST test digits: accuracy, "
                    "per-class precision/recall/F1 and the confusion matrix (text and PNG).")
    parser.add_argument("model", metavar="MODEL", help="a model file, e.g. models/mnist.npz")
    parser.add_argument("--data-dir", metavar="DIR", default="data",
                        help="data directory: MNIST is kept in (or downloaded to) DIR/mnist "
                             "(default data)")
    parser.add_argument("--png", metavar="PATH",
                        help="where to write the confusion matrix figure (default: next to the "
                             "model, MODEL_confusion_matrix.png)")
    parser.add_argument("--no-png", action="store_true", help="write no figure")
    parser.add_argument("--batch-size", type=positive_int, default=256,
                        help="inference batch size (default 256)")
    drawn = parser.add_argument_group(
        "people's drawings", "read drawings saved in the app's format instead of MNIST")
    drawn.add_argument("--drawings", metavar="DIR", nargs="+",
                       help="folders of drawings: a person's folder of .json files (as the app "
                            "saves them), or a folder of such folders, one per person; folders "
                            "of letters are scored on how often no digit is read in them")
    drawn.add_argument("--numbers", metavar="DIR", nargs="+",
                       help="folders of written numbers (a person's folder of number files, "
                            "or folders of them at any depth), each read by read_number")
    drawn.add_argument("--box", metavar="PX", type=positive_int,
                       help="redraw every drawing with its digit box (the bounding box of its "
                            "points) scaled to PX pixels on its longest side, centred on the "
                            "canvas, pen width unchanged (default: as drawn)")
    drawn.add_argument("--pen", choices=PEN_CHOICES, default="mnist",
                       help="mnist (default, as the app reads drawings): a pen as thick, for the "
                            "digit's size, as MNIST's; drawn: each stroke's own brush width")
    drawn.add_argument("--people", action="store_true",
                       help="with --numbers or letters: a line for every person")
    drawn.add_argument("--json", action="store_true",
                       help="print the results as one JSON object instead of text")
    return parser


def main(argv: list[str] | None = None) -> int:
    from scratchnet.figures import plots
    from scratchnet.training.metrics import evaluate_classifier, format_confusion_matrix

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.drawings is not None and args.numbers is not None:
        parser.error("give either --drawings or --numbers, not both")
    if args.drawings is None:
        for option, value in (("--box", args.box),
                              ("--pen", None if args.pen == "mnist" else args.pen)):
            if value is not None:
                parser.error(f"{option} goes with --drawings DIR")
    if args.drawings is None and args.numbers is None:
        for option, value in (("--json", args.json), ("--people", args.people)):
            if value:
                parser.error(f"{option} goes with --drawings DIR or --numbers DIR")
    model_path = Path(args.model)
    if args.numbers is not None and args.png is not None:
        parser.error("--png goes with the MNIST test set or drawings of digits, not --numbers")
    if args.no_png or (args.png is None and (args.drawings or args.numbers)):
        png = None
    else:
        png = Path(args.png) if args.png else \
            model_path.with_name(f"{model_path.stem}_confusion_matrix.png")
    if png is not None and png.is_dir():
        parser.error(f"--png {png}: is a directory; give a file name")
    if Path(args.data_dir).exists() and not Path(args.data_dir).is_dir():
        parser.error(f"--data-dir {args.data_dir}: exists and is not a directory")
    try:
        model = load_model(model_path)
    except ModelFileError as error:
        parser.error(str(error))
    if model.input_shape != (28, 28, 1):
        parser.error(f"{model_path}: the model takes inputs of shape {model.input_shape}; "
                     "MNIST digits are (28, 28, 1)")
    if args.numbers is not None:
        return evaluate_numbers(parser, args, model, model_path)
    if args.drawings is not None:
        from scratchnet.data.drawings import DrawingsError, holds_letters
        try:
            letters = holds_letters(args.drawings)
        except DrawingsError as error:
            parser.error(str(error))
        if letters:
            return evaluate_letters(parser, args, model, model_path)
        return evaluate_drawings(parser, args, model, model_path, png)
    try:
        from scratchnet.data.mnist import load_mnist, to_float_images
        _, (x_test, y_test) = load_mnist(args.data_dir, download=True)
        images = to_float_images(x_test)
        result = evaluate_classifier(model, images, y_test.astype(np.int64), args.batch_size)
    except Exception as error:
        if not is_expected_failure(error):
            raise
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{model_path}: test accuracy {result.accuracy:.2%} "
          f"({int(np.trace(result.matrix))}/{len(y_test)}), loss {result.loss:.4f}")
    print()
    print(result.report.table())
    print()
    print("Confusion matrix (rows: true digit, columns: predicted digit):")
    print(format_confusion_matrix(result.matrix))
    if png is not None:
        try:
            plots.confusion_matrix(result.matrix, png, f"{model_path.name} on the test set")
        except OSError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_FAILED
        print(f"\nWrote {png}")
    return 0


def evaluate_drawings(parser: argparse.ArgumentParser, args: argparse.Namespace, model,
                      model_path: Path, png: Path | None) -> int:
    """The ``--drawings`` report; a drawing that cannot be read is a usage error naming it."""
    import json

    from scratchnet.figures import plots
    from scratchnet.data.drawings import DrawingsError, load_drawings
    from scratchnet.training.metrics import evaluate_drawings, top_confusions

    try:
        drawings = load_drawings(args.drawings)
        result = evaluate_drawings(model, drawings, args.box, args.pen, args.batch_size)
    except DrawingsError as error:
        parser.error(str(error))
    summary = result.to_json()
    if args.json:
        print(json.dumps({"model": str(model_path), "folders": args.drawings, **summary},
                         indent=1))
    else:
        box = f"digit box {args.box} px" if args.box else "digit box as drawn"
        print(f"{model_path} on {summary['drawings']:,} drawings by {summary['people']} people "
              f"({', '.join(args.drawings)}), {box}, pen {args.pen}: accuracy "
              f"{result.accuracy:.2%} ({summary['right']}/{summary['drawings']})")
        print()
        print(f"{'digit':>5}  {'accuracy':>8}  {'drawings':>8}")
        for digit, row in summary["per_digit"].items():
            print(f"{digit:>5}  {row['accuracy']:>8.1%}  {row['drawings']:>8}")
        print()
        print(f"{'person':<20}  {'accuracy':>8}  {'drawings':>8}   (worst first)")
        for person, row in sorted(summary["per_person"].items(),
                                  key=lambda item: (item[1]["accuracy"], item[0])):
            print(f"{person:<20}  {row['accuracy']:>8.1%}  {row['drawings']:>8}")
        print()
        confusions = top_confusions(result.evaluation.matrix)
        print("Top confusions:" if confusions else "No mistakes.")
        for true, predicted, count in confusions:
            print(f"  {true} read as {predicted}: {count}")
    if png is not None:
        try:
            plots.confusion_matrix(result.evaluation.matrix, png,
                                   f"{model_path.name} on {summary['drawings']} drawings")
        except OSError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_FAILED
        if not args.json:
            print(f"\nWrote {png}")
    return 0


def reading_model(parser: argparse.ArgumentParser, model, model_path: Path):
    """``model`` if ``read_number`` can read with it, else a usage error naming the file."""
    from scratchnet.reading.outputs import output_symbols

    try:
        output_symbols(model)
    except ValueError as error:
        parser.error(f"{model_path}: {error}")
    return model


def evaluate_numbers(parser: argparse.ArgumentParser, args: argparse.Namespace, model,
                     model_path: Path) -> int:
    """The ``--numbers`` report (``scratchnet.reading.measure``); a number file that cannot be
    read is a usage error naming it."""
    import json

    from scratchnet.data.numbers import NumbersError, load_numbers
    from scratchnet.reading import ReadingError, measure

    reading_model(parser, model, model_path)
    try:
        numbers = load_numbers(args.numbers)
    except NumbersError as error:
        parser.error(str(error))
    try:
        summary = measure.summarize(measure.read_numbers(measure.number_reader(model), numbers))
    except ReadingError as error:
        parser.error(str(error))
    if args.json:
        print(json.dumps({"model": str(model_path), "folders": args.numbers, **summary},
                         indent=1))
    else:
        print(measure.format_summary(f"{model_path} on written numbers "
                                     f"({', '.join(args.numbers)})", summary, args.people))
    return 0


def evaluate_letters(parser: argparse.ArgumentParser, args: argparse.Namespace, model,
                     model_path: Path) -> int:
    """The ``--drawings`` report on folders of letters: how often no digit is read in them."""
    import json

    from scratchnet.data.drawings import DrawingsError, load_letters
    from scratchnet.reading import ReadingError, measure

    for option, value in (("--box", args.box), ("--pen", None if args.pen == "mnist" else args.pen),
                          ("--png", args.png)):
        if value is not None:
            parser.error(f"{option} goes with drawings of digits; {args.drawings[0]} holds "
                         "letters")
    reading_model(parser, model, model_path)
    try:
        letters = load_letters(args.drawings)
    except DrawingsError as error:
        parser.error(str(error))
    try:
        summary = measure.read_letters(model, letters)
    except ReadingError as error:
        parser.error(str(error))
    if args.json:
        print(json.dumps({"model": str(model_path), "folders": args.drawings, **summary},
                         indent=1))
    else:
        print(f"{model_path} on letters ({', '.join(args.drawings)}), read as numbers")
        print(measure.format_letters(summary, args.people))
    return 0


if __name__ == "__main__":
    sys.exit(main())
