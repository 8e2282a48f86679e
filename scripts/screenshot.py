#!/usr/bin/env python3
"""Screenshot of the drawing app for the docs: ``python scripts/screenshot.py --help``.

Starts a virtual X server (Xvfb; or uses $DISPLAY with --use-display), opens the app with a
model, writes a number with the mouse through xdotool, waits for its reading and saves the
window as a PNG with ImageMagick's ``import``. Needs Xvfb, xdotool and ImageMagick.

The app runs in a scratch directory holding a copy of the model as models/mnist.npz, so the
window shows the paths a user of the default settings sees. It is driven the way the GUI tests
drive it, with their driver and hand-drawn digits (tests/xdriver.py, tests/hand_drawn.py, which
need NumPy but not pytest), so run it from a clone of the repository.
"""

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from hand_drawn import HAND_DRAWN, written  # noqa: E402
from xdriver import AppProcess, Display, VirtualDisplay, missing_tools  # noqa: E402


def number_text(text: str) -> str:
    allowed = {str(digit) for digit in HAND_DRAWN} | {"-"}
    if not text or len(text) > 12 or set(text) - allowed:
        raise argparse.ArgumentTypeError(f"expected up to twelve of {' '.join(sorted(allowed))}, "
                                         f"got {text!r}")
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description="Write a number in the app and save a "
                                                 "screenshot.")
    parser.add_argument("--model", default="models/mnist.npz", help="default models/mnist.npz")
    parser.add_argument("--out", default="docs/app.png", help="default docs/app.png")
    parser.add_argument("--number", type=number_text, default="700-3146",
                        help="what to write: hand-drawn digits (%s) and dashes, at most twelve "
                             "(default 700-3146)" % " ".join(map(str, sorted(HAND_DRAWN))))
    parser.add_argument("--features", action="store_true", help="show the feature-map panel too")
    parser.add_argument("--use-display", action="store_true",
                        help="use $DISPLAY instead of starting Xvfb")
    args = parser.parse_args()

    needed = [tool for tool in missing_tools() if tool != "Xvfb" or not args.use_display]
    if shutil.which("import") is None:
        needed.append("import (ImageMagick)")
    if needed:
        print(f"error: missing {', '.join(needed)}", file=sys.stderr)
        return 1
    if args.use_display and not os.environ.get("DISPLAY"):
        print("error: --use-display: $DISPLAY is not set", file=sys.stderr)
        return 1
    if not Path(args.model).is_file():
        print(f"error: {args.model}: no such model file (train one with: python scripts/train.py)",
              file=sys.stderr)
        return 1

    out = Path(args.out).resolve()
    display = Display(os.environ["DISPLAY"]) if args.use_display else \
        VirtualDisplay(screen="1280x1024x24")
    with tempfile.TemporaryDirectory() as scratch, display:
        (Path(scratch) / "models").mkdir()
        shutil.copyfile(args.model, Path(scratch) / "models" / "mnist.npz")
        box = min(200, 760 / len(args.number))            # the number fills the canvas's width
        with AppProcess(display, "models/mnist.npz", "report.jsonl", "data/my_digits",
                        brush=max(8, round(box / 8)), cwd=scratch) as app:
            ready = app.wait_ready()
            if ready["model_error"]:
                print(f"warning: {ready['model_error']}", file=sys.stderr)
            if args.features:
                app.key("f")
            strokes = written(args.number, box=box, step=box * 0.95, top=(app.size - box) / 2)
            app.draw(strokes)
            reading = app.wait_for_reading(strokes=len(strokes))
            path = app.screenshot(out)
    print(f"wrote {args.number}, the app read {reading.get('text')!r}; wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
