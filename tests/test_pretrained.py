"""The model that comes with the package: a compact file that loads, reads digits, matches the
digest README quotes, and that the app falls back to, or explains, when it is missing or
damaged."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from hand_drawn import HAND_DRAWN, scale_strokes
from scratchnet.app.recognizer import describe_model, open_model
from scratchnet.cli.export_model import main as export_main
from scratchnet.nn.loading import load_model
from scratchnet.nn.networks import small_cnn
from scratchnet.nn.saving import save_model, weights_digest
from scratchnet.preprocess.network_input import to_network_input
from scratchnet.preprocess.rendering import strokes_to_mnist
from scratchnet.preprocess.strokes import Stroke
from scratchnet import pretrained
from scratchnet.training.teaching import personal_model_path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"


def shipped_or_skip() -> Path:
    if not pretrained.SHIPPED_MODEL.is_file():
        pytest.skip(f"no shipped model at {pretrained.SHIPPED_MODEL}")
    return pretrained.SHIPPED_MODEL


def test_the_shipped_model_is_compact_and_its_digest_is_the_one_readme_quotes():
    path = shipped_or_skip()
    assert path.stat().st_size <= 5_000_000
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert not any(name.startswith("optimizer/") or name.startswith("train_order")
                   for name in names)
    with np.load(path) as arrays:
        params = [key for key in arrays.files if key.startswith("param/")]
        assert params and all(arrays[key].dtype == np.float16 for key in params)
    quoted = re.findall(r"weights digest.*?`([0-9a-f]{64})`", README.read_text(), re.DOTALL)
    assert quoted, "README quotes no weights digest for the shipped model"
    assert weights_digest(load_model(path)) == quoted[0]


def test_the_shipped_model_reads_hand_drawn_digits_and_names_its_outputs():
    model = load_model(shipped_or_skip())
    assert model.output_shape[-1] >= 10
    classes = model.metadata["classes"]
    assert classes[:10] == [str(digit) for digit in range(10)]
    images = [strokes_to_mnist([Stroke(20.0, tuple(points)) for points in
                                scale_strokes(HAND_DRAWN[digit], 280)], (280, 280))
              for digit in sorted(HAND_DRAWN)]
    read = model.predict(to_network_input(np.stack(images))).argmax(axis=1)
    assert read.tolist() == sorted(HAND_DRAWN)


def test_export_writes_float16_without_optimizer_and_reads_as_the_full_model(tmp_path, capsys):
    model = small_cnn(seed=3)
    model.compile()
    x = np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)
    model.fit(x, np.arange(8) % 10, epochs=1, batch_size=4)
    full = tmp_path / "full.npz"
    model.save(full, metadata={"test_accuracy": 0.5})
    out = tmp_path / "compact.npz"
    assert export_main([str(full), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    compact = load_model(out)
    assert compact.optimizer is None and compact.metadata["test_accuracy"] == 0.5
    assert f"weights digest (SHA-256): {weights_digest(compact)}" in printed
    assert weights_digest(compact) == weights_digest(model)
    assert out.stat().st_size < full.stat().st_size / 3
    np.testing.assert_allclose(compact.predict(x), model.predict(x), atol=2e-3)


def test_export_refuses_weights_float16_cannot_hold_and_writes_nothing(tmp_path):
    model = small_cnn(seed=0)
    model.layers[0].params["kernel"][...] = 1e6
    with pytest.raises(ValueError, match="do not fit float16"):
        save_model(model, tmp_path / "big.npz", compact=True)
    assert list(tmp_path.iterdir()) == []


def test_export_of_a_file_that_is_no_model_is_a_usage_error(tmp_path, capsys):
    bad = tmp_path / "notes.npz"
    bad.write_text("not a model")
    with pytest.raises(SystemExit) as exit_info:
        export_main([str(bad), "--out", str(tmp_path / "out.npz")])
    assert exit_info.value.code == 2
    assert str(bad) in capsys.readouterr().err
    assert not (tmp_path / "out.npz").exists()


def test_a_trained_model_takes_precedence_over_the_shipped_one(tmp_path):
    trained = tmp_path / "models" / "mnist.npz"
    assert pretrained.base_model_path(trained) == pretrained.SHIPPED_MODEL
    trained.parent.mkdir()
    trained.write_bytes(b"")
    assert pretrained.base_model_path(trained) == trained


def test_the_personal_model_of_the_shipped_one_goes_to_models_not_into_the_package():
    assert personal_model_path(pretrained.SHIPPED_MODEL) == Path("models") / "personal.npz"
    assert personal_model_path("elsewhere/mnist.npz") == Path("elsewhere") / "personal.npz"


def test_a_damaged_shipped_model_is_explained_and_the_app_can_open_without_it(tmp_path,
                                                                            monkeypatch):
    damaged = tmp_path / "mnist.npz"
    damaged.write_bytes(b"PK\x03\x04 cut short")
    monkeypatch.setattr(pretrained, "SHIPPED_MODEL", damaged.resolve())
    model, message = open_model(damaged)
    assert model is None
    assert "comes with scratchnet is damaged" in message and "Reinstall" in message


def test_the_window_says_when_it_reads_with_the_shipped_model(tmp_path, monkeypatch):
    model = small_cnn(seed=0)
    path = tmp_path / "mnist.npz"
    save_model(model, path, metadata={"test_accuracy": 0.99}, compact=True)
    loaded = load_model(path)
    assert describe_model(loaded, path).startswith(f"Model {path}")
    monkeypatch.setattr(pretrained, "SHIPPED_MODEL", path.resolve())
    line = describe_model(loaded, path)
    assert line.startswith("The model that comes with scratchnet") and "99.00%" in line


@pytest.mark.slow
def test_a_built_wheel_carries_the_shipped_model(tmp_path):
    """As ``pip install scratchnet`` from a built wheel would get it (pip fetches the build
    backend, setuptools, from the package index)."""
    shipped_or_skip()
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w",
                             str(tmp_path), str(REPO)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    wheel, = tmp_path.glob("scratchnet-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "scratchnet/pretrained/mnist.npz" in archive.namelist()
