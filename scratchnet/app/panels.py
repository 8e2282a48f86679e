"""The parts of the window that show results: the number read, one mark's reading with its
probabilities, and the feature maps. They only display what they are given; the window decides
when.

    NumberPanel    the number read, large, each mark coloured by how it was read
    AnswerPanel    one mark: its reading, confidence, 28x28 network input, one bar per output
    FeaturePanel   the first two conv layers' feature maps, as colour grids
"""

from __future__ import annotations

import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk

import numpy as np
from PIL import Image, ImageTk

from scratchnet.reading import Mark
from scratchnet.reading.number import NOT_DIGIT
from scratchnet.reading.outputs import NOT_A_DIGIT

BACKGROUND = "#f2f2f2"
TEXT = "#222222"
MUTED = "#666666"
ACCENT = "#1f77b4"           # a sure reading and its bar
UNSURE = "#b26b00"           # a reading the network is not sure of
BAR = "#c8c8c8"
BAR_TRACK = "#e6e6e6"
CHOSEN = "#dce6f0"           # behind the mark whose reading is shown
ERROR_COLOUR = "#b00020"     # also: a mark that is not a digit
OK_COLOUR = "#1b6e20"

UNSURE_ADVICE = ("Not sure of a digit? Write it alone and press the right digit key: it is "
                 "saved and taught at once.")
NOT_A_DIGIT_ADVICE = "Not a digit, nor a separator: write it again, or undo it (Ctrl+Z)."
PREVIEW_SIZE = 112           # the 28x28 network input, shown 4x magnified
FEATURE_GRID_SIZE = (400, 400)   # about the most room each feature-map grid is shown in


def make_fonts() -> dict[str, tkfont.Font]:
    """The fonts of the window, all in the platform's default family."""
    base = tkfont.nametofont("TkDefaultFont")
    family, size = base.actual("family"), max(10, abs(base.actual("size")))
    base.configure(size=size)
    return {
        "default": base,
        "digit": tkfont.Font(family=family, size=64, weight="bold"),
        "number": tkfont.Font(family=family, size=36, weight="bold"),
        "unsure": tkfont.Font(family=family, size=30, weight="bold"),
        "hint": tkfont.Font(family=family, size=15),
        "large": tkfont.Font(family=family, size=13),
        "bold": tkfont.Font(family=family, size=size, weight="bold"),
        "small": tkfont.Font(family=family, size=max(8, size - 1)),
    }


def photo(pixels: np.ndarray, scale: int) -> ImageTk.PhotoImage:
    """A uint8 image (H, W) or (H, W, 3) magnified ``scale`` times, every pixel a square."""
    image = Image.fromarray(pixels)
    return ImageTk.PhotoImage(image.resize((image.width * scale, image.height * scale),
                                           Image.Resampling.NEAREST))


def mark_colour(mark: Mark) -> str:
    """How a mark is shown: red when not a digit, orange when not sure, else blue (a digit) or
    the text colour (a separator)."""
    if mark.kind == NOT_DIGIT:
        return ERROR_COLOUR
    if not mark.sure:
        return UNSURE
    return ACCENT if mark.character.isdigit() else TEXT


class NumberPanel(ttk.Frame):
    """The number read, one large character a mark, and under it how many marks are in doubt."""

    def __init__(self, parent: tk.Misc, fonts: dict[str, tkfont.Font]):
        super().__init__(parent)
        self.fonts = fonts
        self.characters = ttk.Frame(self, height=fonts["number"].metrics("linespace"))
        self.characters.grid(row=0, column=0, sticky="w")
        self.summary = tk.Label(self, font=fonts["small"], fg=MUTED, anchor="w")
        self.summary.grid(row=1, column=0, sticky="w")

    def show_hint(self, text: str) -> None:
        self._show_characters([(text, MUTED, self.fonts["hint"])])
        self.summary.configure(text="")

    def show(self, marks: tuple[Mark, ...], chosen: int) -> None:
        """The marks' characters, the ``chosen`` one shaded."""
        self._show_characters([(mark.character, mark_colour(mark), self.fonts["number"])
                               for mark in marks], chosen)
        doubts = [f"{count} {what}" for count, what in (
            (sum(not mark.sure and mark.kind != NOT_DIGIT for mark in marks), "not sure"),
            (sum(mark.kind == NOT_DIGIT for mark in marks), "not a digit")) if count]
        marks_text = f"{len(marks)} mark" + ("" if len(marks) == 1 else "s")
        self.summary.configure(text=" · ".join([marks_text, *doubts]))

    def _show_characters(self, parts: list, chosen: int | None = None) -> None:
        for label in self.characters.winfo_children():
            label.destroy()
        for index, (text, colour, font) in enumerate(parts):
            shaded = index == chosen and len(parts) > 1
            tk.Label(self.characters, text=text, fg=colour, font=font, padx=2, pady=0,
                     bg=CHOSEN if shaded else BACKGROUND).pack(side="left")


class AnswerPanel(ttk.Frame):
    """One mark of the number: its reading (large), confidence, network input and one bar per
    output of the network."""

    BAR_ROW = 16             # pixels per output
    BAR_LEFT, BAR_LENGTH = 26, 190

    def __init__(self, parent: tk.Misc, fonts: dict[str, tkfont.Font]):
        super().__init__(parent, padding=(16, 0, 0, 0))
        self.fonts = fonts
        self._photo = None    # Tk shows an image only while Python holds a reference to it

        answer = ttk.Frame(self, width=176, height=PREVIEW_SIZE + 40)
        answer.grid(row=0, column=0, sticky="nw")
        answer.grid_propagate(False)
        self.title = tk.Label(answer, font=fonts["small"], fg=MUTED, anchor="w")
        self.title.grid(row=0, column=0, sticky="w")
        self.digit = tk.Label(answer, anchor="w")
        self.digit.grid(row=1, column=0, sticky="w")
        self.confidence = tk.Label(answer, font=fonts["large"], anchor="w")
        self.confidence.grid(row=2, column=0, sticky="w")

        preview = ttk.Frame(self)
        preview.grid(row=0, column=1, sticky="ne", padx=(12, 0))
        self.preview = tk.Label(preview, bg="black", borderwidth=0)
        self.preview.grid(row=0, column=0)
        tk.Label(preview, text="what the network sees\n(28×28)", font=fonts["small"], fg=MUTED,
                 justify="center").grid(row=1, column=0)

        self.bars = tk.Canvas(self, width=300, height=10 * self.BAR_ROW + 4,
                              highlightthickness=0, bg=BACKGROUND)
        self.bars.grid(row=1, column=0, columnspan=2, sticky="w", pady=(8, 0))
        # When a mark is in doubt: what to do about it. Its two lines are always there, so that
        # the window keeps its size.
        self.advice = tk.Label(self, font=fonts["small"], fg=UNSURE, anchor="nw", justify="left",
                               wraplength=290, height=2)
        self.advice.grid(row=2, column=0, columnspan=2, sticky="w", pady=(2, 0))

    def show_hint(self, text: str, image28: np.ndarray | None = None) -> None:
        """No reading: ``text`` instead of a mark ("write a number"), empty bars."""
        self.title.configure(text="")
        self.digit.configure(text=text, font=self.fonts["hint"], fg=MUTED)
        self.confidence.configure(text="")
        self.advice.configure(text="")
        self._show_input(image28)
        self._show_bars(None, (), ACCENT)

    def show_mark(self, mark: Mark, index: int, count: int, symbols: tuple[str, ...],
                  read_ms: float) -> None:
        """Mark ``index`` of ``count``: what it was read as, or "1 or 4?" when not sure;
        ``read_ms``: how long reading the whole drawing took."""
        self.title.configure(text=f"mark {index + 1} of {count} · read in {read_ms:.0f} ms")
        colour = mark_colour(mark)
        probabilities = mark.probabilities
        if mark.kind == NOT_DIGIT:
            self.digit.configure(text=NOT_A_DIGIT, font=self.fonts["digit"], fg=colour)
            self.confidence.configure(text="not a digit")
            self.advice.configure(text=NOT_A_DIGIT_ADVICE, fg=colour)
        elif not mark.sure and np.all(np.isfinite(probabilities)):
            first, second = (symbols[output]
                             for output in np.argsort(probabilities)[::-1][:2])
            self.digit.configure(text=f"{first} or {second}?", font=self.fonts["unsure"],
                                 fg=colour)
            self.confidence.configure(text="not sure")
            self.advice.configure(text=UNSURE_ADVICE, fg=colour)
        else:
            self.digit.configure(text=mark.character, font=self.fonts["digit"], fg=colour)
            self.confidence.configure(text=f"confidence {mark.confidence:.1%}")
            self.advice.configure(text="")
        self._show_input(mark.image)
        self._show_bars(probabilities, symbols, colour)

    def _show_input(self, image28: np.ndarray | None) -> None:
        pixels = np.zeros((28, 28), np.uint8) if image28 is None else \
            np.round(np.clip(image28, 0, 1) * 255).astype(np.uint8)
        self._photo = photo(pixels, PREVIEW_SIZE // 28)
        self.preview.configure(image=self._photo)

    def _show_bars(self, probabilities: np.ndarray | None, symbols: tuple[str, ...],
                   colour: str) -> None:
        """One bar per output, the most probable in ``colour``; without a reading, empty tracks
        for the ten digits. A mark the network did not read (a dot, measured by its shape
        alone) has NaN outputs: no bars."""
        bars, row, left, length = self.bars, self.BAR_ROW, self.BAR_LEFT, self.BAR_LENGTH
        bars.delete("all")
        labels = list(symbols) or [str(digit) for digit in range(10)]
        if int(bars.cget("height")) != len(labels) * row + 4:
            bars.configure(height=len(labels) * row + 4)
        read = probabilities is not None and bool(np.all(np.isfinite(probabilities)))
        best = int(np.argmax(probabilities)) if read else None
        for output, label in enumerate(labels):
            top, middle = 2 + output * row, 2 + output * row + row / 2
            chosen = output == best
            bars.create_text(left - 10, middle, text=label, anchor="e", fill=TEXT,
                             font=self.fonts["bold" if chosen else "default"])
            bars.create_rectangle(left, top + 3, left + length, top + row - 3, fill=BAR_TRACK,
                                  outline="")
            if not read:
                continue
            share = float(probabilities[output])
            bars.create_rectangle(left, top + 3, left + max(1.0, share * length), top + row - 3,
                                  fill=colour if chosen else BAR, outline="")
            bars.create_text(left + length + 8, middle, text=f"{share:.1%}", anchor="w",
                             font=self.fonts["bold" if chosen else "small"],
                             fill=TEXT if chosen else MUTED)


class FeaturePanel(ttk.Frame):
    """One titled grid per layer, from :func:`scratchnet.app.features.first_conv_grids`."""

    LAYERS = 2

    def __init__(self, parent: tk.Misc, fonts: dict[str, tkfont.Font]):
        super().__init__(parent, padding=(20, 0, 0, 0))
        self.titles, self.images, self._photos = [], [], [None] * self.LAYERS
        for layer in range(self.LAYERS):
            title = ttk.Label(self, font=fonts["small"], wraplength=FEATURE_GRID_SIZE[0])
            title.grid(row=2 * layer, column=0, sticky="w", pady=(12 * layer, 2))
            image = tk.Label(self, borderwidth=0)
            image.grid(row=2 * layer + 1, column=0, sticky="nw")
            self.titles.append(title)
            self.images.append(image)

    def show(self, grids: list) -> None:
        """Show (layer name, (H, W, F), RGB grid) for each layer; nothing shows a hint."""
        for index, (title, label) in enumerate(zip(self.titles, self.images)):
            if index >= len(grids):
                title.configure(text="Draw a digit to see what the first two convolution "
                                     "layers respond to." if index == 0 else "")
                label.configure(image="")
                self._photos[index] = None
                continue
            name, (height, width, count), rgb = grids[index]
            # A whole number of screen pixels per activation, so that every cell looks alike.
            most_wide, most_high = FEATURE_GRID_SIZE
            scale = max(1, min(round(most_wide / rgb.shape[1]), most_high // rgb.shape[0]))
            self._photos[index] = photo(rgb, scale)
            title.configure(text=f"{name}: {count} feature maps of {height}×{width} "
                                 "(bright: strongly active)")
            label.configure(image=self._photos[index])
