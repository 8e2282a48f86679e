"""The drawing app in a real X server (Xvfb), driven with the mouse and keyboard by xdotool: what
it reads from digits drawn on its canvas, Clear, Undo, saving a digit, the feature-map panel,
and opening without a usable model. The app reports what it shows through --report-file."""

import json

import numpy as np
import pytest

from scratchnet import load_model
from scratchnet.app.recognizer import read_drawing, request_for
from scratchnet.data import personal
from scratchnet.app.sketch import Sketch
from scratchnet.nn.loading import ModelFileError
from scratchnet.preprocess import strokes_to_mnist

from hand_drawn import HAND_DRAWN, scale_strokes, scanline_strokes
from xdriver import AppProcess

pytestmark = pytest.mark.gui

SIZE = 280
BRUSH = SIZE // 28 + 4       # wide enough for scan lines 10 px apart to fill a digit
MNIST_DIGITS = 4             # how many test-set digits to draw


@pytest.fixture(scope="module")
def app(display, trained_model_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("app")
    with AppProcess(display, trained_model_path, folder / "report.jsonl", folder / "my_digits",
                    size=SIZE, brush=BRUSH) as app:
        app.wait_ready()
        app.my_digits = folder / "my_digits"
        yield app
    assert "Traceback" not in app.stderr, app.stderr


@pytest.fixture(scope="module")
def model(trained_model_path):
    return load_model(trained_model_path)


def on_screen(strokes):
    """The points the app receives: whole pixels, as the mouse moves in whole pixels."""
    return [[(round(x), round(y)) for x, y in stroke] for stroke in strokes]


def read_offline(model, strokes):
    """What the app should read from these strokes: the same drawing, preprocessing and model."""
    drawing = Sketch((SIZE, SIZE))
    for stroke in strokes:
        drawing.begin_stroke(*stroke[0], BRUSH)
        for point in stroke[1:]:
            drawing.extend_stroke(*point)
        drawing.end_stroke()
    return read_drawing(model, request_for(drawing))


def clear(app):
    mark = len(app.lines())
    app.key("c")
    assert app.wait_for_reading(strokes=0, after=mark)["digit"] is None


def draw(app, strokes) -> dict:
    """Draw on an empty canvas; the app's settled reading of the whole drawing."""
    mark = len(app.lines())
    app.draw(strokes)
    return app.wait_for_reading(strokes=len(strokes), after=mark)


def test_window_is_mapped_and_reports_its_canvas(app):
    assert app.ready["canvas"][2:] == [3 * SIZE, SIZE], "three times as wide as high"
    assert app.ready["model_error"] is None
    assert app.window_id()
    assert app.lines()[1] == {"digit": None, "confidence": None, "probabilities": None,
                              "strokes": 0}, "an empty canvas must not show a guess"


def test_mnist_test_digits_drawn_with_the_mouse_are_read_correctly(app, model, mnist):
    _, (x_test, y_test) = mnist
    chosen, seen = [], set()
    for image, label in zip(x_test, y_test):
        strokes = on_screen(scanline_strokes(image, SIZE))
        if label in seen or read_offline(model, strokes).digit != label:
            continue         # the model's own mistakes are not the app's
        chosen.append((int(label), strokes))
        seen.add(label)
        if len(chosen) == MNIST_DIGITS:
            break
    for label, strokes in chosen:
        clear(app)
        reading = draw(app, strokes)
        expected = read_offline(model, strokes)
        assert reading["digit"] == label, f"drew a {label}, the app read {reading['digit']}"
        np.testing.assert_allclose(reading["probabilities"], expected.probabilities, atol=1e-4)
    # Every reading says how long the network took (bench.py measures the latency itself).
    assert all(line["forward_ms"] > 0 for line in app.lines() if "digit" in line and
               line["digit"] is not None)


@pytest.mark.parametrize("digit", [1, 7, 0, 4])
def test_hand_drawn_digits_are_read_correctly(app, digit):
    clear(app)
    reading = draw(app, scale_strokes(HAND_DRAWN[digit], SIZE))
    assert reading["digit"] == digit and reading["confidence"] > 0.5


def test_undo_takes_back_the_last_stroke_and_clear_empties_the_canvas(app):
    clear(app)
    bar, stem = scale_strokes(HAND_DRAWN[7], SIZE)
    bar_only = draw(app, [bar])
    mark = len(app.lines())
    app.draw([stem])
    assert app.wait_for_reading(strokes=2, after=mark)["digit"] == 7

    mark = len(app.lines())
    app.key("ctrl+z")
    undone = app.wait_for_reading(strokes=1, after=mark)
    assert undone["digit"] == bar_only["digit"]
    np.testing.assert_allclose(undone["probabilities"], bar_only["probabilities"], atol=1e-5)

    mark = len(app.lines())
    app.key("ctrl+z")
    assert app.wait_for_reading(strokes=0, after=mark)["digit"] is None

    draw(app, scale_strokes(HAND_DRAWN[1], SIZE))
    mark = len(app.lines())
    app.key("Escape")
    assert app.wait_for_reading(strokes=0, after=mark)["digit"] is None


def test_digit_key_saves_the_drawing_as_that_digit(app, model):
    clear(app)
    strokes = scale_strokes(HAND_DRAWN[4], SIZE)
    reading = draw(app, strokes)
    mark = len(app.lines())
    app.key("4")
    saved = app.wait_for(lambda lines: next((line for line in lines[mark:] if "saved" in line),
                                            None), what="the digit to be saved")
    assert saved["label"] == 4 and saved["count"] == 1
    assert personal.counts(app.my_digits)[4] == 1
    images, labels, warnings = personal.load_personal_digits(app.my_digits)
    assert labels.tolist() == [4] and not warnings and images[0].max() == pytest.approx(1)
    # What the window read, and saved, is strokes_to_mnist of the strokes in the file.
    stored = json.loads(next(app.my_digits.glob("4_*.json")).read_text())
    fed = strokes_to_mnist(stored["strokes"], tuple(stored["canvas"]))
    assert np.abs(np.array(stored["image"]) / 255 - fed).max() <= 0.5 / 255 + 1e-6
    np.testing.assert_allclose(reading["probabilities"], model.predict(fed.reshape(1, 28, 28, 1))[0],
                               atol=1e-4)
    assert app.wait_for_reading(strokes=0, after=mark)["digit"] is None, \
        "the canvas is cleared after saving"


def test_feature_map_panel_shows_the_first_two_conv_layers(app, model):
    clear(app)
    app.key("f")
    reading = draw(app, scale_strokes(HAND_DRAWN[3], SIZE))
    conv_names = [layer.name for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert reading["feature_maps"] == conv_names[:2] and reading["digit"] == 3
    app.key("f")
    clear(app)
    assert "feature_maps" not in draw(app, scale_strokes(HAND_DRAWN[1], SIZE))


def test_without_a_model_file_the_window_opens_and_says_how_to_train(display, tmp_path):
    not_a_directory = tmp_path / "my_digits"
    not_a_directory.write_text("a file where the saved digits should go")
    with AppProcess(display, tmp_path / "none.npz", tmp_path / "report.jsonl", not_a_directory,
                    size=SIZE) as app:
        ready = app.wait_ready()
        assert "python scripts/train.py" in ready["model_error"]
        reading = draw(app, scale_strokes(HAND_DRAWN[1], SIZE))
        assert reading["digit"] is None and reading["strokes"] == 1     # drawing still works

        mark = len(app.lines())
        app.key("1")                      # saving fails: said in the window, drawing kept
        failed = app.wait_for(lambda lines: next((line for line in lines[mark:]
                                                  if "error" in line), None), what="an error")
        assert "not saved" in failed["error"] and str(not_a_directory) in failed["error"]
        assert not [line for line in app.lines()[mark:] if "strokes" in line], "not cleared"
        app.key("ctrl+z")                 # the stroke is still there to undo
        assert app.wait_for_reading(strokes=0, after=mark)["strokes"] == 0
        assert not any("saved" in line for line in app.lines())
    assert "Traceback" not in app.stderr, app.stderr


def test_invalid_model_file_shows_the_loaders_message(display, tmp_path):
    model_path = tmp_path / "broken.npz"
    model_path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ModelFileError) as error:
        load_model(model_path)
    with AppProcess(display, model_path, tmp_path / "report.jsonl", tmp_path / "my_digits",
                    size=SIZE) as app:
        assert app.wait_ready()["model_error"] == str(error.value)
        assert app.process.poll() is None, "the app must keep running"
    assert "Traceback" not in app.stderr, app.stderr
