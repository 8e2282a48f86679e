"""scripts/train.py end to end: artefacts, resume equivalence, Ctrl-C, SIGKILL, NaN, full disk,
and argument errors. Real MNIST from the ``mnist_dir`` fixture; the small CNN where the network
does not matter, so the module runs in about a minute on two cores."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import scratchnet.nn.saving as saving_module
from scratchnet.training import runs as training
from scratchnet.training.callbacks import ProgressBar
import scratchnet.cli.train as train_cli
from scratchnet.cli.train import main
from scratchnet.tools.killtest import run_kill_test, same_weights
from scratchnet.nn.trainer import Callback
from scratchnet.nn.loading import load_model
from scratchnet.data.classes import NAMES

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = ("mnist.npz", "checkpoint.npz", "history.json", "training_curves.png",
             "confusion_matrix.png", "misclassified.png")


def small(mnist_dir, out, *extra, quiet=True):
    """Arguments for a quick run: the small CNN on the first 1,000 training digits, with the
    tutorial's recipe (no augmentation, no synthetic digits) unless ``extra`` says otherwise."""
    return ["--recipe", "tutorial", "--model", "small", "--limit", "1000", "--data-dir",
            str(mnist_dir), "--out", str(out), *extra, *(["--quiet"] if quiet else [])]


def environment():
    return dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(REPO_ROOT))


@pytest.mark.slow
def test_limit_3000_two_epochs_reaches_92_percent_and_writes_every_artefact(mnist_dir,
                                                                            tmp_path):
    """The reference CNN, as run from a clone: a real subprocess of scripts/train.py."""
    out = tmp_path / "models"
    done = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "train.py"), "--recipe",
                           "tutorial", "--limit", "3000", "--epochs", "2", "--data-dir",
                           str(mnist_dir), "--out", str(out)],
                          capture_output=True, text=True, env=environment(),
                          cwd=tmp_path, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    for name in ARTEFACTS:
        assert (out / name).stat().st_size > 1000, name
    history = json.loads((out / "history.json").read_text())
    # Measured for seeds 0-5 with this command: 92.93% 93.38% 91.60% 92.60% 92.26% 93.72%
    # (mean 92.75%); 93% is reached by some seeds but not by the default one, so the test holds
    # the default seed to a bound it meets with room: 92%.
    assert history["test_accuracy"] >= 0.92
    assert len(history["history"]["val_acc"]) == 2 and history["validation"] == "test"
    assert load_model(out / "mnist.npz").metadata["test_accuracy"] == history["test_accuracy"]
    assert "Epoch 2/2: loss" in done.stdout and str(out / "mnist.npz") in done.stdout
    assert f"{history['test_accuracy']:.2%}" in done.stdout


def test_two_epochs_straight_equal_one_epoch_then_resume(mnist_dir, tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    assert main(small(mnist_dir, straight, "--epochs", "2", "--augment")) == 0
    assert main(small(mnist_dir, resumed, "--epochs", "1", "--augment")) == 0
    # Options not given on resume (here --augment, --limit, --model) come from the checkpoint.
    assert main(["--resume", str(resumed / "checkpoint.npz"), "--epochs", "2", "--data-dir",
                 str(mnist_dir), "--out", str(resumed), "--quiet"]) == 0
    assert same_weights(straight / "mnist.npz", resumed / "mnist.npz")
    history = json.loads((resumed / "history.json").read_text())["history"]
    assert len(history["loss"]) == 2
    assert history == json.loads((straight / "history.json").read_text())["history"] | \
        {"seconds": history["seconds"]}


class SendSigint(Callback):
    """Raises a real SIGINT in this process after ``batch`` batches of epoch ``epoch``."""

    def __init__(self, epoch, batch, **_):
        self.epoch, self.batch = epoch, batch

    def on_epoch_begin(self, epoch, steps):
        self.current = epoch

    def on_batch_end(self, step, logs):
        if self.current == self.epoch and step == self.batch:
            os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_mid_epoch_saves_exits_130_and_resume_is_identical(mnist_dir, tmp_path,
                                                                   monkeypatch, capsys):
    straight, stopped = tmp_path / "straight", tmp_path / "stopped"
    handler = signal.getsignal(signal.SIGINT)
    assert main(small(mnist_dir, straight, "--epochs", "2")) == 0
    monkeypatch.setattr(train_cli, "ProgressBar", lambda **kw: SendSigint(1, 3, **kw))
    code = main(small(mnist_dir, stopped, "--epochs", "2", quiet=False))    # uses the "bar"
    assert code == 130
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and "interrupted at epoch 2, batch 3" in message
    assert "--resume" in message and not (stopped / "mnist.npz").exists()
    state = load_model(stopped / "checkpoint.npz").train_state
    assert (state.epoch, state.step) == (1, 3) and state.order is not None
    monkeypatch.undo()
    assert main(["--resume", str(stopped / "checkpoint.npz"), "--data-dir", str(mnist_dir),
                 "--out", str(stopped), "--quiet"]) == 0
    assert same_weights(straight / "mnist.npz", stopped / "mnist.npz")
    assert signal.getsignal(signal.SIGINT) is handler


def test_sigint_to_a_running_script_exits_130_after_saving(mnist_dir, tmp_path):
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, str(REPO_ROOT / "scripts" / "train.py"),
                                *small(mnist_dir, out, "--epochs", "500")],
                               env=environment(), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "checkpoint.npz").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("interrupted at ")
    assert "Traceback" not in stderr
    assert load_model(out / "checkpoint.npz").train_state.epoch >= 1


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_a_loadable_checkpoint_and_resume_matches(
        mnist_dir, tmp_path):
    report = run_kill_test(tmp_path, str(mnist_dir), runs=3, epochs=30, write_every=2, seed=1,
                           log=lambda text: None)
    assert report.passed, "\n".join(report.lines())
    assert report.kills == 3 and report.loads_ok == 3 - report.kills_before_first_checkpoint
    assert report.kills_in_training == 3 and report.kills_after_training == 0
    assert report.aimed_at_writes == 1 and report.during_write >= 1
    assert max(report.epochs_at_kill) < 30


def poisoned(value, batch_position):
    """A load_data that puts ``value`` into one training image."""
    real = training.load_data

    def load(config):
        data = real(config)
        data.x_train[batch_position, 14, 14, 0] = value
        return data
    return load


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_or_inf_stops_cleanly_and_keeps_the_last_good_checkpoint(value, mnist_dir, tmp_path,
                                                                     monkeypatch, capsys):
    out = tmp_path / "out"
    assert main(small(mnist_dir, out, "--epochs", "1")) == 0
    checkpoint = (out / "checkpoint.npz").read_bytes()
    (out / "mnist.npz").unlink()
    monkeypatch.setattr(training, "load_data", poisoned(value, 500))
    code = main(["--resume", str(out / "checkpoint.npz"), "--epochs", "3", "--data-dir",
                 str(mnist_dir), "--out", str(out), "--quiet"])
    assert code == 1
    message = capsys.readouterr().err
    assert "training stopped in epoch 2" in message and "NaN or inf" in message
    assert "checkpoint" in message and "is unchanged" in message
    assert (out / "checkpoint.npz").read_bytes() == checkpoint
    assert not (out / "mnist.npz").exists()


def test_nan_before_any_checkpoint_says_so_and_writes_nothing(mnist_dir, tmp_path,
                                                              monkeypatch, capsys):
    monkeypatch.setattr(training, "load_data", poisoned(np.nan, 0))
    assert main(small(mnist_dir, tmp_path / "out", "--epochs", "2")) == 1
    assert "no checkpoint had been written yet" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_full_disk_gives_a_clear_error_and_leaves_the_previous_checkpoint(mnist_dir, tmp_path,
                                                                          monkeypatch, capsys):
    out = tmp_path / "out"
    real_write = saving_module.write_atomically
    calls = []

    def disk_fills_up(path, write):
        calls.append(path)
        if len(calls) < 2:
            return real_write(path, write)

        def partial(f):
            f.write(b"\0" * 4096)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(path, partial)

    monkeypatch.setattr(saving_module, "write_atomically", disk_fills_up)
    assert main(small(mnist_dir, out, "--epochs", "3")) == 1
    message = capsys.readouterr().err
    assert message.startswith("error: ") and "No space left on device" in message
    assert str(out / "checkpoint.npz") in message and "untouched" in message
    assert "Traceback" not in message
    assert load_model(out / "checkpoint.npz").train_state.epoch == 1
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.npz"]


def test_float64_trains_saves_float64_and_resumes_exactly(mnist_dir, tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    args = ["--dtype", "float64", "--limit", "300", "--model", "small"]
    assert main(small(mnist_dir, straight, "--epochs", "2", *args)) == 0
    assert main(small(mnist_dir, resumed, "--epochs", "1", *args)) == 0
    assert main(["--resume", str(resumed / "checkpoint.npz"), "--epochs", "2", "--data-dir",
                 str(mnist_dir), "--out", str(resumed), "--quiet"]) == 0
    with np.load(straight / "mnist.npz") as saved:
        assert saved["param/dense/kernel"].dtype == np.float64
    assert same_weights(straight / "mnist.npz", resumed / "mnist.npz")


def test_val_split_validates_on_a_training_hold_out(mnist_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(small(mnist_dir, out, "--epochs", "1", "--val-split", "0.2", quiet=False)) == 0
    printed = capsys.readouterr().out
    assert "on 800 digits" in printed and "validating on 200 val digits" in printed
    assert "val acc" in printed
    history = json.loads((out / "history.json").read_text())
    assert history["validation"] == "val" and history["train_samples"] == 800
    assert history["test_samples"] == 10000


def test_default_recipe_augments_and_mixes_in_synthetic_digits_and_marks(mnist_dir, tmp_path):
    out = tmp_path / "out"
    assert main(["--model", "small", "--limit", "1000", "--epochs", "1", "--data-dir",
                 str(mnist_dir), "--out", str(out), "--quiet"]) == 0
    history = json.loads((out / "history.json").read_text())
    default = training.RECIPES["default"]
    assert default.synthetic > 0 and default.marks > 0
    assert history["train_samples"] == (1000 + round(default.synthetic * 1000)
                                        + round(default.marks * 1000))
    assert load_model(out / "mnist.npz").metadata["classes"] == list(NAMES)
    assert history["config"]["augment"] == default.augment != "none"
    tutorial = training.RECIPES["tutorial"]
    assert (tutorial.epochs, tutorial.augment, tutorial.synthetic, tutorial.marks) == (
        12, "none", 0.0, 0.0)


def test_marks_give_the_model_an_output_per_class_named_in_its_file(mnist_dir, tmp_path):
    out = tmp_path / "out"
    assert main(small(mnist_dir, out, "--epochs", "1", "--limit", "400", "--marks", "0.25")) == 0
    model = load_model(out / "mnist.npz")
    assert model.output_shape[-1] == len(NAMES) == 11
    assert model.metadata["classes"] == list(NAMES)
    assert model.metadata["train_samples"] == 400 + 100
    assert model.metadata["config"]["marks"] == 0.25
    digits_only = tmp_path / "digits"
    assert main(small(mnist_dir, digits_only, "--epochs", "1", "--limit", "400", "--marks",
                      "0")) == 0
    assert load_model(digits_only / "mnist.npz").metadata["classes"] == list(NAMES[:10])


def test_checkpoints_that_stored_augment_as_true_or_false_resume_with_its_name():
    assert training.TrainConfig(augment=True).augment == "affine"
    assert training.TrainConfig(augment=False).augment == "none"
    with pytest.raises(training.ConfigurationError, match="augment must be one of"):
        training.TrainConfig(augment="elastic")


def test_quiet_prints_nothing(mnist_dir, tmp_path, capsys):
    assert main(small(mnist_dir, tmp_path / "out", "--epochs", "1")) == 0
    assert capsys.readouterr() == ("", "")


def test_progress_bar_on_a_terminal_and_in_a_log():
    import io
    logs = {"loss": 0.5, "acc": 0.9}
    for tty in (True, False):
        stream = io.StringIO()
        bar = ProgressBar(epochs=3, samples=1000, batch_size=100, stream=stream,
                                   tty=tty)
        bar.on_epoch_begin(0, 10)
        for step in range(1, 11):
            bar.on_batch_end(step, logs)
        bar.on_epoch_end(0, {**logs, "val_loss": 0.4, "val_acc": 0.95, "seconds": 2.0})
        text = stream.getvalue()
        assert "10/10" in text and "samples/s" in text and "ETA" in text and "loss 0.5000" in text
        assert text.replace("\x1b[K", "").endswith("test acc 0.9500 - 2.0 s\n")
        assert ("\r" in text) == tty and ("[=" in text) == tty


def test_download_failure_prints_its_message_and_exits_1(tmp_path, monkeypatch, capsys):
    from scratchnet.data import mnist
    from scratchnet.data.download import DownloadError

    error = DownloadError(tmp_path / "data" / "mnist", ["train-images-idx3-ubyte"],
                          [("https://example.org/mnist", "HTTP 404 Not Found")])

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(mnist, "load_mnist", fail)
    assert main(["--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == f"error: {error}\n"
    assert "HTTP 404 Not Found" in str(error) and not (tmp_path / "out").exists()


def invalid_arguments(tmp_path):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a model")
    return {
        "negative epochs": ["--epochs", "-1"],
        "zero epochs": ["--epochs", "0"],
        "epochs not a number": ["--epochs", "many"],
        "batch 0": ["--batch-size", "0"],
        "unknown optimizer": ["--optimizer", "rmsprop"],
        "negative lr": ["--lr", "-0.1"],
        "nan lr": ["--lr", "nan"],
        "negative seed": ["--seed", "-3"],
        "limit 0": ["--limit", "0"],
        "val split 1": ["--val-split", "1"],
        "val split text": ["--val-split", "half"],
        "unknown dtype": ["--dtype", "float16"],
        "unknown model": ["--model", "huge"],
        "missing resume file": ["--resume", str(tmp_path / "missing.npz")],
        "resume not a model": ["--resume", str(text_file)],
        "teach without extra": ["--teach", str(text_file)],
        "extra without teach": ["--extra", str(tmp_path)],
        "numbers without teach": ["--numbers", str(tmp_path)],
        "missing numbers dir": ["--teach", str(text_file), "--extra", str(tmp_path), "--numbers",
                                str(tmp_path / "no")],
        "missing extra dir": ["--teach", str(text_file), "--extra", str(tmp_path / "no")],
        "holdout 1": ["--teach", str(text_file), "--extra", str(tmp_path), "--holdout", "1"],
        "negative holdout": ["--teach", str(text_file), "--extra", str(tmp_path),
                             "--holdout", "-0.1"],
        "max steps 0": ["--teach", str(text_file), "--extra", str(tmp_path),
                        "--max-steps", "0"],
        "max steps without teach": ["--max-steps", "10"],
        "teach with epochs": ["--teach", str(text_file), "--extra", str(tmp_path),
                                 "--epochs", "3"],
        "out is a file": ["--out", str(text_file)],
        "data dir is a file": ["--data-dir", str(text_file)],
        "unknown option": ["--learning-rate", "0.1"],
        "stray argument": ["models"],
    }


def test_every_invalid_argument_is_a_usage_error_that_writes_nothing(tmp_path, capsys,
                                                                    monkeypatch):
    def must_not_train(*args, **kwargs):
        pytest.fail("an invalid argument got as far as training")

    monkeypatch.setattr(training, "train", must_not_train)
    cases = invalid_arguments(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    for name, argv in cases.items():
        defaults = [] if "--out" in argv or "--data-dir" in argv else \
            ["--out", str(work / "out"), "--data-dir", str(work / "data")]
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, *defaults])
        assert exit_info.value.code == 2, name
        err = capsys.readouterr().err
        assert err.startswith("usage: scratchnet-train") and "error: " in err, name
        assert list(work.iterdir()) == [], name


def test_resuming_with_contradicting_settings_is_a_usage_error(mnist_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(small(mnist_dir, out, "--epochs", "1")) == 0
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    with pytest.raises(SystemExit) as exit_info:
        main(["--resume", str(out / "checkpoint.npz"), "--epochs", "2", "--batch-size", "64",
              "--data-dir", str(mnist_dir), "--out", str(out)])
    assert exit_info.value.code == 2
    assert "batch_size: checkpoint 128, requested 64" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_a_plain_run_on_several_workers_is_a_usage_error(mnist_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(small(mnist_dir, tmp_path / "out", "--plain", "--workers", "2"))
    assert exit_info.value.code == 2
    assert "--workers 2: plain layers and optimizers train on one thread" in \
        capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_bad_arguments_from_the_script_give_usage_not_a_traceback(tmp_path):
    done = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "train.py"),
                           "--batch-size", "0"], capture_output=True, text=True, cwd=tmp_path,
                          env=environment(), timeout=60, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "argument --batch-size: must be at least 1, got 0" in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_plain_run_matches_the_fast_one_and_resumes_plain(mnist_dir, tmp_path, capsys):
    """--plain trains the same network with the plain layers: in float64 the saved weights match
    a fast run's on one worker, also when the plain run is resumed half-way."""
    fast, plain = tmp_path / "fast", tmp_path / "plain"
    args = ["--dtype", "float64", "--limit", "200", "--val-split", "0.5"]
    assert main(small(mnist_dir, fast, "--epochs", "2", "--workers", "1", *args)) == 0
    assert main(small(mnist_dir, plain, "--epochs", "1", "--plain", *args, quiet=False)) == 0
    assert "plain layers, 1 worker thread" in capsys.readouterr().out
    assert main(["--resume", str(plain / "checkpoint.npz"), "--epochs", "2", "--plain",
                 "--data-dir", str(mnist_dir), "--out", str(plain), "--quiet"]) == 0
    fast_model, plain_model = load_model(fast / "mnist.npz"), load_model(plain / "mnist.npz")
    for key, value in fast_model.params.items():
        np.testing.assert_allclose(plain_model.params[key], value, rtol=1e-9, atol=1e-12,
                                   err_msg=key)
