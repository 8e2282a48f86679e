"""The stroke type (``scratchnet.preprocess.strokes``): records read and written in the on-disk
form, bad records refused saying which stroke, key and point, Strokes and records read alike,
and the canvas checked once for everyone."""

import dataclasses
import json

import numpy as np
import pytest

from scratchnet.preprocess.rendering import strokes_to_mnist
from scratchnet.preprocess.strokes import Stroke, check_canvas, check_strokes

RECORD = {"width": 18.0, "points": [[100.0, 40.0], [120.5, 90.25], [121.0, 200.0]]}


def test_a_record_read_and_written_is_the_same_json():
    stroke = Stroke.from_record(RECORD)
    assert stroke == Stroke(18.0, ((100.0, 40.0), (120.5, 90.25), (121.0, 200.0)))
    assert stroke.record() == RECORD
    assert json.loads(json.dumps(stroke.record())) == RECORD


def test_numbers_of_any_kind_become_floats_and_tuples():
    stroke = Stroke.from_record({"width": np.float32(9), "points": np.array([[3, 4], [5, 6]])})
    assert stroke == Stroke(9.0, ((3.0, 4.0), (5.0, 6.0)))
    assert all(type(value) is float for point in stroke.points for value in point)
    assert type(stroke.width) is float and isinstance(stroke.points, tuple)


def test_a_stroke_cannot_be_changed():
    stroke = Stroke.from_record(RECORD)
    with pytest.raises(dataclasses.FrozenInstanceError):
        stroke.width = 3.0
    assert hash(stroke) == hash(Stroke.from_record(RECORD))


def test_rounded_keeps_a_hundredth_of_a_pixel():
    stroke = Stroke(12.345, ((1.004, 2.006), (3.0, 4.5)))
    assert stroke.rounded() == Stroke(12.35, ((1.0, 2.01), (3.0, 4.5)))
    assert stroke.rounded(0) == Stroke(12.0, ((1.0, 2.0), (3.0, 4.0)))


@pytest.mark.parametrize("record, message", [
    ([[1, 2]], r"strokes\[3\] must be a dict with the keys 'width' and 'points'"),
    ({"points": [[1, 2]]}, r"strokes\[3\] must be a dict .*got \['points'\]"),
    ({"width": 2, "points": [[1, 2]], "pressure": 1}, r"strokes\[3\] must be a dict"),
    ({"width": -2, "points": [[1, 2]]}, r"strokes\[3\]\['width'\] must be a finite number above 0"),
    ({"width": float("inf"), "points": [[1, 2]]}, r"strokes\[3\]\['width'\] must be a finite"),
    ({"width": 2e6, "points": [[1, 2]]}, r"\['width'\] must be .* at most 1,000,000 px"),
    ({"width": "2", "points": [[1, 2]]}, r"\['width'\] must be a finite"),
    ({"width": 2, "points": "1,2"}, r"strokes\[3\]\['points'\] must be a non-empty list"),
    ({"width": 2, "points": [[1, 2], [3, float("nan")]]},
     r"strokes\[3\]\['points'\]\[1\] must be \[x, y\] with finite numbers"),
    ({"width": 2, "points": [[1, 2], [3, 1e7]]}, r"\['points'\]\[1\] must be .* within ±1,000,000"),
    ({"width": 2, "points": [[10 ** 400, 2]]}, r"\['points'\]\[0\] must be \[x, y\]"),
    ({"width": 2, "points": [[True, 2]]}, r"\['points'\]\[0\] must be \[x, y\]"),
    ({"width": 2, "points": [[1, 2], (3,)]}, r"\['points'\]\[1\] must be \[x, y\]"),
])
def test_a_bad_record_is_refused_naming_the_stroke_key_and_point(record, message):
    with pytest.raises(ValueError, match=message):
        Stroke.from_record(record, "strokes[3]")


def test_strokes_and_records_are_read_alike():
    strokes = [Stroke.from_record(RECORD), {"width": 5, "points": [[60, 120]]}]
    assert check_strokes(strokes) == [Stroke.from_record(RECORD), Stroke(5.0, ((60.0, 120.0),))]
    np.testing.assert_array_equal(strokes_to_mnist(strokes),
                                  strokes_to_mnist([RECORD, {"width": 5, "points": [[60, 120]]}]))


def test_a_stroke_built_from_bad_values_is_refused_where_strokes_come_in():
    with pytest.raises(ValueError, match=r"sample\[1\]\.width must be a finite number above 0"):
        check_strokes([Stroke(2.0, ((1.0, 2.0),)), Stroke(0.0, ((1.0, 2.0),))], "sample")
    with pytest.raises(ValueError, match=r"strokes\[0\]\.points\[0\] must be \[x, y\]"):
        strokes_to_mnist([Stroke(2.0, ((float("nan"), 2.0),))])
    with pytest.raises(ValueError, match=r"strokes must be a list"):
        check_strokes(Stroke(2.0, ((1.0, 2.0),)))


def test_huge_coordinates_are_refused_rather_than_drawn_wrong():
    # Pillow's pixel coordinates overflow far beyond any canvas: such a point once drew a
    # different digit without a word.
    with pytest.raises(ValueError, match=r"strokes\[0\]\['points'\]\[2\]"):
        strokes_to_mnist([{"width": 20, "points": [[100, 100], [150, 150], [1e12, 150]]}])
    # A point far off the canvas within the limit is simply cut off, as before.
    far = strokes_to_mnist([{"width": 20, "points": [[100, 100], [150, 150], [1e6, 150]]}])
    near = strokes_to_mnist([{"width": 20, "points": [[100, 100], [150, 150], [280, 150]]}])
    assert np.abs(far - near).mean() < 0.01


@pytest.mark.parametrize("canvas", [(280,), (0, 280), (280.0, 280), "280x280", (True, 280)])
def test_the_canvas_is_two_whole_numbers_above_0_named_as_given(canvas):
    with pytest.raises(ValueError, match=r"canvas_size must be \(width, height\) in whole pixels"):
        check_canvas(canvas, "canvas_size")


def test_a_good_canvas_is_a_pair_of_ints():
    assert check_canvas([np.int64(280), 200]) == (280, 200)
    assert all(type(side) is int for side in check_canvas([np.int64(280), 200]))
