"""Measuring "Teach my handwriting" on real people's drawings (``scripts/teach_eval.py``).

For each person (a folder of drawings in the app's personal-digit format, such as
``../shared/drawn/writer-NNN``) and each K: the first K drawings of each digit (in the order
they were saved) are taught to a fresh copy of the base model with the full fine-tune the app taught
with before the last-layer teaching (``scratchnet.training.full_finetune``; the last layer is
measured with ``scripts/teach_methods.py``), and the person's other drawings are read before and after.
MNIST test accuracy is measured before (once) and after each run.

Drawings are read from their strokes, the way the app sees them, not from the stored ``image``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from scratchnet.training.full_finetune import FineTuneSettings, fine_tune
from scratchnet.training.teaching import accuracy_on, render_saved
from scratchnet.nn.model import Sequential
from scratchnet.nn.loading import load_model
from scratchnet.data.personal import NAME_PATTERN
from scratchnet.preprocess.network_input import to_network_input


def read_drawings(folder: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Every drawing in ``folder`` in saving order: images (N, 28, 28, 1) float32, labels (N,)."""
    images, labels = [], []
    for path in sorted(Path(folder).iterdir(), key=lambda path: path.name[2:]):
        if not NAME_PATTERN.match(path.name):
            continue
        sample = json.loads(path.read_text(encoding="utf-8"))
        images.append(render_saved(sample["strokes"], sample["canvas"]))
        labels.append(int(sample["label"]))
    if not images:
        raise ValueError(f"{folder}: no drawings in the app's format")
    return to_network_input(images), np.asarray(labels, np.int64)


def first_k_of_each(labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (taught, others): the first ``k`` of each label, in order, and the rest."""
    taught = np.concatenate([np.flatnonzero(labels == digit)[:k] for digit in np.unique(labels)])
    others = np.setdiff1d(np.arange(len(labels)), taught)
    return np.sort(taught), others


@dataclass
class PersonResult:
    person: str
    k: int
    taught: int
    others: int
    before: float          # accuracy on the person's other drawings, base model
    after: float           # ... after teaching
    mnist_before: float
    mnist_after: float
    seconds: float         # teaching alone, as in the app
    steps: int


def teach_person(base: Sequential | str | Path, images: np.ndarray, labels: np.ndarray, k: int,
                 mnist_train: tuple[np.ndarray, np.ndarray],
                 mnist_test: tuple[np.ndarray, np.ndarray], mnist_before: float,
                 settings: FineTuneSettings = FineTuneSettings(), person: str = ""
                 ) -> PersonResult:
    """Teach a fresh copy of ``base`` (a path) the first ``k`` drawings of each digit."""
    model = load_model(base)
    model.rng.bit_generator.state = np.random.default_rng(settings.seed).bit_generator.state
    taught, others = first_k_of_each(labels, k)
    before = accuracy_on(model, images[others], labels[others])
    outcome = fine_tune(model, images[taught], labels[taught], *mnist_train, settings=settings)
    after = accuracy_on(model, images[others], labels[others])
    mnist_after = accuracy_on(model, *mnist_test)
    return PersonResult(person, k, len(taught), len(others), before, after, mnist_before,
                        mnist_after, outcome.seconds, outcome.steps)


def summarise(results: list[PersonResult]) -> dict:
    """Per K: mean accuracy before and after on the others, the lowest after, MNIST after
    (mean and lowest), mean and longest teaching time."""
    table = {}
    for k in sorted({result.k for result in results}):
        rows = [result for result in results if result.k == k]
        right_before = sum(round(r.before * r.others) for r in rows)
        right_after = sum(round(r.after * r.others) for r in rows)
        total = sum(r.others for r in rows)
        table[k] = {"people": len(rows), "others": total,
                    "before": right_before / total, "after": right_after / total,
                    "lowest_after": min(r.after for r in rows),
                    "mnist_before": rows[0].mnist_before,
                    "mnist_after_mean": float(np.mean([r.mnist_after for r in rows])),
                    "mnist_after_lowest": min(r.mnist_after for r in rows),
                    "seconds_mean": float(np.mean([r.seconds for r in rows])),
                    "seconds_max": max(r.seconds for r in rows)}
    return table


def as_json(results: list[PersonResult]) -> dict:
    return {"people": [asdict(result) for result in results],
            "summary": {str(k): row for k, row in summarise(results).items()}}


# ------------------------------------------------------------------------ the "not sure" line
def unsure_rates(probabilities: np.ndarray, labels: np.ndarray, thresholds) -> list[dict]:
    """For each threshold: the share of readings it flags (top probability below it), the share
    of the wrong readings among them it catches, and the share of right readings it flags."""
    top = probabilities.max(axis=1)
    wrong = probabilities.argmax(axis=1) != labels
    rows = []
    for threshold in thresholds:
        flagged = top < threshold
        rows.append({"threshold": float(threshold), "flagged": float(flagged.mean()),
                     "wrong_caught": float(flagged[wrong].mean()) if wrong.any() else 0.0,
                     "right_flagged": float(flagged[~wrong].mean()),
                     "wrong": int(wrong.sum()), "readings": len(labels)})
    return rows


# --------------------------------------------------------------------------------- benchmark
def benchmark_teaching(base: str | Path, saved: list[Path], data_dir: str | Path,
                       work: str | Path, repeats: int = 3) -> list[dict]:
    """Time ``teach_handwriting`` as the app runs it, on copies of the ``saved`` drawing files:
    with the replayed digits' features computed once beforehand, as the app does when it opens.

    Each run reports those features' seconds (the same for every run), the teaching's (the
    digits added, their copies' features, the fit) and the whole call's (base model, MNIST and
    saved digits loaded, teaching, the app's MNIST sample read, the model saved). ``work`` is a
    scratch folder: the copies and the personal model go there.
    """
    import shutil

    import time

    from scratchnet.app.teacher import APP_MNIST_TEST_DIGITS
    from scratchnet.training.teaching import load_replay, teach_handwriting
    started = time.perf_counter()
    replay = load_replay(load_model(base), data_dir)
    replay_seconds = time.perf_counter() - started
    work = Path(work)
    folder = work / "my_digits"
    folder.mkdir(parents=True, exist_ok=True)
    for path in saved:
        shutil.copyfile(path, folder / path.name)
    runs = []
    for _ in range(repeats):
        result = teach_handwriting(base, folder, data_dir=data_dir, out=work / "personal.npz",
                                   mnist_test_count=APP_MNIST_TEST_DIGITS, replay=replay)
        runs.append({"saved": result.taught, "steps": result.steps,
                     "replay_seconds": replay_seconds,
                     "teach_seconds": result.teach_seconds, "seconds": result.seconds,
                     "before": result.saved_before, "after": result.saved_after})
    return runs
