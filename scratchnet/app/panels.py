"""The parts of the window that show results: the answer with its probabilities, and the
feature maps. They only display what they are given; the window decides when.

    AnswerPanel    the digit, its confidence, the 28x28 network input, one bar per class
    FeaturePanel   the first two conv layers' feature maps, as colour grids
"""

from __future__ import annotations

import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk

import numpy as np
from PIL import Image, ImageTk

BACKGROUND = "#f2f2f2"
TEXT = "#222222"
MUTED = "#666666"
ACCENT = "#1f77b4"           # the predicted digit and its bar
UNSURE = "#b26b00"           # the answer when the network is not sure
BAR = "#c8c8c8"
BAR_TRACK = "#e6e6e6"
ERROR_COLOUR = "#b00020"
OK_COLOUR = "#1b6e20"

UNSURE_ADVICE = ("Neither? Press the right digit key to save the drawing, then "
                 "Teach my handwriting (l).")
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


class AnswerPanel(ttk.Frame):
    """The predicted digit (large), its confidence, the network's input and ten bars."""

    BAR_ROW = 21             # pixels per class
    BAR_LEFT, BAR_LENGTH = 26, 190

    def __init__(self, parent: tk.Misc, fonts: dict[str, tkfont.Font]):
        super().__init__(parent, padding=(16, 0, 0, 0))
        self.fonts = fonts
        self._photo = None    # Tk shows an image only while Python holds a reference to it

        answer = ttk.Frame(self, width=176, height=PREVIEW_SIZE + 24)
        answer.grid(row=0, column=0, sticky="nw")
        answer.grid_propagate(False)
        self.digit = tk.Label(answer, anchor="w")
        self.digit.grid(row=0, column=0, sticky="w")
        self.confidence = tk.Label(answer, font=fonts["large"], anchor="w")
        self.confidence.grid(row=1, column=0, sticky="w")

        preview = ttk.Frame(self)
        preview.grid(row=0, column=1, sticky="ne", padx=(12, 0))
        self.preview = tk.Label(preview, bg="black", borderwidth=0)
        self.preview.grid(row=0, column=0)
        tk.Label(preview, text="what the network sees\n(28×28)", font=fonts["small"], fg=MUTED,
                 justify="center").grid(row=1, column=0)

        self.bars = tk.Canvas(self, width=300, height=10 * self.BAR_ROW + 4, highlightthickness=0,
                              bg=BACKGROUND)
        self.bars.grid(row=1, column=0, columnspan=2, sticky="w", pady=(8, 0))
        self.timing = tk.Label(self, font=fonts["small"], fg=MUTED, anchor="w")
        self.timing.grid(row=2, column=0, columnspan=2, sticky="w")
        # When the network is not sure: what to do about it. Its two lines are always there, so
        # that the window keeps its size.
        self.advice = tk.Label(self, font=fonts["small"], fg=UNSURE, anchor="nw", justify="left",
                               wraplength=290, height=2)
        self.advice.grid(row=3, column=0, columnspan=2, sticky="w", pady=(2, 0))

    def show_hint(self, text: str, image28: np.ndarray | None = None) -> None:
        """No guess: ``text`` instead of a digit ("draw a digit"), empty bars."""
        self.digit.configure(text=text, font=self.fonts["hint"], fg=MUTED)
        self.confidence.configure(text="")
        self.timing.configure(text="")
        self.advice.configure(text="")
        self._show_input(image28)
        self._show_bars(None)

    def show_prediction(self, image28: np.ndarray, probabilities: np.ndarray,
                        preprocess_ms: float, forward_ms: float, unsure: bool = False) -> None:
        """The most probable digit, or when ``unsure`` "not sure: 1 or 4?" and advice."""
        best, second = (int(digit) for digit in np.argsort(probabilities)[::-1][:2])
        if unsure:
            self.digit.configure(text=f"{best} or {second}?", font=self.fonts["unsure"],
                                 fg=UNSURE)
            self.confidence.configure(text="not sure")
            self.advice.configure(text=UNSURE_ADVICE)
        else:
            self.digit.configure(text=str(best), font=self.fonts["digit"], fg=ACCENT)
            self.confidence.configure(text=f"confidence {probabilities[best]:.1%}")
            self.advice.configure(text="")
        self.timing.configure(text=f"preprocessing {preprocess_ms:.1f} ms · "
                                   f"network {forward_ms:.1f} ms")
        self._show_input(image28)
        self._show_bars(probabilities)

    def _show_input(self, image28: np.ndarray | None) -> None:
        pixels = np.zeros((28, 28), np.uint8) if image28 is None else \
            np.round(np.clip(image28, 0, 1) * 255).astype(np.uint8)
        self._photo = photo(pixels, PREVIEW_SIZE // 28)
        self.preview.configure(image=self._photo)

    def _show_bars(self, probabilities: np.ndarray | None) -> None:
        bars, row, left, length = self.bars, self.BAR_ROW, self.BAR_LEFT, self.BAR_LENGTH
        bars.delete("all")
        best = None if probabilities is None else int(np.argmax(probabilities))
        for digit in range(10):
            top, middle = 2 + digit * row, 2 + digit * row + row / 2
            chosen = digit == best
            bars.create_text(left - 10, middle, text=str(digit), anchor="e", fill=TEXT,
                             font=self.fonts["bold" if chosen else "default"])
            bars.create_rectangle(left, top + 3, left + length, top + row - 3, fill=BAR_TRACK,
                                  outline="")
            if probabilities is None:
                continue
            share = float(probabilities[digit])
            bars.create_rectangle(left, top + 3, left + max(1.0, share * length), top + row - 3,
                                  fill=ACCENT if chosen else BAR, outline="")
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
