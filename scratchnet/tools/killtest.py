"""Kill training with SIGKILL at random moments; check that it always resumes to the same result.

The procedure behind ``scripts/kill_test.py`` and its fast test:

1. Train a small model straight through, for reference.
2. In a second output directory, start the same training and SIGKILL it, ``runs`` times; each
   restart resumes from the checkpoint if there is one. Each kill's moment is drawn uniformly
   within the epochs the restarted run still has to train (``plan_kill``, spread so that the
   kills cover the whole run) and found by reading its output (the line that training begins)
   and watching its checkpoint being replaced epoch by epoch, so every kill lands mid-epoch
   however fast or busy the machine is; every third kill instead waits for a checkpoint write
   to begin and lands in it. After every kill the checkpoint on disk must load.
3. Resume once more and let it finish: the final weights must equal the straight run's, bit for
   bit, because a checkpoint stores everything that drives training (weights, optimizer state,
   the generator's state and the position in the run).

Checkpoints are written atomically (a temporary file, fsync, ``os.replace``), so a kill can
leave a stray temporary file but never a torn checkpoint; the next run deletes such strays.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from scratchnet.nn.loading import ModelFileError, load_model
from scratchnet.training.runs import CHECKPOINT_NAME, MODEL_NAME

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class KillReport:
    runs: int = 0
    kills: int = 0
    loads_ok: int = 0
    kills_before_first_checkpoint: int = 0
    kills_in_training: int = 0        # the run still had epochs to do when it was killed
    kills_after_training: int = 0     # every epoch was done: the kill hit the run's wrapping-up
    aimed_at_writes: int = 0          # kills that waited for a checkpoint write to begin
    during_write: int = 0             # a checkpoint temporary file was present at the kill
    epochs_at_kill: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    identical: bool = False
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures and self.identical

    def lines(self) -> list[str]:
        after_first = self.kills - self.kills_before_first_checkpoint
        verdict = ("equal the uninterrupted run's, bit for bit" if self.identical
                   else "DIFFER from the uninterrupted run's")
        return [
            (f"{self.kills} SIGKILLs over {self.runs} runs, each at a random moment of the "
             f"training the killed run still had to do: the checkpoint loaded after "
             f"{self.loads_ok} of the {after_first} kills that followed its first write "
             f"({self.kills_before_first_checkpoint} came before any checkpoint existed)"),
            (f"kills that interrupted training: {self.kills_in_training}; that came after "
             f"the last epoch had finished: {self.kills_after_training}"),
            (f"kills during a checkpoint write (its temporary file present at the kill, the "
             f"checkpoint intact): {self.during_write}, of the {self.aimed_at_writes} aimed at "
             f"one"),
            f"epochs completed when killed: {self.epochs_at_kill}",
            f"final weights after the kills and resumes {verdict}",
            *[f"FAILURE: {text}" for text in self.failures],
            f"{'PASSED' if self.passed else 'FAILED'} in {self.seconds:.0f} s",
        ]


def train_command(out: Path, data_dir: str, epochs: int, resume: bool) -> list[str]:
    command = [sys.executable, "-m", "scratchnet.cli.train", "--model", "small", "--limit",
               "1000", "--val-split", "0.1", "--epochs", str(epochs), "--data-dir", data_dir,
               "--out", str(out), "--workers", "2"]   # the data-parallel path too
    if resume:
        command += ["--resume", str(out / CHECKPOINT_NAME)]
    return command


def _environment() -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def same_weights(first: Path, second: Path) -> bool:
    """Whether two saved models hold identical weights and optimizer state."""
    with np.load(first, allow_pickle=False) as a, np.load(second, allow_pickle=False) as b:
        names = [n for n in a.files if n.startswith(("param/", "optimizer/"))]
        return sorted(names) == sorted(n for n in b.files if n.startswith(("param/",
                                                                           "optimizer/"))) \
            and all(np.array_equal(a[n], b[n]) for n in names)


def _checkpoint_version(path: Path) -> tuple[int, int] | None:
    """What changes each time the checkpoint is replaced (``os.replace`` gives a new inode)."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns


def _checkpoint_temporaries(folder: Path) -> set[str]:
    prefix = f".{CHECKPOINT_NAME}."
    with os.scandir(folder) as entries:
        return {entry.name for entry in entries
                if entry.name.startswith(prefix) and entry.name.endswith(".tmp")}


@dataclass(frozen=True)
class RunTiming:
    """How long the uninterrupted run took: ``epoch`` seconds for its fastest epoch (from one
    checkpoint to the next), ``total`` seconds in all."""

    epoch: float
    total: float


def timed_straight_run(out: Path, data_dir: str, epochs: int, env: dict) -> RunTiming:
    """Run the uninterrupted reference, noting when each epoch's checkpoint appears."""
    started = time.perf_counter()
    checkpoint = out / CHECKPOINT_NAME
    version, written = None, []
    process = subprocess.Popen(train_command(out, data_dir, epochs, False), env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while process.poll() is None:
        current = _checkpoint_version(checkpoint)
        if current != version and current is not None:
            version = current
            written.append(time.perf_counter() - started)
        time.sleep(0.01)
    total = time.perf_counter() - started
    error = process.stderr.read().decode(errors="replace").strip()
    process.stderr.close()
    if process.returncode != 0:
        raise RuntimeError(f"the uninterrupted run failed (exit {process.returncode}): {error}")
    if len(written) >= 2:
        # The fastest epoch, so that a kill aimed at the last epoch's middle is not late when
        # an epoch of the killed run goes faster than the straight run's typical one.
        epoch = float(np.min(np.diff(written)))
    else:
        epoch = (written[0] if written else total) / 2
    return RunTiming(epoch=epoch, total=total)


@dataclass(frozen=True)
class KillPlan:
    """When to kill one run: once it has begun training (printed "Training ...") and written
    ``epochs`` more checkpoints, wait ``seconds`` (a fraction of an epoch), or, if ``at_write``,
    wait instead for the next checkpoint write to begin and kill in it."""

    epochs: int
    seconds: float
    at_write: bool


def plan_kill(rng: np.random.Generator, epochs_done: int, epochs: int, timing: RunTiming,
              at_write: bool, kills_left: int = 1) -> KillPlan:
    """Draw a kill moment uniformly within the training the run still has to do.

    The run resumes after ``epochs_done`` epochs and trains ``remaining = epochs - epochs_done``
    more. The moment is drawn uniformly over the first ``min(1, 2 / (kills_left + 1))`` of
    those epochs: the last kill may land anywhere in what is left, and earlier ones advance the
    run by ``remaining / (kills_left + 1)`` on average, which spreads the kills evenly over the
    whole run instead of crowding all but the first few into its last epoch (drawing over all
    of what is left halves it at each kill).

    The moment is drawn in epochs, not seconds, and reached by watching the run's output and
    checkpoint, so a busy or idle machine changes only where within one epoch the kill lands,
    never whether it lands in training: the fraction of an epoch is measured with the straight
    run's fastest epoch.
    """
    remaining = epochs - epochs_done
    if remaining < 1:
        raise ValueError(f"nothing left to train: {epochs_done} of {epochs} epochs are done")
    if kills_left < 1:
        raise ValueError(f"kills_left must be at least 1, got {kills_left}")
    position = rng.uniform(0.0, remaining * min(1.0, 2.0 / (kills_left + 1)))
    whole = min(int(position), remaining - 1)
    return KillPlan(epochs=whole, seconds=(position - whole) * timing.epoch, at_write=at_write)


class _TrainingBegun(threading.Thread):
    """Reads a training run's output to its end; ``event`` is set at the line that the training
    loop is about to start ("Training ... on N digits ..."), printed after start-up."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.event = threading.Event()

    def run(self) -> None:
        for line in self.stream:
            if line.startswith("Training "):
                self.event.set()


def _wait_and_kill(process: subprocess.Popen, folder: Path, plan: KillPlan,
                   epochs_left: int) -> bool:
    """Follow ``plan`` and SIGKILL ``process``; False if it ended before the kill."""
    checkpoint = folder / CHECKPOINT_NAME
    begun = _TrainingBegun(process.stdout)
    begun.start()
    while not begun.event.wait(0.005):
        if process.poll() is not None:
            return False
    version, replaced = _checkpoint_version(checkpoint), 0
    while replaced < plan.epochs:
        if process.poll() is not None:
            return False
        current = _checkpoint_version(checkpoint)
        if current != version:
            version, replaced = current, replaced + 1
        else:
            time.sleep(0.005)
    if plan.at_write:
        before = _checkpoint_temporaries(folder)
        while not _checkpoint_temporaries(folder) - before:
            if process.poll() is not None:
                return False
            current = _checkpoint_version(checkpoint)
            if current != version:
                # A whole write happened between two looks (on a busy machine this process may
                # not be scheduled for the few milliseconds a write takes): aim at the next one,
                # or, if that was the last checkpoint, kill at once and let the report say so.
                version, replaced = current, replaced + 1
                before = _checkpoint_temporaries(folder)
                if replaced >= epochs_left:
                    break
            time.sleep(0.0002)
    else:
        deadline = time.perf_counter() + plan.seconds
        while time.perf_counter() < deadline:
            if process.poll() is not None:
                return False
            time.sleep(min(0.005, max(deadline - time.perf_counter(), 0.0)))
    process.send_signal(signal.SIGKILL)
    process.wait()
    return True


def run_kill_test(workdir: Path, data_dir: str = "data", runs: int = 20, epochs: int = 60,
                  write_every: int = 3, seed: int = 0, log=print) -> KillReport:
    """Steps 1-3 above in ``workdir``. Each kill's moment comes from ``plan_kill``; every
    ``write_every``-th kill waits for a checkpoint write instead and lands inside it."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    env = _environment()
    report = KillReport(runs=runs)
    straight, killed = workdir / "straight", workdir / "killed"
    timing = timed_straight_run(straight, data_dir, epochs, env)
    log(f"uninterrupted run: {timing.total:.1f} s, fastest epoch {timing.epoch:.2f} s")
    checkpoint = killed / CHECKPOINT_NAME
    killed.mkdir(parents=True, exist_ok=True)
    epochs_done = 0
    for run in range(runs):
        if epochs_done >= epochs:
            report.failures.append(f"training finished before kill {run + 1}")
            break
        plan = plan_kill(rng, epochs_done, epochs, timing,
                         at_write=write_every > 0 and run % write_every == write_every - 1,
                         kills_left=runs - run)
        before = _checkpoint_temporaries(killed)
        process = subprocess.Popen(train_command(killed, data_dir, epochs, checkpoint.exists()),
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        if not _wait_and_kill(process, killed, plan, epochs - epochs_done):
            error = process.stderr.read()
            process.stderr.close()
            report.failures.append(f"run {run + 1} ended by itself (exit {process.returncode}) "
                                   f"before the kill. {error.strip()}")
            break
        process.stdout.close()
        process.stderr.close()
        report.kills += 1
        report.aimed_at_writes += plan.at_write
        in_write = bool(_checkpoint_temporaries(killed) - before)
        report.during_write += in_write
        where = "during a checkpoint write" if in_write else "mid-epoch"
        if not checkpoint.exists():
            report.kills_before_first_checkpoint += 1
            report.kills_in_training += 1
            log(f"kill {run + 1}/{runs} ({where}): no checkpoint yet")
            continue
        try:
            epochs_done = load_model(checkpoint).train_state.epoch
        except ModelFileError as error:
            report.failures.append(f"after kill {run + 1}: {error}")
            continue
        report.epochs_at_kill.append(epochs_done)
        report.loads_ok += 1
        if epochs_done < epochs:
            report.kills_in_training += 1
        else:
            report.kills_after_training += 1
        log(f"kill {run + 1}/{runs} ({where}): the checkpoint loads, {epochs_done} epochs done")
    if not report.failures:
        finish = subprocess.run(train_command(killed, data_dir, epochs, checkpoint.exists()),
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                check=False)
        if finish.returncode != 0:
            report.failures.append(f"the final resume failed (exit {finish.returncode}): "
                                   f"{finish.stderr.decode(errors='replace').strip()}")
        else:
            report.identical = same_weights(straight / MODEL_NAME, killed / MODEL_NAME)
    report.seconds = time.perf_counter() - started
    return report
