"""The kill test's aim: kill moments drawn over the training still to do, and the killer landing
where it aims (mid-epoch, or inside a checkpoint write) against a stand-in training process
that prints what train.py prints and writes its checkpoint as train.py does, only slower.
The real procedure, on real training, is test_train_cli's SIGKILL test and scripts/kill_test.py.
"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from scratchnet.tools.killtest import KillPlan, KillReport, RunTiming, _wait_and_kill, plan_kill

TIMING = RunTiming(epoch=0.2, total=20.0)


@pytest.mark.parametrize("epochs_done", [0, 1, 30, 58, 59])
def test_the_last_kill_falls_anywhere_within_the_epochs_still_to_train(epochs_done):
    rng = np.random.default_rng(0)
    plans = [plan_kill(rng, epochs_done, 60, TIMING, at_write=False, kills_left=1)
             for _ in range(2000)]
    whole = np.array([plan.epochs for plan in plans])
    seconds = np.array([plan.seconds for plan in plans])
    remaining = 60 - epochs_done
    assert whole.min() >= 0 and whole.max() <= remaining - 1
    assert seconds.min() >= 0 and seconds.max() < TIMING.epoch
    position = whole + seconds / TIMING.epoch                  # in epochs after the resume
    assert abs(position.mean() - remaining / 2) < 0.05 * remaining   # uniform over what is left
    if remaining > 1:
        assert len(set(whole.tolist())) == remaining            # every epoch left can be hit


def test_earlier_kills_are_drawn_within_a_share_of_what_is_left():
    rng = np.random.default_rng(0)
    plans = [plan_kill(rng, 0, 60, TIMING, at_write=False, kills_left=19) for _ in range(2000)]
    position = np.array([plan.epochs + plan.seconds / TIMING.epoch for plan in plans])
    assert position.max() < 6.0 and position.max() > 5.5           # 2 / (19 + 1) of 60 epochs
    assert abs(position.mean() - 3.0) < 0.15


def test_twenty_kills_spread_over_the_run_and_all_land_in_it():
    rng = np.random.default_rng(0)
    halfway = []
    for _ in range(200):
        done, reached = 0.0, []
        for kills_left in range(20, 0, -1):
            plan = plan_kill(rng, int(done), 60, TIMING, at_write=False, kills_left=kills_left)
            done = int(done) + plan.epochs + plan.seconds / TIMING.epoch
            reached.append(int(done))
        assert max(reached) <= 59                     # no kill after the last epoch
        halfway.append(reached[9])
    # After 10 of 20 kills about half the run is done (60 * 10/21 epochs expected); drawing each
    # kill over all that is left would put the tenth kill in the last epoch or two.
    assert 20 <= np.median(halfway) <= 40


def test_a_finished_run_cannot_be_planned_for():
    with pytest.raises(ValueError, match="nothing left to train: 60 of 60"):
        plan_kill(np.random.default_rng(0), 60, 60, TIMING, at_write=False)
    with pytest.raises(ValueError, match="kills_left must be at least 1"):
        plan_kill(np.random.default_rng(0), 0, 60, TIMING, at_write=False, kills_left=0)


# A stand-in for train.py: start-up, the "Training ..." line, then per epoch 0.6 s of work and a
# checkpoint write that holds its temporary file for 0.2 s before os.replace. The margins are
# wide (a tenth of a second or more) so that a loaded machine does not make the tests flaky.
FAKE_TRAINING = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    out, epochs = Path(sys.argv[1]), int(sys.argv[2])
    time.sleep(0.3)
    print("Training fake CNN on 10 digits", flush=True)
    for epoch in range(1, epochs + 1):
        time.sleep(0.6)
        temp = out / f".checkpoint.npz.{epoch:04d}.tmp"
        temp.write_text(str(epoch))
        time.sleep(0.2)
        os.replace(temp, out / "checkpoint.npz")
    time.sleep(5)                      # wrapping up: evaluation and figures
""")


def fake_run(out, epochs):
    return subprocess.Popen([sys.executable, "-c", FAKE_TRAINING, str(out), str(epochs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def epochs_written(out):
    checkpoint = out / "checkpoint.npz"
    return int(checkpoint.read_text()) if checkpoint.exists() else 0


def temporaries(out):
    return sorted(path.name for path in out.glob(".checkpoint.npz.*.tmp"))


def test_a_kill_aimed_mid_epoch_lands_in_that_epoch(tmp_path):
    process = fake_run(tmp_path, epochs=5)
    assert _wait_and_kill(process, tmp_path, KillPlan(epochs=2, seconds=0.2, at_write=False),
                          epochs_left=5)
    assert process.returncode == -9
    assert epochs_written(tmp_path) == 2 and temporaries(tmp_path) == []


def test_a_kill_aimed_at_a_write_lands_inside_it(tmp_path):
    process = fake_run(tmp_path, epochs=5)
    assert _wait_and_kill(process, tmp_path, KillPlan(epochs=1, seconds=0.0, at_write=True),
                          epochs_left=5)
    assert epochs_written(tmp_path) == 1
    assert temporaries(tmp_path) == [".checkpoint.npz.0002.tmp"]


def test_a_kill_aimed_at_the_last_epoch_lands_before_training_ends(tmp_path):
    process = fake_run(tmp_path, epochs=2)
    assert _wait_and_kill(process, tmp_path, KillPlan(epochs=1, seconds=0.4, at_write=False),
                          epochs_left=2)
    assert epochs_written(tmp_path) == 1


def test_report_says_how_many_kills_interrupted_training_and_writes():
    report = KillReport(runs=3, kills=3, loads_ok=3, kills_in_training=2, kills_after_training=1,
                        aimed_at_writes=1, during_write=1, epochs_at_kill=[10, 20, 30],
                        identical=True)
    text = "\n".join(report.lines())
    assert "kills that interrupted training: 2; that came after the last epoch had finished: 1" \
        in text
    assert "kills during a checkpoint write (its temporary file present at the kill, the " \
           "checkpoint intact): 1, of the 1 aimed at one" in text
