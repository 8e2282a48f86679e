"""``scripts/teach_eval.py``: how well the full fine-tune teaches the network real people's handwriting.

For each person's folder (the app's personal-digit format) and each K, teach a fresh copy of
the base model the first K drawings of each digit with the full fine-tune
(``scratchnet.training.full_finetune``, which the last-layer teaching replaced), and read
the person's other drawings before and after; MNIST test accuracy before and after each run.
``--thresholds`` instead tabulates the "not sure" threshold on MNIST test and the drawings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from scratchnet.cli.arguments import positive_int


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="teach_eval.py", description="Teach each person the first K drawings of each "
        "digit and read their other drawings, before and after (and MNIST test).")
    parser.add_argument("model", help="the base model, e.g. models/mnist.npz")
    parser.add_argument("people", nargs="+", metavar="DIR",
                        help="one folder per person, or a folder of such folders "
                             "(e.g. ../shared/drawn)")
    parser.add_argument("-k", type=positive_int, nargs="+", default=[1, 3], metavar="K",
                        help="drawings of each digit to teach (default 1 3)")
    parser.add_argument("--limit", type=positive_int, metavar="N",
                        help="only the first N people, in name order")
    parser.add_argument("--mnist-test", type=positive_int, default=10000, metavar="N",
                        help="MNIST test digits read before and after (default all 10,000)")
    parser.add_argument("--data-dir", default="data", help="holds mnist/ (default data)")
    parser.add_argument("--thresholds", action="store_true",
                        help="tabulate the 'not sure' threshold instead of teaching")
    parser.add_argument("--json", metavar="PATH", help="also write every result to PATH")
    return parser


def person_folders(paths: list[str]) -> list[Path]:
    folders = []
    for path in map(Path, paths):
        inner = sorted(child for child in path.iterdir() if child.is_dir()) \
            if path.is_dir() else []
        folders += inner or [path]
    return folders


def main(argv: list[str] | None = None) -> int:
    from scratchnet.training.full_finetune import FineTuneSettings, load_mnist_for_teaching
    from scratchnet.training.teaching import accuracy_on
    from scratchnet.nn.loading import load_model
    from scratchnet.tools import teach_eval

    args = build_parser().parse_args(argv)
    folders = person_folders(args.people)[:args.limit]
    # As the app does: the teaching's MNIST share is drawn from a random sample of the
    # training set.
    settings = FineTuneSettings()
    train, test = load_mnist_for_teaching(args.data_dir, args.mnist_test, settings.mnist_samples,
                                          settings.seed)
    base = load_model(args.model)
    if args.thresholds:
        return print_thresholds(base, folders, test, args)
    mnist_before = accuracy_on(base, *test)
    print(f"{args.model}: MNIST test {mnist_before:.2%} on {len(test[1]):,} digits; "
          f"{len(folders)} people, K = {' '.join(map(str, args.k))}", flush=True)
    results = []
    for folder in folders:
        images, labels = teach_eval.read_drawings(folder)
        for k in args.k:
            started = time.perf_counter()
            result = teach_eval.teach_person(args.model, images, labels, k, train, test,
                                           mnist_before, settings, person=folder.name)
            results.append(result)
            print(f"{folder.name}  K={k}  others {result.before:6.1%} -> {result.after:6.1%}  "
                  f"MNIST {result.mnist_after:.2%}  taught in {result.seconds:4.1f} s "
                  f"({result.steps} steps; {time.perf_counter() - started:.0f} s with reading)",
                  flush=True)
    print()
    print("| K | people | other drawings | before | after | lowest person after | "
          "MNIST test before → after (mean; lowest) | teaching time (mean; longest) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for k, row in teach_eval.summarise(results).items():
        print(f"| {k} | {row['people']} | {row['others']} | {row['before']:.1%} | "
              f"{row['after']:.1%} | {row['lowest_after']:.1%} | {row['mnist_before']:.2%} → "
              f"{row['mnist_after_mean']:.2%}; {row['mnist_after_lowest']:.2%} | "
              f"{row['seconds_mean']:.1f} s; {row['seconds_max']:.1f} s |")
    if args.json:
        Path(args.json).write_text(json.dumps(teach_eval.as_json(results), indent=1) + "\n")
    return 0


def print_thresholds(base, folders, test, args) -> int:
    from scratchnet.tools import teach_eval
    drawn = [teach_eval.read_drawings(folder) for folder in folders]
    sets = {"MNIST test": (base.predict(test[0]), test[1]),
            "drawings": (base.predict(np.concatenate([x for x, _ in drawn])),
                         np.concatenate([y for _, y in drawn]))}
    thresholds = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
    print("| below | " + " | ".join(f"{name}: flagged, of wrong, of right" for name in sets)
          + " |")
    print("| ---: | " + " | ".join("---" for _ in sets) + " |")
    tables = {name: teach_eval.unsure_rates(p, y, thresholds) for name, (p, y) in sets.items()}
    for index, threshold in enumerate(thresholds):
        cells = [f"{t[index]['flagged']:.1%}, {t[index]['wrong_caught']:.0%}, "
                 f"{t[index]['right_flagged']:.1%}" for t in tables.values()]
        print(f"| {threshold:g} | " + " | ".join(cells) + " |")
    for name, table in tables.items():
        print(f"{name}: {table[0]['wrong']} wrong of {table[0]['readings']:,}")
    if args.json:
        Path(args.json).write_text(json.dumps(tables, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def bench_main(argv: list[str] | None = None) -> int:
    """``scripts/bench_teach.py``: seconds for "Teach my handwriting" on N saved drawings."""
    import tempfile

    from scratchnet.tools import benchmark
    from scratchnet.data.personal import NAME_PATTERN
    from scratchnet.tools import teach_eval

    parser = argparse.ArgumentParser(
        prog="bench_teach.py", description="Time the app's 'Teach my handwriting' (the whole "
        "run and the teaching) on copies of N saved drawings.")
    parser.add_argument("model", help="the base model, e.g. models/mnist.npz")
    parser.add_argument("drawings", help="a folder of folders of drawings in the app's format "
                        "(e.g. ../shared/drawn); the first N files, in name order, are used")
    parser.add_argument("--count", type=positive_int, default=100, help="default 100")
    parser.add_argument("--repeats", type=positive_int, default=3, help="default 3")
    parser.add_argument("--data-dir", default="data", help="holds mnist/ (default data)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args(argv)
    files = [path for folder in person_folders([args.drawings]) for path in sorted(folder.iterdir())
             if NAME_PATTERN.match(path.name)][:args.count]
    with tempfile.TemporaryDirectory() as work:
        runs = teach_eval.benchmark_teaching(args.model, files, args.data_dir, work,
                                           repeats=args.repeats)
    report = {"machine": benchmark.machine_info(), "load_average": os.getloadavg(), "runs": runs}
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{report['machine']}; load average {report['load_average'][0]:.1f} (1 min)")
    for run in runs:
        print(f"{run['saved']} saved digits: {run['before']:.0%} -> {run['after']:.0%}; "
              f"teaching {run['teach_seconds']:.1f} s, the whole run {run['seconds']:.1f} s "
              f"(the replayed digits' features, once beforehand: "
              f"{run['replay_seconds']:.1f} s)")
    return 0
