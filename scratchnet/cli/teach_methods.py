"""``scripts/teach_methods.py``: ways of teaching someone's handwriting, measured per person.

Stages (``scratchnet.tools.teach_methods`` has the protocol and the methods):

    tune      every method's settings grid on the tune half, from cached features (the model
              after the last teaching step only: each step starts again from the base model)
    choose    for each kind of method, the settings that read the tune half's other drawings
              best while keeping MNIST (validation digits): written to --methods
    endpoints the chosen settings (--methods) and the base model on --half, as tune does
    report    the chosen settings of each method (--methods, a JSON file) on both halves,
              step by step and timed, as the app would teach
    finetune  today's full fine-tune on both halves
    fullpass  seconds for "Teach my handwriting" over --count saved drawings at once
    people    each person's half, drawings, other drawings at K = 1 and 3, and the base
              model's accuracy on all their drawings; the worst 6 of each half (among those
              with at least 5 other drawings at K = 3)
    table     the markdown tables from the results

Results are appended, one JSON line per person, K and method, to --results; a run that is
stopped and started again skips what is there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

import numpy as np

from scratchnet.tools import teach_methods as tm
from scratchnet.training.teaching import load_replay

DEFAULT_PEOPLE = ["../shared/drawn", "../shared/drawn-unipen"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="teach_methods.py", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=["tune", "choose", "endpoints", "report", "finetune",
                                          "fullpass", "people", "table"])
    parser.add_argument("model", help="the base model, e.g. models/mnist.npz")
    parser.add_argument("--people", nargs="+", default=DEFAULT_PEOPLE, metavar="DIR",
                        help="folders of people's folders (default: %(default)s)")
    parser.add_argument("--data-dir", default="data", help="holds mnist/ (default data)")
    parser.add_argument("--cache", default="/tmp/teach-cache", help="feature cache folder")
    parser.add_argument("--results", nargs="+", default=["teach-results.jsonl"],
                        help="JSON lines, appended to the first; table reads them all")
    parser.add_argument("--methods", help="choose: where to write, endpoints, report: where to "
                        "read the chosen settings (a JSON list of Method settings); table: "
                        "only those (and the base model and today's fine-tune)")
    parser.add_argument("--half", choices=["tune", "report", "both"], default="both",
                        help="report, finetune: which half (default both)")
    parser.add_argument("--only", nargs="+", metavar="PERSON",
                        help="report, finetune: only these people (collection/person)")
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=100,
                        help="fullpass: saved drawings (default 100)")
    parser.add_argument("--copies", type=int, default=32,
                        help="tune: augmented copies cached per drawing (default 32)")
    return parser


def tune_grid() -> list[tm.Method]:
    """The settings tried on the tune half."""
    grid = [tm.Method("base")]
    grid += [tm.Method("prototypes", boost=boost, sharpness=sharpness)
             for boost in (2, 4, 8, 16, 32) for sharpness in (5, 10, 20, 40)]
    grid += [tm.Method("imprint", mix=mix) for mix in (0.05, 0.1, 0.2, 0.35, 0.5)]
    grid += [tm.Method("last layer", copies=16, strength=strength, replay=replay, nearest=nearest,
                       nearest_weight=5)
             for strength in (1, 3, 10) for replay in (0, 10, 30, 100) for nearest in (0, 20)
             if replay or not nearest]
    middle = dict(strength=3, replay=30, nearest=20, nearest_weight=5)
    grid += [tm.Method("last layer", copies=copies, augmentation=augmentation, **middle)
             for copies, augmentation in ((0, "strokes"), (4, "strokes"), (32, "strokes"),
                                          (16, "drawing"), (16, "affine"))]
    grid += [tm.Method("last layer", copies=16, targets="labels", **middle),
             tm.Method("last layer", copies=16, steps=50, **middle),
             tm.Method("last layer", copies=16, steps=400, **middle)]
    grid += [tm.Method("output map", copies=16, strength=strength, replay=replay,
                       nearest=nearest, nearest_weight=5)
             for strength in (3, 10, 30) for replay in (0, 30, 100) for nearest in (0, 20)
             if replay or not nearest]
    # Towards keeping every person's MNIST: more replay.
    grid += [tm.Method(kind, copies=16, strength=strength, replay=replay, nearest=20,
                       nearest_weight=weight)
             for kind in ("last layer", "output map")
             for strength, replay, weight in ((1, 300, 5), (3, 300, 5), (10, 300, 5),
                                              (1, 100, 10), (3, 100, 10))]
    return grid


# Choosing on the tune half, by two rules on MNIST validation digits (training digits the
# replay never uses), since no setting that teaches much keeps every person's MNIST within 0.1:
#   "mean":   the mean over the people at most 0.05 points below the base model's;
#   "lowest": every person's at most 0.1 points below the base model's.
RULES = {"mean": ("mnist_val_mean", 0.0005), "lowest": ("mnist_val_lowest", 0.001)}


def choose(results: list[tm.PersonResult], tune: list[str]) -> dict[tuple[str, str], str]:
    """For each kind of method and each of ``RULES``, the settings (a label) with the highest
    mean of the K = 1 and K = 3 accuracies on the tune half's other drawings among those the
    rule allows (for both K)."""
    members = set(tune)
    groups = defaultdict(list)
    for result in results:
        if result.person in members and not result.method.startswith("live"):
            groups[result.method].append(result)
    base = tm.summarise(groups["base model"])["mnist_val_mean"]
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for label, rows in groups.items():
        by_k = [tm.summarise([r for r in rows if r.k == k]) for k in (1, 3)]
        score = (by_k[0]["after"] + by_k[1]["after"]) / 2
        kind = label.split(" strength")[0].split(" boost")[0].split(" mix")[0]
        for rule, (key, allowance) in RULES.items():
            if min(s[key] for s in by_k) < base - allowance - 1e-9:
                continue
            if (kind, rule) not in best or score > best[(kind, rule)][0]:
                best[(kind, rule)] = (score, label)
    return {key: label for key, (_, label) in sorted(best.items())}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    results_path = Path(args.results[0])
    if args.stage == "table":
        results = [r for path in args.results for r in load_results(Path(path))]
        if args.methods:
            keep = {tm.Method(**m).label() for m in json.loads(Path(args.methods).read_text())}
            keep |= {"base model", "full fine-tune (today)"}
            results = [r for r in results if r.method.removeprefix("live: ") in keep]
        print(tables(results, split(args)))
        return 0
    if args.stage == "choose":
        labels = choose(load_results(results_path), split(args)[0])
        for (kind, rule), label in labels.items():
            print(f"{kind:12} rule {rule:7} {label}")
        chosen = [asdict(method) for method in tune_grid()
                  if method.label() in labels.values() and method.kind != "base"]
        if args.methods:
            Path(args.methods).write_text(json.dumps(chosen, indent=1) + "\n")
        return 0
    from scratchnet.nn.loading import load_model
    model_path = Path(args.model)
    model = load_model(model_path)
    tune, report = split(args)
    done = {(row["person"], row["k"], row["method"]) for row in load_rows(results_path)}
    if args.stage == "finetune":
        return run_teach(args, model_path, tune, report, done, results_path)
    if args.stage == "people":
        return print_people(model, args, tune, report)
    if args.stage == "fullpass":
        return print_full_pass(model, model_path, args)
    mnist = tm.mnist_features(model, model_path, Path(args.data_dir), Path(args.cache))
    print(f"MNIST features: replay pool computed in {mnist.seconds:.1f} s (once per model)",
          flush=True)
    layer = model.layers[-1]
    base_kernel, base_bias = layer.params["kernel"], layer.params["bias"]
    folders = dict(tm.person_names([Path(p) for p in args.people]))
    if args.stage in ("tune", "endpoints"):
        grid = tune_grid() if args.stage == "tune" else \
            [tm.Method("base")] + extra_methods(args.methods)
        kinds = tuple(sorted({m.augmentation for m in grid if m.copies}))
        for name in tune if args.stage == "tune" else chosen_people(args, tune, report):
            person = tm.read_person(name, folders[name])
            cached = tm.person_features(model, person, model_path, Path(args.cache), kinds,
                                        args.copies)
            started = time.perf_counter()
            rows = [tm.measure_cached(method, person, cached, k, base_kernel, base_bias, mnist)
                    for method in grid for k in measurable(person)
                    if (name, k, method.label()) not in done]
            append(results_path, rows)
            print(f"{name}: {len(rows)} runs in {time.perf_counter() - started:.1f} s",
                  flush=True)
        return 0
    methods = extra_methods(args.methods)
    people = chosen_people(args, tune, report)
    started = time.perf_counter()
    replay = load_replay(model, args.data_dir)
    print(f"The app's replay ({len(replay.features):,} samples) computed in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    for name in people:
        person = tm.read_person(name, folders[name])
        for method in methods:
            for k in measurable(person):
                if (name, k, "live: " + method.label()) in done:
                    continue
                result = tm.measure_live(method, model, person, k, mnist, replay=replay)
                result.method = "live: " + method.label()
                append(results_path, [result])
                print(f"{name} K={k} {method.label()}: {result.before:.1%} -> "
                      f"{result.after:.1%}, MNIST {result.mnist_test:.2%}, steps median "
                      f"{np.median(result.step_seconds):.2f} s, max "
                      f"{max(result.step_seconds):.2f} s", flush=True)
    return 0


def run_teach(args, model_path, tune, report, done, results_path) -> int:
    from scratchnet.training.full_finetune import FineTuneSettings, load_mnist_for_teaching
    settings = FineTuneSettings()
    train, test = load_mnist_for_teaching(args.data_dir, 10000, settings.mnist_samples,
                                          settings.seed)
    folders = dict(tm.person_names([Path(p) for p in args.people]))
    for name in chosen_people(args, tune, report):
        person = tm.read_person(name, folders[name])
        for k in measurable(person):
            if (name, k, "full fine-tune (today)") in done:
                continue
            result = tm.full_finetune_person(model_path, person, k, train, test)
            append(results_path, [result])
            print(f"{name} K={k}: {result.before:.1%} -> {result.after:.1%}, MNIST "
                  f"{result.mnist_test:.2%}, taught in {result.step_seconds[0]:.1f} s",
                  flush=True)
    return 0


def chosen_people(args, tune: list[str], report: list[str]) -> list[str]:
    people = {"tune": tune, "report": report, "both": tune + report}[args.half]
    return [name for name in people if not args.only or name in args.only]


def print_people(model, args, tune: list[str], report: list[str]) -> int:
    folders = dict(tm.person_names([Path(p) for p in args.people]))
    print("| half | person | drawings | others K=1 | others K=3 | base model, all drawings |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for half, members in (("tune", tune), ("report", report)):
        rows = []
        for name in members:
            person = tm.read_person(name, folders[name])
            right = model.predict(person.images).argmax(1) == person.labels
            others = [len(tm.taught_in_order(person.labels, k)[1]) for k in (1, 3)]
            rows.append((float(right.mean()), name, len(person.labels), *others))
        for base, name, count, others_1, others_3 in sorted(rows):
            print(f"| {half} | {name} | {count} | {others_1} | {others_3} | {base:.1%} |")
        worst = [row[1] for row in sorted(rows) if row[4] >= tm.MIN_OTHERS][:6]
        print(f"worst 6 of the {half} half: {' '.join(worst)}", file=sys.stderr)
    return 0


def print_full_pass(model, model_path: Path, args) -> int:
    """Seconds for "Teach my handwriting" over --count saved drawings with each --methods
    last-layer setting: the first people of --people, in name order."""
    replay = load_replay(model, args.data_dir)
    people, total = [], 0
    for name, folder in tm.person_names([Path(p) for p in args.people]):
        if total >= args.count:
            break
        people.append(tm.read_person(name, folder))
        total += len(people[-1].labels)
    for method in extra_methods(args.methods):
        if method.kind != "last layer":
            continue
        for _ in range(3):
            timing = tm.time_full_pass(model, replay, method.last_layer_settings(), people,
                                       args.count)
            print(f"{method.label()}: {timing['drawings']} drawings added in "
                  f"{timing['add_seconds']:.2f} s, fitted in {timing['fit_seconds']:.2f} s; "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
    return 0


def measurable(person: tm.Person) -> list[int]:
    """The K (of 1 and 3) for which ``person`` has drawings left over to read."""
    return [k for k in (1, 3) if len(tm.taught_in_order(person.labels, k)[1])]


def split(args) -> tuple[list[str], list[str]]:
    names = [name for name, _ in tm.person_names([Path(p) for p in args.people])]
    return tm.split_people(names, args.split_seed)


def extra_methods(path: str | None) -> list[tm.Method]:
    if not path:
        return []
    return [tm.Method(**settings) for settings in json.loads(Path(path).read_text())]


def load_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load_results(path: Path) -> list[tm.PersonResult]:
    return [tm.from_dict(row) for row in load_rows(path)]


def append(path: Path, results: list[tm.PersonResult]) -> None:
    with path.open("a") as file:
        for result in results:
            file.write(json.dumps(asdict(result)) + "\n")


def tables(results: list[tm.PersonResult], halves: tuple[list[str], list[str]]) -> str:
    """One markdown table per half: a row per method and K."""
    lines = []
    for half_name, members in zip(("tune", "report"), halves):
        members = set(members)
        groups = defaultdict(list)
        for result in results:
            if result.person in members:
                groups[(result.method, result.k)].append(result)
        if not groups:
            continue
        lines += ["", f"{half_name} half ({len(members)} people)", "",
                  "| method | K | people | others: before → after | lowest person | worst 6: "
                  "before → after | MNIST test after: mean; lowest | MNIST val: mean; lowest "
                  "| step s: median; max |",
                  "| --- | ---: | ---: | --- | ---: | --- | --- | --- | --- |"]
        for (method, k), rows in sorted(groups.items()):
            s = tm.summarise(rows)
            steps = "" if s["step_median"] is None else \
                f"{s['step_median']:.2f}; {s['step_max']:.2f}"
            val = "" if np.isnan(s["mnist_val_mean"]) else \
                f"{s['mnist_val_mean']:.2%}; {s['mnist_val_lowest']:.2%}"
            lines.append(
                f"| {method} | {k} | {s['people']} | {s['before']:.1%} → {s['after']:.1%} | "
                f"{s['lowest_after']:.1%} | {s['worst_before']:.1%} → {s['worst_after']:.1%} | "
                f"{s['mnist_test_mean']:.2%}; {s['mnist_test_lowest']:.2%} | {val} | {steps} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
