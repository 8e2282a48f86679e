"""Kill training with SIGKILL at random moments; check that it always resumes to the same result.

The procedure behind ``scripts/kill_test.py`` and its fast test:

1. Train a small model straight through, for reference.
2. In a second output directory, start the same training and SIGKILL it after a random delay
   (during start-up, mid-epoch, or while a checkpoint is being written), ``runs`` times; each
   restart resumes from the checkpoint if there is one. After every kill the checkpoint on disk
   must load.
3. Resume once more and let it finish: the final weights must equal the straight run's, bit for
   bit, because a checkpoint stores everything that drives training (weights, optimizer state,
   the generator's state and the position in the run).

Checkpoints are written atomically (a temporary file, fsync, ``os.replace``), so a kill can
leave a stray temporary file but never a torn checkpoint; the next run deletes such strays.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scratchnet.cli.arguments import non_negative_int, positive_float, positive_int
from scratchnet.nn.saving import ModelFileError, load_model

from scratchnet.training.runs import CHECKPOINT_NAME, MODEL_NAME

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class KillReport:
    runs: int = 0
    kills: int = 0
    loads_ok: int = 0
    kills_before_first_checkpoint: int = 0
    stray_temporaries: int = 0        # kills that landed while a checkpoint was being written
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
            (f"{self.kills} SIGKILLs at random moments over {self.runs} runs: the checkpoint "
             f"loaded after {self.loads_ok} of the {after_first} kills that followed its first "
             f"write ({self.kills_before_first_checkpoint} came before any checkpoint existed)"),
            (f"kills that interrupted a checkpoint write (stray temporary file left, checkpoint "
             f"intact): {self.stray_temporaries}"),
            f"epochs completed when killed: {self.epochs_at_kill}",
            f"final weights after the kills and resumes {verdict}",
            *[f"FAILURE: {text}" for text in self.failures],
            f"{'PASSED' if self.passed else 'FAILED'} in {self.seconds:.0f} s",
        ]


def train_command(out: Path, data_dir: str, epochs: int, resume: bool) -> list[str]:
    command = [sys.executable, "-m", "scratchnet.cli.train", "--model", "small", "--limit",
               "1000", "--val-split", "0.1", "--epochs", str(epochs), "--data-dir", data_dir,
               "--out", str(out), "--quiet", "--workers", "2"]   # the data-parallel path too
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


def timed_straight_run(out: Path, data_dir: str, epochs: int, env: dict) -> tuple[float, float]:
    """Run the uninterrupted reference; return (seconds to its first checkpoint, seconds in all)."""
    started = time.perf_counter()
    first_checkpoint = None
    process = subprocess.Popen(train_command(out, data_dir, epochs, False), env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while process.poll() is None:
        if first_checkpoint is None and (out / CHECKPOINT_NAME).exists():
            first_checkpoint = time.perf_counter() - started
        time.sleep(0.02)
    total = time.perf_counter() - started
    error = process.stderr.read().decode(errors="replace").strip()
    process.stderr.close()
    if process.returncode != 0:
        raise RuntimeError(f"the uninterrupted run failed (exit {process.returncode}): {error}")
    return (first_checkpoint if first_checkpoint is not None else total), total


def kill_delay_bound(first_checkpoint: float, total: float, epochs: int, runs: int) -> float:
    """The longest wait before a kill such that ``runs`` kills cannot finish the training.

    A killed run keeps only the epochs it completed after start-up. With start-up ``s`` and
    training time ``w`` (estimated from the straight run), each run waits at most
    ``s + 0.8 w / runs``, so all of them together complete at most 80% of the work: the last
    kill always lands in a run that still has epochs to do, however fast the machine is.
    """
    per_epoch = (total - first_checkpoint) / max(epochs - 1, 1)
    startup = max(first_checkpoint - per_epoch, 0.0)
    return startup + 0.8 * (total - startup) / runs


def run_kill_test(workdir: Path, data_dir: str = "data", runs: int = 20, epochs: int = 60,
                  max_delay: float | None = None, seed: int = 0, log=print) -> KillReport:
    """Steps 1-3 above in ``workdir``. SIGKILL delays are uniform between 0.2 s and the bound
    from ``kill_delay_bound`` (or ``max_delay`` if that is smaller)."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    env = _environment()
    report = KillReport(runs=runs)
    straight, killed = workdir / "straight", workdir / "killed"
    first_checkpoint, total = timed_straight_run(straight, data_dir, epochs, env)
    bound = kill_delay_bound(first_checkpoint, total, epochs, runs)
    if max_delay is not None:
        bound = min(bound, max_delay)
    bound = max(bound, 0.3)
    log(f"uninterrupted run: {total:.1f} s (first checkpoint after {first_checkpoint:.1f} s); "
        f"killing after 0.2-{bound:.1f} s")
    checkpoint = killed / CHECKPOINT_NAME
    for run in range(runs):
        process = subprocess.Popen(train_command(killed, data_dir, epochs, checkpoint.exists()),
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.2, bound))
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace")
            process.stderr.close()
            report.failures.append(f"run {run + 1} ended by itself (exit {process.returncode}) "
                                   f"before the kill. {error.strip()}")
            break
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stderr.close()
        report.kills += 1
        report.stray_temporaries += any(killed.glob(f".{CHECKPOINT_NAME}.*.tmp"))
        if not checkpoint.exists():
            report.kills_before_first_checkpoint += 1
            continue
        try:
            epoch = load_model(checkpoint).train_state.epoch
        except ModelFileError as error:
            report.failures.append(f"after kill {run + 1}: {error}")
            continue
        report.epochs_at_kill.append(epoch)
        report.loads_ok += 1
        log(f"kill {run + 1}/{runs}: the checkpoint loads, {epoch} epochs done")
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


def progress(text: str) -> None:
    print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kill_test.py",
        description="SIGKILL training at random moments, RUNS times, resuming each time; check "
                    "that the checkpoint always loads and that the resumed run ends with the "
                    "same weights as an uninterrupted one. Uses the small CNN on 1,000 digits.")
    parser.add_argument("--runs", type=positive_int, default=20,
                        help="number of kills (default 20)")
    parser.add_argument("--epochs", type=positive_int, default=60,
                        help="epochs of the uninterrupted run (default 60)")
    parser.add_argument("--max-delay", type=positive_float,
                        help="longest wait before a kill, in seconds (default: as long as "
                             "the kills together cannot finish the run, from its timing)")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="seeds the kill delays")
    parser.add_argument("--data-dir", default="data", help="data directory (default data)")
    parser.add_argument("--workdir", help="where the runs write (default: a temporary "
                                          "directory, removed afterwards)")
    args = parser.parse_args(argv)
    if args.workdir:
        report = run_kill_test(Path(args.workdir), args.data_dir, args.runs, args.epochs,
                               args.max_delay, args.seed, progress)
    else:
        with tempfile.TemporaryDirectory(prefix="kill_test.") as workdir:
            report = run_kill_test(Path(workdir), args.data_dir, args.runs, args.epochs,
                                   args.max_delay, args.seed, progress)
    print("\n".join(report.lines()))
    return 0 if report.passed else 1
