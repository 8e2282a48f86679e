"""strokes_to_mnist: the network's input from a drawing's strokes. Its output is an MNIST-like
digit whatever the brush and whatever the size it was drawn at, its strokes are as thick as
MNIST's, the user's brush is one keyword away, and bad strokes are refused saying where."""

import numpy as np
import pytest

from scratchnet.app.sketch import Sketch
from scratchnet.data.drawings import scale_to_box
from scratchnet.preprocess.images import BlankImageError, to_mnist
from scratchnet.preprocess.rendering import (MNIST_STROKE_THICKNESS, PEN_TO_SIZE, render_strokes,
                                             strokes_to_mnist)
from scratchnet.preprocess.shape import stroke_thickness
from scratchnet.preprocess.strokes import Stroke

from hand_drawn import HAND_DRAWN, scale_strokes

CANVAS = (280, 280)


def strokes(digit: int, width: float = 20.0, box: float | None = None) -> list[Stroke]:
    """The app's hand-drawn ``digit`` as the app records it, optionally scaled to ``box`` px."""
    drawn = [Stroke(width, tuple(stroke)) for stroke in scale_strokes(HAND_DRAWN[digit], CANVAS[0])]
    return drawn if box is None else scale_to_box(drawn, CANVAS, box)


@pytest.mark.parametrize("digit", sorted(HAND_DRAWN))
def test_output_is_an_mnist_like_float32_digit(digit):
    image = strokes_to_mnist(strokes(digit))
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() == 0 and image.max() == 1
    rows, cols = np.nonzero(image > 0.1)
    assert max(np.ptp(rows), np.ptp(cols)) + 1 in (19, 20, 21)     # fits the 20 px box
    grid = np.arange(28)
    centre = (image.sum(axis=1) @ grid / image.sum(), image.sum(axis=0) @ grid / image.sum())
    assert np.abs(np.array(centre) - 14).max() <= 0.5            # centred as MNIST's are


@pytest.mark.parametrize("digit", sorted(HAND_DRAWN))
def test_the_brush_does_not_change_what_the_network_reads(digit):
    thin, thick = strokes_to_mnist(strokes(digit, 10)), strokes_to_mnist(strokes(digit, 30))
    assert np.abs(thin - thick).max() < 0.01
    # ...while the brush as drawn does change it: the test above can fail.
    drawn_thin = strokes_to_mnist(strokes(digit, 10), pen="drawn")
    drawn_thick = strokes_to_mnist(strokes(digit, 30), pen="drawn")
    assert np.abs(drawn_thin - drawn_thick).mean() > 0.03


@pytest.mark.parametrize("digit", sorted(HAND_DRAWN))
def test_a_digit_drawn_small_or_large_reads_the_same(digit):
    large = strokes_to_mnist(strokes(digit, box=200))
    for box in (100, 60, 30):
        assert np.abs(strokes_to_mnist(strokes(digit, box=box)) - large).mean() < 0.005, box
    # The mouse moves in whole pixels: a small digit's points are rounded, and still it reads
    # nearly the same.
    rounded = [{"width": stroke.width, "points": np.round(stroke.points).tolist()}
               for stroke in strokes(digit, box=60)]
    assert np.abs(strokes_to_mnist(rounded) - large).mean() < 0.05


def test_strokes_are_as_thick_as_mnists(mnist):
    (x_train, _), _ = mnist
    measured = float(np.median(stroke_thickness(x_train[:5000])))
    assert measured == pytest.approx(MNIST_STROKE_THICKNESS, abs=0.05)
    assert PEN_TO_SIZE == pytest.approx(MNIST_STROKE_THICKNESS / (20 - MNIST_STROKE_THICKNESS))
    drawn = np.stack([strokes_to_mnist(strokes(digit, box=box))
                      for digit in HAND_DRAWN for box in (200, 60)])
    assert float(np.median(stroke_thickness(drawn))) == pytest.approx(measured, rel=0.1)


def test_stroke_thickness_of_a_bar_is_its_width():
    bar = np.zeros((40, 200))
    bar[10:14, 20:180] = 1                               # 4 px thick, 160 px long
    assert stroke_thickness(bar) == pytest.approx(4, rel=0.05)
    assert np.isnan(stroke_thickness(np.zeros((1, 5, 5)))[0])


def test_pen_drawn_is_the_brush_as_the_screen_shows_it():
    sketch = Sketch(CANVAS)
    for stroke in strokes(7, 14):
        sketch.begin_stroke(*stroke.points[0], stroke.width)
        for point in stroke.points[1:]:
            sketch.extend_stroke(*point)
        sketch.end_stroke()
    np.testing.assert_array_equal(strokes_to_mnist(sketch.strokes, CANVAS, pen="drawn"),
                                  to_mnist(sketch.image))
    np.testing.assert_array_equal(np.asarray(sketch.image),
                                  np.asarray(render_strokes(sketch.strokes, CANVAS)))


def test_a_click_is_a_round_dot():
    dot = strokes_to_mnist([{"width": 12, "points": [[100, 100]]}])
    assert dot[14, 14] == 1 and dot[4, 4] == 0 and dot.sum() > 0.6 * np.pi * 10 ** 2


def test_ink_off_the_canvas_is_not_part_of_the_drawing():
    with pytest.raises(BlankImageError):
        strokes_to_mnist([{"width": 20, "points": [[-50, -50], [-20, -30]]}])
    # A stroke running off the right edge reads as the part the canvas shows.
    cut = strokes_to_mnist([{"width": 20, "points": [[200, 40], [200, 240], [900, 240]]}])
    shown = strokes_to_mnist([{"width": 20, "points": [[200, 40], [200, 240], [280, 240]]}])
    assert np.abs(cut - shown).mean() < 0.01


@pytest.mark.parametrize("strokes_, canvas, message", [
    ("a 7", CANVAS, "strokes must be a list"),
    ([[1, 2]], CANVAS, r"strokes\[0\] must be a dict with the keys 'width' and 'points'"),
    ([{"points": [[1, 2]]}], CANVAS, r"strokes\[0\] must be a dict"),
    ([{"width": 0, "points": [[1, 2]]}], CANVAS, r"strokes\[0\]\['width'\] must be a finite number"),
    ([{"width": float("nan"), "points": [[1, 2]]}], CANVAS, r"\['width'\] must be a finite"),
    ([{"width": True, "points": [[1, 2]]}], CANVAS, r"\['width'\] must be a finite"),
    ([{"width": 5, "points": []}], CANVAS, r"strokes\[0\]\['points'\] must be a non-empty list"),
    ([{"width": 5, "points": [[1, 2]]}, {"width": 5, "points": [[1, 2], [3, float("inf")]]}],
     CANVAS, r"strokes\[1\]\['points'\]\[1\] must be \[x, y\] with finite numbers"),
    ([{"width": 5, "points": [[1, 2, 3]]}], CANVAS, r"\['points'\]\[0\] must be \[x, y\]"),
    ([{"width": 5, "points": [["1", 2]]}], CANVAS, r"\['points'\]\[0\] must be \[x, y\]"),
    ([{"width": 5, "points": [[1, 2]]}], (0, 280), "canvas must be \\(width, height\\)"),
    ([{"width": 5, "points": [[1, 2]]}], (280.5, 280), "canvas must be"),
    ([{"width": 5, "points": [[1, 2]]}], (280,), "canvas must be"),
])
def test_bad_strokes_or_canvas_are_refused_saying_where(strokes_, canvas, message):
    with pytest.raises(ValueError, match=message):
        strokes_to_mnist(strokes_, canvas)


def test_no_strokes_is_a_blank_drawing_and_an_unknown_pen_an_error():
    with pytest.raises(BlankImageError, match="no strokes"):
        strokes_to_mnist([])
    with pytest.raises(ValueError, match="pen must be one of 'mnist', 'drawn'"):
        strokes_to_mnist(strokes(1), pen="thin")
