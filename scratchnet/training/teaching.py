"""Teaching a trained model someone's own handwriting: the app's "Teach my handwriting", its
digit keys, and ``train.py --teach MODEL --extra DIR`` all teach the last layer
(``scratchnet.training.last_layer``, chosen by the measurements of docs/teaching.md).

The last Dense layer is fitted again, from the base model's, to the saved digits and
stroke-jittered copies of them, pulled towards the base weights, with replayed MNIST training
digits whose targets are the base model's own probabilities, so that it does not forget them.
Their features (``make_replay``) take seconds and are computed once per base model; each
drawing then costs a fraction of a second. Only digits are taught: a network with an output
beyond the digits ("not a digit", ``scratchnet.data.classes``) keeps that output's weights
exactly (``frozen_outputs``), and synthetic marks are replayed with MNIST so
that the digits' outputs do not grow over it. The result goes to ``personal.npz`` beside the
base model, which is never overwritten, written atomically (``save_personal_model``).
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from scratchnet.data.classes import DIGITS
from scratchnet.data.personal import (PersonalDataError, SavedDigit, list_problems,
                                      load_personal_samples)
from scratchnet.files import remove_stale_temporaries
from scratchnet.nn.loading import load_model
from scratchnet.nn.model import Sequential
from scratchnet.preprocess.network_input import to_network_input
from scratchnet.pretrained import TRAINED_MODEL, is_shipped
from scratchnet.training.last_layer import (LastLayerSettings, LastLayerTeacher, Replay,
                                            last_dense)
from scratchnet.training.number_digits import digits_of_numbers

PERSONAL_NAME = "personal.npz"        # beside the base model: models/personal.npz
PERSONAL_KIND = "personal"            # metadata "kind" of a model this module wrote
MIN_DIGITS = 1
REPLAY_DIGITS = 10000                 # MNIST training digits replayed (and searched for the
# nearest ones to each drawing), as measured in docs/teaching.md
REPLAY_MARKS = 1000                   # synthetic marks replayed with them for a network with
# outputs beyond the digits: a tenth as many, as the default recipe mixes them in


class Cancelled(Exception):
    """Teaching was cancelled (the app closed); nothing was saved."""


def accuracy_on(model: Sequential, x: np.ndarray, y: np.ndarray) -> float:
    """The share of ``x`` (N, 28, 28, 1) read as ``y``; batches of 256, inference mode."""
    return float((model.predict(x).argmax(axis=1) == y).mean())


def personal_model_path(base: str | Path) -> Path:
    """Where the personal model made from ``base`` goes: ``personal.npz`` beside it, or, for
    the model shipped in the package, ``models/personal.npz`` (never into the package)."""
    folder = TRAINED_MODEL.parent if is_shipped(base) else Path(base).parent
    return folder / PERSONAL_NAME


def render_saved(strokes: list[dict], canvas: tuple[int, int]) -> np.ndarray:
    """The network's input (28, 28) float32 for saved strokes, exactly as the app makes it."""
    from scratchnet.preprocess.rendering import strokes_to_mnist
    return strokes_to_mnist(strokes, (int(canvas[0]), int(canvas[1])))


@dataclass
class TeachResult:
    """What ``teach_handwriting`` did.

    ``saved_before``/``saved_after``: accuracy on the digits it was taught; ``heldout_*`` on
    those held out (``None`` without a hold-out); ``mnist_before`` (``None`` unless asked for)
    and ``mnist_after`` on ``mnist_test_count`` MNIST test digits.
    """

    path: Path
    taught: int
    saved_before: float
    saved_after: float
    mnist_after: float
    mnist_test_count: int
    mnist_before: float | None = None
    heldout: int = 0
    heldout_before: float | None = None
    heldout_after: float | None = None
    steps: int = 0
    teach_seconds: float = 0.0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the app: "your 30 saved digits: 83% → 100% · MNIST test 99.1% ..."."""
        digits = "digit" if self.taught == 1 else "digits"
        sample = "" if self.mnist_test_count >= 10000 else \
            f" (on {self.mnist_test_count:,} of its test digits)"
        return (f"your {self.taught} saved {digits}: {self.saved_before:.0%} → "
                f"{self.saved_after:.0%} · MNIST test {self.mnist_after:.1%}{sample}")

    def summary_lines(self) -> list[str]:
        """The command line's report."""
        lines = [f"  warning: {text}" for text in self.warnings]
        lines.append(f"Your {self.taught} digits taught: {self.saved_before:.2%} before, "
                     f"{self.saved_after:.2%} after")
        if self.heldout:
            lines.append(f"Your held-out digits ({self.heldout}): {self.heldout_before:.2%} "
                         f"before, {self.heldout_after:.2%} after")
        before = "" if self.mnist_before is None else f"{self.mnist_before:.2%} before, "
        lines.append(f"MNIST test digits ({self.mnist_test_count:,}): {before}"
                     f"{self.mnist_after:.2%} after")
        skipped = (f"; {len(self.warnings)} file{'' if len(self.warnings) == 1 else 's'} "
                   "passed over: see the warnings above" if self.warnings else "")
        lines.append(f"Taught in {self.steps} steps, {self.teach_seconds:.1f} s "
                     f"({self.seconds:.1f} s in all){skipped}")
        lines.append(f"  model:    {self.path}")
        return lines


def frozen_outputs(model: Sequential) -> np.ndarray | None:
    """(C,) bool: the outputs beyond the ten digits, whose weights teaching keeps (None for a
    ten-output model). Raises ``ValueError`` for a model whose last layer cannot be taught or
    that has fewer outputs than digits."""
    outputs = last_dense(model).units
    if outputs < len(DIGITS):
        raise ValueError(f"teaching digits needs a model with at least {len(DIGITS)} outputs; "
                         f"this one has {outputs}")
    return None if outputs == len(DIGITS) else np.arange(outputs) >= len(DIGITS)


def make_replay(model: Sequential, mnist_train: np.ndarray, seed: int = 0) -> Replay:
    """What teaching replays for ``model``: ``REPLAY_DIGITS`` of ``mnist_train`` (uint8 (N, 28,
    28)) drawn at random, and for a network with outputs beyond the digits ``REPLAY_MARKS``
    synthetic marks (``scratchnet.data.marks``), shuffled together. Seconds of work: do it once
    per base model."""
    from scratchnet.data.marks import synthetic_marks
    from scratchnet.data.mnist import to_float_images
    rng = np.random.default_rng(seed)
    images = mnist_train[rng.choice(len(mnist_train), min(REPLAY_DIGITS, len(mnist_train)),
                                    replace=False)]
    if frozen_outputs(model) is not None:
        images = np.concatenate([images, synthetic_marks(REPLAY_MARKS, seed)[0]])
    return Replay.from_images(model, to_float_images(images[rng.permutation(len(images))]))


def load_replay(model: Sequential, data_dir: str | Path, seed: int = 0,
                download: bool = False) -> Replay:
    """``make_replay`` from the MNIST training digits in ``data_dir``."""
    from scratchnet.data.mnist import load_mnist
    (x_train, _), _ = load_mnist(data_dir, download=download)
    return make_replay(model, x_train, seed)


def new_teacher(model: Sequential, replay: Replay,
                settings: LastLayerSettings | None = None) -> LastLayerTeacher:
    """The teacher of ``model``'s digits, its other outputs frozen."""
    return LastLayerTeacher(model, replay, settings or LastLayerSettings(),
                            frozen=frozen_outputs(model))


def add_saved(teacher: LastLayerTeacher, digit: SavedDigit) -> None:
    """Add a saved digit to those ``teacher`` teaches, its copies drawn from its strokes."""
    teacher.add(digit.image, digit.label, digit.strokes, digit.canvas)


def save_personal_model(model: Sequential, base: Sequential, out: str | Path,
                        report: dict) -> Sequential:
    """Write the taught ``model`` to ``out`` atomically (if writing fails, whatever ``out``
    held is intact) and return it as the file holds it: its metadata the base model's (its
    classes) with ``report`` over it, and no optimizer state (a personal model only reads)."""
    personal = copy.copy(model)
    personal.optimizer = None
    personal.metadata = {**base.metadata, **report, "kind": PERSONAL_KIND}
    personal.save(out, metadata=personal.metadata)
    return personal


def teach_handwriting(base: str | Path, my_digits: str | Path, data_dir: str | Path = "data",
                      out: str | Path | None = None, settings: LastLayerSettings | None = None,
                      holdout: float = 0.0, mnist_test_count: int = 10000,
                      mnist_before: bool = False, download: bool = False,
                      progress: Callable[[int, int], None] | None = None,
                      cancel: threading.Event | None = None,
                      log: Callable[[str], None] = lambda text: None,
                      replay: Replay | None = None,
                      my_numbers: str | Path | None = None) -> TeachResult:
    """Teach the base model the digits saved in ``my_digits``, and those of the written numbers
    saved in ``my_numbers`` whose marks line up with their text (``number_digits``); save it as
    ``out``.

    ``out`` defaults to ``personal.npz`` beside ``base``, which is never overwritten. The
    personal digits are read from their strokes (stored images only for digits saved without
    strokes), their copies drawn again from the strokes. ``holdout`` keeps that share of them
    aside to measure on. ``replay``: the base model's ``make_replay``, if computed already.
    ``progress(done, total)`` after each digit added and after the fit. The result is written
    atomically: if writing fails, whatever ``out`` held before is intact.

    Raises ``ModelFileError`` (base model), ``PersonalDataError`` (no usable digits, or ``out``
    is the base model), ``ValueError`` (a base model whose last layer cannot be taught), the
    MNIST loader's errors, ``OSError`` if the result cannot be written, ``Cancelled`` if
    ``cancel`` was set.
    """
    from scratchnet.data.mnist import load_mnist, to_float_images
    started = time.perf_counter()
    settings = settings or LastLayerSettings()
    base, out = Path(base), Path(out) if out is not None else personal_model_path(base)
    if out.resolve() == base.resolve():
        raise PersonalDataError(f"{out}: that is the base model; the personal model must go "
                                "elsewhere (the base model is never overwritten)")
    # A window closed in the middle of an earlier save can leave that save's temporary file.
    remove_stale_temporaries(out.parent, (out.name,))
    model = load_model(base)
    frozen_outputs(model)                   # says now if this model cannot be taught
    if my_numbers is not None and not Path(my_digits).exists():
        samples, warnings = [], []          # numbers saved, no digit yet
    else:
        samples, warnings = load_personal_samples(my_digits)
    if my_numbers is not None:
        number_samples, passed_over = digits_of_numbers(model, my_numbers)
        samples += number_samples
        log(f"{my_numbers}: {len(number_samples)} digits of saved numbers"
            + "".join(f"\n  passed over {line}" for line in passed_over))
    if len(samples) < MIN_DIGITS:
        which = f" and passed over {len(warnings)} file{'' if len(warnings) == 1 else 's'}" \
            if warnings else ""
        raise PersonalDataError(
            f"{my_digits}: found no usable saved digits{which}; teaching needs at least "
            f"{MIN_DIGITS}. Draw a digit, press its key to save it, and do so for each digit "
            "that is read wrong" + (list_problems(warnings) if warnings else ""))
    images = to_network_input([sample.image for sample in samples])
    labels = np.asarray([sample.label for sample in samples], np.int64)
    train_index, held_index = split_holdout(len(samples), holdout, np.random.default_rng(0))
    (x_train, _), (x_test, y_test) = load_mnist(data_dir, download=download)
    test_x, test_y = to_float_images(x_test[:mnist_test_count]), y_test[:mnist_test_count]
    log(f"Teaching {base} {len(train_index)} of your digits ({len(held_index)} held out)")
    if replay is None:
        replay = make_replay(model, x_train)
    teacher = new_teacher(model, replay, settings)
    teach_started = time.perf_counter()
    for done, index in enumerate(train_index, 1):
        add_saved(teacher, samples[index])
        if progress is not None:
            progress(done, len(train_index) + 1)
        if cancel is not None and cancel.is_set():
            raise Cancelled(f"cancelled after {done} digits")
    taught = teacher.taught_model()
    if progress is not None:
        progress(len(train_index) + 1, len(train_index) + 1)
    result = TeachResult(out, len(train_index), accuracy_on(model, images[train_index],
                                                            labels[train_index]),
                         accuracy_on(taught, images[train_index], labels[train_index]),
                         accuracy_on(taught, test_x, test_y), len(test_x),
                         heldout=len(held_index), steps=settings.steps,
                         teach_seconds=time.perf_counter() - teach_started,
                         warnings=list(warnings))
    if mnist_before:
        result.mnist_before = accuracy_on(model, test_x, test_y)
    if len(held_index):
        result.heldout_before = accuracy_on(model, images[held_index], labels[held_index])
        result.heldout_after = accuracy_on(taught, images[held_index], labels[held_index])
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled before saving")
    save_personal_model(taught, model, out, {
        "base": str(base), "my_digits": str(my_digits),
        "taught_digits": result.taught, "heldout_digits": result.heldout,
        "taught_accuracy_before": result.saved_before,
        "taught_accuracy_after": result.saved_after,
        "heldout_accuracy_before": result.heldout_before,
        "heldout_accuracy_after": result.heldout_after,
        "mnist_test_digits": result.mnist_test_count,
        "mnist_test_accuracy_before": result.mnist_before,
        "mnist_test_accuracy_after": result.mnist_after,
        "steps": result.steps, "settings": asdict(settings)})
    result.seconds = time.perf_counter() - started
    return result


def split_holdout(count: int, share: float, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out), with ``round(share * count)`` held out but at least 1 kept."""
    held = min(round(share * count), count - 1)
    order = rng.permutation(count)
    return np.sort(order[held:]), np.sort(order[:held])
