"""Teaching a trained model someone's own handwriting, in seconds: the app's "Learn my
handwriting" and ``train.py --teach MODEL --extra DIR`` both run ``teach_handwriting``.

A few dozen personal digits are far too few to train on alone: the network would forget MNIST.
So every batch mixes saved digits (drawn at random, so each is seen many times) with MNIST
training digits, all augmented (``scratchnet.training.augment``) so that the repeats are not identical,
and teaching stops soon after the saved digits are all read right (``teach``). The result goes
to ``personal.npz`` beside the base model, which is never overwritten.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from scratchnet.files import remove_stale_temporaries
from scratchnet.training.augment import augment as augment_batch
from scratchnet.nn.model import Sequential
from scratchnet.nn.loading import load_model
from scratchnet.nn.trainer import BatchSource, Callback, TrainState, training_loop
from scratchnet.data.personal import PersonalDataError, list_problems, load_personal_digits
from scratchnet.preprocess.network_input import to_network_input
from scratchnet.pretrained import TRAINED_MODEL, is_shipped

PERSONAL_NAME = "personal.npz"        # beside the base model: models/personal.npz
REPORT_NAME = "personal.json"
PERSONAL_KIND = "personal"            # metadata "kind" of a model this module wrote
MIN_DIGITS = 2


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


def load_mnist_for_teaching(data_dir: str | Path, test_count: int,
                            train_count: int | None = None, seed: int = 0,
                            download: bool = False
                            ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """MNIST as float32 (N, 28, 28, 1) images and int64 labels: ``train_count`` training digits
    drawn at random (all when ``None``), and the first ``test_count`` test digits (the test set
    is in no particular order). Only the digits returned are converted to floats."""
    from scratchnet.data.mnist import load_mnist, to_float_images
    (x_train, y_train), (x_test, y_test) = load_mnist(data_dir, download=download)
    if train_count is not None and train_count < len(x_train):
        chosen = np.sort(np.random.default_rng(seed).choice(len(x_train), train_count,
                                                            replace=False))
        x_train, y_train = x_train[chosen], y_train[chosen]
    return ((to_float_images(x_train), y_train.astype(np.int64)),
            (to_float_images(x_test[:test_count]), y_test[:test_count].astype(np.int64)))


def teach_handwriting(base: str | Path, my_digits: str | Path, data_dir: str | Path = "data",
                      out: str | Path | None = None, settings: TeachSettings | None = None,
                      holdout: float = 0.0, mnist_test_count: int = 10000,
                      mnist_before: bool = False, download: bool = False,
                      progress: Callable[[int, int], None] | None = None,
                      cancel: threading.Event | None = None,
                      log: Callable[[str], None] = lambda text: None) -> TeachResult:
    """Teach the base model the digits saved in ``my_digits``; save it as ``out``.

    ``out`` defaults to ``personal.npz`` beside ``base``, which is never overwritten. The
    personal digits are read from their strokes (stored images only for digits saved without
    strokes). ``holdout`` keeps that share of them aside to measure on. The result is written
    atomically: if writing fails, whatever ``out`` held before is intact.

    Raises ``ModelFileError`` (base model), ``PersonalDataError`` (fewer than 2 usable digits,
    or ``out`` is the base model), the MNIST loader's errors, ``OSError`` if the result cannot be
    written, ``Cancelled`` if ``cancel`` was set.
    """
    started = time.perf_counter()
    settings = settings or TeachSettings()
    base, out = Path(base), Path(out) if out is not None else personal_model_path(base)
    if out.resolve() == base.resolve():
        raise PersonalDataError(f"{out}: that is the base model; the personal model must go "
                                "elsewhere (the base model is never overwritten)")
    # A window closed in the middle of an earlier save (the learning thread dies with it) can
    # leave that save's temporary file behind.
    remove_stale_temporaries(out.parent, (out.name,))
    model = load_model(base)
    images, labels, warnings = load_personal_digits(my_digits)
    if len(images) < MIN_DIGITS:
        which = "" if len(images) == 0 else f" (a {labels[0]})"
        if warnings:
            which += f" and passed over {len(warnings)} file{'' if len(warnings) == 1 else 's'}"
        raise PersonalDataError(
            f"{my_digits}: found {len(images)} usable saved digit{'' if len(images) == 1 else 's'}"
            f"{which}; learning needs at least {MIN_DIGITS}. Draw a digit, press its key to save "
            "it, and do so for each digit that is read wrong"
            + (list_problems(warnings) if warnings else ""))
    personal_x = to_network_input(images)
    train_index, held_index = split_holdout(len(images), holdout,
                                            np.random.default_rng(settings.seed))
    (mnist_x, mnist_y), (test_x, test_y) = load_mnist_for_teaching(
        data_dir, mnist_test_count, settings.mnist_samples, settings.seed, download)
    # Reseed in place: the dropout layers hold this same generator.
    model.rng.bit_generator.state = np.random.default_rng(settings.seed).bit_generator.state
    result = TeachResult(out, len(train_index), 0.0, 0.0, 0.0, len(test_x),
                         heldout=len(held_index), warnings=list(warnings))
    if mnist_before:
        result.mnist_before = accuracy_on(model, test_x, test_y)
    held_x, held_y = personal_x[held_index], labels[held_index]
    if len(held_index):
        result.heldout_before = accuracy_on(model, held_x, held_y)
    log(f"Teaching {base} {len(train_index)} of your digits ({len(held_index)} held out), "
        f"at most {settings.max_steps} steps")
    outcome = teach(model, personal_x[train_index], labels[train_index], mnist_x, mnist_y,
                    settings, progress=progress, cancel=cancel)
    result.saved_before, result.saved_after = outcome.before, outcome.after
    result.steps, result.teach_seconds = outcome.steps, outcome.seconds
    if len(held_index):
        result.heldout_after = accuracy_on(model, held_x, held_y)
    result.mnist_after = accuracy_on(model, test_x, test_y)
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled before saving")
    report = {"kind": PERSONAL_KIND, "base": str(base), "my_digits": str(my_digits),
              "taught_digits": result.taught, "heldout_digits": result.heldout,
              "taught_accuracy_before": result.saved_before,
              "taught_accuracy_after": result.saved_after,
              "heldout_accuracy_before": result.heldout_before,
              "heldout_accuracy_after": result.heldout_after,
              "mnist_test_digits": result.mnist_test_count,
              "mnist_test_accuracy_before": result.mnist_before,
              "mnist_test_accuracy_after": result.mnist_after,
              "steps": result.steps, "settings": asdict(settings)}
    model.save(out, metadata=report)
    result.seconds = time.perf_counter() - started
    return result


def split_holdout(count: int, share: float, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out), with ``round(share * count)`` held out but at least 1 kept."""
    held = min(round(share * count), count - 1)
    order = rng.permutation(count)
    return np.sort(order[held:]), np.sort(order[:held])

# ------------------------------------------------------------------------- quick teaching
# The app's "Teach my handwriting" and ``train.py --teach``: a few dozen steps instead of
# epochs, so that it takes seconds. Each batch holds ``personal_per_batch`` saved digits drawn
# at random (with replacement) and MNIST digits for the rest, all augmented; every
# ``check_every`` steps the saved digits are read as they are (no augmentation, no dropout),
# and once all are read right ``steps_after_right`` more steps settle the change. MNIST is not
# evaluated inside the loop: that is the caller's business, afterwards.

@dataclass
class TeachSettings:
    max_steps: int = 80
    batch_size: int = 64
    personal_per_batch: int = 24      # of each batch; the rest are MNIST training digits
    check_every: int = 5
    steps_after_right: int = 15
    mnist_samples: int = 6000         # MNIST training digits drawn once, to fill the batches
    # The base model's optimizer, with its state, at this share of its learning rate: at the
    # full rate, teaching cost MNIST test accuracy 0.3-0.4 points; at 0.3 nothing measurable
    # (docs/drawings.md). ``learning_rate`` sets the rate itself instead.
    learning_rate_scale: float = 0.3
    learning_rate: float | None = None
    seed: int = 0
    augment: bool = True
    workers: int | None = None        # threads sharing each batch; None: one per core


@dataclass
class TeachOutcome:
    """What one teaching run did: steps taken, seconds, the saved digits' accuracy before and
    after, and why it stopped ("read right", "step limit" or "cancelled")."""

    steps: int
    seconds: float
    before: float
    after: float
    stopped: str


class Cancelled(Exception):
    """Teaching was cancelled (the app closed); the model is half-taught and must not be used."""


def accuracy_on(model: Sequential, x: np.ndarray, y: np.ndarray) -> float:
    """The share of ``x`` (N, 28, 28, 1) read as ``y``; batches of 256, inference mode."""
    return float((model.predict(x).argmax(axis=1) == y).mean())


class MixedBatches(BatchSource):
    """Teaching's batches, as one epoch of ``settings.max_steps``: each holds
    ``personal_per_batch`` saved digits drawn at random (with replacement) and MNIST digits for
    the rest, drawn from ``settings.mnist_samples`` of them chosen once, all from ``rng``."""

    def __init__(self, personal_x: np.ndarray, personal_y: np.ndarray, mnist_x: np.ndarray,
                 mnist_y: np.ndarray, settings: TeachSettings, rng: np.random.Generator):
        pool = rng.choice(len(mnist_x), size=min(settings.mnist_samples, len(mnist_x)),
                          replace=False)
        self.personal_x, self.personal_y = personal_x, personal_y
        self.pool_x, self.pool_y = mnist_x[pool], mnist_y[pool]
        self.personal_count = min(settings.personal_per_batch, settings.batch_size - 1)
        self.mnist_count = settings.batch_size - self.personal_count
        self.rng = rng
        self.batch_size = settings.batch_size
        self.steps = settings.max_steps
        self.state = TrainState()       # the run's own: the model's train_state is left alone

    def batch(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        mine = self.rng.integers(len(self.personal_x), size=self.personal_count)
        theirs = self.rng.integers(len(self.pool_x), size=self.mnist_count)
        return (np.concatenate([self.personal_x[mine], self.pool_x[theirs]]),
                np.concatenate([self.personal_y[mine], self.pool_y[theirs]]))


class StopWhenReadRight(Callback):
    """Every ``check_every`` steps, read the saved digits as they are (no augmentation, no
    dropout); once all are read right, stop ``steps_after_right`` steps later (or at
    ``max_steps``). ``stop_at`` is the step teaching will stop at, as it stands."""

    def __init__(self, x: np.ndarray, y: np.ndarray, settings: TeachSettings):
        self.x, self.y, self.settings = x, y, settings
        self.stop_at, self.steps, self.stopped = settings.max_steps, 0, "step limit"

    def on_train_begin(self, model: Sequential) -> None:
        self.model = model

    def on_batch_end(self, step: int, logs: dict) -> None:
        settings = self.settings
        self.steps = step
        if self.stop_at == settings.max_steps and step % settings.check_every == 0 \
                and accuracy_on(self.model, self.x, self.y) == 1.0:
            self.stop_at = min(settings.max_steps, step + settings.steps_after_right)
            self.stopped = "read right"
        if step >= self.stop_at:
            self.model.stop_training = True


class ReportSteps(Callback):
    """``progress(step, stop_at)`` after every step, then ``Cancelled`` if ``cancel`` is set."""

    def __init__(self, schedule: StopWhenReadRight,
                 progress: Callable[[int, int], None] | None,
                 cancel: threading.Event | None):
        self.schedule, self.progress, self.cancel = schedule, progress, cancel

    def on_batch_end(self, step: int, logs: dict) -> None:
        if self.progress is not None:
            self.progress(step, self.schedule.stop_at)
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled(f"cancelled after {step} steps")


def teach(model: Sequential, personal_x: np.ndarray, personal_y: np.ndarray,
          mnist_x: np.ndarray, mnist_y: np.ndarray, settings: TeachSettings = TeachSettings(),
          progress: Callable[[int, int], None] | None = None,
          cancel: threading.Event | None = None) -> TeachOutcome:
    """Teach ``model`` in place on the personal digits mixed into MNIST batches.

    ``personal_x`` (P, 28, 28, 1) and ``mnist_x`` (M, 28, 28, 1) floats in [0, 1], labels int
    (P,) and (M,). ``progress(step, max_steps)`` is called after every step; ``cancel`` set
    raises ``Cancelled`` after the current step. The model's generator draws the batches,
    dropout and augmentation (reseed it for a reproducible run). The steps run in the training
    loop ``fit`` runs (``scratchnet.nn.trainer``), with ``MixedBatches`` as the batch source.
    """
    if len(personal_x) == 0:
        raise PersonalDataError("no personal digits to teach")
    if len(mnist_x) == 0:
        raise ValueError("teaching needs MNIST training digits to mix in; got none")
    started = time.perf_counter()
    if model.optimizer is None:
        model.compile()
    model.optimizer.learning_rate = settings.learning_rate if settings.learning_rate is not None \
        else model.optimizer.learning_rate * settings.learning_rate_scale
    batches = MixedBatches(personal_x, personal_y, mnist_x, mnist_y, settings, model.rng)
    before = accuracy_on(model, personal_x, personal_y)
    schedule = StopWhenReadRight(personal_x, personal_y, settings)
    training_loop(model, batches, epochs=1, workers=settings.workers,
                  callbacks=[ReportSteps(schedule, progress, cancel), schedule],
                  augment=augment_batch if settings.augment else None)
    after = accuracy_on(model, personal_x, personal_y)
    return TeachOutcome(schedule.steps, time.perf_counter() - started, before, after,
                        schedule.stopped)
