"""The app's teaching on a worker thread, and opening a personal model.

:class:`BackgroundTeacher` runs everything teaching does on one daemon thread, in the order asked:

    teacher.start()             # at start-up: its own copy of the base model, the replayed
                                # digits' features (seconds, once per base model) and every
                                # digit saved so far added to its teacher
    teacher.teach_drawing(saved)        # a digit key saved ``saved``: teach it too, fit, save, switch
    teacher.teach_all()         # "Teach my handwriting": every saved digit, from the files
    teacher.close()             # stop; nothing half-taught is saved

and reports through a queue that the window polls, as the reader does: ``Ready`` once
prepared, ``Progress`` while
"Teach my handwriting" adds the saved digits, then ``Taught`` (the new model, already saved) or
``TeachFailed`` (a sentence for the window); ``DrawingTaught`` after a digit key. The models it makes
share every layer but the last with its own copy of the base model, and read on the reader's
thread with work arrays of their own, so the reader keeps reading meanwhile. Nothing here
touches Tk.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from scratchnet import blas
from scratchnet.app.recognizer import open_model
from scratchnet.data.personal import PersonalDataError, SavedDigit, load_personal_samples
from scratchnet.files import remove_stale_temporaries
from scratchnet.nn.loading import ModelFileError, load_model
from scratchnet.nn.model import Sequential
from scratchnet.nn.saving import architecture
from scratchnet.training.last_layer import LastLayerSettings, LastLayerTeacher, Replay
from scratchnet.training.number_digits import digits_of_numbers
from scratchnet.training.teaching import (PERSONAL_KIND, Cancelled, TeachResult, add_saved,
                                          load_replay, new_teacher, save_personal_model,
                                          teach_handwriting)

APP_MNIST_TEST_DIGITS = 1000     # MNIST test digits read after teaching, for the window's line:
# about 1.4 s each 1,000 on the 2-core machine, so no more than the message needs


def describe_error(error: BaseException) -> str:
    """An error's message without Python's "[Errno 28]" prefix."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror if error.filename is None else f"{error.filename}: {error.strerror}"
    return str(error)


def open_personal_model(path: Path, base: Sequential) -> tuple[Sequential | None, str | None]:
    """The personal model at ``path`` if it is one this app made for ``base``'s network, else
    ``None`` and a sentence saying why not. ``(None, None)`` when there is none."""
    if not path.exists():
        return None, None
    if not path.is_file():
        return None, f"Your personal model cannot be used: {path} is not a file"
    model, error = open_model(path)
    if model is None:
        return None, (f"Your personal model cannot be used ({error}); teaching again "
                      "replaces it")
    if model.metadata.get("kind") != PERSONAL_KIND:
        return None, (f"{path} is not a personal model made by \"Teach my handwriting\" "
                      "(its file does not say so), so it is not used; teaching again "
                      "replaces it")
    if architecture(model)["layers"] != architecture(base)["layers"]:
        return None, (f"{path} was made from a network unlike the base model's, so it is not "
                      "used; teaching again replaces it")
    return model, None


@dataclass
class Ready:
    """The teacher has its copy of the base model, ``replayed`` samples' features and the
    ``saved`` digits' added, after ``seconds``: a digit key now teaches in a fraction of a
    second."""

    replayed: int
    saved: int
    seconds: float


@dataclass
class Progress:
    step: int
    steps: int


@dataclass
class Taught:
    """"Teach my handwriting" ended: ``model`` is saved, ``result`` says how it went."""

    model: Sequential
    result: TeachResult


@dataclass
class DrawingTaught:
    """A digit key's drawing is taught: ``model`` (saved) reads ``right`` of the ``count``
    saved drawings of ``label``; ``taught`` drawings in all; ``seconds`` from the key."""

    model: Sequential
    label: int
    right: int
    count: int
    taught: int
    seconds: float


@dataclass
class TeachFailed:
    message: str


def failure_message(error: Exception) -> str:
    """The window's sentence for what stopped teaching."""
    if isinstance(error, PersonalDataError):
        return f"Not taught: {error}."
    if isinstance(error, ModelFileError):
        return f"Not taught: {error}"
    if isinstance(error, FileNotFoundError):     # MNIST is not there (a missing --my-digits is
        # PersonalDataError)
        return (f"Not taught: teaching replays MNIST digits along with yours, so that the "
                f"network does not forget them, and {describe_error(error)}.")
    if isinstance(error, OSError):
        # A full disk or a read-only folder: write_atomically left any previous file intact.
        return f"Not taught: {describe_error(error)}. Your saved digits are untouched."
    return f"Not taught: {type(error).__name__}: {error}"     # the MNIST loader's, and others


class BackgroundTeacher:
    """Teaching's worker thread (module docstring); its events arrive in ``events``."""

    def __init__(self, base: Path, my_digits: Path, data_dir: Path, out: Path,
                 settings: LastLayerSettings | None = None, my_numbers: Path | None = None):
        self.base, self.my_digits, self.data_dir, self.out = base, my_digits, data_dir, out
        self.my_numbers = my_numbers         # saved numbers, whose digits are taught too
        self.settings = settings or LastLayerSettings()
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self.cancelled = threading.Event()
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="teacher", daemon=True)
        self.model: Sequential | None = None           # the teacher's copy of the base model
        self.replay: Replay | None = None
        self.last_layer: LastLayerTeacher | None = None
        self.taught_files: set[Path] = set()           # the saved digits ``teacher`` holds

    def start(self) -> None:
        """Start the thread, and prepare (quietly: a failure is said when teaching is asked)."""
        self._thread.start()
        self._jobs.put(self._prepare_quietly)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def teach_drawing(self, saved: SavedDigit) -> None:
        """Teach ``saved`` (just saved by a digit key) with every digit saved before it."""
        asked = time.perf_counter()
        self._jobs.put(lambda: self._teach_drawing(saved, asked))

    def teach_all(self) -> None:
        """"Teach my handwriting": every digit saved, read again from the files."""
        self._jobs.put(self._teach_all)

    def close(self) -> None:
        """Stop after the current job; nothing half-taught is saved."""
        self.cancelled.set()
        self._jobs.put(None)

    # ------------------------------------------------------------------ on the worker thread
    def _run(self) -> None:
        while True:
            job: Callable[[], None] | None = self._jobs.get()
            if job is None or self.cancelled.is_set():
                return
            try:
                # The fit's products are small: on two BLAS threads beside the reader and other
                # programs they took up to 30 times as long as on one (docs/teaching.md).
                with blas.limited_threads(1):
                    job()
            except Cancelled:
                return
            except Exception as error:      # said in the window; the thread takes the next job
                self.events.put(TeachFailed(failure_message(error)))

    def _prepare_quietly(self) -> None:
        started = time.perf_counter()
        try:
            self._prepare()
        except Exception:       # no MNIST, damaged saved digits, ...: said when teaching
            return
        self.events.put(Ready(len(self.replay.features), self.last_layer.taught,
                              time.perf_counter() - started))

    def _prepare(self) -> None:
        if self.model is None:
            self.model = load_model(self.base)
            # A window closed in the middle of a digit key's save can leave its temporary file.
            remove_stale_temporaries(self.out.parent, (self.out.name,))
        if self.replay is None:
            self.replay = load_replay(self.model, self.data_dir)
        if self.last_layer is None:
            teacher, files = new_teacher(self.model, self.replay, self.settings), set()
            if self.my_digits.is_dir():
                for saved in load_personal_samples(self.my_digits)[0]:
                    add_saved(teacher, saved)
                    files.add(saved.path)
            if self.my_numbers is not None:
                for saved in digits_of_numbers(self.model, self.my_numbers)[0]:
                    add_saved(teacher, saved)
            self.last_layer, self.taught_files = teacher, files

    def _teach_drawing(self, saved: SavedDigit, asked: float) -> None:
        self._prepare()
        if saved.path not in self.taught_files:        # not already read from the folder
            add_saved(self.last_layer, saved)
            self.taught_files.add(saved.path)
        taught = self.last_layer.taught_model()
        right, count = self.last_layer.read_right(taught, saved.label)
        if self.cancelled.is_set():
            raise Cancelled("closed before saving")
        personal = save_personal_model(taught, self.model, self.out, {
            "base": str(self.base), "my_digits": str(self.my_digits),
            "taught_digits": self.last_layer.taught, "heldout_digits": 0,
            "steps": self.settings.steps, "settings": asdict(self.settings)})
        self.events.put(DrawingTaught(personal, saved.label, right, count, self.last_layer.taught,
                                time.perf_counter() - asked))

    def _teach_all(self) -> None:
        self._prepare()
        result = teach_handwriting(
            self.base, self.my_digits, data_dir=self.data_dir, out=self.out,
            settings=self.settings, mnist_test_count=APP_MNIST_TEST_DIGITS,
            progress=lambda step, steps: self.events.put(Progress(step, steps)),
            cancel=self.cancelled, replay=self.replay, my_numbers=self.my_numbers)
        model, error = open_model(self.out)      # what was saved, as the app opens it later
        if model is None:
            raise ModelFileError(error)
        self.events.put(Taught(model, result))
        self.last_layer = None          # the digit keys' teacher, again from every saved digit
        self._prepare()
