"""scripts/evaluate.py: the report agrees with the model, and bad input is a usage error."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scratchnet.cli.evaluate import main
from scratchnet.data.mnist import to_float_images
from scratchnet.nn.saving import load_model

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
