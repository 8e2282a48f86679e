"""Teaching a person's handwriting by fine-tuning the whole network: the way the app taught
before the last-layer teaching (``scratchnet.training.last_layer``) replaced it, kept as the
comparison ``scripts/teach_methods.py finetune`` and ``scripts/teach_eval.py`` measure it
against (docs/teaching.md).

A few dozen personal digits are far too few to train on alone: the network would forget MNIST.
So every batch mixes saved digits (drawn at random, so each is seen many times) with MNIST
training digits, all augmented (``scratchnet.training.augment``) so that the repeats are not
identical, and teaching stops soon after the saved digits are all read right (``teach``): a
few dozen steps instead of epochs.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from scratchnet.data.personal import PersonalDataError
from scratchnet.nn.model import Sequential
from scratchnet.nn.trainer import BatchSource, Callback, TrainState, training_loop
from scratchnet.training.augment import augment as augment_batch
from scratchnet.training.teaching import Cancelled, accuracy_on


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


# Each batch holds ``personal_per_batch`` saved digits drawn at random (with replacement) and
# MNIST digits for the rest, all augmented; every ``check_every`` steps the saved digits are
# read as they are (no augmentation, no dropout), and once all are read right
# ``steps_after_right`` more steps settle the change. MNIST is not evaluated inside the loop:
# that is the caller's business, afterwards.
@dataclass
class FineTuneSettings:
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


class MixedBatches(BatchSource):
    """Teaching's batches, as one epoch of ``settings.max_steps``: each holds
    ``personal_per_batch`` saved digits drawn at random (with replacement) and MNIST digits for
    the rest, drawn from ``settings.mnist_samples`` of them chosen once, all from ``rng``."""

    def __init__(self, personal_x: np.ndarray, personal_y: np.ndarray, mnist_x: np.ndarray,
                 mnist_y: np.ndarray, settings: FineTuneSettings, rng: np.random.Generator):
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

    def __init__(self, x: np.ndarray, y: np.ndarray, settings: FineTuneSettings):
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


def fine_tune(model: Sequential, personal_x: np.ndarray, personal_y: np.ndarray,
          mnist_x: np.ndarray, mnist_y: np.ndarray, settings: FineTuneSettings = FineTuneSettings(),
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
