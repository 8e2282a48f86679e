"""The app's "Teach my handwriting": teaching on a worker thread, and opening a personal model.

:class:`BackgroundTeacher` runs ``scratchnet.training.teaching.teach_handwriting`` once on a daemon
thread and reports through a queue that the window polls, as the reader does: ``Progress``
after every step, then one ``Learned`` (the new model, already saved) or ``TeachFailed`` (a
sentence for the window). The model being taught is a copy loaded from the base model's file,
so the reader keeps reading with the model in use meanwhile. Nothing here touches Tk.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from pathlib import Path

from scratchnet.app.recognizer import open_model
from scratchnet.nn.model import Sequential
from scratchnet.nn.loading import ModelFileError
from scratchnet.nn.saving import architecture
from scratchnet.training.teaching import (PERSONAL_KIND, Cancelled, TeachResult, TeachSettings,
                                 teach_handwriting)
from scratchnet.data.personal import PersonalDataError

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
        return None, (f"Your personal model cannot be used ({error}); learning again "
                      "replaces it")
    if model.metadata.get("kind") != PERSONAL_KIND:
        return None, (f"{path} is not a personal model made by \"Teach my handwriting\" "
                      "(its file does not say so), so it is not used; learning again "
                      "replaces it")
    if architecture(model)["layers"] != architecture(base)["layers"]:
        return None, (f"{path} was made from a network unlike the base model's, so it is not "
                      "used; learning again replaces it")
    return model, None


@dataclass
class Progress:
    step: int
    steps: int


@dataclass
class Taught:
    model: Sequential
    result: TeachResult


@dataclass
class TeachFailed:
    message: str


class BackgroundTeacher:
    """One teaching run on a daemon thread; its events arrive in ``events``."""

    def __init__(self, base: Path, my_digits: Path, data_dir: Path, out: Path,
                 settings: TeachSettings | None = None):
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self.cancelled = threading.Event()
        self._arguments = (base, my_digits, data_dir, out, settings)
        self._thread = threading.Thread(target=self._run, name="teacher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def cancel(self) -> None:
        """Stop after the current step; nothing is saved."""
        self.cancelled.set()

    def _run(self) -> None:
        base, my_digits, data_dir, out, settings = self._arguments
        try:
            result = teach_handwriting(
                base, my_digits, data_dir=data_dir, out=out, settings=settings,
                mnist_test_count=APP_MNIST_TEST_DIGITS,
                progress=lambda step, steps: self.events.put(Progress(step, steps)),
                cancel=self.cancelled)
            model, error = open_model(out)      # what was saved, as the app opens it later
            if model is None:
                raise ModelFileError(error)
        except Cancelled:
            return
        except PersonalDataError as error:
            self.events.put(TeachFailed(f"Not taught: {error}."))
        except ModelFileError as error:
            self.events.put(TeachFailed(f"Not taught: {error}"))
        except FileNotFoundError as error:     # MNIST is not there (a missing --my-digits is
            # PersonalDataError)
            self.events.put(TeachFailed(f"Not taught: learning mixes MNIST digits in with "
                                        f"yours, so that the network does not forget them, "
                                        f"and {describe_error(error)}."))
        except OSError as error:
            # A full disk or a read-only folder: write_atomically left any previous file intact.
            self.events.put(TeachFailed(f"Not taught: {describe_error(error)}. Your saved "
                                        "digits are untouched."))
        except Exception as error:     # the MNIST loader's errors, and anything unexpected
            self.events.put(TeachFailed(f"Not taught: {type(error).__name__}: {error}"))
        else:
            self.events.put(Taught(model, result))
