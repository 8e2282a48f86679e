"""``scratchnet-train`` / ``python scripts/train.py``: train the MNIST CNN, or teach a trained
model your handwriting.

The command line only parses and prints; the run itself is ``scratchnet.training.runs.train`` (and
``scratchnet.training.teaching.teach_handwriting`` for ``--teach``).

Exit status: 0 done, 1 the data could not be obtained / a file could not be written / the loss
diverged, 2 invalid arguments (nothing written), 130 interrupted with Ctrl-C (checkpoint saved).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scratchnet.cli.arguments import (fraction, share, non_negative_int, positive_float,
                                      positive_int)
from scratchnet.cli.errors import EXIT_FAILED, EXIT_INTERRUPTED, is_expected_failure
from scratchnet.nn.loading import ModelFileError

from scratchnet.nn.optimizers import OPTIMIZERS
from scratchnet.progress import format_duration
from scratchnet.training.callbacks import ProgressBar


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scratchnet-train",
        description="Train the tutorial's MNIST CNN from scratch in NumPy (reference CNN, "
                    "Adadelta(1.0, 0.95, 1e-7), batch 128, seed 0), checkpointing after every "
                    "epoch; or teach a trained model your own digits. The default recipe "
                    "adds random shifts, rotations and scaling, synthetic digits in styles "
                    "MNIST lacks, to read people's drawings better, and synthetic marks that "
                    "are not digits for an eleventh output, \"not a digit\"; --recipe "
                    "tutorial is the "
                    "Keras tutorial's exact recipe (12 epochs, no augmentation).",
        epilog="Ctrl-C finishes the current batch, saves the checkpoint and exits with status "
               "130; continue with --resume OUT/checkpoint.npz. Exit status 1: the data could "
               "not be obtained, a file could not be written, or the loss became NaN/inf.")
    run = parser.add_argument_group("training")
    run.add_argument("--recipe", choices=sorted(training_recipes()), default="default",
                     help="default: %s; tutorial: %s. Options below override the recipe's"
                     % (describe_recipe("default"), describe_recipe("tutorial")))
    run.add_argument("--epochs", type=positive_int, help="epochs in all, counting those of a "
                     "resumed checkpoint (default 12, or the resumed run's)")
    run.add_argument("--batch-size", type=positive_int, help="mini-batch size (default 128)")
    run.add_argument("--optimizer", choices=sorted(OPTIMIZERS), help="default adadelta")
    run.add_argument("--lr", type=positive_float, dest="learning_rate",
                     help="learning rate (default: the optimizer's: adadelta 1.0, adam 0.001, "
                          "sgd 0.01)")
    run.add_argument("--seed", type=non_negative_int, help="seeds weights, shuffling, dropout "
                     "and augmentation (default 0)")
    run.add_argument("--augment", nargs="?", const="affine", choices=("none", "affine",
                     "drawing"), help="affine (the same as a bare --augment): random shifts "
                     "(±2 px), rotations (±10°) and scaling (±10%%); drawing: those plus slant, "
                     "elastic distortion and stroke thickness; none")
    run.add_argument("--synthetic", type=share, metavar="F",
                     help="mix in synthetic digits in styles MNIST lacks (the flagged 1, the "
                          "crossed 7, the open 4, the hooked 9, the slashed 0), F times as many "
                          "as the MNIST training digits; 0 for none")
    run.add_argument("--marks", type=share, metavar="F",
                     help="mix in synthetic marks that are not digits (letters, shapes, "
                          "scribbles), F times as many as the MNIST training digits; the model "
                          "gets an eleventh output, \"not a digit\"; 0 for none (ten outputs)")
    run.add_argument("--limit", type=positive_int, metavar="N",
                     help="train on the first N training digits only (quick tries)")
    run.add_argument("--val-split", type=fraction, metavar="F",
                     help="hold out this share of the training digits for the per-epoch "
                          "validation instead of using the test set")
    run.add_argument("--dtype", choices=("float32", "float64"), help="default float32")
    run.add_argument("--workers", type=positive_int, metavar="N",
                     help="threads that share each batch (default: one per core when NumPy's "
                          "BLAS allows, else 1); results differ only by float rounding")
    run.add_argument("--plain", action="store_true", default=None,
                     help="train with the plain layers and optimizers of scratchnet.nn.plain, "
                          "the math written as it reads (slow: one thread, no speed tricks); "
                          "the model saved is the same as without")
    run.add_argument("--model", choices=("reference", "small"),
                     help="advanced: 'small' is a tiny CNN that trains in seconds, for tests and "
                          "quick tries (default reference: the tutorial's network)")
    files = parser.add_argument_group("files")
    files.add_argument("--data-dir", metavar="DIR",
                       help="data directory: verified MNIST is kept in (or downloaded to) DIR/mnist "
                            "(default data)")
    files.add_argument("--out", metavar="DIR", help="where the model, checkpoint, history.json "
                       "and figures go (default models)")
    files.add_argument("--resume", metavar="PATH", help="continue from this checkpoint; options "
                       "not given are taken from it")
    files.add_argument("--quiet", action="store_true", help="print nothing but errors")
    tune = parser.add_argument_group("teaching it your own handwriting")
    tune.add_argument("--teach", "--finetune", metavar="MODEL", dest="teach",
                      help="start from this trained model and teach it your digits; the result "
                           "is personal.npz beside it (or in --out), as the drawing app's "
                           "\"Teach my handwriting\" writes it (--finetune is the same option)")
    tune.add_argument("--extra", metavar="DIR", help="your labelled digits, e.g. data/my_digits "
                      "(saved by the drawing app)")
    tune.add_argument("--numbers", metavar="DIR", help="your written numbers, e.g. "
                      "data/my_numbers (saved by the drawing app with Enter): the digits of "
                      "those whose marks line up with their text are taught too")
    tune.add_argument("--holdout", type=share, metavar="F", default=0.2,
                      help="share of your digits kept aside to measure the gain, 0 to teach "
                           "them all (default 0.2)")
    tune.add_argument("--max-steps", type=positive_int, metavar="N",
                      help="steps of the last layer's fit (default 100)")
    return parser


def training_recipes() -> dict:
    from scratchnet.training.runs import RECIPES
    return RECIPES


def describe_recipe(name: str) -> str:
    config = training_recipes()[name]
    parts = [f"{config.epochs} epochs", f"augment {config.augment}"]
    if config.synthetic:
        parts.append(f"synthetic {config.synthetic:g}")
    if config.marks:
        parts.append(f"marks {config.marks:g} (an eleventh output, not a digit)")
    return ", ".join(parts)


def check_paths(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse missing inputs and unusable output paths before anything is written."""
    for option, value in (("--resume", args.resume), ("--teach", args.teach)):
        if value is not None and not Path(value).is_file():
            parser.error(f"{option} {value}: no such file")
    if args.max_steps is not None and args.teach is None:
        parser.error("--max-steps goes with --teach")
    for option, value in (("--extra", args.extra), ("--numbers", args.numbers)):
        if value is not None and not Path(value).is_dir():
            parser.error(f"{option} {value}: no such directory")
    if args.numbers is not None and args.teach is None:
        parser.error("--numbers goes with --teach MODEL --extra DIR")
    if (args.teach is None) != (args.extra is None):
        parser.error("--teach and --extra go together: --teach MODEL --extra DIR")
    if args.teach is not None:
        unsupported = [option for option, value in (
            ("--resume", args.resume), ("--limit", args.limit), ("--val-split", args.val_split),
            ("--model", args.model), ("--optimizer", args.optimizer), ("--plain", args.plain),
            ("--epochs", args.epochs), ("--dtype", args.dtype), ("--batch-size", args.batch_size),
            ("--lr", args.learning_rate), ("--augment", args.augment),
            ("--workers", args.workers), ("--seed", args.seed)) if value is not None]
        if unsupported:
            parser.error(f"--teach cannot be combined with {', '.join(unsupported)}")
    for option, value in (("--out", args.out), ("--data-dir", args.data_dir)):
        if value is not None and Path(value).exists() and not Path(value).is_dir():
            parser.error(f"{option} {value}: exists and is not a directory")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    check_paths(parser, args)
    say = (lambda text: None) if args.quiet else (lambda text: print(text, flush=True))
    if args.teach is not None:
        return run_teach(parser, args, say)
    return run_training(parser, args, say)


def run_training(parser: argparse.ArgumentParser, args: argparse.Namespace, say) -> int:
    from scratchnet.training import runs as training

    defaults = training.RECIPES[args.recipe]
    if args.resume is not None:
        try:
            stored = training.stored_settings(args.resume)
        except ModelFileError as error:
            parser.error(f"--resume: {error}")
        defaults = training.TrainConfig(**{**vars(defaults), **stored})
    config = training.settings_from(args, defaults)
    progress = None if args.quiet else ProgressBar
    try:
        result = training.train(config, log=say, progress=progress)
    except (ModelFileError, training.ConfigurationError) as error:
        parser.error(str(error))
    except KeyboardInterrupt:
        print("interrupted again while saving; the previous checkpoint is intact",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:      # data and disk problems: the message says what to do
        if not is_expected_failure(error):
            raise
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    if result.status == "interrupted":
        print(result.message, file=sys.stderr)
        return EXIT_INTERRUPTED
    if result.status == "diverged":
        print(f"error: {result.message}", file=sys.stderr)
        return EXIT_FAILED
    say(f"Test accuracy {result.test_accuracy:.2%} (loss {result.test_loss:.4f}) after "
        f"{result.epochs_done} epochs; {format_duration(result.seconds)} in all")
    say("Wrote:")
    labels = {"model": "model", "checkpoint": "checkpoint (for --resume)",
              "history": "history", "curves": "training curves", "confusion": "confusion matrix",
              "misclassified": "misclassified digits"}
    for key, label in labels.items():
        if key in result.paths:
            say(f"  {label + ':':<28}{result.paths[key]}")
    say(f"Evaluate it with: python scripts/evaluate.py {result.paths['model']}")
    return 0


def run_teach(parser: argparse.ArgumentParser, args: argparse.Namespace, say) -> int:
    from scratchnet.training import teaching

    from scratchnet.training.last_layer import LastLayerSettings

    settings = LastLayerSettings() if args.max_steps is None else \
        LastLayerSettings(steps=args.max_steps)
    out = None if args.out is None else Path(args.out) / teaching.PERSONAL_NAME

    def progress(done: int, total: int) -> None:
        sys.stdout.write(f"\r  {done} of {total - 1} digits added" if done < total
                         else "\r  fitted the last layer")
        sys.stdout.flush()

    try:
        result = teaching.teach_handwriting(
            args.teach, args.extra, data_dir=args.data_dir or "data", out=out,
            settings=settings, holdout=args.holdout, mnist_before=True, download=True,
            progress=None if args.quiet else progress, log=say, my_numbers=args.numbers)
    except (ModelFileError, teaching.PersonalDataError, ValueError) as error:
        parser.error(str(error))
    except KeyboardInterrupt:
        print("\ninterrupted; nothing was saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        if not is_expected_failure(error):
            raise
        print(f"\nerror: {error}", file=sys.stderr)
        return EXIT_FAILED
    say("")
    for line in result.summary_lines():
        say(line)
    say(f"The drawing app opens {result.path} by itself when started with --model {args.teach}"
        if result.path == teaching.personal_model_path(args.teach) else
        f"Use it with: python scripts/draw.py --model {result.path}")
    return 0




if __name__ == "__main__":
    sys.exit(main())
