"""People's drawings: loading a set of them (a person's folder, or a folder of people's), the
scaled redraw, and, on the dev set of real drawings, that the app reads a drawing exactly as
evaluation does and that the test model reads most of them."""

import json
from pathlib import Path

import numpy as np
import pytest

from scratchnet import load_model
from scratchnet.data import personal
from scratchnet.app.recognizer import read_drawing, request_for
from scratchnet.app.sketch import Sketch
from scratchnet.data.drawings import DrawingsError, drawings_to_mnist, load_drawings, scale_to_box
from scratchnet.preprocess import Stroke, strokes_to_mnist
from scratchnet.training.metrics import evaluate_drawings

from hand_drawn import HAND_DRAWN, scale_strokes

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_SET = REPO_ROOT.parent / "shared" / "drawn"
CANVAS = (280, 280)
# The test model (conftest: small CNN, 2 epochs, 97.8% on MNIST) read 90.1% of the dev set
# through strokes_to_mnist when this was written, the same at a 60 px digit box (with the brush
# as drawn, pen="drawn": 90.4%, and 64.8% at 60 px). The bound leaves room for another
# machine's arithmetic and a slightly different model.
DEV_SET_BOUND = 0.85


def hand_drawn(digit: int) -> list[Stroke]:
    return [Stroke(20.0, tuple(stroke)) for stroke in scale_strokes(HAND_DRAWN[digit], CANVAS[0])]


def save_person(folder: Path, digits=(0, 1, 3, 4, 7)) -> list[Path]:
    paths = []
    for digit in digits:
        strokes = hand_drawn(digit)
        paths.append(personal.save_sample(folder, digit, strokes_to_mnist(strokes), strokes,
                                          CANVAS))
    return paths


@pytest.fixture(scope="module")
def dev_set():
    if not DEV_SET.is_dir():
        pytest.skip(f"the dev set of real drawings is not here: {DEV_SET} does not exist")
    return load_drawings([DEV_SET])


# ------------------------------------------------------------------------------- loading
def test_a_person_folder_and_a_folder_of_people(tmp_path):
    save_person(tmp_path / "people" / "ann")
    save_person(tmp_path / "people" / "bob", digits=(1, 7))
    (tmp_path / "people" / "README.md").write_text("two people\n")
    save_person(tmp_path / "cy")
    drawings = load_drawings([tmp_path / "people", tmp_path / "cy"])
    assert [d.person for d in drawings] == ["ann"] * 5 + ["bob"] * 2 + ["cy"] * 5
    assert [d.label for d in drawings[:5]] == [0, 1, 3, 4, 7]
    assert drawings[0].canvas == CANVAS and drawings[0].strokes[0].width == 20.0


def test_any_json_in_a_person_folder_is_a_drawing_whatever_its_name(tmp_path):
    path = save_person(tmp_path / "ann", digits=(3,))[0]
    path.rename(path.with_name("three.json"))
    assert [d.label for d in load_drawings([tmp_path / "ann"])] == [3]


@pytest.mark.parametrize("problem, message", [
    ("missing", "no such directory"),
    ("empty", "no drawings: expected .json files"),
    ("corrupt", "not valid JSON"),
    ("no strokes", "holds no strokes"),
    ("twice", "give each person's folder once"),
])
def test_unusable_sets_are_refused_naming_the_folder_or_file(tmp_path, problem, message):
    folder = tmp_path / "ann"
    folders = [folder]
    named = folder
    if problem != "missing":
        folder.mkdir()
    if problem == "corrupt":
        named = save_person(folder)[2]
        named.write_text('{"format": 1, "lab')
    elif problem == "no strokes":
        named = personal.save_sample(folder, 4, np.zeros((28, 28)), [], CANVAS)
    elif problem == "twice":
        save_person(folder)
        save_person(tmp_path / "other" / "ann")
        folders, named = [folder, tmp_path / "other"], tmp_path / "other"
    with pytest.raises(DrawingsError) as error:
        load_drawings(folders)
    assert str(error.value).startswith(f"{named}: ") and message in str(error.value)


def test_scale_to_box_scales_the_points_about_the_canvas_centre_and_keeps_the_pen():
    strokes = hand_drawn(4)
    for box in (200, 60):
        scaled = scale_to_box(strokes, CANVAS, box)
        points = np.array([point for stroke in scaled for point in stroke.points])
        low, high = points.min(axis=0), points.max(axis=0)
        assert (high - low).max() == pytest.approx(box)
        np.testing.assert_allclose((low + high) / 2, [140, 140])
        assert [stroke.width for stroke in scaled] == [20.0] * len(strokes)
    dot = scale_to_box([Stroke(5.0, ((10.0, 20.0),))], CANVAS, 60)
    assert dot[0].points == ((140.0, 140.0),)
    with pytest.raises(ValueError, match="fit in the 280x280 canvas"):
        scale_to_box(strokes, CANVAS, 300)


def test_evaluation_counts_per_person_and_digit(trained_model_path, tmp_path):
    save_person(tmp_path / "ann")
    save_person(tmp_path / "bob", digits=(7, 7))
    drawings = load_drawings([tmp_path / "ann", tmp_path / "bob"])
    result = evaluate_drawings(load_model(trained_model_path), drawings).to_json()
    assert result["drawings"] == 7 and result["people"] == 2 and result["pen"] == "mnist"
    assert result["per_person"]["bob"]["drawings"] == 2
    assert result["per_digit"]["7"]["drawings"] == 3 and result["per_digit"]["2"]["drawings"] == 0
    assert sum(map(sum, result["confusion_matrix"])) == 7
    assert result["right"] == sum(row["right"] for row in result["per_person"].values())
    json.dumps(result)


# ------------------------------------------------------------------------------- dev set
def test_dev_set_has_26_people_with_5_of_each_digit(dev_set):
    assert len(dev_set) == 1300 and len({d.person for d in dev_set}) == 26
    assert np.bincount([d.label for d in dev_set]).tolist() == [130] * 10


def test_the_app_feeds_the_network_strokes_to_mnist_of_the_saved_strokes(dev_set, tmp_path):
    """Each drawing drawn again into the app's Sketch, stroke by stroke: the worker reads, and
    saving stores, exactly what evaluation reads from the saved file."""
    for drawing in dev_set[::50]:                    # 26 drawings, one digit each of everyone
        app = Sketch(drawing.canvas)
        for stroke in drawing.strokes:
            app.begin_stroke(*stroke.points[0], stroke.width)
            for point in stroke.points[1:]:
                app.extend_stroke(*point)
            app.end_stroke()
        fed = read_drawing(None, request_for(app)).image28
        expected = strokes_to_mnist(drawing.strokes, drawing.canvas)
        np.testing.assert_array_equal(fed, expected, err_msg=str(drawing.path))
        saved = personal.save_sample(tmp_path, drawing.label, fed, app.records(), app.size)
        reloaded = load_drawings([tmp_path])[-1]
        np.testing.assert_array_equal(strokes_to_mnist(reloaded.strokes, reloaded.canvas),
                                      expected, err_msg=str(drawing.path))
        saved.unlink()


def test_the_test_model_reads_the_dev_drawings_at_any_size(dev_set, trained_model_path):
    model = load_model(trained_model_path)
    for box in (None, 60):
        result = evaluate_drawings(model, dev_set, box)
        assert result.accuracy >= DEV_SET_BOUND, (box, result.accuracy)


def test_the_stored_image_is_what_the_brush_as_drawn_made_of_the_strokes(dev_set):
    """The dev set's ``image`` fields were made before the pen was matched to the digit: they
    are ``pen="drawn"``, which shows the two paths differ, so the test above means something."""
    chosen = dev_set[::100]
    stored = np.stack([personal.read_sample_file(d.path)["image"] / 255 for d in chosen])
    assert np.abs(drawings_to_mnist(chosen, pen="drawn") - stored).max() <= 0.5 / 255 + 1e-6
    assert np.abs(drawings_to_mnist(chosen) - stored).mean() > 0.01
