"""Number files (scratchnet.data.numbers): read and checked, folder by folder, with messages
that name the file and what is wrong."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from scratchnet import files
from scratchnet.data.numbers import (NumbersError, check_text, load_numbers, read_number_file,
                                     save_number)
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


# --- saving, as the drawing app does ----------------------------------------------------------


def test_a_saved_number_is_read_back_as_written(tmp_path):
    path = save_number(tmp_path / "my_numbers", "(800) 901-4678", STROKES, (840, 280))
    record = json.loads(path.read_text(encoding="utf-8"))
    assert list(record) == ["format", "text", "created", "canvas", "strokes"]
    assert record["format"] == 1 and record["text"] == "(800)901-4678"
    assert record["canvas"] == [840, 280] and record["strokes"] == STROKES
    assert datetime.fromisoformat(record["created"]).tzinfo is not None
    (number,) = load_numbers([tmp_path / "my_numbers"])
    assert (number.path, number.text, number.canvas) == (path, "(800)901-4678", (840, 280))


def test_saving_stores_stroke_objects_rounded_and_never_reuses_a_name(tmp_path):
    stroke = Stroke(20.0, ((70.123456, 60.0), (72.0, 199.996)))
    paths = {save_number(tmp_path, "7", [stroke], (280, 280)) for _ in range(20)}
    assert len(paths) == 20
    record = json.loads(next(iter(paths)).read_text(encoding="utf-8"))
    assert record["strokes"] == [{"width": 20.0, "points": [[70.12, 60.0], [72.0, 200.0]]}]


@pytest.mark.parametrize("text, message", [
    ("", "holds no digit"), ("--", "holds no digit"), ("800 901 x678", "'x'"),
    ("1+1=2", "'='"), (None, "must be a string")])
def test_saving_a_text_that_is_not_a_number_writes_nothing(tmp_path, text, message):
    with pytest.raises(NumbersError, match=message):
        save_number(tmp_path / "my_numbers", text, STROKES, (840, 280))
    assert not (tmp_path / "my_numbers").exists()


@pytest.mark.parametrize("strokes, canvas, message", [
    ([], (840, 280), "at least one stroke"),
    ([{"width": 20.0, "points": []}], (840, 280), r"strokes\[0\]"),
    (STROKES, (840, 0), "canvas")])
def test_saving_a_malformed_drawing_says_what_is_wrong(tmp_path, strokes, canvas, message):
    with pytest.raises(ValueError, match=message):
        save_number(tmp_path, "12", strokes, canvas)
    assert not list(tmp_path.iterdir())


def test_a_failed_save_leaves_no_file_behind(tmp_path, monkeypatch):
    def full_disk(path, write):
        raise OSError(28, f"could not write {path}: No space left on device")
    monkeypatch.setattr(files, "write_atomically", full_disk)
    with pytest.raises(OSError, match="No space left"):
        save_number(tmp_path, "12", STROKES, (840, 280))
    assert not list(tmp_path.glob("*.json"))


def test_saving_is_atomic_no_temporary_file_stays(tmp_path):
    save_number(tmp_path, "12", STROKES, (840, 280))
    assert [path.suffix for path in tmp_path.iterdir()] == [".json"]
