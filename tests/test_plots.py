"""The figures: each is a readable PNG of a sensible size, written without temporary leftovers."""

import numpy as np
from PIL import Image

from scratchnet.figures import plots
from scratchnet.training.metrics import confusion_matrix


def assert_png(path, min_width=400):
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width >= min_width and image.height >= 200
        # not a blank canvas: the figure has drawn pixels of several colours
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 10
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_training_curves_with_and_without_validation(tmp_path):
    history = {"loss": [0.5, 0.1, 0.05], "acc": [0.85, 0.97, 0.985],
               "val_loss": [0.08, 0.05, 0.04], "val_acc": [0.975, 0.984, 0.989]}
    assert_png(plots.training_curves(history, tmp_path / "curves.png"))
    assert_png(plots.training_curves({"loss": [0.3], "acc": [0.9]}, tmp_path / "one.png"))


def test_confusion_matrix_figure(tmp_path):
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 10, 1000)
    y_pred = np.where(rng.random(1000) < 0.95, y_true, rng.integers(0, 10, 1000))
    assert_png(plots.confusion_matrix(confusion_matrix(y_true, y_pred), tmp_path / "cm.png"))
    perfect = confusion_matrix(np.arange(10), np.arange(10))
    assert_png(plots.confusion_matrix(perfect, tmp_path / "perfect.png"))


def test_misclassified_grid_and_the_no_mistakes_case(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((60, 28, 28, 1)).astype(np.float32)
    y_true = rng.integers(0, 10, 60)
    y_pred = (y_true + (rng.random(60) < 0.5)) % 10
    probabilities = rng.dirichlet(np.ones(10), 60)
    assert_png(plots.misclassified(images, y_true, y_pred, probabilities,
                                   tmp_path / "wrong.png"))
    assert_png(plots.misclassified(images, y_true, y_true, probabilities,
                                   tmp_path / "none.png"), min_width=300)


def test_existing_file_is_replaced_atomically(tmp_path):
    target = tmp_path / "curves.png"
    target.write_bytes(b"old")
    plots.training_curves({"loss": [1.0], "acc": [0.5]}, target)
    assert target.read_bytes().startswith(b"\x89PNG")
