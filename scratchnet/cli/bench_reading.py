"""``python scripts/bench_reading.py MODEL``: how well and how fast ``read_number`` reads numbers.

Sets (any combination; at least one):

    --numbers DIR ...    people's written numbers, a folder a person (../shared/numbers); the
                         people are split in two fixed halves (``--half``), tuning and checking
    --composed DIR ...   numbers composed of one person's digits (``reading.compose``) from
                         folders of drawn digits (../shared/drawn), ``--count`` of them
    --digits DIR ...     single drawn digits, read as today's app reads a drawing and as a
                         number of one mark
    --letters DIR ...    people's letters (../shared/letters): how often no digit is read in them

With ``--baseline`` the numbers are read by the x-overlap grouping too. ``--figure PATH`` draws
two of the written numbers as ``read_number`` read them (``scratchnet.figures.reading``): the
longest read right that holds a separator, and the shortest of five or more digits read wrong.
Reading runs with NumPy's BLAS held to ``--threads`` threads (one by default: the time is one
core's). Exit status: 0 done, 2 invalid arguments, an unusable model or data set (nothing
measured).
"""

from __future__ import annotations

import argparse
import json
import sys

from scratchnet.cli.arguments import positive_int
from scratchnet.cli.errors import EXIT_USAGE
from scratchnet.nn.loading import ModelFileError, load_model

HALVES = ("tuning", "checking", "all")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench_reading.py",
        description="Measure read_number on written numbers: numbers with every digit right, "
                    "the whole text right, digits right, by length, mistakes by kind, per "
                    "person, and the CPU time a number takes.")
    parser.add_argument("model", metavar="MODEL", help="a model file, e.g. models/mnist.npz")
    parser.add_argument("--numbers", metavar="DIR", nargs="+",
                        help="folders of number files, a folder a person (or folders of them)")
    parser.add_argument("--half", choices=HALVES, default="all",
                        help="which people of --numbers: the tuning half, the checking half, "
                             "or all (default all); the halves are fixed by --split-seed")
    parser.add_argument("--split-seed", type=int, default=0,
                        help="seed of the split of people into halves (default 0)")
    parser.add_argument("--composed", metavar="DIR", nargs="+",
                        help="folders of people's drawn digits to compose numbers of")
    parser.add_argument("--count", type=positive_int, default=1000,
                        help="how many numbers to compose (default 1000)")
    parser.add_argument("--compose-seed", type=int, default=0,
                        help="seed of the composed numbers (default 0)")
    parser.add_argument("--digits", metavar="DIR", nargs="+",
                        help="folders of people's single drawn digits")
    parser.add_argument("--letters", metavar="DIR", nargs="+",
                        help="folders of people's letters, to count how often no digit is read")
    parser.add_argument("--baseline", action="store_true",
                        help="also read the numbers by grouping strokes whose x-extents overlap")
    parser.add_argument("--people", action="store_true", help="list every person's figure")
    parser.add_argument("--figure", metavar="PATH",
                        help="with --numbers: draw a number read right and one read wrong")
    parser.add_argument("--threads", type=positive_int, default=1,
                        help="BLAS threads while reading (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    return parser


def main(argv: list[str] | None = None) -> int:
    from scratchnet.data.drawings import DrawingsError, load_drawings, load_letters
    from scratchnet.data.numbers import NumbersError, load_numbers
    from scratchnet.reading import measure
    from scratchnet.reading.baseline import overlap_reader
    from scratchnet.reading.compose import compose_numbers
    from scratchnet import blas
    from scratchnet.tools import benchmark

    parser = build_parser()
    args = parser.parse_args(argv)
    if not (args.numbers or args.composed or args.digits or args.letters):
        parser.error("give at least one of --numbers, --composed, --digits, --letters")
    if args.figure and not args.numbers:
        parser.error("--figure goes with --numbers")
    try:
        model = load_model(args.model)
        sets = {}
        if args.numbers:
            numbers = load_numbers(args.numbers)
            tuning, checking = measure.split_people([number.person for number in numbers],
                                                    args.split_seed)
            chosen = {"tuning": set(tuning), "checking": set(checking),
                      "all": set(tuning) | set(checking)}[args.half]
            written = [number for number in numbers if number.person in chosen]
            sets[f"written numbers ({args.half} people)"] = written
        if args.composed:
            sets[f"composed numbers (seed {args.compose_seed})"] = compose_numbers(
                load_drawings(args.composed), args.count, args.compose_seed)
        digits = load_drawings(args.digits) if args.digits else None
        letters = load_letters(args.letters) if args.letters else None
    except (ModelFileError, NumbersError, DrawingsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    report = {"machine": benchmark.machine_info(), "model": args.model, "sets": {}}
    with blas.limited_threads(args.threads) as limited:
        report["blas_threads"] = args.threads if limited else None
        readers = [("read_number", measure.number_reader(model))]
        if args.baseline:
            readers.insert(0, ("x-overlap grouping", overlap_reader(model)))
        for title, numbers in sets.items():
            report["sets"][title] = {
                name: measure.summarize(measure.read_numbers(reader, numbers))
                for name, reader in readers}
        if digits is not None:
            report["single digits"] = measure.read_single_digits(model, digits)
        if letters is not None:
            report["letters"] = measure.read_letters(model, letters)
    if args.figure:
        report["figure"] = str(draw_examples(model, written, args.figure))
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    machine = report["machine"]
    threads = (f"BLAS held to {args.threads} thread(s)" if report["blas_threads"]
               else "BLAS threads not limited (set OPENBLAS_NUM_THREADS)")
    print(f"{machine['cpu']}, {threads}; CPU time of the process")
    for title, results in report["sets"].items():
        for name, summary in results.items():
            print(measure.format_summary(f"{title}, {name}", summary, args.people))
    if digits is not None:
        single = report["single digits"]
        print(f"single digits: {single['digits']} by {single['people']} people: whole drawing "
              f"{single['whole_drawing']:.1%}, read_number {single['read_number']:.1%}")
    if letters is not None:
        print(measure.format_letters(report["letters"], args.people))
    if args.figure:
        print(f"Wrote {report['figure']}")
    return 0


def draw_examples(model, numbers, path):
    """The figure of ``--figure``: of ``numbers``, the longest read right that holds a
    separator and the shortest of five or more digits read wrong."""
    from scratchnet.figures.reading import number_readings
    from scratchnet.reading import read_number

    readings = [(number, read_number(model, number.strokes, number.canvas))
                for number in numbers]
    right = [pair for pair in readings
             if pair[1].text == pair[0].text and not pair[0].text.isdigit()]
    wrong = [pair for pair in readings
             if pair[1].text != pair[0].text and len(pair[0].text) >= 5]
    examples = ([max(right, key=lambda pair: len(pair[0].text))] if right else []) + \
        ([min(wrong, key=lambda pair: len(pair[0].text))] if wrong else [])
    return number_readings(examples, path)
