"""Personal digits: saving one file per sample, counting them, and reading them back for
fine-tuning, including damaged files, failing disks and invalid arguments."""

import errno
import json
import os
from datetime import datetime, timezone

import numpy as np
import pytest

from scratchnet import files
from scratchnet.data import personal
from scratchnet.cli.train import main
from scratchnet.data.personal import PersonalDataError, counts, load_personal_digits, save_sample
from scratchnet.nn.networks import small_cnn
from scratchnet.preprocess import strokes_to_mnist

STROKES = [{"width": 18.0, "points": [[100.0, 40.0], [120.5, 90.25], [121.0, 200.0]]},
           {"width": 12.5, "points": [[60.0, 120.0]]}]
CANVAS = (280, 280)


def digit_image(seed: int) -> np.ndarray:
    """A (28, 28) float image in [0, 1] with values that are not multiples of 1/255."""
    image = np.random.default_rng(seed).random((28, 28))
    image[image < 0.6] = 0.0
    image[0, 0], image[0, 1] = 0.0, 1.0
    return image


def save(directory, label, seed=0):
    return save_sample(directory, label, digit_image(seed), STROKES, CANVAS)


class FrozenClock:
    """Stands in for ``datetime`` in ``scratchnet.data.personal``: ``now`` always returns ``moment``."""

    moment = datetime(2026, 11, 25, 8, 30, 12, 123456, tzinfo=timezone.utc)

    @classmethod
    def now(cls, tz=None):
        return cls.moment.astimezone(tz)


def test_save_then_load_round_trips_labels_and_strokes_and_reads_the_strokes(tmp_path):
    labels = [3, 0, 9, 3, 7]
    paths = [save(tmp_path / "my_digits", label, seed) for seed, label in enumerate(labels)]
    assert all(path.parent == tmp_path / "my_digits" for path in paths)

    images, loaded_labels, warnings = load_personal_digits(tmp_path / "my_digits")
    assert warnings == []
    assert images.shape == (5, 28, 28) and images.dtype == np.float32
    assert loaded_labels.dtype == np.int64 and loaded_labels.tolist() == labels   # oldest first
    for image in images:           # the strokes are read again, not the image stored with them
        np.testing.assert_array_equal(image, strokes_to_mnist(STROKES, CANVAS))

    stored = json.loads(paths[0].read_text())
    assert stored["format"] == 1 and stored["label"] == 3 and stored["canvas"] == [280, 280]
    assert stored["strokes"] == STROKES
    assert datetime.fromisoformat(stored["created"]).tzinfo is not None
    assert np.array(stored["image"]).shape == (28, 28)


def test_a_sample_without_strokes_is_read_from_its_stored_image(tmp_path):
    for seed in range(3):
        save_sample(tmp_path, seed, digit_image(seed), [], (28, 28))
    images, labels, warnings = load_personal_digits(tmp_path)
    assert warnings == [] and labels.tolist() == [0, 1, 2]
    for seed, image in enumerate(images):
        assert np.abs(image - digit_image(seed)).max() <= 0.5 / 255 + 1e-6
    assert images.min() == 0.0 and images.max() == 1.0


def test_a_sample_whose_strokes_miss_the_canvas_is_passed_over(tmp_path):
    save(tmp_path, 2)
    outside = save_sample(tmp_path, 5, digit_image(0), [{"width": 10, "points": [[-90, -90]]}],
                          CANVAS)
    images, labels, warnings = load_personal_digits(tmp_path)
    assert labels.tolist() == [2]
    assert warnings == [f"{outside}: its strokes leave no ink on the canvas (the image is blank: "
                        "no pixel differs from the background by 10% or more (largest "
                        "difference 0.0%)); skipped"]


def test_a_sample_file_is_small_and_shows_one_image_row_per_line(tmp_path):
    path = save(tmp_path, 4)
    text = path.read_text()
    assert path.stat().st_size < 5000
    rows = [line for line in text.splitlines() if line.startswith("    [") and "width" not in line]
    assert len(rows) == 28 and len({len(row.rstrip(",")) for row in rows}) == 1


def test_counts_after_saves_including_two_in_the_same_second(tmp_path, monkeypatch):
    directory = tmp_path / "my_digits"
    assert counts(directory) == dict.fromkeys(range(10), 0)      # nothing saved yet
    for label in (1, 1, 8):
        save(directory, label)
    monkeypatch.setattr(personal, "datetime", FrozenClock)
    first, second = save(directory, 5), save(directory, 5)       # the same microsecond even
    assert first != second and first.exists() and second.exists()
    assert first.name.startswith("5_20261125-083012-123456_")
    assert counts(directory) == {0: 0, 1: 2, 2: 0, 3: 0, 4: 0, 5: 2, 6: 0, 7: 0, 8: 1, 9: 0}
    assert len(load_personal_digits(directory)[0]) == 5


def test_a_repeated_random_suffix_still_gives_a_new_name(tmp_path, monkeypatch):
    monkeypatch.setattr(personal, "datetime", FrozenClock)
    suffixes = iter(["aaaaaa", "aaaaaa", "bbbbbb"])
    monkeypatch.setattr(files.secrets, "token_hex", lambda size: next(suffixes))
    first, second = save(tmp_path, 2, seed=1), save(tmp_path, 2, seed=2)
    assert (first.name, second.name) == ("2_20261125-083012-123456_aaaaaa.json",
                                         "2_20261125-083012-123456_bbbbbb.json")
    assert len(load_personal_digits(tmp_path)[0]) == 2
    assert json.loads(first.read_text())["image"] != json.loads(second.read_text())["image"]


def test_names_sort_by_time_and_digits_load_oldest_first(tmp_path, monkeypatch):
    monkeypatch.setattr(personal, "datetime", FrozenClock)
    for label, hour in ((9, 8), (1, 9), (9, 10)):
        monkeypatch.setattr(FrozenClock, "moment",
                            datetime(2026, 11, 25, hour, 0, 0, 5, tzinfo=timezone.utc))
        save(tmp_path, label)
    nines = sorted(path.name for path in tmp_path.glob("9_*.json"))
    assert [name[2:17] for name in nines] == ["20261125-080000", "20261125-100000"]
    assert load_personal_digits(tmp_path)[1].tolist() == [9, 1, 9]


def rewrite(path, change):
    """Load the sample at ``path``, apply ``change`` to the dict, and write it back."""
    sample = json.loads(path.read_text())
    change(sample)
    path.write_text(json.dumps(sample))


def set_pixel(value):
    return lambda sample: sample["image"][3].__setitem__(3, value)


def damage(case, path):
    """Damage the sample at ``path`` as ``case`` says; returns the damaged file's path."""
    if case == "invalid JSON":
        path.write_text("{this is not json")
    elif case == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "not UTF-8":
        path.write_bytes(b"\xff\xfe" + path.read_bytes())
    elif case == "a list":
        path.write_text("[1, 2, 3]")
    elif case == "image 27 rows":
        rewrite(path, lambda sample: sample["image"].pop())
    elif case == "image row of 29":
        rewrite(path, lambda sample: sample["image"][5].append(0))
    elif case == "image missing":
        rewrite(path, lambda sample: sample.pop("image"))
    elif case == "pixel NaN":
        rewrite(path, set_pixel(float("nan")))
    elif case == "pixel Infinity":
        rewrite(path, set_pixel(float("inf")))
    elif case == "pixel 256":
        rewrite(path, set_pixel(256))
    elif case == "pixel 0.5":
        rewrite(path, set_pixel(0.5))
    elif case == "pixel huge":
        path.write_text(path.read_text().replace("[  0,", "[" + "9" * 400 + ",", 1))
    elif case == "stroke point NaN":
        rewrite(path, lambda sample: sample["strokes"][0]["points"].__setitem__(0, [float("nan"), 1]))
    elif case == "canvas missing":
        rewrite(path, lambda sample: sample.pop("canvas"))
    elif case == "label 11":
        rewrite(path, lambda sample: sample.__setitem__("label", 11))
    elif case == "label other than the name's":
        renamed = path.with_name("3" + path.name[1:])
        path.rename(renamed)
        return renamed
    elif case == "format 2":
        rewrite(path, lambda sample: sample.__setitem__("format", 2))
    else:
        raise AssertionError(case)
    return path


DAMAGE = {
    "invalid JSON": "not valid JSON",
    "truncated": "not valid JSON, perhaps truncated",
    "empty": "empty file",
    "not UTF-8": "not valid JSON",
    "a list": "expected a JSON object, found list",
    "image 27 rows": "image must be 28 rows of 28 numbers, found 27 rows",
    "image row of 29": "found 28 rows of 28 or 29 numbers",
    "image missing": "missing image",
    "pixel NaN": "image holds NaN or infinite values",
    "pixel Infinity": "image holds NaN or infinite values",
    "pixel 256": "image values must be whole numbers 0-255",
    "pixel 0.5": "image values must be whole numbers 0-255",
    "pixel huge": "image values must be whole numbers 0-255",
    "stroke point NaN": "strokes[0]['points'][0] must be [x, y] with finite numbers",
    "canvas missing": "missing canvas",
    "label 11": "label must be a whole number 0-9, got 11",
    "label other than the name's": "holds label 7 but its name says 3",
    "format 2": "format 2; this version of scratchnet reads format 1",
}


@pytest.mark.parametrize("case", DAMAGE)
def test_a_damaged_sample_is_skipped_with_a_warning_naming_file_and_problem(tmp_path, case):
    good = save(tmp_path, 4, seed=1)
    bad = damage(case, save(tmp_path, 7, seed=2))
    images, labels, warnings = load_personal_digits(tmp_path)
    assert labels.tolist() == [4]
    np.testing.assert_array_equal(images[0], strokes_to_mnist(STROKES, CANVAS))
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"{bad}: ") and DAMAGE[case] in warnings[0], warnings[0]
    assert warnings[0].endswith("; skipped") and good.name not in warnings[0]
    assert counts(tmp_path)[3 if "name" in case else 7] == 1     # counted by name all the same


def test_other_files_are_ignored_and_stray_json_is_reported(tmp_path):
    save(tmp_path, 6)
    (tmp_path / "README.md").write_text("my digits\n")
    (tmp_path / ".6_20261125-083012-123456_abcdef.json.x1y2z3.tmp").write_text('{"lab')
    (tmp_path / "._6_20261125-083012-123456_abcdef.json").write_bytes(b"\x00\x05\x16\x07")
    (tmp_path / "6_20261125-083012-123456_abcdef.json.part").write_text("{}")
    (tmp_path / "9_subdirectory.json").mkdir()
    (tmp_path / "notes.json").write_text("{}")
    (tmp_path / "12_20261125-083012-123456_abcdef.json").write_text("{}")
    images, labels, warnings = load_personal_digits(tmp_path)
    assert labels.tolist() == [6]
    assert warnings == [f"{tmp_path / name}: not a sample file (expected a name like "
                        f"{personal.NAME_FORM}); skipped"
                        for name in ("12_20261125-083012-123456_abcdef.json", "notes.json")]
    assert counts(tmp_path) == {**dict.fromkeys(range(10), 0), 6: 1}


def test_a_directory_of_only_damaged_samples_is_an_error_listing_them(tmp_path):
    first = damage("truncated", save(tmp_path, 1))
    second = damage("label 11", save(tmp_path, 2))
    with pytest.raises(PersonalDataError) as error:
        load_personal_digits(tmp_path)
    message = str(error.value)
    assert message.startswith(f"{tmp_path}: no usable digits: none of the 2 saved digits could "
                              "be read:")
    assert f"{first}: not valid JSON" in message and f"{second}: label must be" in message


def test_a_folder_of_wrongly_named_files_says_how_many_were_passed_over_and_why(tmp_path):
    for index in range(3):
        save(tmp_path, 4, seed=index).rename(tmp_path / f"four-{index}.json")
    with pytest.raises(PersonalDataError) as error:
        load_personal_digits(tmp_path)
    message = str(error.value)
    assert message.startswith(f"{tmp_path}: no usable digits: 3 .json files were passed over "
                              "because their names do not follow the app's pattern "
                              f"{personal.NAME_FORM}")
    assert f"{tmp_path / 'four-0.json'}: not a sample file" in message
    save(tmp_path, 4)
    images, labels, warnings = load_personal_digits(tmp_path)    # one good one: no error
    assert labels.tolist() == [4] and len(warnings) == 3


def test_cli_teach_says_how_many_files_were_passed_over(tmp_path, capsys):
    base = tmp_path / "base.npz"
    model = small_cnn(seed=0)
    model.compile()
    model.save(base)
    extra = tmp_path / "my_digits"
    for index in range(2):
        save(extra, 4, seed=index).rename(extra / f"four-{index}.json")
    with pytest.raises(SystemExit) as exit_info:
        main(["--teach", str(base), "--extra", str(extra), "--out", str(tmp_path / "out"),
              "--data-dir", str(tmp_path / "data")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"error: {extra}: no usable digits: 2 .json files were passed over because their " \
           "names do not follow the app's pattern" in err
    assert f"{extra / 'four-1.json'}: not a sample file (expected a name like" in err


def test_a_missing_or_non_directory_is_an_error_and_an_empty_one_holds_nothing(tmp_path):
    with pytest.raises(PersonalDataError, match="no such directory"):
        load_personal_digits(tmp_path / "missing")
    (tmp_path / "file").write_text("")
    with pytest.raises(PersonalDataError, match="file: not a directory"):
        load_personal_digits(tmp_path / "file")
    (tmp_path / "empty").mkdir()
    images, labels, warnings = load_personal_digits(tmp_path / "empty")
    assert images.shape == (0, 28, 28) and labels.shape == (0,) and warnings == []


def test_a_failing_rename_raises_oserror_naming_the_file_and_leaves_nothing(tmp_path, monkeypatch):
    def full_disk(source, destination):
        raise OSError(errno.ENOSPC, "No space left on device")

    directory = tmp_path / "my_digits"
    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError) as error:
        save(directory, 3)
    message = str(error.value)
    assert f"could not save the digit to {directory}{os.sep}3_" in message
    assert message.endswith(".json: No space left on device") and error.value.errno == errno.ENOSPC
    assert list(directory.iterdir()) == []          # no sample, no temporary file


def test_a_directory_that_cannot_be_created_raises_oserror_naming_it(tmp_path):
    (tmp_path / "taken").write_text("a file, not a directory")
    directory = tmp_path / "taken" / "my_digits"
    with pytest.raises(OSError, match=f"could not create {directory} to save the digit in"):
        save(directory, 3)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["taken"]


INVALID = [
    ({"label": 10}, "label must be a whole number 0-9, got 10"),
    ({"label": -1}, "label must be a whole number 0-9"),
    ({"label": 3.0}, "label must be a whole number 0-9, got 3.0"),
    ({"label": "7"}, "label must be a whole number 0-9"),
    ({"label": True}, "label must be a whole number 0-9"),
    ({"image": np.zeros((28, 27))}, r"image must have shape \(28, 28\), got \(28, 27\)"),
    ({"image": np.zeros((1, 28, 28))}, "image must have shape"),
    ({"image": np.full((28, 28), np.nan)}, "image holds 784 NaN or infinite values"),
    ({"image": np.full((28, 28), 1.5)}, r"image values must lie in \[0, 1\], found 1.5 to 1.5"),
    ({"image": -np.ones((28, 28))}, r"image values must lie in \[0, 1\]"),
    ({"image": np.full((28, 28), "x")}, "image must hold numbers"),
    ({"image": [[0.0] * 28] * 27 + [[0.0] * 5]}, r"image must be a \(28, 28\) array"),
    ({"strokes": "not a list"}, "strokes must be a list"),
    ({"strokes": [{"points": [[1, 2]]}]}, r"strokes\[0\] must be a dict with the keys"),
    ({"strokes": [{"width": 3, "points": [[1, 2]], "colour": "red"}]}, r"strokes\[0\] must be"),
    ({"strokes": [STROKES[0], {"width": 0, "points": [[1, 2]]}]},
     r"strokes\[1\]\['width'\] must be a finite number above 0"),
    ({"strokes": [{"width": float("inf"), "points": [[1, 2]]}]}, r"strokes\[0\]\['width'\]"),
    ({"strokes": [{"width": 3, "points": []}]}, r"strokes\[0\]\['points'\] must be a non-empty"),
    ({"strokes": [{"width": 3, "points": [[1, 2], [1]]}]}, r"strokes\[0\]\['points'\]\[1\]"),
    ({"strokes": [{"width": 3, "points": [[float("nan"), 2]]}]}, r"\['points'\]\[0\] must be"),
    ({"canvas_size": (280,)}, r"canvas_size must be \(width, height\)"),
    ({"canvas_size": (0, 280)}, "canvas_size must be"),
    ({"canvas_size": (280.0, 280)}, "canvas_size must be"),
]


@pytest.mark.parametrize("change, message", INVALID)
def test_invalid_arguments_to_save_raise_valueerror_naming_the_argument(tmp_path, change,
                                                                        message):
    arguments = {"label": 5, "image": digit_image(0), "strokes": STROKES, "canvas_size": CANVAS,
                 **change}
    with pytest.raises(ValueError, match=message):
        save_sample(tmp_path / "my_digits", **arguments)
    assert not (tmp_path / "my_digits").exists()


def test_save_accepts_numpy_numbers_and_integer_coordinates(tmp_path):
    strokes = [{"width": np.float32(9), "points": [(np.int64(3), 4), [5, np.float64(6.006)]]}]
    path = save_sample(tmp_path, np.int64(2), digit_image(0).astype(np.float32), strokes,
                       (np.int64(280), 280))
    stored = json.loads(path.read_text())
    assert stored["label"] == 2 and stored["canvas"] == [280, 280]
    assert stored["strokes"] == [{"width": 9.0, "points": [[3.0, 4.0], [5.0, 6.01]]}]


def test_cli_teach_on_only_damaged_digits_is_a_usage_error_naming_them(tmp_path, capsys):
    base = tmp_path / "base.npz"
    model = small_cnn(seed=0)
    model.compile()
    model.save(base)
    extra = tmp_path / "my_digits"
    bad = damage("invalid JSON", save(extra, 1))
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["--teach", str(base), "--extra", str(extra), "--out", str(out),
              "--data-dir", str(tmp_path / "data")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: scratchnet-train") and "Traceback" not in err
    assert f"error: {extra}: no usable digits: none of the 1 saved digits could be read" in err
    assert f"{bad}: not valid JSON" in err
    assert not out.exists() and not (tmp_path / "data").exists()
