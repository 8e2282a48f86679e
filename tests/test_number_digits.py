"""The digits of saved written numbers, taught when the reading lines up with the text."""

from __future__ import annotations

import numpy as np

from hand_drawn import written
from scratchnet.data.numbers import save_number
from scratchnet.nn.loading import load_model
from scratchnet.preprocess.strokes import Stroke
from scratchnet.reading import read_number
from scratchnet.training.number_digits import digits_of_numbers
from scratchnet.training.teaching import teach_handwriting

CANVAS = (900, 280)


def strokes_of(text: str) -> list[Stroke]:
    return [Stroke(20.0, tuple(points)) for points in written(text, box=180, step=200)]


def test_a_number_that_lines_up_gives_each_digit_labelled_by_its_text(trained_model_path,
                                                                      tmp_path):
    model = load_model(trained_model_path)
    strokes = strokes_of("1-4")
    assert read_number(model, strokes, CANVAS).text == "1-4", "the test's drawing reads so"
    # Saved with the text "7-4": the first mark is taught as the 7 it was meant to be.
    path = save_number(tmp_path, "7-4", strokes, CANVAS)
    samples, passed_over = digits_of_numbers(model, tmp_path)
    assert passed_over == []
    assert [sample.label for sample in samples] == [7, 4]
    assert all(sample.path == path and sample.canvas == CANVAS for sample in samples)
    assert all(sample.image.shape == (28, 28) and sample.image.max() > 0.5 for sample in samples)
    # Each digit is its own ink: the 1's single stroke, the 4's three.
    assert [len(sample.strokes) for sample in samples] == [1, 3]
    assert np.array_equal(samples[0].image, model_input_of(strokes[:1]))


def model_input_of(strokes: list[Stroke]) -> np.ndarray:
    from scratchnet.preprocess.rendering import strokes_to_mnist
    return strokes_to_mnist(strokes, CANVAS)


def test_numbers_that_do_not_line_up_or_are_damaged_are_passed_over_by_name(trained_model_path,
                                                                           tmp_path):
    model = load_model(trained_model_path)
    extra = save_number(tmp_path, "104", strokes_of("14"), CANVAS)        # a digit too many
    separator = save_number(tmp_path, "1/4", strokes_of("134"), CANVAS)  # a digit for "/"
    damaged = tmp_path / "broken.json"
    damaged.write_text('{"format": 1, "text": "12"')
    samples, passed_over = digits_of_numbers(model, tmp_path)
    assert samples == []
    assert len(passed_over) == 3
    assert any(str(extra) in line and "do not line up" in line for line in passed_over)
    assert any(str(separator) in line and "do not line up" in line for line in passed_over)
    assert any(str(damaged) in line for line in passed_over)
    assert digits_of_numbers(model, tmp_path / "none") == ([], [])


def test_teaching_takes_the_digits_of_saved_numbers_too(trained_model_path, mnist_dir, tmp_path):
    numbers = tmp_path / "my_numbers"
    save_number(numbers, "70", strokes_of("10"), CANVAS)
    my_digits = tmp_path / "my_digits"            # no digit saved yet: not even the folder
    result = teach_handwriting(trained_model_path, my_digits, data_dir=mnist_dir,
                               out=tmp_path / "personal.npz", mnist_test_count=500,
                               my_numbers=numbers)
    assert result.taught == 2
    taught = load_model(result.path)
    assert read_number(taught, strokes_of("10"), CANVAS).text == "70"
