"""The drawing app reading written numbers, in a real X server (Xvfb): driven by xdotool, a number
written with the mouse is read mark by mark, a 4 of two strokes stays one mark, an X is not a
digit, Enter saves the drawing as the number typed in the Number field; in this process, the
window keeps answering while a slow model reads a long number, the panel follows the pointer
from mark to mark, and the canvas grows with the window."""

import contextlib
import gc
import json
import time
import tkinter as tk
from types import SimpleNamespace
from typing import Iterator

import numpy as np
import pytest

from scratchnet.app.window import App
from scratchnet.data.numbers import load_numbers

from hand_drawn import written
from xdriver import AppProcess

pytestmark = pytest.mark.gui

SIZE = 280                   # the canvas's height; it is three times as wide
BOX = 200                    # each written digit's square, canvas pixels
X = [[(300, 60), (420, 220)], [(420, 60), (300, 220)]]
FOUR_IN_TWO_STROKES = [[(340, 40), (290, 160), (400, 160)], [(370, 100), (370, 230)]]


@pytest.fixture(scope="module")
def marks_model_path(mnist, tmp_path_factory):
    """A small CNN with the output for "not a digit": one epoch on 20,000 MNIST digits and 4,000
    synthetic marks (about 15 s), saved with its classes as training saves them."""
    from scratchnet.data.classes import NAMES
    from scratchnet.data.marks import synthetic_marks
    from scratchnet.data.mnist import to_float_images
    from scratchnet.nn.networks import small_cnn

    (x_train, y_train), _ = mnist
    marks_x, marks_y = synthetic_marks(4000, seed=0)
    x = to_float_images(np.concatenate([x_train[:20000], marks_x]))
    y = np.concatenate([y_train[:20000], marks_y])
    model = small_cnn(seed=0, classes=len(NAMES))
    model.compile()
    model.fit(x, y, epochs=1, batch_size=128)
    path = tmp_path_factory.mktemp("marks_model") / "marks_cnn.npz"
    model.save(path, metadata={"classes": list(NAMES)})
    return path


def start(display, model_path, folder):
    return AppProcess(display, model_path, folder / "report.jsonl", folder / "my_digits",
                      size=SIZE, extra_args=["--my-numbers", str(folder / "my_numbers")])


@pytest.fixture(scope="module")
def app(display, trained_model_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("numbers_app")
    with start(display, trained_model_path, folder) as app:
        app.wait_ready()
        app.my_numbers = folder / "my_numbers"
        yield app
    assert "Traceback" not in app.stderr, app.stderr


def clear(app):
    mark = len(app.lines())
    app.key("c")
    assert app.wait_for_reading(strokes=0, after=mark).get("text") is None


def write(app, strokes) -> dict:
    """Write on an empty canvas; the app's settled reading of the whole drawing."""
    clear(app)
    mark = len(app.lines())
    app.draw(strokes)
    return app.wait_for_reading(strokes=len(strokes), after=mark)


def test_the_canvas_is_three_times_as_wide_as_high_or_wider(app):
    width, height = app.ready["canvas"][2:]
    assert height == SIZE and 3 * SIZE <= width < 3.5 * SIZE    # wider when the rows below are


def test_a_number_written_with_the_mouse_is_read_mark_by_mark(app):
    reading = write(app, written("2026"))
    assert reading["text"] == "2026"
    marks = reading["marks"]
    assert [mark["character"] for mark in marks] == list("2026")
    assert all(mark["kind"] == "digit" and mark["sure"] for mark in marks)
    for index, mark in enumerate(marks):             # each box holds its own digit's ink
        left, top, right, bottom = mark["box"]
        assert 30 + index * 190 <= left < right <= 30 + index * 190 + BOX
        assert 40 <= top < bottom <= 40 + BOX


def test_a_four_of_two_strokes_stays_one_digit(app):
    reading = write(app, FOUR_IN_TWO_STROKES)
    assert reading["text"] == "4" and len(reading["marks"]) == 1


def test_enter_saves_the_number_typed_in_the_field(app):
    strokes = written("1047")
    reading = write(app, strokes)
    assert reading["text"] == "1047"
    mark = len(app.lines())
    app.key("n")                                     # the field holds the reading: type over it
    app.display.xdotool("type", "--delay", "20", "(104) 7")
    app.display.xdotool("key", "Return")
    saved = app.wait_for(lambda lines: next((line for line in lines[mark:]
                                             if "saved_number" in line), None),
                         what="the number to be saved")
    assert saved["text"] == "(104)7"
    assert app.wait_for_reading(strokes=0, after=mark).get("text") is None, "cleared after"
    assert not [line for line in app.lines()[mark:] if line.get("label") is not None], \
        "typing digits in the field saves no digit"
    record = json.loads((app.my_numbers / saved["saved_number"].split("/")[-1]).read_text())
    assert list(record) == ["format", "text", "created", "canvas", "strokes"]
    assert record["format"] == 1 and record["text"] == "(104)7"
    assert record["canvas"] == app.ready["canvas"][2:] and len(record["strokes"]) == len(strokes)
    first = np.array(record["strokes"][0]["points"])
    np.testing.assert_allclose(first, np.round(strokes[0]), atol=1.0)   # mouse pixels
    (number,) = load_numbers([app.my_numbers])
    assert number.text == "(104)7"


def test_a_text_that_is_not_a_number_is_refused_and_the_drawing_kept(app):
    strokes = written("17")
    write(app, strokes)
    before = sorted(app.my_numbers.glob("*.json")) if app.my_numbers.exists() else []
    mark = len(app.lines())
    app.key("n")
    app.display.xdotool("type", "--delay", "20", "I7")
    app.display.xdotool("key", "Return")
    failed = app.wait_for(lambda lines: next((line for line in lines[mark:] if "error" in line),
                                             None), what="the refusal")
    assert "not saved" in failed["error"] and "'I'" in failed["error"]
    after = sorted(app.my_numbers.glob("*.json")) if app.my_numbers.exists() else []
    assert after == before
    assert not [line for line in app.lines()[mark:] if "strokes" in line], "drawing kept"
    app.key("Escape")                                # leaves the field; Esc again clears
    app.key("Escape")
    assert app.wait_for_reading(strokes=0, after=mark)["strokes"] == 0


def test_an_x_is_not_a_digit(display, marks_model_path, tmp_path):
    with start(display, marks_model_path, tmp_path) as app:
        assert app.wait_ready()["model_error"] is None
        mark = len(app.lines())
        app.draw(written("1") + X)
        reading = app.wait_for_reading(strokes=3, after=mark)
        assert "error" not in reading, reading["error"]
        assert [mark["kind"] for mark in reading["marks"]] == ["digit", "not a digit"]
        assert reading["text"] == "1?"
    assert "Traceback" not in app.stderr, app.stderr


class SlowModel:
    """A model that takes ``delay`` seconds over every batch it reads."""

    def __init__(self, model, delay: float):
        self.model, self.delay = model, delay
        self.output_shape, self.metadata = model.output_shape, model.metadata
        self.calls = 0

    def predict(self, x):
        self.calls += 1
        time.sleep(self.delay)
        return self.model.predict(x)


@pytest.fixture(autouse=True)
def free_windows_in_the_main_thread():
    """Free the windows a test made, and their Tcl interpreter, here in the main thread: freed
    by a garbage collection that one of the app's worker threads happens to run, Tcl aborts
    the whole process."""
    yield
    gc.collect()


@contextlib.contextmanager
def open_app(display, model_path, folder) -> Iterator[App]:
    """The app's window in this process, its poll running once ``root.update`` is called;
    closed afterwards."""
    app = App(tk.Tk(screenName=display.name), model_path, folder / "my_digits",
              canvas_size=SIZE, my_numbers=folder / "my_numbers")
    app.root.after(0, app.poll)
    try:
        yield app
    finally:
        app.close()


def put_strokes(app, strokes, width: float) -> None:
    for stroke in strokes:
        app.drawing.begin_stroke(*stroke[0], width)
        for point in stroke[1:]:
            app.drawing.extend_stroke(*point)
        app.drawing.end_stroke()


def settle(app, timeout: float = 20) -> tuple[float, int, float]:
    """Run the main loop's work until the newest drawing's reading is shown; how long that
    took, how many times the loop ran, and the longest it waited in one go."""
    started = last = time.monotonic()
    ticks, longest = 0, 0.0
    while app.shown_version != app.drawing.version and time.monotonic() - started < timeout:
        app.root.update()                  # the main loop's work: events, and the poll
        now = time.monotonic()
        longest, last, ticks = max(longest, now - last), now, ticks + 1
        time.sleep(0.005)
    return time.monotonic() - started, ticks, longest


def test_the_window_answers_while_a_long_number_is_read(display, trained_model_path, tmp_path):
    with open_app(display, trained_model_path, tmp_path) as app:
        slow = SlowModel(app.models.model, delay=0.3)
        app.reader.use(slow, app.models.using)
        put_strokes(app, written("13071307130", box=70, step=70, left=10), width=8)
        app.recognize_now()
        took, ticks, longest = settle(app, timeout=30)
        assert app.shown is not None and app.shown.number.text == "13071307130"
        assert slow.calls >= 3 and took >= 0.9, "the reading was slow, as intended"
        assert longest < 0.2, f"the window waited {longest:.2f} s for the reader"
        assert ticks > took / 0.05


def test_the_panel_shows_the_mark_under_the_pointer(display, trained_model_path, tmp_path):
    with open_app(display, trained_model_path, tmp_path) as app:
        put_strokes(app, written("1047"), width=20)
        app.recognize_now()
        settle(app)
        marks = app.shown.number.marks
        assert len(app.canvas.find_withtag("marks")) == 2 * len(marks) == 8   # box and answer
        assert app.answer.digit.cget("text") == "7", "the last mark by default"
        left, top, right, bottom = marks[0].box
        app.on_pointer(SimpleNamespace(x=(left + right) / 2, y=(top + bottom) / 2))
        assert app.answer.digit.cget("text") == "1"
        assert app.answer.title.cget("text").startswith("mark 1 of 4")
        app.on_pointer(SimpleNamespace(x=5, y=5))            # over no mark: the last one
        assert app.answer.digit.cget("text") == "7"


def test_the_canvas_grows_with_the_window_and_the_drawing_is_read_again(
        display, trained_model_path, tmp_path):
    with open_app(display, trained_model_path, tmp_path) as app:
        put_strokes(app, written("1047"), width=20)
        app.recognize_now()
        settle(app)
        before = app.drawing.size
        app.root.geometry(f"{app.root.winfo_width() + 200}x{app.root.winfo_height() + 100}")
        app.root.update()
        canvas = app.canvas
        assert app.drawing.size == (canvas.winfo_width(), canvas.winfo_height())
        assert app.drawing.size[0] >= before[0] + 150 and app.drawing.size[1] >= before[1] + 50
        settle(app)
        assert app.shown_version == app.drawing.version and app.shown.number.text == "1047"
