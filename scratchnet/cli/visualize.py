"""``scripts/visualize.py``: PNGs of what a trained model sees, for one test digit or an image file.

Writes, into ``--out`` (default ``models/visualize``): the first conv layer's filters, each conv
layer's feature maps and the saliency map for the chosen digit, and the ten test digits the model
is most confidently wrong about. Exit status 0 on success, 2 on bad arguments or unreadable files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from scratchnet.cli.arguments import non_negative_int
from scratchnet.nn.loading import ModelFileError, load_model

from scratchnet.figures.visualize import write_digit_figures, write_mistakes
from scratchnet.preprocess.network_input import MNIST_SHAPE


class UsageError(Exception):
    """A problem with the arguments or the files they name: printed, exit status 2."""


def parse_args(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="visualize.py", description="Draw a trained model's first-layer filters, its feature "
        "maps and saliency map for one digit, and its most confidently wrong test digits.")
    parser.add_argument("model", help="a model file written by scripts/train.py (.npz)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--digit-index", type=non_negative_int, default=0, metavar="N",
                        help="show MNIST test digit N (default 0)")
    source.add_argument("--image", metavar="FILE",
                        help="show this image file instead, preprocessed like the drawing app's")
    parser.add_argument("--out", default="models/visualize", metavar="DIR",
                        help="directory for the PNGs (default models/visualize)")
    parser.add_argument("--data-dir", default="data", metavar="DIR",
                        help="data directory holding mnist/ (default data)")
    return parser.parse_args(argv)


def load_test_set(data_dir: str) -> tuple[np.ndarray, np.ndarray]:
    """MNIST test images (10000, 28, 28, 1) float32 in [0, 1] and labels (10000,)."""
    from scratchnet.data.download import DownloadError
    from scratchnet.data.mnist import load_mnist, to_float_images
    try:
        _, (x_test, y_test) = load_mnist(data_dir)
    except (OSError, DownloadError, ValueError) as error:   # no files, no network, bad content
        raise UsageError(f"could not load the MNIST test set from {data_dir}: {error}") from error
    return to_float_images(x_test), y_test.astype(np.int64)


def load_image_file(path: str) -> np.ndarray:
    """An image file as a (28, 28) float32 digit, preprocessed as the drawing app does."""
    from scratchnet.preprocess.images import BlankImageError, ImageFileError, load_image, to_mnist
    try:
        return to_mnist(load_image(path))
    except ImageFileError as error:
        raise UsageError(str(error)) from error
    except BlankImageError as error:
        raise UsageError(f"{path}: {error}") from error


def run(args: argparse.Namespace) -> list[Path]:
    try:
        model = load_model(args.model)
    except ModelFileError as error:
        raise UsageError(str(error)) from error
    if tuple(model.input_shape) != MNIST_SHAPE:
        raise UsageError(f"{args.model}: the model takes inputs of shape {model.input_shape}, "
                         f"but MNIST digits are {MNIST_SHAPE}")
    out = Path(args.out)
    written = []
    if args.image is not None:
        image = load_image_file(args.image)
        caption = Path(args.image).name
        test_set = None
    else:
        test_set = load_test_set(args.data_dir)
        x_test, y_test = test_set
        if args.digit_index >= len(x_test):
            raise UsageError(f"--digit-index must be in 0..{len(x_test) - 1} (the test set holds "
                             f"{len(x_test)} digits), got {args.digit_index}")
        image = x_test[args.digit_index]
        caption = f"test digit #{args.digit_index} (label {y_test[args.digit_index]})"
    for path in write_digit_figures(model, image, out, caption=caption):
        print(f"wrote {path}")
        written.append(path)
    if test_set is None:
        test_set = load_test_set(args.data_dir)
    path, mistakes = write_mistakes(model, *test_set, out)
    print(f"wrote {path} ({mistakes.wrong} of {mistakes.total} test digits misclassified)")
    written.append(path)
    return written


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        run(args)
    except UsageError as error:
        print(f"visualize.py: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
