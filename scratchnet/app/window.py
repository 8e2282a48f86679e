"""The Tk window: a wide canvas to write a number on, the number read under it, one mark's
reading beside it, controls below.

    +-------------------------------------+   mark 4 of 4
    |  [2] [0] [2] [6]    boxes of the    |   6                  +--------+
    |                     marks, each     |   confidence 99.1%   | 28x28  |  what the network
    |                     with its answer |                      +--------+  sees of the mark
    +-------------------------------------+   0 ▏                    0.0%
    2026                 (the number, large)  ...   one bar per output of the network
    4 marks · 1 not sure                      9 ▏                    0.1%
    Number [2026          ]  Enter saves it into data/my_numbers
    [Clear] [Undo]  Brush ---o--- 20 px        [Show feature maps]
    Save as [0] [1] ... [9]      (how many of each digit are saved)
    [Teach my handwriting] [=====     ]  [Use the base model]
    status: the model in use, what just happened, or what went wrong
    keyboard shortcuts

and, when shown, to the right of all this: the feature maps of the first two conv layers.

Every stroke goes into a :class:`~scratchnet.app.sketch.Sketch` as it is drawn on the Tk canvas
(what the user sees, with the user's brush), in canvas pixels; the canvas grows with the window,
and the sketch with it. ``scratchnet.reading.read_number`` reads the strokes as a number, mark
by mark; the panel beside shows the mark under the pointer (the last one otherwise). A digit
key saves the whole drawing as one digit, read through ``strokes_to_mnist``; Enter saves it as
a number, with the text in the Number field (the reading, unless typed over), into
``--my-numbers`` (``scratchnet.data.numbers``). Recognition runs on a worker thread
(:mod:`scratchnet.app.recognizer`) and its results are picked up by polling, so drawing never
waits for the network. Which model reads, the base one or the personal one, and teaching,
which a digit key and "Teach my handwriting" start on another worker thread, are
:class:`~scratchnet.app.model_choice.ModelChoice`'s: the window polls it the same way and shows
what it says, through the few methods of its ``ModelView``.
"""

from __future__ import annotations

import signal
import tkinter as tk
import traceback
from pathlib import Path
from tkinter import messagebox, ttk

from scratchnet.data import numbers, personal
from scratchnet.app.teacher import describe_error
from scratchnet.app.model_choice import (DONE, TEACH_HINT, NOTE, PERSONAL, PROBLEM,
                                         ModelChoice)
from scratchnet.app.panels import (BACKGROUND, ERROR_COLOUR, MUTED, OK_COLOUR, AnswerPanel,
                                   FeaturePanel, NumberPanel, make_fonts, mark_colour)
from scratchnet.app.recognizer import BackgroundReader, Reading, request_for
from scratchnet.training.last_layer import LastLayerSettings
from scratchnet.app.report import Report
from scratchnet.app.sketch import Sketch

TITLE = "scratchnet: write a number"
CANVAS_RATIO = 3             # the canvas is three times as wide as high: room for a phone number
RECOGNIZE_AFTER_MS = 100     # after the pen pauses this long, read the drawing
POLL_MS = 25                 # how often the window looks for the worker's results
SHORTCUTS = ("Write with the left mouse button.    c or Esc: clear    Ctrl+Z: undo    "
             "f: feature maps\n0 to 9: save the drawing as that digit and teach it, an example "
             "of your handwriting\nEnter: save the drawing as the number in the Number field    "
             "n: type in that field (Enter saves, Esc leaves it)\nl: teach my handwriting from "
             "the saved digits    b: the base or your personal model")
COLOURS = {NOTE: MUTED, DONE: OK_COLOUR, PROBLEM: ERROR_COLOUR}   # of the status line

INK_COLOUR = "#111111"
PAPER_COLOUR = "#ffffff"


def default_brush(canvas_size: int) -> int:
    """A brush as thick, for a digit filling the canvas, as MNIST's pen strokes are: 1/14 of it."""
    return max(2, round(canvas_size / 14))


class App:
    """The drawing app in ``root``. Call :meth:`run` to show it."""

    def __init__(self, root: tk.Tk, model_path: str | Path, my_digits: str | Path,
                 canvas_size: int = 280, brush: int | None = None,
                 report_path: str | Path | None = None, data_dir: str | Path = "data",
                 teach_steps: int | None = None, my_numbers: str | Path = "data/my_numbers"):
        self.root = root
        self.my_digits = Path(my_digits)
        self.my_numbers = Path(my_numbers)
        self.canvas_size = int(canvas_size)     # the canvas's height at start; it grows
        self.drawing = Sketch((CANVAS_RATIO * self.canvas_size, self.canvas_size))
        self.report = Report(report_path)
        settings = LastLayerSettings() if teach_steps is None else \
            LastLayerSettings(steps=teach_steps)
        self.models = ModelChoice(model_path, self.my_digits, Path(data_dir), settings,
                                  self.report, view=self, my_numbers=self.my_numbers)
        self.reader = BackgroundReader(self.models.model, self.models.using)
        self.submitted_version = -1       # the drawing version of the newest request
        self.debounce = None              # the pending ``after`` id, if any
        self.features_shown = False
        self.shown: Reading | None = None    # the number on screen, if any
        self.shown_version = -1              # the drawing version of the newest shown reading
        self.chosen_mark: int | None = None  # the mark under the pointer; None: the last one
        self.prefilled = ""                  # what the app last put in the Number field
        self.closed = False
        self.interrupted = False          # closed by Ctrl+C in the terminal

        root.title(TITLE)
        root.configure(padx=14, pady=12, background=BACKGROUND)
        root.option_add("*Background", BACKGROUND)       # the classic Tk widgets
        self.fonts = make_fonts()
        style = ttk.Style(root)
        if "clam" in style.theme_names():
            style.theme_use("clam")
        style.configure(".", background=BACKGROUND)
        style.configure("Digit.TButton", padding=(2, 1), width=2, font=self.fonts["bold"])
        self.brush = tk.DoubleVar(value=brush or default_brush(self.canvas_size))

        self._build_canvas()
        self.answer = AnswerPanel(root, self.fonts)
        self.answer.grid(row=0, column=1, sticky="nw")
        self._build_controls()
        self._build_save_row()
        self._build_teach_row()
        self._build_messages()
        self.features = FeaturePanel(root, self.fonts)     # gridded when shown
        self._bind_keys()
        root.rowconfigure(0, weight=1)        # the canvas grows with the window...
        root.rowconfigure(6, weight=1)        # ...and the feature maps' extra height is shared
        root.columnconfigure(0, weight=1)
        root.protocol("WM_DELETE_WINDOW", self.close)
        root.report_callback_exception = self._report_bug

        self.show_blank(report=False)     # reported once the window is ready
        if self.models.model_error:
            self.feature_button.state(["disabled"])
            self.teach_button.state(["disabled"])
        self.models.announce()
        self.refresh_counts()
        root.update_idletasks()
        root.minsize(root.winfo_reqwidth(), root.winfo_reqheight())

    # ------------------------------------------------------------------------------ building
    def _build_canvas(self) -> None:
        """The canvas, and under it the number read and the Number field."""
        area = ttk.Frame(self.root)
        area.grid(row=0, column=0, sticky="nsew")
        area.rowconfigure(0, weight=1)
        area.columnconfigure(0, weight=1)
        frame = tk.Frame(area, bg="#999999", padx=1, pady=1)     # a thin grey border
        frame.grid(row=0, column=0, sticky="nsew")
        # No highlight border inside the canvas: canvas coordinates are then exactly the
        # event coordinates and the drawing's pixel coordinates.
        width, height = self.drawing.size
        self.canvas = tk.Canvas(frame, width=width, height=height, bg=PAPER_COLOUR,
                                highlightthickness=0, borderwidth=0, cursor="crosshair")
        self.canvas.pack(fill="both", expand=True)
        self.canvas.bind("<ButtonPress-1>", self.on_press)
        self.canvas.bind("<B1-Motion>", self.on_motion)
        self.canvas.bind("<ButtonRelease-1>", self.on_release)
        self.canvas.bind("<Motion>", self.on_pointer)
        self.canvas.bind("<Leave>", lambda event: self.choose_mark(None))
        self.canvas.bind("<Configure>", self.on_resize)

        self.number = NumberPanel(area, self.fonts)
        self.number.grid(row=1, column=0, sticky="ew", pady=(6, 0))
        row = ttk.Frame(area)
        row.grid(row=2, column=0, sticky="w", pady=(4, 0))
        ttk.Label(row, text="Number", font=self.fonts["bold"]).pack(side="left")
        self.number_entry = ttk.Entry(row, width=24, font=self.fonts["large"])
        self.number_entry.pack(side="left", padx=(8, 8))
        # The field's keys are its own: typing a 7 in it must not save a 7, nor c clear.
        self.number_entry.bindtags((self.number_entry, "TEntry", "all"))
        for key in ("<Return>", "<KP_Enter>"):
            self.number_entry.bind(key, lambda event: self.save_number())
        self.number_entry.bind("<Escape>", lambda event: self.root.focus_set())
        ttk.Label(row, text=f"Enter saves it into {self.my_numbers}", foreground=MUTED,
                  font=self.fonts["small"]).pack(side="left")

    def _build_controls(self) -> None:
        row = ttk.Frame(self.root, padding=(0, 8, 0, 0))
        row.grid(row=1, column=0, columnspan=2, sticky="ew")
        ttk.Button(row, text="Clear", command=self.clear).pack(side="left")
        ttk.Button(row, text="Undo", command=self.undo).pack(side="left", padx=(6, 16))
        ttk.Label(row, text="Brush").pack(side="left")
        limit = max(48, self.canvas_size // 6)
        ttk.Scale(row, from_=4, to=limit, variable=self.brush, length=140,
                  command=self._show_brush).pack(side="left", padx=6)
        self.brush_label = ttk.Label(row, width=6)
        self.brush_label.pack(side="left")
        self._show_brush()
        self.feature_button = ttk.Button(row, text="Show feature maps", command=self.toggle_features)
        self.feature_button.pack(side="right")

    def _build_save_row(self) -> None:
        row = ttk.Frame(self.root, padding=(0, 8, 0, 0))
        row.grid(row=2, column=0, columnspan=2, sticky="w")
        ttk.Label(row, text="Save as", font=self.fonts["bold"]).grid(row=0, column=0, padx=(0, 8))
        ttk.Label(row, text="saved", foreground=MUTED, font=self.fonts["small"]).grid(
            row=1, column=0, padx=(0, 8))
        self.count_labels = {}
        for digit in range(10):
            ttk.Button(row, text=str(digit), style="Digit.TButton",
                       command=lambda digit=digit: self.save_as(digit)).grid(
                row=0, column=digit + 1, padx=1)
            label = ttk.Label(row, foreground=MUTED, font=self.fonts["small"], anchor="center")
            label.grid(row=1, column=digit + 1)
            self.count_labels[digit] = label
        ttk.Label(row, text=f"into {self.my_digits}", foreground=MUTED,
                  font=self.fonts["small"]).grid(row=0, column=11, padx=(10, 0), sticky="w")

    def _build_teach_row(self) -> None:
        row = ttk.Frame(self.root, padding=(0, 10, 0, 0))
        row.grid(row=3, column=0, columnspan=2, sticky="ew")
        self.teach_button = ttk.Button(row, text="Teach my handwriting",
                                       command=self.models.teach)
        self.teach_button.pack(side="left")
        # The bar shows only while teaching; the label says what teaching does, or how far it is.
        self.progress = ttk.Progressbar(row, length=150, mode="determinate", maximum=1.0)
        self.progress_label = ttk.Label(row, foreground=MUTED, font=self.fonts["small"],
                                        text=TEACH_HINT)
        self.progress_label.pack(side="left", padx=(10, 0))
        self.model_button = ttk.Button(row, command=self.models.toggle)
        self.model_button.pack(side="right")
        self.model_label = ttk.Label(row, foreground=MUTED, font=self.fonts["small"])
        self.model_label.pack(side="right", padx=(0, 8))

    def _build_messages(self) -> None:
        width = CANVAS_RATIO * self.canvas_size + 320
        self.status_label = tk.Label(self.root, anchor="w", justify="left", wraplength=width,
                                     font=self.fonts["default"])
        self.status_label.grid(row=4, column=0, columnspan=2, sticky="ew", pady=(8, 0))
        tk.Label(self.root, text=SHORTCUTS, fg=MUTED, font=self.fonts["small"], anchor="w",
                 justify="left", wraplength=width).grid(row=5, column=0, columnspan=2,
                                                        sticky="ew", pady=(4, 0))

    def _bind_keys(self) -> None:
        root = self.root
        for key in ("<Key-c>", "<Escape>"):
            root.bind(key, lambda event: self.clear())
        undo_keys = ["<Control-z>", "<Control-Z>"]
        if root.tk.call("tk", "windowingsystem") == "aqua":       # macOS: Cmd+Z as well
            undo_keys += ["<Command-z>", "<Command-Z>"]
        for key in undo_keys:
            root.bind(key, lambda event: self.undo())
        root.bind("<Key-f>", lambda event: self.toggle_features())
        root.bind("<Key-l>", lambda event: self.models.teach())
        root.bind("<Key-b>", lambda event: self.models.toggle())
        root.bind("<Key-n>", lambda event: self.edit_number())
        for key in ("<Return>", "<KP_Enter>"):
            root.bind(key, lambda event: self.save_number())
        for digit in range(10):
            for key in (f"<Key-{digit}>", f"<KP_{digit}>"):
                root.bind(key, lambda event, digit=digit: self.save_as(digit))

    # ------------------------------------------------------------------------------- drawing
    def _stroke_tag(self) -> str:
        return f"stroke{len(self.drawing.strokes) - 1}"

    def on_press(self, event: tk.Event) -> None:
        self.root.focus_set()          # the keys are the app's again, not the Number field's
        width = float(self.brush.get())
        self.drawing.begin_stroke(event.x, event.y, width)
        radius = width / 2
        self.canvas.create_oval(event.x - radius, event.y - radius, event.x + radius,
                                event.y + radius, fill=INK_COLOUR, outline="",
                                tags=self._stroke_tag())
        self.recognize_soon()

    def on_motion(self, event: tk.Event) -> None:
        previous = self.drawing.extend_stroke(event.x, event.y)
        if previous is None:
            return
        self.canvas.create_line(*previous, event.x, event.y, width=self.drawing.active.width,
                                fill=INK_COLOUR, capstyle="round", joinstyle="round",
                                tags=self._stroke_tag())
        self.recognize_soon()

    def on_release(self, event: tk.Event) -> None:
        self.on_motion(event)
        self.drawing.end_stroke()
        self.recognize_now()

    def clear(self) -> None:
        self.drawing.clear()
        self.canvas.delete("all")
        self.number_entry.delete(0, "end")      # a new number: the field follows its reading
        self.prefilled = ""
        self.recognize_now()

    def on_resize(self, event: tk.Event) -> None:
        """The window was resized: the drawing keeps its strokes on the larger (or smaller)
        canvas, and is read again."""
        if self.drawing.resize((event.width, event.height)):
            self.recognize_soon()

    def undo(self) -> None:
        if self.drawing.is_empty:
            return
        self.canvas.delete(self._stroke_tag())
        self.drawing.undo()
        self.recognize_now()

    # --------------------------------------------------------------------------- recognizing
    def recognize_soon(self) -> None:
        """Read the drawing once the pen has paused for ``RECOGNIZE_AFTER_MS``."""
        if self.debounce is not None:
            self.root.after_cancel(self.debounce)
        self.debounce = self.root.after(RECOGNIZE_AFTER_MS, self.recognize_now)

    def recognize_now(self) -> None:
        if self.debounce is not None:
            self.root.after_cancel(self.debounce)
            self.debounce = None
        drawing = self.drawing
        if drawing.version == self.submitted_version:
            return
        self.submitted_version = drawing.version
        if drawing.is_empty:
            self.show_blank()       # at once: results still on their way are now stale
            return
        self.reader.submit(request_for(drawing, features=self.features_shown))

    def poll(self) -> None:
        """Show the newest reading of the newest request (dropping those of older drawings), and
        teaching's news."""
        reading = None
        while not self.reader.results.empty():
            candidate = self.reader.results.get()
            if candidate.version == self.submitted_version and candidate.model == self.models.using:
                reading = candidate
        if reading is not None:
            self.shown_version = reading.version
            self.show(reading)
        self.models.poll()
        self.root.after(POLL_MS, self.poll)

    # ------------------------------------------------------------------------------- showing
    def show_blank(self, report: bool = True) -> None:
        self.shown = None
        self.canvas.delete("marks")
        self.answer.show_hint("write a number")
        self.number.show_hint("write a number")
        self._prefill("")
        if self.features_shown:
            self.features.show([])
        if report:
            self.report.write(Reading(self.drawing.version, 0).report())

    def show(self, reading: Reading) -> None:
        if reading.error is not None:
            self.shown = None
            self.canvas.delete("marks")
            self.answer.show_hint("not read", reading.image28)
            self.number.show_hint("not read")
            self.say(reading.error, PROBLEM)
            self.report.write({"error": reading.error})
            return
        if reading.blank:
            self.show_blank()
            return
        if reading.number is None or not reading.number.marks:   # no model: no guess
            self.shown = None
            self.canvas.delete("marks")
            self.answer.show_hint("no model" if reading.number is None else "no ink",
                                  reading.image28)
            self.number.show_hint("no model" if reading.number is None else "no ink")
        else:
            self.shown = reading
            self._prefill(reading.number.text)
            self._show_marks()
            if self.features_shown:
                self.features.show(reading.feature_grids)
        self.report.write(reading.report())

    def _show_marks(self) -> None:
        """The number read, each mark's box and answer on the canvas, and the chosen mark's
        reading in the panel."""
        marks = self.shown.number.marks
        chosen = len(marks) - 1 if self.chosen_mark is None else min(self.chosen_mark,
                                                                      len(marks) - 1)
        self.number.show(marks, chosen)
        reading = self.shown
        self.answer.show_mark(marks[chosen], chosen, len(marks), reading.symbols,
                              reading.preprocess_ms + reading.forward_ms + reading.number_ms)
        canvas, pad = self.canvas, self.brush.get() / 2 + 3
        canvas.delete("marks")
        for index, mark in enumerate(marks):
            left, top, right, bottom = mark.box
            colour = mark_colour(mark)
            canvas.create_rectangle(left - pad, top - pad, right + pad, bottom + pad,
                                    outline=colour, width=3 if index == chosen else 1,
                                    dash=() if index == chosen else (4, 3), tags="marks")
            above = top - pad - 2 >= self.fonts["bold"].metrics("linespace")
            canvas.create_text(left - pad, top - pad - 2 if above else top - pad + 2,
                               text=mark.character, anchor="sw" if above else "nw",
                               fill=colour, font=self.fonts["bold"], tags="marks")

    def on_pointer(self, event: tk.Event) -> None:
        """The pointer moved over the canvas: show the mark under it, if any."""
        if self.shown is None:
            return
        pad = self.brush.get() / 2 + 3
        under = [index for index, mark in enumerate(self.shown.number.marks)
                 if mark.box[0] - pad <= event.x <= mark.box[2] + pad
                 and mark.box[1] - pad <= event.y <= mark.box[3] + pad]
        self.choose_mark(under[-1] if under else None)

    def choose_mark(self, index: int | None) -> None:
        """Show mark ``index``'s reading (``None``: the last mark's)."""
        if index == self.chosen_mark:
            return
        self.chosen_mark = index
        if self.shown is not None:
            self._show_marks()

    def _prefill(self, text: str) -> None:
        """Put the reading in the Number field, unless it is being typed in or was typed over."""
        entry = self.number_entry
        if self.root.focus_get() is entry or entry.get() != self.prefilled:
            return
        entry.delete(0, "end")
        entry.insert(0, text)
        self.prefilled = text

    # ---------------------------------------------------------------------------- features
    def toggle_features(self) -> None:
        if self.models.model is None:
            return
        self.features_shown = not self.features_shown
        if self.features_shown:
            # Down to an empty stretchable row below the rest, which takes up the height the
            # panel may add, so that the rows on the left stay together.
            self.features.grid(row=0, column=2, rowspan=7, sticky="nw")
            self.feature_button.configure(text="Hide feature maps")
            self.features.show([])
            if not self.drawing.is_empty:
                self.submitted_version = -1       # read the same drawing again, with the maps
                self.recognize_now()
        else:
            self.features.grid_remove()
            self.feature_button.configure(text="Show feature maps")

    # ------------------------------------------------------------------- the models' view
    def show_teaching(self, progress: float | None, label: str) -> None:
        if progress is None:
            self.teach_button.state(["!disabled"])
            self.progress.pack_forget()
        else:
            self.teach_button.state(["disabled"])
            self.progress.configure(value=progress)
            if not self.progress.winfo_manager():
                self.progress.pack(side="left", padx=(10, 0), before=self.progress_label)
        self.progress_label.configure(text=label)

    def show_model_choice(self, using: str | None) -> None:
        if using is None:
            self.model_label.configure(text="")
            self.model_button.pack_forget()
            return
        if not self.model_button.winfo_manager():
            self.model_button.pack(side="right", before=self.model_label)
        if using == PERSONAL:
            self.model_label.configure(text="using your personal model")
            self.model_button.configure(text="Use the base model")
        else:
            self.model_label.configure(text="using the base model")
            self.model_button.configure(text="Use my personal model")

    def read_with(self, model, which: str) -> None:
        self.reader.use(model, which)
        if not self.drawing.is_empty:
            self.submitted_version = -1          # read the drawing again with this model
            self.recognize_now()

    def count_saved(self) -> int:
        return sum(self.refresh_counts().values())

    # -------------------------------------------------------------------------------- saving
    def save_as(self, label: int) -> None:
        """Store the drawing as an example of ``label`` in ``--my-digits``, clear it, and teach
        it (on the teacher's thread)."""
        from scratchnet.preprocess.images import BlankImageError
        from scratchnet.preprocess.rendering import strokes_to_mnist
        if self.drawing.is_empty:
            self.say(f"Nothing to save: draw a {label} first, then press {label}.", PROBLEM)
            return
        try:
            image28 = strokes_to_mnist(self.drawing.records(), self.drawing.size)
        except BlankImageError:
            self.say("Nothing to save: the canvas holds no ink.", PROBLEM)
            return
        try:
            path = personal.save_sample(self.my_digits, label, image28, self.drawing.records(),
                                        self.drawing.size)
        except (OSError, ValueError) as error:       # the drawing stays, to try again
            self.not_saved(describe_error(error))
            return
        count = self.refresh_counts().get(label, 0)
        self.report.write({"saved": str(path), "label": label, "count": count})
        saved = personal.SavedDigit(path, image28, label, self.drawing.records(),
                                    self.drawing.size)
        self.clear()
        samples = "sample" if count == 1 else "samples"
        self.say(f"saved as {label} ({count} {samples} of {label}); teaching it", DONE)
        self.models.teach_drawing(saved)

    def not_saved(self, reason: str) -> None:
        """Say, and report, why the drawing was not saved; it stays on the canvas."""
        self.say(f"Not saved: {reason}", PROBLEM)
        self.report.write({"error": f"not saved: {reason}"})

    def edit_number(self) -> None:
        """Into the Number field, its text selected: typing replaces it, Enter saves."""
        entry = self.number_entry
        entry.focus_set()
        entry.select_range(0, "end")
        entry.icursor("end")

    def save_number(self) -> None:
        """Store the drawing in ``--my-numbers`` as the number typed in the Number field (what
        was read, unless typed over), then clear it. A text that is not a number is refused,
        the drawing kept."""
        entry = self.number_entry
        if self.drawing.is_empty:
            self.say("Nothing to save: write a number first, then press Enter.", PROBLEM)
            return
        text = entry.get()
        if (text == self.prefilled and self.shown_version != self.drawing.version
                and self.models.model is not None):
            self.say("Still reading the drawing: press Enter again in a moment.", NOTE)
            return
        try:
            saved = numbers.check_text(text, "the Number field")
        except numbers.NumbersError as error:
            self.say(f"Not saved: {error}. Type the number as it is written, then press Enter.",
                     PROBLEM)
            self.report.write({"error": f"not saved: {error}"})
            self.edit_number()
            return
        try:
            path = numbers.save_number(self.my_numbers, saved, self.drawing.strokes,
                                       self.drawing.size)
        except (OSError, ValueError) as error:       # the drawing stays, to try again
            self.not_saved(describe_error(error))
            return
        self.report.write({"saved_number": str(path), "text": saved})
        entry.delete(0, "end")
        self.prefilled = ""
        self.root.focus_set()
        self.clear()
        self.say(f"saved the number {saved} into {self.my_numbers}", DONE)

    def refresh_counts(self) -> dict[int, int]:
        try:
            counts = personal.counts(self.my_digits)
        except OSError as error:
            self.say(f"Cannot count the digits saved in {self.my_digits}: "
                     f"{describe_error(error)}", PROBLEM)
            return {}
        for digit, label in self.count_labels.items():
            label.configure(text=str(counts.get(digit, 0)))
        return counts

    # ----------------------------------------------------------------------------- messages
    def say(self, message: str, kind: str) -> None:
        """Show ``message`` in the status line, coloured for its kind: NOTE, DONE or PROBLEM."""
        self.status_label.configure(text=message, fg=COLOURS[kind])

    def _report_bug(self, kind, error, trace) -> None:
        """An unexpected error in an event handler: say so in the window, keep running, and
        print the traceback for whoever debugs it."""
        traceback.print_exception(kind, error, trace)
        message = f"Something went wrong: {kind.__name__}: {error}"
        self.say(message, PROBLEM)
        self.report.write({"error": message})

    def _show_brush(self, *_) -> None:
        self.brush_label.configure(text=f"{round(self.brush.get())} px")

    # ------------------------------------------------------------------------------ running
    def run(self) -> None:
        """Show the window, report where its canvas is, and process events until it closes."""
        # Ctrl+C in the terminal closes the window instead of interrupting an event handler.
        signal.signal(signal.SIGINT, lambda *_: self.root.after_idle(self.interrupt))
        self.root.wait_visibility(self.canvas)
        self.root.update_idletasks()
        self.root.focus_force()
        canvas, models = self.canvas, self.models
        self.report.write({"ready": True,
                           "canvas": [canvas.winfo_rootx(), canvas.winfo_rooty(),
                                      canvas.winfo_width(), canvas.winfo_height()],
                           "model": str(models.model_path), "model_error": models.model_error,
                           "model_in_use": models.using if models.model is not None else None,
                           "personal_error": models.personal_error})
        self.report.write(Reading(self.drawing.version, 0).report())
        self.root.after(POLL_MS, self.poll)
        if models.model_error and models.model_path.exists():
            self.root.after_idle(lambda: messagebox.showerror(
                "scratchnet: cannot use this model",
                "The model file cannot be used. You can still draw, and save your digits.",
                detail=models.model_error, parent=self.root))
        self.root.mainloop()

    def interrupt(self) -> None:
        self.interrupted = True
        self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.models.close()            # nothing half-taught is saved
        self.reader.close()
        self.report.close()
        self.root.destroy()
