"""``scratchnet-draw`` / ``python scripts/draw.py``: write numbers and watch the network read them.

Opens a window with a wide canvas; the number read, each mark's box and answer, and the
probabilities of the mark under the pointer update as you write. Pressing a digit key saves the
drawing as your own example of that digit and teaches it at once; Enter saves it as a number,
with the text in the Number field (the reading, unless typed over), into ``--my-numbers``;
"Teach my handwriting" (or ``l``) teaches the model everything saved again. The result is
``personal.npz`` beside the model (``models/personal.npz`` for the shipped one), which the app
opens from then on. Without a model of your own the app reads with the one scratchnet ships;
without any, the window still opens and says how to train one. Exit status: 0 when the window
is closed, 1 if no window can be opened (no display, no Tkinter) or the report file cannot be
written, 2 on invalid arguments, 130 when closed with Ctrl-C in the terminal.
"""

from __future__ import annotations

import argparse
import sys

from scratchnet.cli.arguments import positive_int
from scratchnet.cli.errors import EXIT_FAILED, EXIT_INTERRUPTED

MIN_CANVAS = 112


def canvas_size(text: str) -> int:
    value = positive_int(text)
    if value < MIN_CANVAS:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_CANVAS} pixels, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scratchnet-draw",
        description="Write a number with the mouse and watch the network read it; press a "
                    "digit key to save the drawing as your own example of that digit, Enter to "
                    "save it as a number.")
    parser.add_argument("--model", metavar="PATH",
                        help="the base model (default: models/mnist.npz, written by "
                             "scripts/train.py, if it exists, else the model that comes with "
                             "scratchnet); personal.npz beside it (models/personal.npz for the "
                             "shipped one), if there, is used instead")
    parser.add_argument("--my-digits", metavar="DIR", default="data/my_digits",
                        help="where digits you save go (default data/my_digits)")
    parser.add_argument("--my-numbers", metavar="DIR", default="data/my_numbers",
                        help="where numbers you save with Enter go, one JSON file each "
                             "(default data/my_numbers)")
    parser.add_argument("--data-dir", metavar="DIR", default="data",
                        help="where MNIST is (DIR/mnist), which \"Teach my handwriting\" mixes "
                             "into your digits (default data)")
    parser.add_argument("--teach-steps", type=positive_int, metavar="N",
                        help="steps of the last layer's fit when teaching your handwriting "
                             "(default 100)")
    parser.add_argument("--size", type=canvas_size, default=280, metavar="PIXELS",
                        help="height of the canvas at start, which is three times as wide "
                             "and grows with the window (default 280)")
    parser.add_argument("--brush", type=positive_int, metavar="PIXELS",
                        help="brush diameter at start-up (default: 1/14 of the canvas, 20 px)")
    parser.add_argument("--report-file", metavar="PATH",
                        help="append one JSON line per prediction shown (and when the window "
                             "is ready, a digit saved, an error) to this file, for scripts")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        import tkinter
    except ImportError:
        print("error: the drawing app needs Tkinter, which this Python lacks (on Debian and "
              "Ubuntu: sudo apt install python3-tk)", file=sys.stderr)
        return EXIT_FAILED
    try:
        root = tkinter.Tk(className="scratchnet")
    except tkinter.TclError as error:
        print(f"error: cannot open a window ({error}); the drawing app needs a display",
              file=sys.stderr)
        return EXIT_FAILED
    from scratchnet import blas
    from scratchnet.app.window import App
    from scratchnet.pretrained import base_model_path
    try:
        # One digit at a time is far too little work to share among BLAS threads, and when
        # other programs keep the cores busy (a training run, say), waiting for those threads
        # turns a 1 ms forward pass into tens of milliseconds.
        with blas.limited_threads(1):
            model = base_model_path() if args.model is None else args.model
            app = App(root, model, args.my_digits, canvas_size=args.size,
                      brush=args.brush, report_path=args.report_file,
                      data_dir=args.data_dir, teach_steps=args.teach_steps,
                      my_numbers=args.my_numbers)
            app.run()
    except OSError as error:      # the report file cannot be opened
        root.destroy()
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:     # Ctrl-C while loading, before the window took over
        return EXIT_INTERRUPTED
    return EXIT_INTERRUPTED if app.interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
