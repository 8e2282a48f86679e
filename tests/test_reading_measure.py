"""Measuring reading: mistakes counted by kind, the summary's figures, the fixed halves of the
people, numbers composed of one person's digits, and bench_reading.py end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scratchnet.cli import bench_reading
from scratchnet.data.drawings import LabelledDrawing
from scratchnet.data.numbers import WrittenNumber
from scratchnet.data.synthetic import CANVAS, synthetic_strokes
from scratchnet.reading.compose import compose_numbers
from scratchnet.reading.measure import (Outcome, align, digits_matched, mistakes, read_numbers,
                                        split_people, summarize)


def test_mistakes_are_counted_by_kind():
    assert mistakes("800-901", "800-901") == {}
    assert mistakes("800-901", "8001901") == {"separator read as digit": 1}
    assert mistakes("4/9", "419") == {"separator read as digit": 1}
    assert mistakes("12", "1-") == {"digit read as separator": 1}
    assert mistakes("12", "1?") == {"digit read as not a digit": 1}
    assert mistakes("12", "17") == {"misread": 1}
    assert mistakes("123", "13") == {"merged": 1}
    assert mistakes("13", "113") == {"split": 1}
    assert mistakes("(12)", "/12)") == {"separator misread": 1}
    assert align("12", "102") == [("1", "1"), (None, "0"), ("2", "2")]
    assert digits_matched("800-901", "8001901") == 6


def test_the_summary_counts_numbers_digits_texts_lengths_and_people():
    outcomes = [Outcome("ann", "a", "12-3", "12-3", 0.010),
                Outcome("ann", "b", "4/5", "415", 0.020),
                Outcome("bob", "c", "67", "6", 0.030)]
    summary = summarize(outcomes)
    assert summary["digits_in_order"] == pytest.approx(1 / 3)
    assert summary["whole_text"] == pytest.approx(1 / 3)
    assert summary["digits_right"] == pytest.approx(6 / 7)
    assert summary["mistakes"]["separator read as digit"] == 1
    assert summary["mistakes"]["merged"] == 1
    assert summary["by_length"][2] == {"numbers": 2, "digits_in_order": 0.0, "whole_text": 0.0}
    assert summary["by_person"]["ann"]["digits_in_order"] == 0.5
    assert summary["ms_median"] == pytest.approx(20) and summary["ms_median_10_digits"] is None


def test_read_numbers_times_each_reading():
    numbers = [WrittenNumber("ann", None, "12", (280, 280), []),
               WrittenNumber("bob", None, "3", (280, 280), [])]
    outcomes = read_numbers(lambda strokes, canvas: "1 2", numbers)
    assert [(outcome.name, outcome.read) for outcome in outcomes] == [("ann 12", "12"),
                                                                    ("bob 3", "12")]
    assert all(outcome.seconds >= 0 for outcome in outcomes)


def test_the_halves_of_the_people_are_fixed_and_apart():
    people = [f"person-{index:02d}" for index in range(11)]
    tuning, checking = split_people(people[::-1])
    assert (tuning, checking) == split_people(people)
    assert len(tuning) == 5 and len(checking) == 6 and not set(tuning) & set(checking)
    assert split_people(people, seed=1) != (tuning, checking)


@pytest.fixture(scope="module")
def drawings():
    """Two people's digits, every digit drawn by each, from the synthetic styles and shapes."""
    strokes, labels = synthetic_strokes(40, seed=3)
    found = []
    for person in ("ann", "bob"):
        for digit in range(10):
            index = int(np.flatnonzero(labels == [1, 7, 4, 9][digit % 4])[digit // 4])
            found.append(LabelledDrawing(person, None, digit, strokes[index], CANVAS))
    return found


def test_composed_numbers_are_the_same_for_a_seed_and_hold_what_they_say(drawings):
    numbers = compose_numbers(drawings, 30, seed=5)
    again = compose_numbers(drawings, 30, seed=5)
    assert [number.text for number in numbers] == [number.text for number in again]
    assert [number.strokes for number in numbers] == [number.strokes for number in again]
    assert compose_numbers(drawings, 30, seed=6)[0].strokes != numbers[0].strokes
    for number in numbers:
        digits = sum(character.isdigit() for character in number.text)
        assert 2 <= digits <= 10 and number.canvas[1] == 280 and number.path is None
        points = np.concatenate([np.array(stroke.points) for stroke in number.strokes])
        assert points.min() >= 0 and (points.max(axis=0) <= number.canvas).all()
    separated = [number for number in numbers if not number.text.isdigit()]
    assert 0 < len(separated) < len(numbers)
    assert {number.person for number in numbers} == {"ann", "bob"}


def test_composing_needs_every_digit_of_a_person(drawings):
    with pytest.raises(ValueError, match="ann has drawn no 9"):
        compose_numbers([drawing for drawing in drawings if drawing.label != 9], 3)


def test_bench_reading_reads_a_folder_of_numbers(trained_model_path, tmp_path, capsys):
    folder = tmp_path / "numbers" / "ann"
    folder.mkdir(parents=True)
    for index, text in enumerate(["11", "1-1"]):
        x = 60.0
        strokes = []
        for character in text:
            points = [[x, 140.0], [x + 40, 142.0]] if character == "-" else [[x, 70.0], [x, 210.0]]
            strokes.append({"width": 20.0, "points": points})
            x += 90
        (folder / f"{index:04d}.json").write_text(json.dumps(
            {"format": 1, "text": text, "canvas": [int(x) + 60, 280], "strokes": strokes}))
    assert bench_reading.main([str(trained_model_path), "--numbers", str(tmp_path / "numbers"),
                               "--baseline", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    results = report["sets"]["written numbers (all people)"]
    assert results["read_number"]["numbers"] == 2
    assert results["read_number"]["whole_text"] == 1.0
    assert results["x-overlap grouping"]["mistakes"]["separator read as digit"] == 1
    assert report["blas_threads"] in (1, None)


def test_bench_reading_refuses_no_sets_and_bad_folders(trained_model_path, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench_reading.main([str(trained_model_path)])
    assert exit_info.value.code == 2
    assert bench_reading.main([str(trained_model_path), "--numbers", str(tmp_path / "no")]) == 2
    assert "no such directory" in capsys.readouterr().err
