"""Callbacks of a training run: the progress bar, the checkpoint after every epoch, and
stopping cleanly on Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from scratchnet.nn.model import Sequential
from scratchnet.nn.trainer import Callback
from scratchnet.progress import StatusLine, bar, format_duration


class ProgressBar(Callback):
    """Per-epoch progress: batch i/N, samples/s, ETA, running loss and accuracy.

    On a terminal the bar redraws in place (``scratchnet.progress.StatusLine``); otherwise a
    plain line is printed about every tenth of an epoch. Each epoch ends with one summary line.
    """

    def __init__(self, epochs: int, samples: int, batch_size: int,
                 stream: TextIO | None = None, tty: bool | None = None,
                 validation_name: str = "test", width: int = 30):
        self.epochs, self.samples, self.batch_size = epochs, samples, batch_size
        self.status = StatusLine(stream if stream is not None else sys.stdout, tty)
        self.validation_name = validation_name
        self.width = width

    def on_epoch_begin(self, epoch: int, steps: int) -> None:
        self.epoch, self.steps = epoch, steps
        self.started = time.perf_counter()
        self.first_step: int | None = None
        self.last_line_step = 0
        if self.status.tty:
            self.status.write(f"Epoch {epoch + 1}/{self.epochs}\n")

    def on_batch_end(self, step: int, logs: dict) -> None:
        if self.first_step is None:
            self.first_step = step - 1       # a resumed epoch starts part-way through
            self.last_line_step = self.first_step
        last = step == self.steps
        if self.status.tty:
            self.status.redraw(self._status(step, logs), force=last)
        elif last or step - self.last_line_step >= max(1, self.steps // 10):
            self.last_line_step = step
            self.status.line(f"Epoch {self.epoch + 1}/{self.epochs} " + self._status(step, logs))

    def _status(self, step: int, logs: dict) -> str:
        done = min(step * self.batch_size, self.samples)
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        rate = (done - self.first_step * self.batch_size) / elapsed
        eta = (self.samples - done) / rate if rate > 0 else 0.0
        digits = len(str(self.steps))
        text = f"{step:>{digits}}/{self.steps}"
        if self.status.tty:
            text += " " + bar(step / self.steps, self.width)
        return (f"{text} - {rate:,.0f} samples/s - ETA {format_duration(eta)} - "
                f"loss {logs['loss']:.4f} - acc {logs['acc']:.4f}")

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        line = (f"Epoch {epoch + 1}/{self.epochs}: loss {logs['loss']:.4f} - acc "
                f"{logs['acc']:.4f}")
        if "val_loss" in logs:
            line += (f" - {self.validation_name} loss {logs['val_loss']:.4f} - "
                     f"{self.validation_name} acc {logs['val_acc']:.4f}")
        line += f" - {logs['seconds']:.1f} s"
        self.status.line(line)


class Checkpoint(Callback):
    """Save the model to ``path`` after every epoch, with the history so far in its metadata.

    ``history`` is the record of earlier runs (when resuming); this callback appends each
    epoch's logs to it, so the saved history always covers every epoch the weights have seen.
    """

    def __init__(self, path: str | os.PathLike, settings: dict, history: dict | None = None):
        self.path = Path(path)
        self.settings = settings
        self.history: dict[str, list[float]] = {k: list(v) for k, v in (history or {}).items()}

    def on_train_begin(self, model: Sequential) -> None:
        self.model = model

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        self.save()

    def save(self) -> None:
        self.model.save(self.path, metadata={"kind": "checkpoint", "config": self.settings,
                                             "history": self.history})


class StopOnInterrupt(Callback):
    """Stop training after the current batch once ``flag`` is set (see ``interrupt_flag``)."""

    def __init__(self, flag: threading.Event):
        self.flag = flag

    def on_train_begin(self, model: Sequential) -> None:
        self.model = model

    def on_batch_end(self, step: int, logs: dict) -> None:
        if self.flag.is_set():
            self.model.stop_training = True

    on_epoch_end = on_batch_end


@contextlib.contextmanager
def interrupt_flag() -> Iterator[threading.Event]:
    """While active, the first Ctrl-C (SIGINT) sets the yielded flag instead of raising.

    A second Ctrl-C raises ``KeyboardInterrupt`` as usual, for when a batch takes too long.
    Outside the main thread (where signals cannot be handled) the flag is never set.
    """
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handle(signum, frame):
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set()

    previous = signal.signal(signal.SIGINT, handle)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
