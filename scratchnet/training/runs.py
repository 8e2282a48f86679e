"""Training runs: data, model, checkpoints, interrupts, progress, and the files a run leaves.

``train(config)`` is what ``scripts/train.py`` runs. The callbacks it is made of are usable
alone (``scratchnet.training.callbacks``):

- ``ProgressBar``: a Keras-style bar on a terminal, plain lines in a log, nothing when quiet.
- ``Checkpoint``: saves the model (weights, optimizer state, generator state, training position
  and the history so far) atomically after every epoch.
- ``StopOnInterrupt`` with ``interrupt_flag()``: Ctrl-C finishes the current batch, then training
  stops so that the caller can save and exit.

A run is reproducible from its ``TrainConfig``: the model's generator (seeded by ``seed``) drives
the initial weights, the shuffling, dropout and augmentation, and a checkpoint stores that
generator's state, so 2 epochs straight and 1 epoch + resume give identical weights. (Bit for
bit with the same number of worker threads; other numbers round the gradient sums differently.)
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable

import numpy as np

from scratchnet.data.classes import DIGITS, NAMES, class_names
from scratchnet.training.augment import DRAWING, Distortions
from scratchnet.training.metrics import evaluate_classifier
from scratchnet.files import remove_stale_temporaries, write_json
from scratchnet.nn.losses import TrainingDivergedError
from scratchnet.nn.model import Sequential
from scratchnet.nn.trainer import Callback
from scratchnet.training.callbacks import Checkpoint, StopOnInterrupt, interrupt_flag
from scratchnet.nn.loading import ModelFileError, load_model
from scratchnet.nn import plain
from scratchnet.nn.networks import reference_cnn, small_cnn
from scratchnet.nn.optimizers import OPTIMIZERS
from scratchnet.nn.parallel import worker_count

MODELS = {"reference": reference_cnn, "small": small_cnn}
DTYPES = {"float32": np.float32, "float64": np.float64}
CHECKPOINT_NAME = "checkpoint.npz"
MODEL_NAME = "mnist.npz"
HISTORY_NAME = "history.json"
CURVES_NAME = "training_curves.png"
CONFUSION_NAME = "confusion_matrix.png"
MISCLASSIFIED_NAME = "misclassified.png"

# Settings that shape the computation: a resumed run must use the checkpoint's values for these,
# or it would not continue the same run.
RUN_SETTINGS = ("model", "batch_size", "optimizer", "learning_rate", "seed", "augment", "limit",
                "val_split", "dtype", "synthetic", "marks")

# The augmentations a run can use: ``fit(augment=AUGMENTATIONS[config.augment])``. "affine" is
# ``augment.augment`` (shifts, rotations, scaling); "drawing" adds slant, elastic distortion and
# stroke thickness (``augment.DRAWING``).
AUGMENTATIONS = {"none": None, "affine": Distortions(), "drawing": DRAWING}


class ConfigurationError(ValueError):
    """The settings of a run contradict each other or the checkpoint being resumed."""


@dataclass
class TrainConfig:
    """Everything that defines a training run; ``scripts/train.py`` fills it from its options."""

    epochs: int = 12
    batch_size: int = 128
    optimizer: str = "adadelta"
    learning_rate: float | None = None      # None: the optimizer's own default (Adadelta: 1.0)
    seed: int = 0
    data_dir: str = "data"                  # MNIST lives in <data_dir>/mnist/
    out: str = "models"
    augment: str = "none"                   # a key of AUGMENTATIONS
    limit: int | None = None                # train on the first `limit` training digits only
    val_split: float | None = None          # hold out this share of the training digits
    resume: str | None = None               # a checkpoint (or saved model) to continue from
    dtype: str = "float32"
    model: str = "reference"
    workers: int | None = None              # threads sharing each batch; None: one per core
    plain: bool = False                     # train with scratchnet.nn.plain (slow; one thread)
    synthetic: float = 0.0                  # synthetic digits mixed in, as a share of MNIST's
    marks: float = 0.0                      # synthetic marks that are not digits, likewise;
    #                                         the model then has an output for each of them

    def __post_init__(self):
        # Checkpoints written before augmentations had names stored True or False.
        if isinstance(self.augment, bool):
            self.augment = "affine" if self.augment else "none"
        if self.augment not in AUGMENTATIONS:
            raise ConfigurationError(f"augment must be one of {', '.join(AUGMENTATIONS)}, "
                                     f"got {self.augment!r}")

    def run_settings(self) -> dict:
        """The settings a checkpoint records: those that must match on resume, and the
        planned number of epochs (a resumed run's default)."""
        return {name: getattr(self, name) for name in (*RUN_SETTINGS, "epochs")}


# Two recipes: "default", what ``python scripts/train.py`` runs, trained to read people's
# drawings as well as MNIST and to tell marks that are not digits (letters, shapes, scribbles)
# (docs/drawings.md has the measurements that chose it); "tutorial",
# the Keras tutorial's exact recipe (``--recipe tutorial``). Options given on the command line
# override either.
RECIPES = {
    "default": TrainConfig(epochs=12, augment="affine", synthetic=0.05, marks=0.1),
    "tutorial": TrainConfig(),
}


@dataclass
class Dataset:
    """Float images (N, 28, 28, 1) and int labels (N,), split for a run."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    validation_name: str = "test"           # "test", or "val" for a hold-out of the training set


@dataclass
class TrainResult:
    """What a run produced. ``status`` is "finished", "interrupted" or "diverged"."""

    status: str
    epochs_done: int
    paths: dict[str, Path] = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    test_loss: float | None = None
    test_accuracy: float | None = None
    message: str = ""
    seconds: float = 0.0


# --------------------------------------------------------------------------------------- data
def load_data(config: TrainConfig) -> Dataset:
    """MNIST (downloaded and verified if need be), as ``config`` asks: dtype, limit, hold-out,
    and synthetic digits (``scratchnet.data.synthetic``) and marks that are not digits
    (``scratchnet.data.marks``) mixed into the training part.

    Raises the downloader's ``DownloadError`` (and the IDX reader's ``IDXError``) unchanged:
    their messages say what went wrong and what to do.
    """
    from scratchnet.data.mnist import load_mnist, to_float_images

    (x_train, y_train), (x_test, y_test) = load_mnist(config.data_dir, download=True)
    dtype = DTYPES[config.dtype]
    if config.limit is not None:
        x_train, y_train = x_train[:config.limit], y_train[:config.limit]
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    x_test = to_float_images(x_test, dtype)
    if not config.val_split:
        x_train, y_train = with_synthetic(x_train, y_train, config)
        x_train = to_float_images(x_train, dtype)
        return Dataset(x_train, y_train, x_test, y_test, x_test, y_test, "test")
    held = round(config.val_split * len(x_train))
    if held < 1 or held >= len(x_train):
        raise ConfigurationError(f"--val-split {config.val_split} of {len(x_train)} training "
                                 f"digits leaves {held} for validation and "
                                 f"{len(x_train) - held} for training; both need at least 1")
    # A generator of its own, so the split does not consume the model's random numbers.
    order = np.random.default_rng(config.seed).permutation(len(x_train))
    train, val = np.sort(order[held:]), np.sort(order[:held])
    x_fit, y_fit = with_synthetic(x_train[train], y_train[train], config)
    return Dataset(to_float_images(x_fit, dtype), y_fit, to_float_images(x_train[val], dtype),
                   y_train[val], x_test, y_test, "val")


def with_synthetic(x_train: np.ndarray, y_train: np.ndarray, config: TrainConfig
                   ) -> tuple[np.ndarray, np.ndarray]:
    """uint8 training digits with ``config.synthetic`` times as many synthetic digits and
    ``config.marks`` times as many synthetic marks appended (seeded by ``config.seed``);
    unchanged when both shares are 0."""
    from scratchnet.data.marks import synthetic_marks
    from scratchnet.data.synthetic import synthetic_digits

    images, labels = [x_train], [y_train]
    for share, generate in ((config.synthetic, synthetic_digits), (config.marks, synthetic_marks)):
        count = round(share * len(x_train))
        if count:
            extra_x, extra_y = generate(count, seed=config.seed)
            images.append(extra_x)
            labels.append(extra_y)
    if len(images) == 1:
        return x_train, y_train
    return np.concatenate(images), np.concatenate(labels)


def output_count(config: TrainConfig) -> int:
    """The model's outputs: the ten digits, or every class of ``scratchnet.data.classes``
    when marks that are not digits are mixed in."""
    return len(NAMES) if config.marks else len(DIGITS)


# -------------------------------------------------------------------------------------- models
def set_dtype(model: Sequential, dtype: str) -> None:
    """Make every parameter ``dtype`` (a no-op for those that already are)."""
    target = DTYPES[dtype]
    for layer in model.layers:
        for key, value in layer.params.items():
            layer.params[key] = value.astype(target, copy=False)


def build_model(config: TrainConfig) -> Sequential:
    """A fresh, compiled model as ``config`` describes it."""
    model = MODELS[config.model](seed=config.seed, plain=config.plain,
                                 classes=output_count(config))
    set_dtype(model, config.dtype)
    optimizer_class = (plain.OPTIMIZERS if config.plain else OPTIMIZERS)[config.optimizer]
    model.compile(optimizer_class() if config.learning_rate is None
                  else optimizer_class(learning_rate=config.learning_rate),
                  plain.SoftmaxCrossEntropy() if config.plain else None)
    return model


def load_checkpoint(path: str | os.PathLike, config: TrainConfig) -> tuple[Sequential, dict]:
    """Load a checkpoint to resume: the model, and the history recorded so far.

    The run settings stored in the checkpoint must match ``config``'s (the CLI fills unset
    options from the checkpoint, so only a deliberate contradiction fails).
    """
    model = load_model(path)
    stored = _named_augmentation(model.metadata.get("config", {}))
    different = [f"{name}: checkpoint {stored[name]!r}, requested {getattr(config, name)!r}"
                 for name in RUN_SETTINGS if name in stored and stored[name] !=
                 getattr(config, name)]
    if different:
        raise ConfigurationError(f"{path} was trained with other settings; resuming needs the "
                                 f"same ones ({'; '.join(different)})")
    if model.optimizer is None:
        raise ConfigurationError(f"{path} holds no optimizer state, so it cannot be resumed")
    set_dtype(model, config.dtype)
    history = model.metadata.get("history") or {}
    epochs_recorded = len(history.get("loss", []))
    if epochs_recorded != model.train_state.epoch:
        history = {}     # a model saved by other code: resume the weights, restart the record
    return model, history


def stored_settings(path: str | os.PathLike) -> dict:
    """The run settings and planned epochs saved in a checkpoint's metadata ({} if none)."""
    model = load_model(path)
    stored = _named_augmentation(model.metadata.get("config", {}))
    return {name: stored[name] for name in (*RUN_SETTINGS, "epochs") if name in stored}


def _named_augmentation(settings: dict) -> dict:
    """Settings with an old checkpoint's ``augment`` (True or False) given its name."""
    if isinstance(settings.get("augment"), bool):
        return {**settings, "augment": "affine" if settings["augment"] else "none"}
    return settings


# ---------------------------------------------------------------------------------------- runs
def train(config: TrainConfig, log: Callable[[str], None] = print,
          progress: Callable[..., Callback | None] | None = None,
          dataset: Dataset | None = None) -> TrainResult:
    """Run ``config``: train with a checkpoint per epoch, then save the model and the reports.

    ``log`` receives one-line messages; ``progress(epochs=, samples=, batch_size=,
    validation_name=)`` may return a callback that shows progress (e.g. ``ProgressBar``).
    ``dataset`` replaces loading MNIST.

    Returns a ``TrainResult`` whose ``status`` is "finished", "interrupted" (Ctrl-C: the
    checkpoint holds the position within the epoch) or "diverged" (NaN or inf loss: the last
    good checkpoint is left as it was). Raises ``ConfigurationError`` for contradictory settings,
    ``ModelFileError`` for an unreadable checkpoint, the data loader's errors, and ``OSError``
    when a file cannot be written (the previous file at that path is left intact).
    """
    started = time.perf_counter()
    out = Path(config.out)
    checkpoint_path = out / CHECKPOINT_NAME
    history: dict = {}
    if config.resume:
        model, history = load_checkpoint(config.resume, config)
        if config.plain:
            plain.make_plain(model)
        log(f"Resuming {config.resume} at epoch {model.train_state.epoch + 1}"
            + (f", batch {model.train_state.step + 1}" if model.train_state.step else ""))
    else:
        model = build_model(config)
    try:
        workers = worker_count(model, config.batch_size, config.workers)
    except ValueError as error:
        raise ConfigurationError(f"--workers {config.workers}: {error}") from error
    data = dataset if dataset is not None else load_data(config)
    log(f"Training {config.model} CNN ({model.count_params():,} parameters) on "
        f"{len(data.x_train):,} digits for {config.epochs} epochs, batch {config.batch_size}, "
        f"{type(model.optimizer).__name__}, {config.dtype}"
        + (", plain layers" if config.plain else "")
        + ("" if config.augment == "none" else f", {config.augment} augmentation")
        + (f", {config.synthetic:.0%} synthetic digits" if config.synthetic else "")
        + (f", {config.marks:.0%} synthetic marks" if config.marks else "")
        + f", {workers} worker thread{'s' if workers > 1 else ''}"
        + f"; validating on {len(data.x_val):,} {data.validation_name} digits")

    remove_stale_temporaries(out, (CHECKPOINT_NAME, MODEL_NAME, HISTORY_NAME, CURVES_NAME,
                                   CONFUSION_NAME, MISCLASSIFIED_NAME))
    checkpoint = Checkpoint(checkpoint_path, config.run_settings(), history)
    callbacks: list[Callback] = [checkpoint]
    if progress is not None:
        bar = progress(epochs=config.epochs, samples=len(data.x_train),
                       batch_size=config.batch_size, validation_name=data.validation_name)
        if bar is not None:
            callbacks.insert(0, bar)
    with interrupt_flag() as flag:
        callbacks.append(StopOnInterrupt(flag))
        try:
            model.fit(data.x_train, data.y_train, epochs=config.epochs,
                      batch_size=config.batch_size, validation_data=(data.x_val, data.y_val),
                      callbacks=callbacks, resume=config.resume is not None,
                      augment=AUGMENTATIONS[config.augment],
                      workers=workers)
        except TrainingDivergedError as error:
            state = model.train_state
            kept = (f"the last good checkpoint, {checkpoint_path} (after epoch {state.epoch}), "
                    "is unchanged" if checkpoint_path.exists()
                    else "no checkpoint had been written yet")
            return TrainResult("diverged", state.epoch, {"checkpoint": checkpoint_path},
                               checkpoint.history,
                               message=f"training stopped in epoch {state.epoch + 1}, batch "
                                       f"{state.step + 1}: {error}; {kept}",
                               seconds=time.perf_counter() - started)
        state = model.train_state
        if state.epoch < config.epochs:
            # Interrupted: save where we are, mid-epoch included. (A second Ctrl-C while saving
            # abandons the write; the atomic write then leaves the previous checkpoint intact.)
            checkpoint.save()
            where = f"epoch {state.epoch + 1}, batch {state.step}" if state.step \
                else f"the end of epoch {state.epoch}"
            return TrainResult("interrupted", state.epoch, {"checkpoint": checkpoint_path},
                               checkpoint.history,
                               message=f"interrupted at {where}; saved {checkpoint_path} "
                                       f"(continue with --resume {checkpoint_path})",
                               seconds=time.perf_counter() - started)
    result = finish(model, data, config, checkpoint.history, out)
    result.paths = {"checkpoint": checkpoint_path, **result.paths}
    result.seconds = time.perf_counter() - started
    return result


def finish(model: Sequential, data: Dataset, config: TrainConfig, history: dict,
           out: Path) -> TrainResult:
    """Evaluate on the test set; write the model, history.json and the three figures."""
    from scratchnet.figures import plots

    result = evaluate_classifier(model, data.x_test, data.y_test)
    test_loss, test_accuracy = result.loss, result.accuracy
    metadata = {"kind": "model", "config": config.run_settings(), "history": history,
                "epochs": model.train_state.epoch, "test_accuracy": test_accuracy,
                "test_loss": test_loss, "test_samples": len(data.y_test),
                "train_samples": len(data.y_train),
                "classes": list(class_names(model.output_shape[-1])),
                "trained": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    paths = {"model": out / MODEL_NAME}
    model.save(paths["model"], metadata=metadata)
    paths["history"] = write_json(out / HISTORY_NAME, {
        **{k: v for k, v in metadata.items() if k != "kind"},
        "validation": data.validation_name,
        "confusion_matrix": result.matrix.tolist()})
    paths["curves"] = plots.training_curves(history, out / CURVES_NAME, data.validation_name)
    paths["confusion"] = plots.confusion_matrix(result.matrix, out / CONFUSION_NAME,
                                                "Confusion matrix (test set)")
    paths["misclassified"] = plots.misclassified(data.x_test, data.y_test, result.predictions,
                                                 result.probabilities, out / MISCLASSIFIED_NAME)
    return TrainResult("finished", model.train_state.epoch, paths, history, test_loss,
                       test_accuracy)


def settings_from(namespace: object, defaults: TrainConfig | None = None) -> TrainConfig:
    """A TrainConfig from any object with matching attribute names (None: keep the default)."""
    config = defaults or TrainConfig()
    values = asdict(config)
    for item in fields(TrainConfig):
        value = getattr(namespace, item.name, None)
        if value is not None:
            values[item.name] = value
    return TrainConfig(**values)


__all__ = [
    "ConfigurationError",
    "Dataset",
    "ModelFileError",
    "TrainConfig",
    "TrainResult",
    "build_model",
    "finish",
    "load_checkpoint",
    "load_data",
    "set_dtype",
    "stored_settings",
    "train",
]
