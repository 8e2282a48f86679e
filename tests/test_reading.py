"""read_number: a drawing's strokes to the number written, mark by mark.

Segmentation is checked twice: with a stand-in model that reads every image as the same digit,
so that only shape and place can decide (which strokes make a mark, what is a separator), and
with the small trained CNN of the test session, where the network decides (two zeros written
in one stroke are cut apart). Bad input gets a clear error or a sensible reading.
"""

from __future__ import annotations

import numpy as np
import pytest

from scratchnet.data.classes import DIGITS, NAMES, NOT_A_DIGIT, class_names
from scratchnet.nn.loading import load_model
from scratchnet.nn.networks import small_cnn
from scratchnet.preprocess.rendering import strokes_to_mnist
from scratchnet.reading import Mark, ReadingError, read_number
from scratchnet.reading.cuts import cut_points
from scratchnet.reading.ink import MAX_STROKES, Piece
from scratchnet.reading.line import estimate_line, measure_slant
from scratchnet.reading.outputs import output_symbols

from hand_drawn import HAND_DRAWN

BOX = 200.0           # a digit's unit square on the canvas, px: the digits are ~140 px tall
PEN = 20.0


class SameDigit:
    """A model that reads every image as ``digit`` at 99%, with ``names`` as its classes."""

    def __init__(self, digit: int = 8, names: list[str] | None = None):
        self.digit = digit
        self.output_shape = (10 if names is None else len(names),)
        self.metadata = {} if names is None else {"classes": names}

    def predict(self, x: np.ndarray) -> np.ndarray:
        out = np.full((len(x), self.output_shape[0]), 0.01 / (self.output_shape[0] - 1))
        out[:, self.digit] = 0.99
        return out


def placed(unit_strokes, left: float, box: float = BOX, top: float = 40.0) -> list[np.ndarray]:
    """Unit-square strokes scaled to ``box`` px with their square's corner at (left, top)."""
    return [np.array(stroke, dtype=np.float64) * box + [left, top] for stroke in unit_strokes]


def records(paths) -> list[dict]:
    return [{"width": PEN, "points": np.round(path, 2).tolist()} for path in paths]


def written(digits: str, step: float = 150.0) -> list[np.ndarray]:
    """HAND_DRAWN digits side by side, ``step`` px apart, each stroke in order."""
    return [path for index, digit in enumerate(digits)
            for path in placed(HAND_DRAWN[int(digit)], 20 + index * step)]


def canvas_for(paths) -> tuple[int, int]:
    return int(max(path[:, 0].max() for path in paths)) + 60, 280


def dash(left: float, width: float = 50.0, y: float = 140.0) -> np.ndarray:
    return np.array([[left, y], [left + width / 2, y + 1], [left + width, y]])


def dot(x: float, y: float) -> np.ndarray:
    return np.array([[x, y], [x + 2, y + 1]])


# --- what a reading holds -------------------------------------------------------------------


def test_an_empty_drawing_reads_as_nothing():
    reading = read_number(SameDigit(), [], (840, 280))
    assert reading.text == "" and reading.marks == () and not reading.sure


def test_ink_entirely_off_the_canvas_reads_as_nothing():
    far = [{"width": PEN, "points": [[-500.0, -500.0], [-400.0, -300.0]]}]
    assert read_number(SameDigit(), far, (840, 280)).text == ""


def test_each_mark_carries_its_strokes_box_image_and_outputs():
    paths = written("10")
    reading = read_number(SameDigit(), records(paths), canvas_for(paths))
    assert reading.text == "88" and len(reading.marks) == 2
    first, second = reading.marks
    assert isinstance(first, Mark) and first.kind == "digit" and first.character == "8"
    assert first.strokes == (0,) and second.strokes == (1,)
    assert first.pieces == (Piece(0, 0, len(paths[0])),)
    left, top, right, bottom = first.box
    assert (left, top, right, bottom) == (paths[0][:, 0].min(), paths[0][:, 1].min(),
                                          paths[0][:, 0].max(), paths[0][:, 1].max())
    # The image read is the app's: strokes_to_mnist of the mark's own strokes.
    expected = strokes_to_mnist(records(paths[1:]), canvas_for(paths))
    np.testing.assert_array_equal(second.image, expected)
    assert second.probabilities.shape == (10,) and second.probabilities.argmax() == 8
    assert first.sure and reading.sure and reading.digits == "88"


# --- segmentation decided by shape and place -----------------------------------------------


def test_a_digit_of_several_strokes_stays_one_mark():
    paths = written("474")
    reading = read_number(SameDigit(), records(paths), canvas_for(paths))
    assert [mark.strokes for mark in reading.marks] == [(0, 1, 2), (3, 4), (5, 6, 7)]


def test_a_stroke_written_later_joins_its_digit():
    four, seven = placed(HAND_DRAWN[4], 20), placed(HAND_DRAWN[7], 170)
    paths = four[:2] + seven + [four[2]]           # the 4's stem written after the 7
    reading = read_number(SameDigit(), records(paths), canvas_for(paths))
    assert [mark.strokes for mark in reading.marks] == [(0, 1, 4), (2, 3)]


def test_digits_apart_are_marks_apart_and_a_dash_between_them_is_a_separator():
    paths = written("10")
    paths.insert(1, dash(185))
    paths[2] = paths[2] + [70, 0]                   # room for the dash
    reading = read_number(SameDigit(), records(paths), canvas_for(paths))
    assert reading.text == "8-8"
    assert [mark.kind for mark in reading.marks] == ["digit", "separator", "digit"]
    assert reading.marks[1].strokes == (1,)


def test_two_dots_one_over_the_other_are_a_colon_and_a_low_dot_a_full_stop():
    ones = written("11", step=180)
    colon = ones[:1] + [dot(190, 110), dot(190, 170)] + ones[1:]
    reading = read_number(SameDigit(), records(colon), canvas_for(colon))
    assert reading.text == "8:8" and reading.marks[1].strokes == (1, 2)
    stop = ones[:1] + [dot(190, 178)] + ones[1:]
    assert read_number(SameDigit(), records(stop), canvas_for(stop)).text == "8.8"


def bracket(x: float, side: int) -> np.ndarray:
    """A bracket drawn downwards, taller than the digits, bulging left (side 1) or right (-1)."""
    along = np.linspace(-1, 1, 25)
    return np.column_stack([x - side * 50 * (1 - along ** 2), 145 + 105 * along])


def test_a_tall_slash_and_brackets_are_separators():
    ones = [placed(HAND_DRAWN[1], left)[0] for left in (100, 250, 520, 670)]    # x 192-206,
    slash = np.array([[470.0, 20.0], [410.0, 260.0]])                         # ..., 762-776
    drawing = [bracket(160, 1), ones[0], ones[1], slash, ones[2], ones[3], bracket(840, -1)]
    reading = read_number(SameDigit(1), records(drawing), canvas_for(drawing))
    assert reading.text == "(11/11)"


def test_digits_of_very_different_sizes_are_both_digits():
    big = placed(HAND_DRAWN[1], 20, box=220, top=30)
    small = placed(HAND_DRAWN[0], 200, box=120, top=112)          # on the same baseline
    paths = big + small
    reading = read_number(SameDigit(), records(paths), canvas_for(paths))
    assert [mark.kind for mark in reading.marks] == ["digit", "digit"]


def test_a_model_with_a_not_a_digit_output_is_asked_about_it():
    names = list(class_names(len(NAMES)))
    paths = written("10")
    reading = read_number(SameDigit(NOT_A_DIGIT, names), records(paths), canvas_for(paths))
    assert reading.text == "??" and reading.marks[0].kind == "not a digit"
    assert reading.marks[0].probabilities.shape == (len(NAMES),)
    paths.insert(1, dash(185))                 # separators are still told by their shape
    paths[2] = paths[2] + [70, 0]
    reading = read_number(SameDigit(8, names), records(paths), canvas_for(paths))
    assert reading.text == "8-8"


# --- segmentation decided by the network ----------------------------------------------------


@pytest.fixture(scope="module")
def model(trained_model_path):
    return load_model(trained_model_path)


def test_a_single_digit_is_read_as_the_whole_drawing_is(model):
    for digit in sorted(HAND_DRAWN):
        paths = placed(HAND_DRAWN[digit], 40)
        whole = model.predict(strokes_to_mnist(records(paths), (280, 280))[None, ..., None])[0]
        reading = read_number(model, records(paths), (280, 280))
        assert reading.text == str(digit) == str(whole.argmax())
        np.testing.assert_allclose(reading.marks[0].probabilities, whole, rtol=1e-5)


def test_a_written_number_is_read_left_to_right(model):
    paths = written("1047")
    assert read_number(model, records(paths), canvas_for(paths)).text == "1047"
    backwards = paths[::-1]                     # written right to left, read left to right
    assert read_number(model, records(backwards), canvas_for(backwards)).text == "1047"


def test_two_zeros_written_without_lifting_the_pen_are_cut_apart(model):
    first, second = placed(HAND_DRAWN[0], 20)[0], placed(HAND_DRAWN[0], 175)[0]
    ligature = np.linspace(first[-1], second[0], 8)[1:-1]      # the pen moving on, sampled
    joined = np.concatenate([first, ligature, second])
    reading = read_number(model, records([joined]), canvas_for([joined]))
    assert reading.text == "00"
    (one,), (two,) = reading.marks[0].pieces, reading.marks[1].pieces
    assert one.stroke == two.stroke == 0 and one.stop - 1 == two.start     # cut, not copied


def test_touching_digits_of_separate_strokes_are_read_apart(model):
    paths = written("10", step=95)               # the 1's foot touches the 0
    reading = read_number(model, records(paths), canvas_for(paths))
    assert reading.text == "10"


def marks_model(model, path, not_a_digit: float):
    """``model`` with the outputs of a training run with marks (``classes.class_names``), saved
    and loaded back as ``scripts/train.py`` writes it: its digits read as ``model``'s, its "not a
    digit" output's bias ``not_a_digit``."""
    wide = small_cnn(classes=len(NAMES))
    for source, target in zip(model.layers, wide.layers):
        for key, value in source.params.items():
            target.params[key][..., :value.shape[-1]] = value
    last = wide.layers[-1].params
    last["kernel"][:, len(DIGITS):] = 0
    last["bias"][len(DIGITS):] = -30.0
    last["bias"][NOT_A_DIGIT] = not_a_digit
    wide.save(path, metadata={"kind": "model", "classes": list(class_names(len(NAMES)))})
    return load_model(path)


def test_a_model_trained_with_marks_is_read_by_the_names_of_its_outputs(model, tmp_path):
    paths = written("1047")
    reads_digits = marks_model(model, tmp_path / "marks.npz", not_a_digit=-30.0)
    reading = read_number(reads_digits, records(paths), canvas_for(paths))
    assert reading.text == "1047"
    assert all(mark.probabilities.shape == (len(NAMES),) for mark in reading.marks)
    reads_nothing = marks_model(model, tmp_path / "nothing.npz", not_a_digit=30.0)
    reading = read_number(reads_nothing, records(paths), canvas_for(paths))
    assert reading.text and set(reading.text) == {"?"}
    assert {mark.kind for mark in reading.marks} == {"not a digit"}


# --- candidate cuts and the line -----------------------------------------------------------


def test_cut_points_fall_where_one_zero_ends_and_the_next_begins():
    first, second = placed(HAND_DRAWN[0], 20)[0], placed(HAND_DRAWN[0], 175)[0]
    ligature = np.linspace(first[-1], second[0], 8)[1:-1]
    joined = np.concatenate([first, ligature, second])
    cuts = cut_points(joined, 140.0)
    assert any(len(first) <= index < len(first) + len(ligature) for index in cuts), cuts
    assert cut_points(first, 140.0) == [] or all(5 < index < len(first) - 5
                                                  for index in cut_points(first, 140.0))


def test_the_line_is_the_digits_height_whatever_the_separators():
    paths = written("1047") + [dash(640), dot(700, 110), dot(700, 170)]
    line = estimate_line(paths)
    assert line.height == pytest.approx(140, abs=3)
    assert line.middle(300) == pytest.approx(40 + 0.5 * BOX, abs=5)


def test_the_slant_is_how_far_the_strokes_lean():
    upright = written("1111")
    leaning = [np.column_stack([path[:, 0] - 0.3 * (path[:, 1] - 140), path[:, 1]])
               for path in upright]
    assert measure_slant(leaning, 140) == pytest.approx(measure_slant(upright, 140) - 0.3,
                                                        abs=0.02)


# --- bad input -------------------------------------------------------------------------------


def test_a_one_pixel_dot_is_one_mark():
    reading = read_number(SameDigit(), [{"width": 1.0, "points": [[100.0, 100.0]]}], (280, 280))
    assert len(reading.marks) == 1 and reading.marks[0].image.shape == (28, 28)


def test_nan_coordinates_are_refused_naming_the_point():
    bad = [{"width": PEN, "points": [[10.0, 10.0], [float("nan"), 12.0]]}]
    with pytest.raises(ReadingError, match=r"strokes\[0\]\['points'\]\[1\]"):
        read_number(SameDigit(), bad, (280, 280))


def test_far_coordinates_are_ink_off_the_canvas_and_huge_ones_are_refused():
    paths = written("10")
    drawing = records(paths) + [{"width": PEN, "points": [[1e5, 1e5], [-1e5, 5.0]]}]
    drawing[0]["points"].append([9e5, 140.0])             # a stroke that flies off the canvas
    reading = read_number(SameDigit(), drawing, canvas_for(paths))
    assert reading.text == "88"
    assert reading.marks[0].pieces == (Piece(0, 0, len(paths[0])),)
    drawing[0]["points"].append([1e308, 140.0])
    with pytest.raises(ReadingError, match=rf"strokes\[0\]\['points'\]\[{len(paths[0]) + 1}\] "
                                           r"must be \[x, y\] with finite numbers"):
        read_number(SameDigit(), drawing, canvas_for(paths))


def test_thousands_of_strokes_are_refused_saying_how_many():
    many = [{"width": PEN, "points": [[float(i % 800), 100.0]]} for i in range(3000)]
    with pytest.raises(ReadingError, match=f"3,000 strokes, more than the {MAX_STROKES}"):
        read_number(SameDigit(), many, (840, 280))


def test_a_malformed_stroke_or_canvas_is_refused():
    with pytest.raises(ReadingError, match=r"strokes\[0\] must be a dict"):
        read_number(SameDigit(), [[1, 2]], (280, 280))
    with pytest.raises(ReadingError, match="canvas must be"):
        read_number(SameDigit(), [], (280, 0))


def test_a_model_whose_extra_outputs_have_no_names_is_refused():
    model = SameDigit()
    model.output_shape = (12,)
    with pytest.raises(ReadingError, match="12 outputs"):
        read_number(model, [], (280, 280))
    with pytest.raises(ValueError, match="does not know"):
        output_symbols(SameDigit(0, [*"0123456789", "x"]))
    with pytest.raises(ValueError, match="does not know"):
        output_symbols(SameDigit(0, [*"0123456789", "?"]))     # a symbol, not an output's name


def test_a_mark_no_digit_is_likely_for_is_not_a_digit():
    class Unsure(SameDigit):
        def predict(self, x):
            return np.full((len(x), 10), 0.1)

    paths = written("10")
    reading = read_number(Unsure(), records(paths), canvas_for(paths))
    assert reading.text == "??" and {mark.kind for mark in reading.marks} == {"not a digit"}
