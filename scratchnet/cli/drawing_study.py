"""``python scripts/drawing_study.py MODEL [MODEL ...]``: one results row per model for
docs/drawings.md - accuracy on the drawings at each digit box (worst digit in brackets) and on
the MNIST test set. ``--details`` adds per-digit accuracy and the top confusions."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from scratchnet.nn.loading import load_model
from scratchnet.tools import drawing_study as study


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="drawing_study", description=__doc__)
    parser.add_argument("models", nargs="*", metavar="MODEL")
    parser.add_argument("--time-augmentations", action="store_true",
                        help="print how many seconds each training augmentation adds to an "
                             "epoch of the 60,000 MNIST training digits (batch 128)")
    parser.add_argument("--drawings", default="../shared/drawn", metavar="DIR",
                        help="folder of per-person folders of drawings (default ../shared/drawn)")
    parser.add_argument("--boxes", type=int, nargs="+", default=list(study.BOXES), metavar="PX")
    parser.add_argument("--data-dir", default="data", metavar="DIR", help="MNIST in DIR/mnist")
    parser.add_argument("--no-mnist", action="store_true", help="skip the MNIST test set")
    parser.add_argument("--deslant", action="store_true",
                        help="deslant every image (drawings and MNIST) before reading it")
    parser.add_argument("--resample", choices=sorted(study.RESAMPLING),
                        help="read the drawings with this resampling filter in to_mnist instead "
                             "of its own (box when shrinking, bilinear when enlarging)")
    parser.add_argument("--pen", choices=("mnist", "drawn"), default="mnist",
                        help="mnist (default, as the app reads): strokes_to_mnist, a pen matched "
                             "to the digit's size; drawn: each stroke's own brush, then to_mnist")
    parser.add_argument("--name", action="append", help="row name per model (default: path)")
    parser.add_argument("--details", action="store_true")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.time_augmentations:
        from scratchnet.data.mnist import load_mnist, to_float_images
        from scratchnet.training.runs import AUGMENTATIONS
        (x_train, _), _ = load_mnist(args.data_dir, download=False)
        for name, seconds in study.time_augmentations(
                AUGMENTATIONS, to_float_images(x_train)).items():
            print(f"{name}: {seconds:.1f} s an epoch")
        return 0
    transform = None
    if args.deslant:
        from scratchnet.preprocess.shape import deslant
        transform = deslant
    drawings = study.load_drawings([args.drawings])
    started = time.perf_counter()
    with study.resampling(args.resample):
        images = {box: study.drawings_as_images(drawings, box, args.pen) for box in args.boxes}
    print(f"{len(drawings)} drawings redrawn at boxes {args.boxes} in "
          f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    mnist = None
    if not args.no_mnist:
        from scratchnet.data.mnist import load_mnist, to_float_images
        _, (x_test, y_test) = load_mnist(args.data_dir, download=False)
        mnist = (to_float_images(x_test), y_test.astype(np.int64))
    names = args.name or []
    results = []
    for index, path in enumerate(args.models):
        model = load_model(path)
        scores = {box: study.score(study.predict(model, images[box], transform), drawings)
                  for box in args.boxes}
        mnist_accuracy = None
        if mnist is not None:
            predicted = study.predict(model, mnist[0], transform)
            mnist_accuracy = float((predicted == mnist[1]).mean())
        name = names[index] if index < len(names) else path
        print(study.study_row(name, scores, mnist_accuracy), flush=True)
        if args.details:
            for box, result in scores.items():
                digits = " ".join(f"{k}:{a:.0%}" for k, a in enumerate(result.per_digit))
                top = ", ".join(f"{t}->{r} x{n}" for t, r, n in result.confusions[:6])
                print(f"    box {box}: {digits}; {top}")
        results.append({"model": path, "name": name, "mnist_test": mnist_accuracy,
                        "boxes": {box: {"accuracy": s.accuracy, "per_digit": s.per_digit.tolist(),
                                        "per_person": s.per_person,
                                        "confusions": s.confusions[:20]}
                                  for box, s in scores.items()}})
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


def build_trial_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drawing_trial", description="Train BASE further with one idea and save it as OUT.")
    parser.add_argument("base", metavar="BASE")
    parser.add_argument("out", metavar="OUT")
    parser.add_argument("--data-dir", default="data", metavar="DIR")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--augment", choices=("none", "affine", "drawing"), default="affine",
                        help="none, augment's affine distortions, or augment.DRAWING")
    for name, help_text in (("shear", "degrees"), ("thin", "erosion share"),
                            ("thick", "dilation share"), ("elastic", "alpha, px"),
                            ("sigma", "elastic smoothness, px")):
        parser.add_argument(f"--{name}", type=float, help=f"override: {help_text}")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N",
                        help="mix N synthetic digits (scratchnet.data.synthetic) into training")
    parser.add_argument("--deslant", action="store_true", help="deslant every training image")
    return parser


def trial_main(argv: list[str] | None = None) -> int:
    import dataclasses

    from scratchnet.training import augment as augmentation

    args = build_trial_parser().parse_args(argv)
    distortions = {"none": None, "affine": augmentation.Distortions(),
                   "drawing": augmentation.DRAWING}[args.augment]
    overrides = {field: value for field, value in (
        ("shear", args.shear), ("thin", args.thin), ("thick", args.thick),
        ("elastic_alpha", args.elastic), ("elastic_sigma", args.sigma)) if value is not None}
    if overrides:
        distortions = dataclasses.replace(distortions or augmentation.Distortions(), **overrides)
    print(f"augmentation: {distortions}", flush=True)
    study.finetune_trial(args.base, args.out, distortions, data_dir=args.data_dir,
                         epochs=args.epochs, limit=args.limit, synthetic=args.synthetic,
                         deslant=args.deslant, seed=args.seed,
                         log=lambda text: print(text, flush=True))
    return 0
