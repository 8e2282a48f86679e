"""The drawing app without a display: strokes become the right pixels (round brush, undo,
clear), drawn digits are read correctly through preprocessing and a trained model, and the
worker, the feature-map grids and the report behave. The window itself: test_app_gui.py."""

import json
import threading

import numpy as np
import pytest

from scratchnet import load_model

from scratchnet.data import personal
from scratchnet.app.features import first_conv_grids, tile_maps
from scratchnet.app.recognizer import BackgroundReader, Request, open_model, read_drawing, request_for
from scratchnet.app.report import Report
from scratchnet.app.sketch import Sketch
from scratchnet.nn.loading import ModelFileError
from scratchnet.preprocess.rendering import INK, PAPER, render_strokes, strokes_to_mnist
from scratchnet.preprocess.strokes import Stroke

from hand_drawn import HAND_DRAWN, scale_strokes, scanline_strokes

SIZE = 280
BRUSH = 20


def drawn(strokes, width=BRUSH, size=SIZE) -> Sketch:
    drawing = Sketch((size, size))
    for points in strokes:
        drawing.begin_stroke(*points[0], width)
        for point in points[1:]:
            drawing.extend_stroke(*point)
        drawing.end_stroke()
    return drawing


def pixels(drawing: Sketch) -> np.ndarray:
    return np.asarray(drawing.image)


@pytest.fixture(scope="module")
def model(trained_model_path):
    return load_model(trained_model_path)


# ---------------------------------------------------------------------------------- strokes
def test_stroke_inks_the_segment_between_its_points_and_nothing_far_from_it():
    image = pixels(drawn([[(50, 100), (150, 100)]], width=10))
    assert image[100, 50:151].min() == INK                  # along the line
    assert image[96:105, 100].min() == INK                  # its full width
    assert image[90, :].max() == PAPER and image[110, :].max() == PAPER
    ink_columns = np.flatnonzero(image.max(axis=0) == INK)
    assert 44 <= ink_columns.min() <= 46 and 154 <= ink_columns.max() <= 156   # caps: r = 5


def test_stroke_ends_are_round_not_square():
    image = pixels(drawn([[(50, 100), (150, 100)]], width=10))
    assert image[100, 46] == INK                            # the cap reaches the full radius...
    assert image[96, 46] == PAPER and image[104, 154] == PAPER   # ...but not into the corners


def test_a_click_leaves_a_round_dot_of_the_brush_width():
    image = pixels(drawn([[(100, 100)]], width=20))
    assert image[100, 100] == INK
    inked = np.count_nonzero(image == INK)
    assert abs(inked - np.pi * 10 ** 2) < 0.15 * np.pi * 10 ** 2
    assert image[91, 91] == PAPER and image[109, 109] == PAPER       # a disc, not a square


def test_a_sharp_turn_leaves_no_notch_at_the_corner():
    image = pixels(drawn([[(50, 50), (150, 50), (50, 60)]], width=16))
    assert image[42:59, 150].min() == INK and image[50, 150:157].min() == INK


def test_incremental_image_equals_the_strokes_rendered_afresh():
    drawing = drawn(scale_strokes(HAND_DRAWN[3], SIZE) + scale_strokes(HAND_DRAWN[7], SIZE))
    np.testing.assert_array_equal(pixels(drawing), np.asarray(render_strokes(drawing.strokes, (SIZE, SIZE))))


def test_moving_the_pen_nowhere_adds_no_point_and_no_change():
    drawing = drawn([[(10, 10), (20, 20)]])
    version = drawing.version
    assert drawing.extend_stroke(20, 20) is None
    assert drawing.strokes[-1].points == ((10, 10), (20, 20)) and drawing.version == version


def test_a_request_keeps_the_strokes_it_was_made_of_while_drawing_goes_on():
    drawing = drawn([[(40, 40), (40, 200)]])
    drawing.begin_stroke(100, 40, BRUSH)
    drawing.extend_stroke(100, 120)
    request = request_for(drawing)
    assert drawing.active is drawing.strokes[-1] and drawing.active.width == BRUSH
    drawing.extend_stroke(100, 200)
    drawing.end_stroke()
    drawing.undo()
    assert [stroke.points for stroke in request.strokes] == [((40, 40), (40, 200)),
                                                             ((100, 40), (100, 120))]
    assert drawing.active is None and len(drawing.strokes) == 1


def test_the_pen_draws_only_while_down():
    drawing = drawn([[(40, 40), (40, 200)]])
    assert drawing.extend_stroke(200, 200) is None            # lifted: moving draws nothing
    drawing.begin_stroke(100, 40, BRUSH)
    drawing.undo()                                            # undone while still drawing
    assert drawing.extend_stroke(100, 200) is None            # does not extend the first one
    np.testing.assert_array_equal(pixels(drawing), pixels(drawn([[(40, 40), (40, 200)]])))


def test_undo_removes_the_last_stroke_only():
    first, second = [(40, 40), (40, 200)], [(200, 40), (200, 200)]
    drawing = drawn([first, second])
    assert drawing.undo() is True
    assert len(drawing.strokes) == 1
    np.testing.assert_array_equal(pixels(drawing), pixels(drawn([first])))
    assert pixels(drawing)[120, 40] == INK and pixels(drawing)[120, 200] == PAPER
    assert drawing.undo() is True and drawing.is_empty and pixels(drawing).max() == PAPER
    assert drawing.undo() is False


def test_clear_removes_every_stroke_and_changes_the_version():
    drawing = drawn(scale_strokes(HAND_DRAWN[4], SIZE))
    version = drawing.version
    drawing.clear()
    assert drawing.is_empty and pixels(drawing).max() == PAPER and drawing.version > version
    drawing.begin_stroke(5, 5, 4)                            # and drawing goes on afterwards
    assert pixels(drawing)[5, 5] == INK


def test_brush_width_must_be_positive():
    with pytest.raises(ValueError, match="brush width"):
        Sketch((SIZE, SIZE)).begin_stroke(1, 1, 0)


def test_stroke_records_are_what_a_saved_sample_holds(tmp_path):
    drawing = drawn(scale_strokes(HAND_DRAWN[7], SIZE))
    records = drawing.records()
    assert records == json.loads(json.dumps(records))
    assert records[0] == Stroke(BRUSH, drawing.strokes[0].points).record()
    path = personal.save_sample(tmp_path, 7, strokes_to_mnist(records, drawing.size), records,
                                drawing.size)
    saved = json.loads(path.read_text())
    assert saved["strokes"] == [{"width": BRUSH, "points": [[round(x, 2), round(y, 2)]
                                                            for x, y in stroke.points]}
                                for stroke in drawing.strokes]


# -------------------------------------------------------------------------- reading digits
@pytest.mark.parametrize("digit", sorted(HAND_DRAWN))
def test_hand_drawn_digit_is_read_correctly(model, digit):
    drawing = drawn(scale_strokes(HAND_DRAWN[digit], SIZE))
    reading = read_drawing(model, request_for(drawing))
    assert reading.digit == digit, reading.probabilities.round(3)
    assert reading.probabilities.sum() == pytest.approx(1, abs=1e-5)
    assert reading.image28.shape == (28, 28) and reading.image28.max() == pytest.approx(1)


def test_mnist_digits_redrawn_as_strokes_are_read_like_the_originals(model, mnist):
    """The GUI test draws MNIST digits this way; the redrawn digit must still be the digit."""
    _, (x_test, y_test) = mnist
    right = 0
    for image, label in zip(x_test[:30], y_test[:30]):
        drawing = drawn(scanline_strokes(image, SIZE), width=SIZE // 28 + 4)
        right += read_drawing(model, request_for(drawing)).digit == label
    assert right >= 28


def test_empty_drawing_is_blank_without_a_guess(model):
    reading = read_drawing(model, request_for(Sketch((SIZE, SIZE))))
    assert reading.blank and reading.digit is None
    assert reading.report() == {"digit": None, "confidence": None, "probabilities": None,
                                "strokes": 0}


def test_ink_outside_the_canvas_only_is_blank(model):
    drawing = drawn([[(-50, -50), (-20, -20)]])
    reading = read_drawing(model, request_for(drawing))
    assert reading.blank and reading.report()["digit"] is None


def test_without_a_model_the_drawing_is_preprocessed_but_not_guessed():
    drawing = drawn(scale_strokes(HAND_DRAWN[1], SIZE))
    reading = read_drawing(None, request_for(drawing))
    assert reading.image28 is not None and reading.digit is None and not reading.blank


def test_report_line_of_a_prediction(model):
    drawing = drawn(scale_strokes(HAND_DRAWN[7], SIZE))
    line = read_drawing(model, request_for(drawing)).report()
    assert line["digit"] == 7 and line["strokes"] == 2 and len(line["probabilities"]) == 10
    assert line["confidence"] == pytest.approx(max(line["probabilities"]), abs=1e-6)
    assert line["forward_ms"] > 0 and line["preprocess_ms"] > 0
    json.dumps(line)


def test_a_number_is_read_mark_by_mark_and_reported(model):
    drawing = Sketch((3 * SIZE, SIZE))
    for index, digit in enumerate((1, 0, 4, 7)):
        for stroke in scale_strokes(HAND_DRAWN[digit], 200):
            drawing.begin_stroke(stroke[0][0] + 20 + index * 200, stroke[0][1] + 40, BRUSH)
            for x, y in stroke[1:]:
                drawing.extend_stroke(x + 20 + index * 200, y + 40)
            drawing.end_stroke()
    reading = read_drawing(model, request_for(drawing))
    assert reading.number.text == "1047" and reading.symbols == tuple("0123456789")
    line = reading.report()
    assert line["text"] == "1047" and [mark["character"] for mark in line["marks"]] == list("1047")
    lefts = [mark["box"][0] for mark in line["marks"]]
    assert lefts == sorted(lefts) and all(20 <= left < 3 * SIZE for left in lefts)
    assert line["number_ms"] > 0
    json.dumps(line)


def test_without_a_model_no_number_is_read():
    reading = read_drawing(None, request_for(drawn(scale_strokes(HAND_DRAWN[1], SIZE))))
    assert reading.number is None and "text" not in reading.report()


# ------------------------------------------------------------------------------ the model
def test_missing_model_file_says_how_to_train_one(tmp_path):
    model, message = open_model(tmp_path / "mnist.npz")
    assert model is None and "python scripts/train.py" in message and "mnist.npz" in message


def test_invalid_model_file_gives_the_loaders_message(tmp_path):
    path = tmp_path / "broken.npz"
    path.write_bytes(b"not a model")
    model, message = open_model(path)
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    assert model is None and message == str(error.value)


# ------------------------------------------------------------------- worker and features
def test_worker_reads_the_newest_drawing_and_reports_failures(model):
    reader = BackgroundReader(model)
    try:
        seven = drawn(scale_strokes(HAND_DRAWN[7], SIZE))
        for version in range(1, 4):
            reader.submit(Request(seven.records(), seven.size, version))
        readings = [reader.results.get(timeout=10)]
        while readings[-1].version != 3:
            readings.append(reader.results.get(timeout=10))
        assert readings[-1].digit == 7
        reader.submit(Request(["not a stroke"], seven.size, 4))
        failed = reader.results.get(timeout=10)
        assert failed.version == 4 and "could not read the drawing" in failed.error
    finally:
        reader.close()


def test_worker_thread_leaves_the_caller_free(model, monkeypatch):
    """submit() returns while the network is still busy with the drawing: the window never
    waits for a prediction."""
    busy = threading.Event()
    release = threading.Event()
    predict = model.predict

    def held_predict(x, *args, **kwargs):
        if x.any():              # the warm-up pass on a blank image goes through at once
            busy.set()
            assert release.wait(10), "the test never released the network"
        return predict(x, *args, **kwargs)

    monkeypatch.setattr(model, "predict", held_predict)
    reader = BackgroundReader(model)
    try:
        drawing = drawn(scale_strokes(HAND_DRAWN[0], SIZE))
        reader.submit(request_for(drawing, features=True))
        assert busy.wait(10), "the worker never started reading"
        assert reader.results.empty()          # the caller got here while the network works
        release.set()
        assert reader.results.get(timeout=10).digit == 0
    finally:
        release.set()
        reader.close()


def test_feature_maps_are_tiled_one_cell_per_channel():
    maps = np.arange(2 * 3 * 10, dtype=float).reshape(2, 3, 10)
    grid = tile_maps(maps, columns=4, gap=1)
    assert grid.shape == (3 * 3 - 1, 4 * 4 - 1)
    np.testing.assert_allclose(grid[0:2, 4:7], maps[:, :, 1] / maps.max())   # row 0, column 1
    np.testing.assert_allclose(grid[6:8, 4:7], maps[:, :, 9] / maps.max())   # row 2, column 1
    assert np.isnan(grid[2, :]).all() and np.isnan(grid[6:8, 8:]).all()     # gap, empty cells
    assert np.nanmax(tile_maps(np.zeros((2, 2, 3)))) == 0                    # silent layer


def test_first_two_conv_layers_are_shown(model):
    drawing = drawn(scale_strokes(HAND_DRAWN[3], SIZE))
    image = strokes_to_mnist(drawing.records(), drawing.size)
    grids = first_conv_grids(model, image)
    conv_names = [layer.name for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [name for name, _, _ in grids] == conv_names[:2]
    for _, (height, width, count), rgb in grids:
        columns = min(8, count)
        assert rgb.dtype == np.uint8 and rgb.shape == (-(-count // columns) * (height + 1) - 1,
                                                       columns * (width + 1) - 1, 3)


def test_report_file_gets_one_flushed_json_line_per_write(tmp_path):
    path = tmp_path / "sub" / "report.jsonl"
    report = Report(path)
    report.write({"ready": True})
    assert json.loads(path.read_text()) == {"ready": True}        # readable before close
    report.write({"digit": 3})
    report.close()
    assert [json.loads(line) for line in path.read_text().splitlines()] == [{"ready": True},
                                                                             {"digit": 3}]
    Report(None).write({"ignored": True})


def test_a_resized_canvas_keeps_the_strokes_in_place_and_changes_the_version():
    drawing = drawn([[(50, 100), (150, 100)]], width=10)
    version = drawing.version
    assert drawing.resize((3 * SIZE, SIZE)) and drawing.version > version
    assert drawing.size == (3 * SIZE, SIZE) and drawing.image.size == (3 * SIZE, SIZE)
    np.testing.assert_array_equal(pixels(drawing), np.asarray(render_strokes(drawing.strokes, drawing.size)))
    assert not drawing.resize((3 * SIZE, SIZE)), "the same size is no change"
    drawing.resize((120, 120))                       # the stroke's end is now off the canvas
    assert pixels(drawing)[100, 119] == INK and drawing.strokes[0].points[-1] == (150.0, 100.0)
