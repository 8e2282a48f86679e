"""Progress on a terminal or in a log: what the training bar and the download bar share.

On a terminal a status line is redrawn in place, at most ``REDRAW_SECONDS`` apart; elsewhere (a
log file, a pipe) nothing is redrawn and the callers print plain lines instead.
"""

from __future__ import annotations

import time
from typing import TextIO

REDRAW_SECONDS = 0.1
CLEAR_LINE = "\r\x1b[K"     # back to the line's start, then erase it


def format_duration(seconds: float) -> str:
    """``"42 s"``, ``"3 min 5 s"``: whole seconds, for people."""
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def bar(fraction: float, width: int, fill: str = "=", head: str = ">", empty: str = ".") -> str:
    """``[=====>....]``: ``fraction`` (0..1) of ``width`` cells filled."""
    filled = int(width * min(max(fraction, 0.0), 1.0))
    tip = head if 0 < filled < width else ""
    return "[" + (fill * filled + tip).ljust(width, empty)[:width] + "]"


class StatusLine:
    """One line of ``stream`` that is redrawn in place when the stream is a terminal."""

    def __init__(self, stream: TextIO, tty: bool | None = None):
        self.stream = stream
        isatty = getattr(stream, "isatty", None)
        self.tty = bool(isatty and isatty()) if tty is None else tty
        self.last_draw = float("-inf")

    def redraw(self, text: str, force: bool = False) -> None:
        """Show ``text`` in place of the status line (terminals only), unless the last redraw
        was under ``REDRAW_SECONDS`` ago and ``force`` is false."""
        now = time.monotonic()
        if self.tty and (force or now - self.last_draw >= REDRAW_SECONDS):
            self.last_draw = now
            self.write(CLEAR_LINE + text)

    def line(self, text: str) -> None:
        """Print ``text`` as a line of its own, replacing the status line on a terminal."""
        self.write((CLEAR_LINE if self.tty else "") + text + "\n")

    def write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
