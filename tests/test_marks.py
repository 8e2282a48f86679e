"""Synthetic marks that are not digits (``scratchnet.data.marks``, ``scratchnet.data.letters``)
and the network's classes (``scratchnet.data.classes``)."""

import numpy as np
import pytest

from scratchnet.data import classes
from scratchnet.data.letters import DIGIT_LOOKALIKES, LETTERS
from scratchnet.data.marks import (DEFAULT_KINDS, SCRIBBLES, SEPARATORS, SHAPES, TEMPLATES,
                                   mark_paths, on_line, symbol_of, synthetic_mark_strokes,
                                   synthetic_marks)


def extent(paths):
    points = np.concatenate(paths)
    return points.min(axis=0), points.max(axis=0)


def test_the_first_ten_classes_are_the_digits_and_the_rest_come_after():
    assert classes.SYMBOLS[:10] == tuple("0123456789") == classes.NAMES[:10]
    assert [classes.class_index(str(digit)) for digit in range(10)] == list(range(10))
    assert classes.class_index("?") == classes.NOT_A_DIGIT == 10
    assert classes.NAMES[classes.NOT_A_DIGIT] == "not a digit"
    assert len(classes.NAMES) == len(classes.SYMBOLS) == len(set(classes.SYMBOLS)) == 11
    assert classes.class_names(10) == classes.NAMES[:10]
    assert classes.class_names(11) == classes.NAMES


def test_symbols_and_output_counts_without_a_class_are_refused_by_name():
    for separator in "-/():.,":
        with pytest.raises(ValueError, match=f"'\\{separator}'" if separator in "()." else
                           f"'{separator}'"):
            classes.class_index(separator)
    with pytest.raises(ValueError, match="got 12"):
        classes.class_names(12)


def test_the_letters_are_those_that_do_not_look_like_digits():
    assert "".join(sorted(LETTERS)) == "".join(sorted("ACEFHJKLMNPRTUVWXYacdefhkmnprtuvwxy"))
    assert not set(LETTERS) & set(DIGIT_LOOKALIKES)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_draws_finite_paths_of_a_mark_size(name):
    rng = np.random.default_rng(0)
    for _ in range(20):
        paths = mark_paths(name, rng)
        assert paths and all(path.ndim == 2 and path.shape[1] == 2 for path in paths)
        assert all(np.isfinite(path).all() for path in paths)
        low, high = extent(paths)
        assert low[0] == 0                          # the left edge at 0
        assert -1.0 < low[1] and high[1] < 2.0 and high[0] < 2.0


def test_letters_and_shapes_stand_for_not_a_digit_and_separators_for_themselves():
    assert {symbol_of(name) for name in [*LETTERS, *SHAPES, *SCRIBBLES, "letter", "shape"]} \
        == {"?"}
    assert [symbol_of(symbol) for symbol in SEPARATORS] == list(SEPARATORS)


def test_separators_have_their_size_and_place_in_the_line():
    """Line units: the digits' top at 0, their baseline at 1."""
    rng = np.random.default_rng(1)
    for _ in range(40):
        low, high = extent(mark_paths("-", rng))
        width, height = high - low
        assert width > height and 0.2 < (low[1] + high[1]) / 2 < 0.8 and width < 1.0
        low, high = extent(mark_paths("/", rng))
        assert high[1] - low[1] > 0.6 and high[1] - low[1] > 0.8 * (high[0] - low[0])
        for symbol in "()":
            paths = mark_paths(symbol, rng)
            low, high = extent(paths)
            assert high[1] - low[1] > 0.8 and high[0] - low[0] < 0.6 * (high[1] - low[1])
            # "(" bulges to the left of its ends, ")" to the right.
            path = np.concatenate(paths)
            middle = path[np.argmin(abs(path[:, 1] - (low[1] + high[1]) / 2)), 0]
            ends = (path[0, 0] + path[-1, 0]) / 2
            assert (middle < ends) if symbol == "(" else (middle > ends)
        for symbol in ".,:":
            low, high = extent(mark_paths(symbol, rng))
            assert high[0] - low[0] < 0.35 and high[1] > 0.7
        upper, lower = sorted(mark_paths(":", rng), key=lambda path: path[:, 1].mean())
        assert upper[:, 1].max() + 0.1 < lower[:, 1].min()


def test_synthetic_marks_are_deterministic_by_seed_with_their_classes_taking_turns():
    images, labels = synthetic_marks(16, seed=3)
    again, same_labels = synthetic_marks(16, seed=3)
    other, _ = synthetic_marks(16, seed=4)
    assert images.shape == (16, 28, 28) and images.dtype == np.uint8 and images.max() == 255
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(labels, same_labels)
    assert not np.array_equal(images, other)
    expected = [classes.class_index(symbol_of(kind)) for kind in DEFAULT_KINDS] * 4
    assert labels.dtype == np.int64 and labels.tolist() == expected == [classes.NOT_A_DIGIT] * 16


def test_separators_have_no_class_so_training_marks_refuse_them():
    with pytest.raises(ValueError, match="no network output stands for '/'"):
        synthetic_marks(4, seed=0, kinds=("letter", "/"))


def test_synthetic_mark_strokes_are_the_apps_strokes_inside_the_canvas():
    drawings, symbols = synthetic_mark_strokes(24, seed=0, kinds=("letter", "scribble", "/"))
    assert symbols == ["?", "?", "/"] * 8
    for strokes in drawings:
        points = np.concatenate([np.asarray(stroke.points) for stroke in strokes])
        assert all(stroke.width == 20.0 for stroke in strokes)
        assert points.min() >= 0 and points.max() <= 280
        assert 99 <= (points.max(axis=0) - points.min(axis=0)).max() <= 221


def test_the_same_letter_comes_out_differently_each_time():
    """Proportions, slant and strokes vary: no two of a letter's images are alike."""
    images, _ = synthetic_marks(12, seed=0, kinds=("K",))
    flat = images.reshape(len(images), -1).astype(np.float64) / 255
    distances = np.linalg.norm(flat[:, None] - flat[None], axis=2)[np.triu_indices(12, 1)]
    assert distances.min() > 2.0        # pixels of ink that differ, at the least


def test_small_separators_and_unknown_kinds_are_refused_with_what_to_do():
    with pytest.raises(ValueError, match="on_line"):
        synthetic_mark_strokes(3, seed=0, kinds=("-", ":"))
    with pytest.raises(ValueError, match="unknown kind of mark 'O'"):
        synthetic_marks(3, seed=0, kinds=("letter", "O"))
    with pytest.raises(ValueError, match="non-empty list"):
        synthetic_marks(3, seed=0, kinds="letter")


def test_on_line_places_a_mark_beside_digits_of_a_given_height():
    rng = np.random.default_rng(2)
    strokes = on_line(mark_paths(".", rng), height=100, left=300, top=50, width=12)
    points = np.concatenate([np.asarray(stroke.points) for stroke in strokes])
    assert all(stroke.width == 12.0 for stroke in strokes)
    assert points[:, 0].min() == 300
    assert 50 + 70 < points[:, 1].mean() < 50 + 110        # at the digits' baseline, y = 150


def test_a_model_of_digits_is_less_sure_of_marks_than_of_digits(trained_model_path):
    """What makes them marks: a network that knows only digits reads a synthetic letter or
    shape far less surely than a synthetic digit."""
    from scratchnet.data.synthetic import synthetic_digits
    from scratchnet.nn.loading import load_model

    model = load_model(trained_model_path)
    marks, _ = synthetic_marks(60, seed=0, kinds=("letter", "shape", "scribble"))
    digits, _ = synthetic_digits(60, seed=0)
    sure = [np.median(model.predict(images[..., None].astype(np.float32) / 255).max(axis=1))
            for images in (marks, digits)]
    assert sure[0] < sure[1] - 0.1
