"""Number files (scratchnet.data.numbers): read and checked, folder by folder, with messages
that name the file and what is wrong."""

from __future__ import annotations

import json

import pytest

from scratchnet.data.numbers import NumbersError, check_text, load_numbers, read_number_file
from scratchnet.preprocess.strokes import Stroke

STROKES = [{"width": 20.0, "points": [[70.0, 60.0], [72.0, 200.0]]}]


def write(path, **changes):
    record = {"format": 1, "text": "800-901 4678", "created": "2026-01-01T00:00:00+00:00",
              "canvas": [840, 280], "strokes": STROKES}
    record.update(changes)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))
    return path


def test_a_number_file_is_read_with_its_spaces_left_out(tmp_path):
    number = read_number_file(write(tmp_path / "ann" / "0000.json"), "ann")
    assert (number.person, number.text, number.canvas) == ("ann", "800-9014678", (840, 280))
    assert number.strokes == [Stroke(20.0, ((70.0, 60.0), (72.0, 200.0)))]


@pytest.mark.parametrize("text, message", [
    ("12a4", "holds 'a'"), ("--/", "holds no digit"), (12, "must be a string"), ("", "no digit")])
def test_a_text_that_is_no_number_is_refused(tmp_path, text, message):
    path = write(tmp_path / "0000.json", text=text)
    with pytest.raises(NumbersError, match=message) as error:
        read_number_file(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("changes, message", [
    ({"format": 2}, "format 2"), ({"canvas": [840]}, "canvas must be"),
    ({"strokes": []}, "holds no strokes"),
    ({"strokes": [{"width": 20, "points": [[1, float("nan")]]}]}, r"strokes\[0\]")])
def test_a_damaged_number_file_is_refused_naming_it(tmp_path, changes, message):
    path = write(tmp_path / "0000.json", **changes)
    with pytest.raises(NumbersError, match=message):
        read_number_file(path)
    (tmp_path / "cut.json").write_text('{"format": 1, "te')
    with pytest.raises(NumbersError, match="not valid JSON"):
        read_number_file(tmp_path / "cut.json")


def test_folders_are_people_at_any_depth(tmp_path):
    write(tmp_path / "set" / "ann" / "0000.json")
    write(tmp_path / "set" / "ann" / "0001.json", text="12")
    write(tmp_path / "set" / "more" / "bob" / "0000.json", text="(408)")
    (tmp_path / "set" / "README.md").write_text("not a number")
    numbers = load_numbers([tmp_path / "set"])
    assert [(number.person, number.text) for number in numbers] == [
        ("ann", "800-9014678"), ("ann", "12"), ("more/bob", "(408)")]
    assert [number.person for number in load_numbers([tmp_path / "set" / "ann"])] == ["ann"] * 2


def test_missing_empty_or_twice_given_folders_are_refused(tmp_path):
    with pytest.raises(NumbersError, match="no such directory"):
        load_numbers([tmp_path / "nowhere"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(NumbersError, match="no numbers"):
        load_numbers([tmp_path / "empty"])
    write(tmp_path / "ann" / "0000.json")
    with pytest.raises(NumbersError, match="give each person's folder once"):
        load_numbers([tmp_path / "ann", tmp_path / "ann"])


def test_check_text_allows_the_separators_and_spaces():
    assert check_text("(408) 974-8980, 4/10/94. 15:30 1+2") == "(408)974-8980,4/10/94.15:301+2"
