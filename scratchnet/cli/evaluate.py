"""``scratchnet-evaluate`` / ``python scripts/evaluate.py MODEL``: test-set report of a model.

Prints accuracy, a per-class precision/recall/F1 table and the confusion matrix, and writes the
confusion matrix as a PNG. Exit status: 0 done, 1 the data could not be obtained or the PNG not
written, 2 invalid arguments or an unusable model file (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from scratchnet.cli.arguments import positive_int
from scratchnet.cli.errors import EXIT_FAILED, is_expected_failure
from scratchnet.nn.saving import ModelFileError, load_model

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
    return parser


def main(argv: list[str] | None = None) -> int:
    from scratchnet.figures import plots
    from scratchnet.training.metrics import evaluate_classifier, format_confusion_matrix

    parser = build_parser()
    args = parser.parse_args(argv)
    model_path = Path(args.model)
    png = None if args.no_png else Path(args.png) if args.png else \
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


if __name__ == "__main__":
    sys.exit(main())
