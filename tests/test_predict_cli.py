"""scripts/predict.py: reads real digits from image files; bad files are reported, never raised."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scratchnet.cli.predict import main
from scratchnet.nn.layers import Dense, Flatten
from scratchnet.nn.model import Sequential

REPO_ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^(?P<file>.+): (?P<digit>\d) \((?P<percent>\d+\.\d)%\)   "
                  r"(?P<table>(\d:\d\.\d\d ){9}9:\d\.\d\d)$")


@pytest.fixture(scope="module")
def digit_pngs(mnist, tmp_path_factory):
    """The first three MNIST test digits (7, 2, 1) drawn black on white as 280x280 PNGs."""
    _, (x_test, y_test) = mnist
    folder = tmp_path_factory.mktemp("digits")
    paths = []
    for index in range(3):
        field = Image.fromarray(x_test[index]).resize((200, 200), Image.Resampling.BILINEAR)
        paper = np.full((280, 280), 255, np.uint8)
        paper[30:230, 50:250] = 255 - np.asarray(field)
        path = folder / f"digit_{index}.png"
        Image.fromarray(paper).save(path)
        paths.append(path)
    return paths, [int(label) for label in y_test[:3]]


def test_prints_each_digit_with_probabilities_that_sum_to_1(trained_model_path, digit_pngs,
                                                           capsys):
    paths, labels = digit_pngs
    assert main([str(trained_model_path), *map(str, paths)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for line, path, label in zip(lines, paths, labels):
        match = LINE.match(line)
        assert match, line
        assert match["file"] == str(path) and int(match["digit"]) == label
        table = [float(entry.split(":")[1]) for entry in match["table"].split()]
        assert abs(sum(table) - 1) < 0.05
        assert abs(table[label] - float(match["percent"]) / 100) <= 0.006


def test_json_output_holds_each_image_in_order(trained_model_path, digit_pngs, tmp_path, capsys):
    paths, labels = digit_pngs
    Image.new("L", (280, 280), 255).save(tmp_path / "empty.png")
    assert main([str(trained_model_path), "--json", str(paths[0]), str(tmp_path / "empty.png"),
                 str(paths[1])]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [result["file"] for result in results] == [str(paths[0]), str(tmp_path / "empty.png"),
                                                      str(paths[1])]
    for result, label in zip([results[0], results[2]], labels):
        assert result["digit"] == label
        assert len(result["probabilities"]) == 10
        assert abs(sum(result["probabilities"]) - 1) < 1e-5
        assert max(result["probabilities"]) == result["probabilities"][label]
    assert results[1]["blank"] is True and "digit" not in results[1]


def test_blank_image_is_reported_as_blank(trained_model_path, tmp_path, capsys):
    Image.new("RGB", (280, 280), "white").save(tmp_path / "white.png")
    assert main([str(trained_model_path), str(tmp_path / "white.png")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{tmp_path / 'white.png'}: the image is blank")
    assert not LINE.match(out.strip())


def test_unusable_image_files_are_reported_in_one_line_each_and_the_rest_still_read(
        trained_model_path, digit_pngs, tmp_path, capsys):
    paths, labels = digit_pngs
    (tmp_path / "notes.png").write_text("not a picture")
    (tmp_path / "cut.png").write_bytes(paths[0].read_bytes()[:300])
    bad = [tmp_path / "notes.png", tmp_path / "cut.png", tmp_path / "missing.png", tmp_path]
    assert main([str(trained_model_path), str(bad[0]), str(paths[1]), *map(str, bad[1:])]) == 2
    captured = capsys.readouterr()
    assert LINE.match(captured.out.strip())["digit"] == str(labels[1])
    errors = captured.err.splitlines()
    assert len(errors) == len(bad)
    for line, path in zip(errors, bad):
        assert line.startswith(f"error: {path}: ")
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("problem", ["missing", "text", "other input shape"])
def test_unusable_model_is_a_usage_error(problem, digit_pngs, tmp_path, capsys):
    model = tmp_path / "model.npz"
    if problem == "text":
        model.write_text("weights")
    elif problem == "other input shape":
        Sequential([Flatten(), Dense(10)], input_shape=(32, 32, 3)).save(model)
    with pytest.raises(SystemExit) as exit_info:
        main([str(model), str(digit_pngs[0][0])])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: scratchnet-predict") and f"error: {model}: " in err
    if problem == "other input shape":
        assert "(32, 32, 3)" in err and "(28, 28, 1)" in err


def test_script_runs_from_a_clone(trained_model_path, digit_pngs, tmp_path):
    paths, labels = digit_pngs
    done = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "predict.py"),
                           str(trained_model_path), str(paths[0]), "--json"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["digit"] == labels[0]


def number_png(path: Path, text: str) -> Path:
    """``text`` (digits of tests/hand_drawn.py and dashes) written black on white, 150 px a
    digit, as a pen draws it."""
    from PIL import ImageDraw

    from hand_drawn import HAND_DRAWN

    paths, left = [], 20.0
    for character in text:
        if character == "-":                   # clear of the digit before it
            paths.append([(left + 40, 140.0), (left + 90, 141.0)])
            left += 140
            continue
        paths += [[(x * 200 + left, y * 200 + 40) for x, y in stroke]
                  for stroke in HAND_DRAWN[int(character)]]
        left += 150
    picture = Image.new("L", (int(left) + 80, 280), 255)
    draw = ImageDraw.Draw(picture)
    for points in paths:
        draw.line(points, fill=0, width=18, joint="curve")
        for x, y in points:
            draw.ellipse((x - 9, y - 9, x + 9, y + 9), fill=0)
    picture.save(path)
    return path


def test_a_picture_of_a_number_is_read_mark_by_mark(trained_model_path, tmp_path, capsys):
    png = number_png(tmp_path / "number.png", "10-47")
    assert main([str(trained_model_path), str(png), "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["text"] == "10-47" and "digit" not in result
    assert [mark["kind"] for mark in result["marks"]] == ["digit", "digit", "separator",
                                                          "digit", "digit"]
    lefts = [mark["box"][0] for mark in result["marks"]]
    assert lefts == sorted(lefts)
    assert main([str(trained_model_path), str(png)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{png}: 10-47   1 ") and not LINE.match(line)


def test_a_picture_of_one_hand_drawn_digit_reads_as_that_digit(trained_model_path, tmp_path,
                                                               capsys):
    pngs = [number_png(tmp_path / f"{digit}.png", digit) for digit in "01347"]
    assert main([str(trained_model_path), *map(str, pngs)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [LINE.match(line)["digit"] for line in lines] == list("01347")


def test_a_picture_of_speckles_is_refused_naming_the_file(trained_model_path, tmp_path, capsys):
    """300 specks of 8x8 px 4 px apart: too large to be dust, too many to be a number."""
    paper = np.full((160, 1500), 255, np.uint8)
    cells = np.random.default_rng(0).choice(12 * 125, size=300, replace=False)
    for row, col in zip(*np.divmod(cells, 125)):
        paper[5 + 12 * row:13 + 12 * row, 12 * col:12 * col + 8] = 0
    noise = tmp_path / "noise.png"
    Image.fromarray(paper).save(noise)
    assert main([str(trained_model_path), str(noise)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {noise}: the picture's ink falls into ") and "pieces" in err
