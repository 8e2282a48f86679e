"""Which model reads the drawings, the base model or your personal one, and teaching, which
makes the personal one: the app's teaching lifecycle, without Tk.

    models = ModelChoice(model_path, my_digits, data_dir, settings, report, view=window)
    models.model, models.using     # the model reading the drawings now; BASE or PERSONAL
    models.announce()              # say which model is in use, or why none can be
    models.teach_drawing(saved)            # a digit key saved a drawing: teach it at once
    models.teach()                 # "Teach my handwriting": every saved digit, or say why not
    models.poll()                  # the teacher's progress and news; the window polls this
    models.toggle()                # the base model <-> the personal model
    models.close()                 # stop teaching: nothing half-taught is saved

At start-up it opens the base model (``--model``) and ``personal.npz`` beside it, which is used
when it is there and is one this app made for the base model's network; otherwise the window
says why and the base model is used. Teaching runs on a :class:`~scratchnet.app.teacher.BackgroundTeacher`,
started at once so that the replayed digits are ready before the first digit key; each digit
key teaches its drawing with every one saved before, saves the personal model and switches to
it. It decides, and words, everything the window says about the models; the window shows it
through the few methods of :class:`ModelView`, and every step goes into ``--report-file``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from scratchnet.app.recognizer import describe_model, open_model
from scratchnet.app.report import Report
from scratchnet.app.teacher import (DrawingTaught, BackgroundTeacher, Progress, Ready, Taught, TeachFailed,
                                    open_personal_model)
from scratchnet.data.personal import SavedDigit
from scratchnet.nn.model import Sequential
from scratchnet.training.last_layer import LastLayerSettings
from scratchnet.training.teaching import personal_model_path

BASE, PERSONAL = "base", "personal"
# What a message is, for the window to colour it: how things stand, a success, a problem.
NOTE, DONE, PROBLEM = "note", "done", "problem"
TEACH_HINT = "teaches the network the digits you saved"    # beside the button when idle


class ModelView(Protocol):
    """What the window shows for :class:`ModelChoice`."""

    def say(self, message: str, kind: str) -> None:
        """Show ``message`` in the status line; ``kind`` is NOTE, DONE or PROBLEM."""

    def count_saved(self) -> int:
        """How many digits are saved now (showing the counts too)."""

    def show_teaching(self, progress: float | None, label: str) -> None:
        """Teaching is ``progress`` (0 to 1) of the way, or, with None, not running (the teach
        button enabled again); ``label`` goes beside the button."""

    def show_model_choice(self, using: str | None) -> None:
        """BASE or PERSONAL is reading, and the other can be chosen; None: there is no personal
        model to choose."""

    def read_with(self, model: Sequential, which: str) -> None:
        """Read the drawings with ``model`` (BASE or PERSONAL) from now on, the one on the
        canvas again."""


class ModelChoice:
    """The base model, the personal model beside it, the one in use, and teaching.

    Opening the models happens here, before the window has widgets; ``view`` is called only by
    the methods below.
    """

    def __init__(self, model_path: str | Path, my_digits: Path, data_dir: Path,
                 settings: LastLayerSettings, report: Report, view: ModelView,
                 my_numbers: Path | None = None):
        self.model_path = Path(model_path)
        self.personal_path = personal_model_path(self.model_path)
        # The personal model is written over nothing but itself: not the base model, whatever
        # path (a link, "./") names it.
        separate = self.personal_path.resolve() != self.model_path.resolve()
        self.my_digits, self.data_dir, self.settings = my_digits, data_dir, settings
        self.report, self.view = report, view
        self.base_model, self.model_error = open_model(self.model_path)
        self.personal_model, self.personal_error = None, None
        if self.base_model is not None and separate:
            self.personal_model, self.personal_error = open_personal_model(self.personal_path,
                                                                           self.base_model)
        self.using = PERSONAL if self.personal_model is not None else BASE
        self.teaching_all = False          # "Teach my handwriting" is running
        self.teacher: BackgroundTeacher | None = None
        if self.base_model is not None and separate:
            self.teacher = BackgroundTeacher(self.model_path, my_digits, data_dir,
                                             self.personal_path, settings, my_numbers)
            self.teacher.start()

    @property
    def model(self) -> Sequential | None:
        """The model reading the drawings now: the personal one or the base one."""
        return self.personal_model if self.using == PERSONAL else self.base_model

    def announce(self) -> None:
        """Say which model is in use (or why the one asked for is not) and offer the choice."""
        if self.model_error:
            self.view.say(self.model_error, PROBLEM)
        elif self.personal_error:
            self.view.say(f"{self.personal_error}. Using the base model {self.model_path} "
                          "instead.", PROBLEM)
        else:
            self.view.say(self.describe_model_in_use(), NOTE)
        self._show_choice()

    def describe_model_in_use(self) -> str:
        if self.using == BASE:
            return describe_model(self.base_model, self.model_path)
        taught = (self.personal_model.metadata or {}).get("taught_digits")
        digits = f" taught {taught} of your digits" if isinstance(taught, int) else ""
        return (f"Using your personal model {self.personal_path}{digits} ({self.model_path} "
                "with your handwriting); the button on the right goes back to the base model.")

    # ------------------------------------------------------------------------------ teaching
    def can_teach(self) -> bool:
        """Whether there is a teacher; if not, say why."""
        if self.base_model is None:
            self.view.say(f"Nothing to teach: {self.model_error}", PROBLEM)
        elif self.teacher is None:
            self.view.say(f"The base model is itself {self.personal_path}, where teaching would "
                          "write: start the app with --model models/mnist.npz to teach it.", PROBLEM)
        return self.teacher is not None

    def teach_drawing(self, saved: SavedDigit) -> None:
        """Teach the drawing a digit key just saved, with every one saved before it."""
        if self.can_teach():
            self.teacher.teach_drawing(saved)
            self.report.write({"teaching": "digit", "label": saved.label})

    def teach(self) -> None:
        """Teach a copy of the base model every saved digit, on the teacher's thread."""
        if not self.can_teach():
            return
        if self.teaching_all:
            self.view.say("Already teaching: keep drawing meanwhile.", NOTE)
            return
        saved = self.view.count_saved()
        self.teaching_all = True
        self.teacher.teach_all()
        self.view.show_teaching(0.0, "starting")
        self.view.say(f"Teaching your handwriting from {saved} saved digits; keep drawing "
                      "meanwhile.", NOTE)
        self.report.write({"teaching": "started", "saved": saved})

    def poll(self) -> None:
        """Show the teacher's news since the last poll: progress, and how each job ended."""
        while self.teacher is not None and not self.teacher.events.empty():
            event = self.teacher.events.get()
            if isinstance(event, Ready):           # nothing to show: only the report says it
                self.report.write({"teaching": "ready", "replayed": event.replayed,
                                   "saved": event.saved, "seconds": round(event.seconds, 2)})
            elif isinstance(event, Progress):
                self.view.show_teaching(event.step / event.steps, f"step {event.step}")
                self.report.write({"teaching": "progress", "step": event.step,
                                   "steps": event.steps})
            elif isinstance(event, Taught):
                self.teaching_all = False
                self._taught(event)
            elif isinstance(event, DrawingTaught):
                self._drawing_taught(event)
            elif isinstance(event, TeachFailed):
                self.teaching_all = False
                self.view.show_teaching(None, TEACH_HINT)
                self.view.say(f"{event.message} Still using the {self.using} model.", PROBLEM)
                self.report.write({"teaching": "failed", "error": event.message})

    def _drawing_taught(self, event: DrawingTaught) -> None:
        self.personal_model, self.personal_error = event.model, None
        self._use(PERSONAL, report=False)
        digits = "digit" if event.taught == 1 else "digits"
        self.view.say(f"Now reads your {event.label}s: {event.right} of {event.count} "
                      f"(taught {event.taught} saved {digits} in {event.seconds:.1f} s; b goes "
                      "back to the base model).", DONE)
        self.report.write({"teaching": "drawing taught", "label": event.label, "right": event.right,
                           "count": event.count, "taught": event.taught,
                           "seconds": round(event.seconds, 3)})

    def _taught(self, event: Taught) -> None:
        result = event.result
        self.personal_model, self.personal_error = event.model, None
        self.view.show_teaching(None, f"taught in {result.seconds:.0f} s")
        self._use(PERSONAL, report=False)
        skipped = len(result.warnings)
        note = "" if not skipped else \
            f" ({skipped} saved file{'s' if skipped > 1 else ''} could not be read: see the terminal)"
        for warning in result.warnings:
            print(f"warning: {warning}")
        self.view.say(f"Taught your handwriting in {result.seconds:.0f} s: {result.summary()}. "
                      f"Now using {self.personal_path}.{note}", DONE)
        self.report.write({"teaching": "finished", "model": str(result.path),
                           "taught": result.taught, "before": result.saved_before,
                           "after": result.saved_after, "mnist_test": result.mnist_after,
                           "mnist_test_digits": result.mnist_test_count,
                           "seconds": round(result.seconds, 2), "steps": result.steps,
                           "warnings": result.warnings})

    def close(self) -> None:
        """Stop teaching, if it runs, after its current step; nothing half-taught is saved."""
        if self.teacher is not None:
            self.teacher.close()

    # ------------------------------------------------------------------------------ choosing
    def toggle(self) -> None:
        """One click from the personal model to the base model, and back."""
        if self.personal_model is None or self.base_model is None:
            return
        self._use(BASE if self.using == PERSONAL else PERSONAL)
        self.view.say(self.describe_model_in_use(), NOTE)

    def _use(self, which: str, report: bool = True) -> None:
        self.using = which
        self._show_choice()
        if report:
            self.report.write({"model_in_use": which})
        self.view.read_with(self.model, which)

    def _show_choice(self) -> None:
        self.view.show_model_choice(None if self.personal_model is None else self.using)
