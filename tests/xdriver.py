"""Driving the app from outside, as a person would, on an X server: for the GUI tests and for
``scripts/screenshot.py``. Linux (or any X11 system) with Xvfb and xdotool; the app itself
needs neither. It imports nothing of pytest's, so that the screenshot script can use it too.

    with VirtualDisplay() as display:               # Xvfb on a free display number
        with AppProcess(display, model, report, my_digits) as app:
            app.wait_ready()                        # the window is mapped: input now arrives
            app.draw(strokes)                       # mouse drags, with xdotool
            reading = app.wait_for_reading(strokes=len(strokes))

The strokes are canvas pixels, such as ``hand_drawn.scale_strokes(HAND_DRAWN[3], app.size)``.
The app tells where its canvas is, and what it shows, through ``--report-file``
(:mod:`scratchnet.app.report`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

Point = tuple[float, float]      # canvas pixels, as hand_drawn.scale_strokes gives them

REPO_ROOT = Path(__file__).resolve().parent.parent
DRAW_SCRIPT = REPO_ROOT / "scripts" / "draw.py"


def missing_tools() -> list[str]:
    """The programs among Xvfb and xdotool that are not on the PATH."""
    return [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]


class Display:
    """An X display already running, such as ``$DISPLAY``."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self) -> "Display":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.name}

    def xdotool(self, *args: str, timeout: float = 20.0) -> str:
        done = subprocess.run(["xdotool", *map(str, args)], env=self.env(), capture_output=True,
                              text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"xdotool {' '.join(map(str, args[:6]))} ...: exit status "
                               f"{done.returncode}: {done.stderr.strip()}")
        return done.stdout


class VirtualDisplay(Display):
    """An Xvfb server on the first free display number (``-displayfd``), stopped on exit."""

    def __init__(self, screen: str = "1024x768x24", timeout: float = 10.0):
        super().__init__("")
        self.screen = screen
        self.timeout = timeout
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "VirtualDisplay":
        read_end, write_end = os.pipe()
        try:
            self.process = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_end), "-screen", "0", self.screen, "-nolisten",
                 "tcp"], pass_fds=(write_end,), stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
        finally:
            os.close(write_end)
        try:
            number = _read_line(read_end, self.timeout)
        finally:
            os.close(read_end)
        if not number.strip().isdigit():
            self.stop()
            raise RuntimeError(f"Xvfb did not start within {self.timeout:.0f} s")
        self.name = f":{number.strip()}"
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _read_line(fd: int, timeout: float) -> str:
    """What a child writes to ``fd`` up to its first newline, or ``""`` after ``timeout``."""
    import select
    text, deadline = b"", time.monotonic() + timeout
    while not text.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            break
        chunk = os.read(fd, 64)
        if not chunk:
            break
        text += chunk
    return text.decode("ascii", "replace")


class AppProcess:
    """``scripts/draw.py`` running on ``display``, reporting to ``report``; killed on exit.

    Relative paths are taken from ``cwd``, the app's working directory.
    """

    def __init__(self, display: Display, model: str | Path, report: str | Path,
                 my_digits: str | Path, size: int = 280, brush: int | None = None,
                 extra_args: Sequence[str] = (), cwd: str | Path = REPO_ROOT):
        self.display = display
        self.cwd = Path(cwd)
        self.report = self.cwd / report       # as is, if absolute
        self.size = size
        args = [sys.executable, str(DRAW_SCRIPT), "--model", str(model), "--report-file",
                str(self.report), "--my-digits", str(my_digits), "--size", str(size), *extra_args]
        if brush is not None:
            args += ["--brush", str(brush)]
        self.args = args
        self.process: subprocess.Popen | None = None
        self.stderr = ""
        self.origin = (0, 0)
        self.ready: dict = {}

    def __enter__(self) -> "AppProcess":
        self.report.unlink(missing_ok=True)      # the app appends: no lines of an earlier run
        self.process = subprocess.Popen(self.args, env=self.display.env(), cwd=self.cwd,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
        try:
            _, self.stderr = self.process.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, self.stderr = self.process.communicate()
        self.process = None

    # ---------------------------------------------------------------------- what it reports
    def lines(self) -> list[dict]:
        if not self.report.exists():
            return []
        text = self.report.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def wait_for(self, found: Callable[[list[dict]], object], timeout: float = 10.0,
                 what: str = "the app to report") -> object:
        """Poll the report until ``found(lines)`` is true; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            result = found(self.lines())
            if result:
                return result
            if self.process is not None and self.process.poll() is not None:
                _, self.stderr = self.process.communicate()
                raise RuntimeError(f"the app exited (status {self.process.returncode}) while "
                                   f"waiting for {what}:\n{self.stderr}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}; "
                                   f"the report holds: {self.lines()[-5:]}")
            time.sleep(0.03)

    def wait_ready(self, timeout: float = 20.0) -> dict:
        """Wait until the window is on screen; remember where its canvas is."""
        self.ready = self.wait_for(lambda lines: next((line for line in lines if "ready" in line),
                                                      None), timeout, "the window to appear")
        self.origin = tuple(self.ready["canvas"][:2])
        return self.ready

    def wait_for_reading(self, strokes: int, after: int = 0, quiet: float = 0.4,
                         timeout: float = 10.0) -> dict:
        """The last prediction (or blank) line about a drawing of ``strokes`` strokes, written
        after line number ``after``, once no new such line has come for ``quiet`` seconds
        (other lines, such as teaching's progress, may keep coming)."""
        def settled(lines):
            readings = [line for line in lines[after:] if "strokes" in line]
            if not readings or readings[-1]["strokes"] != strokes:
                return None
            return len(readings), readings[-1]

        count, reading = self.wait_for(settled, timeout, f"a reading of {strokes} strokes")
        while True:
            time.sleep(quiet)
            now, latest = self.wait_for(settled, timeout, f"a reading of {strokes} strokes")
            if now == count:
                return latest
            count = now

    # ------------------------------------------------------------------------- input events
    def window_id(self) -> str:
        return self.display.xdotool("search", "--sync", "--onlyvisible", "--name",
                                    "scratchnet").split()[0]

    def draw(self, strokes: Sequence[Sequence[Point]], pause: float = 0.01) -> None:
        """Drag the mouse along each stroke (canvas pixels), button 1 held, in one xdotool run."""
        left, top = self.origin
        args: list[str] = []
        for stroke in strokes:
            (x, y), rest = stroke[0], stroke[1:]
            args += ["mousemove", f"{left + x:.0f}", f"{top + y:.0f}", "mousedown", "1"]
            for x, y in rest:
                args += ["sleep", f"{pause}", "mousemove", f"{left + x:.0f}", f"{top + y:.0f}"]
            args += ["sleep", f"{pause}", "mouseup", "1"]
        self.display.xdotool(*args)

    def key(self, *names: str) -> None:
        """Press keys (xdotool names: ``c``, ``ctrl+z``, ``7``) with the pointer on the canvas,
        so that they go to the app's window."""
        left, top = self.origin
        self.display.xdotool("mousemove", str(left + self.size - 4), str(top + self.size - 4),
                             "key", *names)

    def screenshot(self, path: str | Path) -> Path:
        """The app's window as a PNG, with ImageMagick's ``import``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["import", "-window", self.window_id(), str(path)], env=self.display.env(),
                       check=True, timeout=30)
        return path
