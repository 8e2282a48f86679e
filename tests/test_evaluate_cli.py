"""scripts/evaluate.py: the report agrees with the model, and bad input is a usage error."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scratchnet.cli.evaluate import main
from scratchnet.data.mnist import to_float_images
from scratchnet.nn.loading import load_model

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_report_matches_the_model_and_writes_the_png(trained_model_path, mnist, mnist_dir,
                                                     tmp_path, capsys):
    png = tmp_path / "cm.png"
    assert main([str(trained_model_path), "--data-dir", str(mnist_dir), "--png", str(png)]) == 0
    printed = capsys.readouterr().out
    _, (x_test, y_test) = mnist
    _, accuracy = load_model(trained_model_path).evaluate(to_float_images(x_test),
                                                          y_test.astype(np.int64))
    assert f"test accuracy {accuracy:.2%} ({round(accuracy * 10000)}/10000)" in printed
    table = printed[printed.index("class  precision"):]
    assert all(f"\n{k:>5}  " in table for k in range(10))
    assert "Confusion matrix (rows: true digit, columns: predicted digit):" in printed
    matrix_rows = printed.split("true\\pred")[1].splitlines()[1:11]
    counts = np.array([[int(v) for v in row.split()[1:]] for row in matrix_rows])
    assert counts.sum() == 10000 and np.trace(counts) == round(accuracy * 10000)
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width > 400


def test_default_png_goes_next_to_the_model(trained_model_path, mnist_dir, tmp_path, capsys):
    model = tmp_path / "digits.npz"
    model.write_bytes(trained_model_path.read_bytes())
    assert main([str(model), "--data-dir", str(mnist_dir)]) == 0
    assert (tmp_path / "digits_confusion_matrix.png").is_file()
    assert main([str(model), "--data-dir", str(mnist_dir), "--no-png"]) == 0


@pytest.mark.parametrize("problem", ["missing", "text", "truncated", "batch 0", "png is dir"])
def test_bad_input_is_a_usage_error_that_writes_nothing(problem, trained_model_path, tmp_path,
                                                        capsys):
    model = tmp_path / "model.npz"
    extra = []
    if problem == "text":
        model.write_text("hello")
    elif problem == "truncated":
        model.write_bytes(trained_model_path.read_bytes()[:5000])
    elif problem == "batch 0":
        model.write_bytes(trained_model_path.read_bytes())
        extra = ["--batch-size", "0"]
    elif problem == "png is dir":
        model.write_bytes(trained_model_path.read_bytes())
        extra = ["--png", str(tmp_path)]
    before = sorted(tmp_path.iterdir())
    with pytest.raises(SystemExit) as exit_info:
        main([str(model), "--data-dir", str(tmp_path / "data"), *extra])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: scratchnet-evaluate") and "error:" in err
    assert sorted(tmp_path.iterdir()) == before


def test_script_runs_from_a_clone(trained_model_path, mnist_dir, tmp_path):
    done = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "evaluate.py"),
                           str(trained_model_path), "--data-dir", str(mnist_dir), "--png",
                           str(tmp_path / "cm.png")], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "test accuracy" in done.stdout and (tmp_path / "cm.png").is_file()


# ----------------------------------------------------------------------------- --drawings
def drawings_folder(root: Path) -> Path:
    """Two people's folders in ``root``, the app's hand-drawn digits saved as the app saves."""
    from hand_drawn import HAND_DRAWN, scale_strokes
    from scratchnet.data.personal import save_sample
    from scratchnet.preprocess import strokes_to_mnist

    for person, digits in (("ann", (0, 1, 3, 4, 7)), ("bob", (1, 7))):
        for digit in digits:
            strokes = [{"width": 20.0, "points": [list(point) for point in stroke]}
                       for stroke in scale_strokes(HAND_DRAWN[digit], 280)]
            save_sample(root / person, digit, strokes_to_mnist(strokes), strokes, (280, 280))
    return root


def test_drawings_report_per_digit_person_and_confusions(trained_model_path, tmp_path, capsys):
    folder = drawings_folder(tmp_path / "people")
    assert main([str(trained_model_path), "--drawings", str(folder)]) == 0
    printed = capsys.readouterr().out
    first = printed.splitlines()[0]
    assert "on 7 drawings by 2 people" in first and "digit box as drawn, pen mnist" in first
    assert "accuracy" in first and "\ndigit  accuracy  drawings\n" in printed
    assert "\nann  " in printed and "\nbob  " in printed
    assert "Top confusions:" in printed or "No mistakes." in printed
    assert not list(tmp_path.glob("*.png"))          # no figure unless asked for


def test_drawings_json_with_box_and_pen(trained_model_path, tmp_path, capsys):
    folder = drawings_folder(tmp_path / "people")
    results = {}
    for box, pen in ((None, "mnist"), (60, "mnist"), (60, "drawn")):
        options = ["--box", str(box)] if box else []
        assert main([str(trained_model_path), "--drawings", str(folder / "ann"),
                     str(folder / "bob"), "--json", "--pen", pen, *options]) == 0
        results[box, pen] = json.loads(capsys.readouterr().out)
    report = results[None, "mnist"]
    assert report["drawings"] == 7 and report["people"] == 2 and report["box"] is None
    assert report["per_person"]["ann"]["drawings"] == 5
    assert report["per_digit"]["1"]["drawings"] == 2
    assert report["right"] == round(report["accuracy"] * 7)
    assert all(set(item) == {"true", "predicted", "count"} for item in report["top_confusions"])
    assert results[60, "mnist"]["box"] == 60 and results[60, "drawn"]["pen"] == "drawn"
    # The matched pen reads a small digit as it reads a large one; the brush as drawn does not.
    assert results[60, "mnist"]["confusion_matrix"] == report["confusion_matrix"]
    assert results[60, "drawn"]["loss"] != pytest.approx(report["loss"], rel=0.05)


@pytest.mark.parametrize("problem", ["missing", "empty", "corrupt", "box alone", "box too big"])
def test_bad_drawings_are_a_usage_error_naming_the_file(problem, trained_model_path, tmp_path,
                                                        capsys):
    folder = tmp_path / "people"
    named = folder
    options = ["--drawings", str(folder)]
    if problem == "empty":
        folder.mkdir()
    elif problem == "corrupt":
        drawings_folder(folder)
        named = sorted((folder / "bob").glob("*.json"))[0]
        named.write_bytes(named.read_bytes()[:300])
    elif problem == "box alone":
        options, named = ["--box", "60"], "--box goes with --drawings DIR"
    elif problem == "box too big":
        drawings_folder(folder)
        options += ["--box", "400"]
        named = sorted((folder / "ann").glob("*.json"))[0]
    with pytest.raises(SystemExit) as exit_info:
        main([str(trained_model_path), *options])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: scratchnet-evaluate") and "Traceback" not in err
    assert f"error: {named}" in err, err


def test_drawings_script_on_the_dev_set(trained_model_path, tmp_path):
    dev_set = REPO_ROOT.parent / "shared" / "drawn"
    if not dev_set.is_dir():
        pytest.skip(f"the dev set of real drawings is not here: {dev_set} does not exist")
    done = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "evaluate.py"),
                           str(trained_model_path), "--drawings", str(dev_set), "--box", "100",
                           "--json"], capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["drawings"] == 1300 and report["people"] == 26 and report["box"] == 100
    assert report["accuracy"] > 0.85


# ------------------------------------------------------------------ --numbers, letters
def numbers_folder(root: Path) -> Path:
    """Number files of two people, written with the hand-drawn digits side by side (a dash in
    one), in the number-file format."""
    from hand_drawn import HAND_DRAWN

    def line(text: str) -> list[dict]:
        strokes, left = [], 20.0
        for character in text:
            if character == "-":
                strokes.append({"width": 20.0, "points": [[left, 140.0], [left + 50, 141.0]]})
                left += 90
                continue
            for stroke in HAND_DRAWN[int(character)]:
                strokes.append({"width": 20.0, "points": [[x * 200 + left, y * 200 + 40]
                                                           for x, y in stroke]})
            left += 150
        return strokes

    for person, texts in (("ann", ("1047", "70")), ("bob", ("4-1",))):
        for index, text in enumerate(texts):
            strokes = line(text)
            width = int(max(x for stroke in strokes for x, _ in stroke["points"])) + 60
            path = root / person / f"{index:04d}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"format": 1, "text": text, "canvas": [width, 280],
                                        "strokes": strokes}))
    return root


def test_numbers_report_digits_texts_mistakes_and_people(trained_model_path, tmp_path, capsys):
    folder = numbers_folder(tmp_path / "numbers")
    assert main([str(trained_model_path), "--numbers", str(folder), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["numbers"] == 3 and report["people"] == 2 and report["digits"] == 8
    assert report["digits_in_order"] == report["whole_text"] == 1.0
    assert report["digits_right"] == 1.0 and sum(report["mistakes"].values()) == 0
    assert report["by_length"]["4"] == {"numbers": 1, "digits_in_order": 1.0, "whole_text": 1.0}
    assert report["by_person"]["bob"]["numbers"] == 1
    assert main([str(trained_model_path), "--numbers", str(folder / "ann"),
                 str(folder / "bob"), "--people"]) == 0
    printed = capsys.readouterr().out
    assert "3 numbers by 2 people" in printed and "digits in order 100.0%" in printed
    assert "mistakes: misread 0, separator read as digit 0" in printed and "split 0" in printed
    assert "\n    ann: 100% of 2" in printed


@pytest.mark.parametrize("problem", ["no digit", "letters", "too many strokes", "both sets",
                                     "png"])
def test_bad_numbers_are_a_usage_error_naming_the_file(problem, trained_model_path, tmp_path,
                                                       capsys):
    folder = numbers_folder(tmp_path / "numbers")
    named = folder / "ann" / "0000.json"
    options = ["--numbers", str(folder)]
    if problem in ("no digit", "letters"):
        record = json.loads(named.read_text())
        record["text"] = "--/" if problem == "no digit" else "10A7"
        named.write_text(json.dumps(record))
    elif problem == "too many strokes":            # a valid file, more than a number could be
        record = json.loads(named.read_text())
        record["strokes"] = [{"width": 20.0, "points": [[10.0 + index, 50.0]]}
                             for index in range(300)]
        named.write_text(json.dumps(record))
    elif problem == "both sets":
        options, named = options + ["--drawings", str(folder)], "give either"
    else:
        options, named = options + ["--png", str(tmp_path / "x.png")], "--png goes with"
    with pytest.raises(SystemExit) as exit_info:
        main([str(trained_model_path), *options])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"error: {named}" in err and "Traceback" not in err
    assert {"no digit": "holds no digit", "letters": "holds 'A'",
            "too many strokes": "strokes"}.get(problem, "") in err


def letters_folder(root: Path) -> Path:
    """Letters of two people as ../shared/letters holds them: an X, a T, an H drawn in straight
    strokes on a 280 px canvas."""
    shapes = {"X": [[[70, 60], [210, 220]], [[210, 60], [70, 220]]],
              "T": [[[60, 60], [220, 60]], [[140, 60], [140, 220]]],
              "H": [[[70, 60], [70, 220]], [[210, 60], [210, 220]], [[70, 140], [210, 140]]]}
    for person, labels in (("ann", "XTH"), ("bob", "TX")):
        for index, label in enumerate(labels):
            path = root / person / f"{index:04d}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            strokes = [{"width": 20.0, "points": stroke} for stroke in shapes[label]]
            path.write_text(json.dumps({"format": 1, "label": label, "canvas": [280, 280],
                                        "strokes": strokes}))
    return root


def test_drawings_of_letters_are_scored_on_how_often_no_digit_is_read(trained_model_path,
                                                                      tmp_path, capsys):
    from scratchnet.data.drawings import load_letters
    from scratchnet.reading import read_number

    folder = letters_folder(tmp_path / "letters")
    assert main([str(trained_model_path), "--drawings", str(folder), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    model = load_model(trained_model_path)
    texts = [read_number(model, letter.strokes, letter.canvas).text
             for letter in load_letters([folder])]
    refused = [not any(character.isdigit() for character in text) for text in texts]
    assert report["letters"] == 5 and report["people"] == 2 and report["unlike_digits"] == 5
    assert report["not_a_digit"] == pytest.approx(sum(refused) / 5)
    assert report["by_person"]["bob"] == {"letters": 2, "not_a_digit": sum(refused[3:]) / 2}
    assert sum(report["digits_read"].values()) == sum(
        character.isdigit() for text in texts for character in text)
    assert main([str(trained_model_path), "--drawings", str(folder)]) == 0
    assert "letters: 5 by 2 people: answered not a digit" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([str(trained_model_path), "--drawings", str(folder), "--box", "60"])
    assert "error: --box goes with drawings of digits" in capsys.readouterr().err
