"""The app's choice of model and its teaching lifecycle, without a window: what ``ModelChoice``
shows through its view, what it reports, and which model reads, at start-up, when teaching
starts, progresses, ends or fails, and when the user switches between the base and personal
models. (tests/test_app_learning.py drives the same through the real window.)"""

import json
import queue
import time

import pytest

from scratchnet.app.teacher import DrawingTaught, Progress, Taught
from scratchnet.app.model_choice import (BASE, DONE, TEACH_HINT, NOTE, PERSONAL, PROBLEM,
                                         ModelChoice)
from scratchnet.app.report import Report
from scratchnet.nn.networks import small_cnn
from scratchnet.training.last_layer import LastLayerSettings
from scratchnet.training.teaching import PERSONAL_KIND, TeachResult


class View:
    """Records what the window would be asked to show."""

    def __init__(self, saved: int = 7):
        self.calls, self.saved = [], saved

    def say(self, message, kind):
        self.calls.append(("say", message, kind))

    def count_saved(self):
        self.calls.append(("count_saved",))
        return self.saved

    def show_teaching(self, progress, label):
        self.calls.append(("show_teaching", progress, label))

    def show_model_choice(self, using):
        self.calls.append(("show_model_choice", using))

    def read_with(self, model, which):
        self.calls.append(("read_with", model, which))

    def take(self) -> list:
        calls, self.calls = self.calls, []
        return calls


class QueuedEvents:
    """Stands in for a BackgroundTeacher whose events are already queued."""

    def __init__(self, *events):
        self.events = queue.SimpleQueue()
        for event in events:
            self.events.put(event)
        self.cancelled = False

    def close(self):
        self.cancelled = True


@pytest.fixture
def models(tmp_path):
    """models/mnist.npz, an untrained small CNN: these tests never read a digit."""
    folder = tmp_path / "models"
    folder.mkdir()
    small_cnn(seed=0).save(folder / "mnist.npz")
    return folder


def make_personal(models, taught: int = 6) -> None:
    small_cnn(seed=1).save(models / "personal.npz",
                           metadata={"kind": PERSONAL_KIND, "taught_digits": taught})


def choice(models, tmp_path, view, model="mnist.npz", data_dir=None) -> ModelChoice:
    report = Report(tmp_path / "report.jsonl")
    return ModelChoice(models / model, tmp_path / "my_digits", data_dir or tmp_path / "data",
                       LastLayerSettings(steps=4), report, view)


def reported(tmp_path) -> list[dict]:
    text = (tmp_path / "report.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_without_a_personal_model_the_base_model_reads_and_there_is_no_choice(models, tmp_path):
    view = View()
    chosen = choice(models, tmp_path, view)
    assert view.calls == []                         # nothing is shown before the window asks
    assert chosen.using == BASE and chosen.model is chosen.base_model is not None
    chosen.announce()
    assert view.take() == [("say", f"Model {models / 'mnist.npz'}.", NOTE),
                           ("show_model_choice", None)]
    chosen.toggle()
    assert view.calls == [] and chosen.using == BASE


def test_the_personal_model_beside_the_base_reads_and_toggles_with_the_base(models, tmp_path):
    make_personal(models)
    view = View()
    chosen = choice(models, tmp_path, view)
    assert chosen.using == PERSONAL and chosen.model is chosen.personal_model
    chosen.announce()
    (_, message, kind), shown = view.take()
    assert kind == NOTE and message.startswith(
        f"Using your personal model {models / 'personal.npz'} taught 6 of your digits")
    assert shown == ("show_model_choice", PERSONAL)

    chosen.toggle()
    assert view.take() == [("show_model_choice", BASE), ("read_with", chosen.base_model, BASE),
                           ("say", f"Model {models / 'mnist.npz'}.", NOTE)]
    chosen.toggle()
    calls = view.take()
    assert calls[:2] == [("show_model_choice", PERSONAL),
                         ("read_with", chosen.personal_model, PERSONAL)]
    assert reported(tmp_path) == [{"model_in_use": BASE}, {"model_in_use": PERSONAL}]


def test_an_unusable_personal_model_is_named_and_the_base_model_reads(models, tmp_path):
    (models / "personal.npz").write_bytes(b"PK\x03\x04 cut off")
    view = View()
    chosen = choice(models, tmp_path, view)
    assert chosen.using == BASE and chosen.personal_model is None
    chosen.announce()
    (_, message, kind), shown = view.take()
    assert kind == PROBLEM and str(models / "personal.npz") in message
    assert message.endswith(f"Using the base model {models / 'mnist.npz'} instead.")
    assert shown == ("show_model_choice", None)


def test_without_a_base_model_nothing_is_taught(models, tmp_path):
    view = View()
    chosen = choice(models, tmp_path, view, model="absent.npz")
    assert chosen.model is None and chosen.model_error
    chosen.announce()
    assert view.take() == [("say", chosen.model_error, PROBLEM), ("show_model_choice", None)]
    chosen.teach()
    assert view.take() == [("say", f"Nothing to teach: {chosen.model_error}", PROBLEM)]
    assert chosen.teacher is None


def test_a_base_model_named_personal_npz_is_not_overwritten_by_learning(models, tmp_path):
    (models / "mnist.npz").rename(models / "personal.npz")
    view = View()
    chosen = choice(models, tmp_path, view, model="personal.npz")
    assert chosen.using == BASE and chosen.personal_model is None
    chosen.teach()
    [(_, message, kind)] = view.take()
    assert kind == PROBLEM and message.startswith(
        f"The base model is itself {models / 'personal.npz'}, where teaching would write")
    assert chosen.teacher is None


def test_learning_twice_at_once_is_refused(models, tmp_path):
    view = View()
    chosen = choice(models, tmp_path, view)
    chosen.teach()
    view.take()
    chosen.teach()
    assert view.take() == [("say", "Already teaching: keep drawing meanwhile.", NOTE)]


def test_a_failed_run_is_said_and_reported_and_the_model_in_use_kept(models, tmp_path):
    view = View(saved=0)
    chosen = choice(models, tmp_path, view)
    chosen.teach()                                  # no MNIST: the teacher fails
    assert view.take() == [
        ("count_saved",), ("show_teaching", 0.0, "starting"),
        ("say", "Teaching your handwriting from 0 saved digits; keep drawing meanwhile.", NOTE)]
    deadline = time.monotonic() + 60
    while chosen.teacher.events.empty() and time.monotonic() < deadline:
        time.sleep(0.02)
    chosen.poll()
    [teaching, (_, message, kind)] = view.take()
    assert teaching == ("show_teaching", None, TEACH_HINT)
    assert kind == PROBLEM and message.startswith("Not taught: ")
    assert message.endswith(" Still using the base model.")
    assert not chosen.teaching_all and chosen.using == BASE
    started, failed = reported(tmp_path)
    assert started == {"teaching": "started", "saved": 0}
    assert failed["teaching"] == "failed" and message.startswith(failed["error"])
    assert not (models / "personal.npz").exists()


def test_progress_then_the_taught_model_switch_to_it(models, tmp_path, capsys):
    view = View()
    chosen = choice(models, tmp_path, view)
    taught_model = small_cnn(seed=2)
    result = TeachResult(path=models / "personal.npz", taught=6, saved_before=0.5,
                         saved_after=1.0, mnist_after=0.97, mnist_test_count=1000, steps=8,
                         seconds=3.2, warnings=["my_digits/x.json: not a drawing"])
    chosen.teacher = QueuedEvents(Progress(4, 8), Taught(taught_model, result))
    chosen.poll()
    calls = view.take()
    assert calls[:4] == [("show_teaching", 0.5, "step 4"), ("show_teaching", None, "taught in 3 s"),
                         ("show_model_choice", PERSONAL), ("read_with", taught_model, PERSONAL)]
    assert calls[4] == ("say", f"Taught your handwriting in 3 s: {result.summary()}. Now using "
                               f"{models / 'personal.npz'}. (1 saved file could not be read: see "
                               "the terminal)", DONE)
    assert len(calls) == 5
    assert not chosen.teaching_all and chosen.model is taught_model
    assert "warning: my_digits/x.json: not a drawing" in capsys.readouterr().out
    progress, finished = reported(tmp_path)
    assert progress == {"teaching": "progress", "step": 4, "steps": 8}
    assert finished["teaching"] == "finished" and finished["taught"] == 6
    assert finished["after"] == 1.0 and finished["steps"] == 8


def test_closing_while_learning_cancels_the_learner(models, tmp_path):
    chosen = choice(models, tmp_path, View())
    teacher = chosen.teacher
    chosen.close()
    assert teacher.cancelled.is_set()
    teacher._thread.join(10)
    assert not teacher.running


def test_a_taught_digit_key_switches_to_the_personal_model_and_says_what_it_reads(models,
                                                                                  tmp_path):
    view = View()
    chosen = choice(models, tmp_path, view)
    taught_model = small_cnn(seed=2)
    chosen.teacher = QueuedEvents(DrawingTaught(taught_model, 7, 2, 2, taught=5, seconds=0.4))
    chosen.poll()
    assert view.take() == [
        ("show_model_choice", PERSONAL), ("read_with", taught_model, PERSONAL),
        ("say", "Now reads your 7s: 2 of 2 (taught 5 saved digits in 0.4 s; b goes back to the "
                "base model).", DONE)]
    assert chosen.using == PERSONAL and chosen.model is taught_model
    chosen.toggle()
    assert chosen.using == BASE and chosen.model is chosen.base_model
    assert reported(tmp_path)[0] == {"teaching": "drawing taught", "label": 7, "right": 2, "count": 2,
                                     "taught": 5, "seconds": 0.4}
