"""Fine-tuning a trained model on someone's own handwriting.

A few hundred personal digits are too few to train on alone: the network would forget MNIST.
So each fine-tuning epoch mixes a random sample of MNIST training digits with the personal
digits repeated (oversampled) until they make up ``personal_share`` of the mix, and every batch
is augmented (``scratchnet.training.augment``) so that the repeats are not identical. Part of the
personal digits is held out to measure the gain: accuracy on them before and after, and MNIST
test accuracy, which should barely move.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from scratchnet.data.personal import PersonalDataError, list_problems, load_personal_digits
from scratchnet.nn.model import Callback, History, Sequential, TrainingDivergedError
from scratchnet.nn.saving import load_model
from scratchnet.training.augment import augment as augment_batch

FINETUNED_NAME = "finetuned.npz"
REPORT_NAME = "finetune.json"


@dataclass
class FinetuneConfig:
    base: str = "models/mnist.npz"
    extra: str = "data/my_digits"
    holdout: float = 0.2              # share of the personal digits kept aside for measuring
    epochs: int = 3
    batch_size: int = 128
    learning_rate: float | None = None  # None: keep the base model's optimizer settings
    seed: int = 0
    augment: bool = True
    mnist_samples: int = 12000        # MNIST training digits drawn into each run's mix
    personal_share: float = 0.25      # share of the mix made of (repeated) personal digits
    data_dir: str = "data"
    out: str = "models"
    dtype: str = "float32"
    workers: int | None = None        # threads sharing each batch; None: one per core


@dataclass
class FinetuneResult:
    """Accuracies before and after; ``status`` is "finished", "interrupted" or "diverged"."""

    status: str
    heldout_before: float | None = None
    heldout_after: float | None = None
    heldout_count: int = 0
    mnist_before: float | None = None
    mnist_after: float | None = None
    personal_count: int = 0
    warnings: list[str] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)
    message: str = ""
    seconds: float = 0.0

    def summary_lines(self) -> list[str]:
        lines = [f"  warning: {text}" for text in self.warnings]
        if self.heldout_count:
            lines.append(f"Your held-out digits ({self.heldout_count}): "
                         f"{self.heldout_before:.2%} before, {self.heldout_after:.2%} after")
        lines.append(f"MNIST test digits: {self.mnist_before:.2%} before, "
                     f"{self.mnist_after:.2%} after")
        skipped = (f" ({len(self.warnings)} file{'' if len(self.warnings) == 1 else 's'} "
                   "passed over: see the warnings above)" if self.warnings else "")
        lines.append(f"Fine-tuned on {self.personal_count} of your digits in "
                     f"{self.seconds:.0f} s{skipped}")
        for key, path in self.paths.items():
            lines.append(f"  {key + ':':<10}{path}")
        return lines


def split_holdout(count: int, share: float, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out), with ``round(share * count)`` held out but at least 1 kept."""
    held = min(round(share * count), count - 1)
    order = rng.permutation(count)
    return np.sort(order[held:]), np.sort(order[:held])


def mix(mnist_x: np.ndarray, mnist_y: np.ndarray, personal_x: np.ndarray,
        personal_y: np.ndarray, mnist_samples: int, personal_share: float,
        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """MNIST digits drawn at random plus the personal digits repeated to ``personal_share``.

    ``personal_share`` of 0.25 with 12,000 MNIST digits repeats the personal digits until they
    number about 4,000 (at least once each).
    """
    chosen = rng.choice(len(mnist_x), size=min(mnist_samples, len(mnist_x)), replace=False)
    repeats = _repeats(len(chosen), len(personal_x), personal_share)
    x = np.concatenate([mnist_x[chosen], np.tile(personal_x, (repeats, 1, 1, 1))])
    y = np.concatenate([mnist_y[chosen], np.tile(personal_y, repeats)])
    return x, y


def _repeats(mnist_count: int, personal_count: int, personal_share: float) -> int:
    if not 0 < personal_share < 1:
        raise ValueError(f"personal_share must lie in (0, 1), got {personal_share!r}")
    wanted = personal_share / (1 - personal_share) * mnist_count
    return max(1, round(wanted / personal_count))


def mix_size(mnist_available: int, personal_count: int, mnist_samples: int,
             personal_share: float) -> int:
    """How many digits ``mix`` returns for these counts."""
    mnist_count = min(mnist_samples, mnist_available)
    return mnist_count + personal_count * _repeats(mnist_count, personal_count, personal_share)


def finetune(model: Sequential, mnist_x: np.ndarray, mnist_y: np.ndarray,
             personal_x: np.ndarray, personal_y: np.ndarray, epochs: int = 3,
             batch_size: int = 128, mnist_samples: int = 12000, personal_share: float = 0.25,
             augment: bool = True, callbacks: Sequence[Callback] = (),
             workers: int | None = None) -> History:
    """Train ``model`` further on MNIST mixed with oversampled personal digits.

    Images are (N, 28, 28, 1) floats in [0, 1], labels int (N,). The model's generator draws
    the MNIST sample, the shuffling, dropout and augmentation, so the result is reproducible.
    ``workers`` is passed to ``Sequential.fit``. Raises ``TrainingDivergedError`` like it.
    """
    x, y = mix(mnist_x, mnist_y, personal_x, personal_y, mnist_samples, personal_share,
               model.rng)
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, callbacks=callbacks,
                     augment=augment_batch if augment else None, workers=workers)


def run_finetune(config: FinetuneConfig, log: Callable[[str], None] = print,
                 progress: Callable[..., Callback | None] | None = None) -> FinetuneResult:
    """Load the base model and the personal digits, fine-tune, measure, save.

    Raises ``ModelFileError`` (base model), ``PersonalDataError`` (personal digits), the data
    loader's errors, and ``OSError`` if the result cannot be written.
    """
    from scratchnet.training.runs import (
        DTYPES,
        StopOnInterrupt,
        TrainConfig,
        interrupt_flag,
        load_data,
        set_dtype,
        write_json,
    )

    started = time.perf_counter()
    model = load_model(config.base)
    # Reseed in place: the dropout layers hold this same generator.
    model.rng.bit_generator.state = np.random.default_rng(config.seed).bit_generator.state
    set_dtype(model, config.dtype)
    if model.optimizer is None:
        model.compile()
    if config.learning_rate is not None:
        model.optimizer.learning_rate = config.learning_rate

    images, labels, warnings = load_personal_digits(config.extra)
    if len(images) < 2:
        found = f"found {len(images)} usable digit{'' if len(images) == 1 else 's'}"
        if warnings:
            found += f" and passed over {len(warnings)} file{'' if len(warnings) == 1 else 's'}"
        raise PersonalDataError(f"{config.extra}: {found}; fine-tuning needs at least 2 (draw "
                                "and save more in the app)"
                                + (list_problems(warnings) if warnings else ""))
    personal_x = images.reshape(-1, 28, 28, 1).astype(DTYPES[config.dtype])
    personal_y = np.asarray(labels, dtype=np.int64)
    train_index, held_index = split_holdout(len(images), config.holdout,
                                            np.random.default_rng(config.seed))
    data = load_data(TrainConfig(data_dir=config.data_dir, dtype=config.dtype))
    result = FinetuneResult("finished", personal_count=len(train_index),
                            heldout_count=len(held_index), warnings=list(warnings))
    held_x, held_y = personal_x[held_index], personal_y[held_index]
    if len(held_index):
        result.heldout_before = model.evaluate(held_x, held_y)[1]
    result.mnist_before = model.evaluate(data.x_test, data.y_test)[1]
    log(f"Fine-tuning {config.base} on {len(train_index)} of your digits "
        f"({len(held_index)} held out) mixed with {config.mnist_samples:,} MNIST digits, "
        f"{config.epochs} epochs")

    callbacks: list[Callback] = []
    if progress is not None:
        samples = mix_size(len(data.x_train), len(train_index), config.mnist_samples,
                           config.personal_share)
        bar = progress(epochs=config.epochs, samples=samples, batch_size=config.batch_size,
                       validation_name="test")
        if bar is not None:
            callbacks.append(bar)
    with interrupt_flag() as flag:
        callbacks.append(StopOnInterrupt(flag))
        try:
            finetune(model, data.x_train, data.y_train, personal_x[train_index],
                     personal_y[train_index], epochs=config.epochs,
                     batch_size=config.batch_size, mnist_samples=config.mnist_samples,
                     personal_share=config.personal_share, augment=config.augment,
                     callbacks=callbacks, workers=config.workers)
        except TrainingDivergedError as error:
            result.status, result.message = "diverged", f"{error}; nothing was saved"
            return result
    if model.train_state.epoch < config.epochs:
        result.status, result.message = "interrupted", "interrupted; nothing was saved"
        return result
    if len(held_index):
        result.heldout_after = model.evaluate(held_x, held_y)[1]
    result.mnist_after = model.evaluate(data.x_test, data.y_test)[1]
    out = Path(config.out)
    report = {"base": str(config.base), "config": asdict(config),
              "personal_digits": len(train_index), "heldout_digits": len(held_index),
              "heldout_accuracy_before": result.heldout_before,
              "heldout_accuracy_after": result.heldout_after,
              "mnist_test_accuracy_before": result.mnist_before,
              "mnist_test_accuracy": result.mnist_after}
    result.paths["model"] = out / FINETUNED_NAME
    model.save(result.paths["model"], metadata={"kind": "finetuned", **report,
                                                "test_accuracy": result.mnist_after})
    result.paths["report"] = write_json(out / REPORT_NAME, report)
    result.seconds = time.perf_counter() - started
    return result
