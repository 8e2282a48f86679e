"""Teaching in the real window (Xvfb, driven by xdotool): a digit key saves the drawing and
teaches it at once, "Teach my handwriting" teaches every saved drawing, the window keeps
answering while it teaches, the taught drawings are read as taught, b goes back to the base
model; and a missing, damaged or foreign personal.npz at start-up."""

import shutil
import time

import pytest

from scratchnet.nn.networks import small_cnn

from xdriver import AppProcess

pytestmark = pytest.mark.gui

SIZE = 280


@pytest.fixture
def models(trained_model_path, tmp_path):
    """models/mnist.npz, a copy of the suite's trained model, in a folder of this test's own."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copyfile(trained_model_path, folder / "mnist.npz")
    return folder


def start(display, models, tmp_path, mnist_dir, *extra):
    return AppProcess(display, models / "mnist.npz", tmp_path / "report.jsonl",
                      tmp_path / "my_digits", size=SIZE,
                      extra_args=["--data-dir", str(mnist_dir), *extra])


def bar(y: float, left: float = 60, right: float = 220) -> list[list[tuple[float, float]]]:
    """A horizontal bar, one stroke: nothing in MNIST looks like it."""
    return [[(left, y), ((left + right) / 2, y), (right, y)]]


def draw(app, strokes) -> dict:
    mark = len(app.lines())
    app.draw(strokes)
    return app.wait_for_reading(strokes=len(strokes), after=mark)


def clear(app) -> None:
    mark = len(app.lines())
    app.key("c")
    app.wait_for_reading(strokes=0, after=mark)


def save_as(app, strokes, digit: int) -> dict:
    draw(app, strokes)
    mark = len(app.lines())
    app.key(str(digit))
    return app.wait_for(lambda lines: next((line for line in lines[mark:] if "saved" in line),
                                           None), what=f"the drawing to be saved as {digit}")


def teacher_ready(app, timeout: float = 120) -> dict:
    return app.wait_for(lambda lines: next(
        (line for line in lines if line.get("teaching") == "ready"), None),
        timeout, "the teacher to be ready")


def teaching_outcome(app, after: int, timeout: float = 120) -> dict:
    return app.wait_for(lambda lines: next(
        (line for line in lines[after:] if line.get("teaching") in ("finished", "failed")), None),
        timeout, "teaching to end")


def test_teaching_switches_to_the_personal_model_and_back(display, models, tmp_path, mnist_dir):
    with start(display, models, tmp_path, mnist_dir) as app:
        ready = app.wait_ready()
        assert ready["model_in_use"] == "base" and ready["personal_error"] is None
        probe = bar(140, 70, 210)
        base_reading = draw(app, probe)
        assert base_reading["digit"] != 3 and base_reading["model"] == "base"
        clear(app)
        for y in (90, 110, 130, 150, 170, 190):
            save_as(app, bar(y), 3)

        mark = len(app.lines())
        app.key("l")
        outcome = teaching_outcome(app, mark)
        assert outcome["teaching"] == "finished", outcome
        assert outcome["model"] == "models/personal.npz" or \
            outcome["model"].endswith("personal.npz")
        assert outcome["taught"] == 6 and outcome["after"] == 1.0
        assert (models / "personal.npz").is_file()

        taught = draw(app, probe)
        assert taught["model"] == "personal" and taught["digit"] == 3

        mark = len(app.lines())
        app.key("b")                                   # back to the base model, same drawing
        again = app.wait_for_reading(strokes=1, after=mark)
        assert again["model"] == "base" and again["digit"] == base_reading["digit"]
        assert {"model_in_use": "base"} in app.lines()[mark:]
        mark = len(app.lines())
        app.key("b")
        assert app.wait_for_reading(strokes=1, after=mark)["digit"] == 3
    assert "Traceback" not in app.stderr, app.stderr

    with start(display, models, tmp_path, mnist_dir) as app:     # opened again at start-up
        assert app.wait_ready()["model_in_use"] == "personal"
        assert draw(app, probe)["digit"] == 3


def test_a_digit_key_teaches_the_drawing_at_once_and_b_goes_back(display, models, tmp_path,
                                                                 mnist_dir):
    with start(display, models, tmp_path, mnist_dir) as app:
        app.wait_ready()
        teacher_ready(app)
        probe = bar(140, 70, 210)                   # the suite's model reads no 3 in it
        base_reading = draw(app, probe)
        assert base_reading["digit"] != 3 and base_reading["model"] == "base"
        mark = len(app.lines())
        pressed = time.monotonic()
        app.key("3")
        taught = app.wait_for(lambda lines: next(
            (line for line in lines[mark:] if line.get("teaching") in ("drawing taught", "failed")),
            None), 30, "the digit key's teaching")
        waited = time.monotonic() - pressed
        assert taught["teaching"] == "drawing taught", taught
        assert (taught["label"], taught["right"], taught["count"]) == (3, 1, 1)
        assert taught["seconds"] < 1.0 and waited < 2.0, (taught, waited)
        assert (models / "personal.npz").is_file()

        taught = draw(app, probe)                   # the same drawing again: read right
        assert taught["model"] == "personal" and taught["digit"] == 3

        mark = len(app.lines())
        app.key("b")                                # back to the base model, same drawing
        again = app.wait_for_reading(strokes=1, after=mark)
        assert again["model"] == "base" and again["digit"] == base_reading["digit"]
    assert "Traceback" not in app.stderr, app.stderr


def test_the_window_answers_while_teaching(display, models, tmp_path, mnist_dir):
    # A fit of very many steps: the digit key's teaching takes seconds instead of a fraction
    # of one, and the window is drawn on and read meanwhile.
    with start(display, models, tmp_path, mnist_dir, "--teach-steps", "200000") as app:
        app.wait_ready()
        teacher_ready(app)
        save_as(app, bar(140), 3)
        mark = len(app.lines())
        for y in (100, 180):
            clear(app)
            reading = draw(app, bar(y))
            assert reading["model"] == "base" and reading["digit"] is not None
        assert not any(line.get("teaching") == "drawing taught" for line in app.lines()[mark:]), \
            "teaching ended before the window was tested: raise --teach-steps"
    # Closed while teaching: nothing half-taught is saved.
    assert not (models / "personal.npz").exists()
    assert "Traceback" not in app.stderr, app.stderr


def test_no_saved_digits_says_so_in_the_window(display, models, tmp_path, mnist_dir):
    with start(display, models, tmp_path, mnist_dir) as app:
        app.wait_ready()
        mark = len(app.lines())
        app.key("l")
        outcome = teaching_outcome(app, mark)
        assert outcome["teaching"] == "failed" and "Draw a digit, press its key" in outcome["error"]
        assert not (models / "personal.npz").exists()
        assert draw(app, bar(100))["model"] == "base"           # drawing goes on
    assert "Traceback" not in app.stderr, app.stderr


def damaged(path):
    path.write_bytes(b"PK\x03\x04 cut off")


def foreign(path):
    small_cnn(seed=3).save(path)          # a model file, but not one the app made


@pytest.mark.parametrize("make, expected", [(damaged, "cannot be used"),
                                            (foreign, "not a personal model made by")],
                         ids=["damaged", "foreign"])
def test_an_unusable_personal_model_is_named_and_the_base_model_used(display, models, tmp_path,
                                                                     mnist_dir, make, expected):
    make(models / "personal.npz")
    with start(display, models, tmp_path, mnist_dir) as app:
        ready = app.wait_ready()
        assert ready["model_in_use"] == "base" and ready["model_error"] is None
        assert expected in ready["personal_error"]
        assert str(models / "personal.npz") in ready["personal_error"]
        reading = draw(app, bar(140))
        assert reading["model"] == "base" and reading["digit"] is not None
    assert "Traceback" not in app.stderr, app.stderr
