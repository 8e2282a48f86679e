"""The one training step and the one training loop, which ``Sequential.fit``, whole training runs
(``scratchnet.training.runs``) and teaching (``scratchnet.training.teaching``) all run.

    workers = worker_count(model, batch_size)     one place decides the threads (nn/parallel.py)
    for each epoch, while no callback stops it:
        for each batch (x, y) the batch source gives:
            x = augment(x, rng)                   when augmenting
            Trainer.train_step(x, y):
                loss = gradients(x, y)            forward, loss, backward: the model's own pass,
                                                  or DataParallel's, which splits the rows
                                                  between the workers and sums their gradients
                check_loss(loss)                  NaN or inf: stop before any update
                optimizer update                  in place (with workers, its slices shared out)
            callbacks.on_batch_end(step, logs)    progress, Ctrl-C, teaching's early stop
        validation, callbacks.on_epoch_end        the checkpoint

A batch source says how many batches an epoch has and gives them one at a time: ``EpochBatches``
is fit's (the training set in a new random order each epoch); teaching has its own (saved digits
mixed with MNIST digits). Its ``state`` (``TrainState``) says where training stands; fit's is the
model's ``train_state``, which a checkpoint saves, so a run resumes from the middle of an epoch.

Everything random (the order, augmentation, dropout) draws from the model's generator, in the
same order whatever the number of workers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from scratchnet.nn.losses import check_loss, score
from scratchnet.nn.parallel import DataParallel, worker_count

Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]


@dataclass
class History:
    """Per-epoch metrics, one list entry per epoch, as Keras' ``History.history``."""

    history: dict[str, list[float]] = field(default_factory=lambda: {
        "loss": [], "acc": [], "val_loss": [], "val_acc": [], "seconds": []})

    def append(self, logs: dict[str, float]) -> None:
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    @property
    def epochs(self) -> int:
        return len(self.history["loss"])


class Callback:
    """Hooks called by the training loop; override the ones you need. ``logs`` are plain dicts
    of floats. A callback stops training after the current batch by setting
    ``model.stop_training = True``."""

    def on_train_begin(self, model) -> None: ...
    def on_epoch_begin(self, epoch: int, steps: int) -> None: ...
    def on_batch_end(self, step: int, logs: dict) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict) -> None: ...
    def on_train_end(self) -> None: ...


@dataclass
class TrainState:
    """Where training stands: ``epoch`` epochs done, ``step`` batches into the next one.

    ``order`` is the next epoch's sample order while an epoch is under way (needed to resume in
    the middle of an epoch); otherwise ``None``.
    """

    epoch: int = 0
    step: int = 0
    order: np.ndarray | None = None


class BatchSource:
    """What the training loop trains on: ``steps`` batches of ``batch_size`` samples an epoch,
    each given by ``batch(step)`` as (images, labels), and the ``state`` of the run."""

    batch_size: int
    steps: int
    state: TrainState

    def begin_epoch(self) -> None:
        """Called before the epoch's first batch (and before a resumed epoch's next one)."""

    def batch(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


class EpochBatches(BatchSource):
    """``Sequential.fit``'s batches: the training set in mini-batches, in a new random order
    each epoch (drawn from ``rng``), or in the order of x without ``shuffle``.

    Args:
        x: images (N, H, W, C); y: their labels (N,).
        batch_size: samples per batch; the last batch of an epoch holds the rest.
        rng: draws each epoch's order.
        shuffle: a new random order every epoch, else the order of x.
        state: where training stands, kept up to date by the loop (the model's ``train_state``).
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int,
                 rng: np.random.Generator, shuffle: bool, state: TrainState):
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.steps = -(-len(x) // batch_size)
        self.rng, self.shuffle = rng, shuffle
        self.state = state

    def begin_epoch(self) -> None:
        state = self.state
        if state.order is None or len(state.order) != len(self.x):
            state.order = self.rng.permutation(len(self.x)) if self.shuffle \
                else np.arange(len(self.x))
            state.step = 0

    def batch(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        index = self.state.order[step * self.batch_size:(step + 1) * self.batch_size]
        return self.x[index], self.y[index]


class Trainer:
    """The training step of ``model``: on this thread, or with each batch shared between
    ``workers`` threads by ``DataParallel``, which wraps the model's passes from outside.

    Use as a context manager: the worker threads are released at exit.
    """

    def __init__(self, model, workers: int = 1):
        if model.optimizer is None:
            model.compile()
        self.model = model
        self.parallel = DataParallel(model, workers) if workers > 1 else None

    def __enter__(self) -> "Trainer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self.parallel is not None:
            self.parallel.close()

    def train_step(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        """One step on checked inputs: forward, loss and backward over the batch, then the
        optimizer's update. Returns the batch's mean loss and how many samples it classified
        right; raises ``TrainingDivergedError`` before updating on a NaN or infinite loss."""
        model, parallel = self.model, self.parallel
        loss, correct = (model if parallel is None else parallel).gradients(x, y)
        check_loss(loss)
        if parallel is None:
            model.optimizer.step(model.params, model.grads)
        else:
            parallel.update()
        return loss, correct

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int = 256
                 ) -> tuple[float, float]:
        """Mean loss and accuracy over checked (x, y), the batches shared between the
        workers."""
        logits = (self.model if self.parallel is None else self.parallel).predict_logits(
            x, batch_size)
        return score(logits, y)


def training_loop(model, batches: BatchSource, epochs: int, workers: int | None = None,
                  callbacks: Sequence[Callback] = (), augment: Augment | None = None,
                  validation_data: tuple[np.ndarray, np.ndarray] | None = None) -> History:
    """Train ``model`` on ``batches`` until ``batches.state.epoch`` reaches ``epochs`` or a
    callback stops it; return the per-epoch History.

    Args:
        model: a built ``Sequential`` (compiled with the default optimizer if it is not).
        batches: the batch source; its ``state`` is advanced batch by batch.
        epochs: epochs in all, counting those ``batches.state`` says are done.
        workers: threads sharing each batch; ``None`` for the default (``worker_count``).
        callbacks: called at the start and end of training, of every epoch and after every
            batch.
        augment: ``augment(images, rng) -> images``, applied to every batch with the model's
            generator.
        validation_data: checked ``(x_val, y_val)``, evaluated after every epoch as
            ``val_loss`` and ``val_acc``.
    """
    if model.optimizer is None:
        model.compile()
    workers = worker_count(model, batches.batch_size, workers)
    state = batches.state
    history = History()
    with Trainer(model, workers) as trainer:
        model.stop_training = False
        for callback in callbacks:
            callback.on_train_begin(model)
        while state.epoch < epochs and not model.stop_training:
            batches.begin_epoch()
            for callback in callbacks:
                callback.on_epoch_begin(state.epoch, batches.steps)
            started = time.perf_counter()
            loss_sum, correct, seen = 0.0, 0, 0
            while state.step < batches.steps:
                batch_x, batch_y = batches.batch(state.step)
                if augment is not None:
                    batch_x = augment(batch_x, model.rng)
                loss, batch_correct = trainer.train_step(batch_x, batch_y)
                state.step += 1
                loss_sum += loss * len(batch_y)
                correct += batch_correct
                seen += len(batch_y)
                logs = {"loss": loss_sum / seen, "acc": correct / seen}
                for callback in callbacks:
                    callback.on_batch_end(state.step, logs)
                if model.stop_training:
                    break
            if state.step < batches.steps:
                break    # stopped in the middle of an epoch: the state says where
            logs = {"loss": loss_sum / max(seen, 1), "acc": correct / max(seen, 1)}
            if validation_data is not None:
                logs["val_loss"], logs["val_acc"] = trainer.evaluate(*validation_data)
            logs["seconds"] = time.perf_counter() - started
            state.epoch += 1
            state.step = 0
            state.order = None
            history.append(logs)
            for callback in callbacks:
                callback.on_epoch_end(state.epoch - 1, logs)
        for callback in callbacks:
            callback.on_train_end()
    return history
