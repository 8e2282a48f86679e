"""Seeing inside the model: the saliency map is the true input gradient, the figures hold one cell
per filter and per channel, the mistakes are real mistakes ranked by confidence, and the command
line writes every PNG and fails cleanly on bad input."""

import numpy as np
import pytest
from PIL import Image

from scratchnet import load_model
from scratchnet.cli.visualize import main
from scratchnet.data.idx import write_idx
from scratchnet.data.mnist import to_float_images
from scratchnet.data.mnist_files import MNIST_SUBDIR
from scratchnet.nn.networks import reference_cnn, small_cnn
from scratchnet.figures.visualize import (
    as_batch,
    conv_feature_maps,
    conv_layers,
    feature_maps_figure,
    filters_figure,
    mistakes_figure,
    most_confident_mistakes,
    saliency_figure,
    saliency_map,
    save_figure,
)


def cells(figure, prefix):
    """The axes of ``figure`` (subfigures included) whose label starts with ``prefix``."""
    return [axes for axes in figure.get_axes() if axes.get_label().startswith(prefix)]


@pytest.fixture(scope="module")
def model(trained_model_path):
    return load_model(trained_model_path)


@pytest.fixture(scope="module")
def test_digits(mnist):
    _, (x_test, y_test) = mnist
    return to_float_images(x_test[:2000]), y_test[:2000].astype(np.int64)


# ---------------------------------------------------------------------------------- saliency
def test_saliency_map_matches_finite_differences_of_the_class_score(model, test_digits):
    """The network is piecewise linear (ReLU, max, products), so wherever a pixel's one-sided
    differences agree the class score is linear around it and the central difference is its exact
    derivative. A faint noisy background keeps max-pool windows from tying, as all-blank windows
    do, so almost every pixel is such a point."""
    images, labels = test_digits
    rng = np.random.default_rng(0)
    image = images[3].astype(np.float64) + rng.uniform(0, 0.05, images[3].shape)
    target = int(labels[3])
    gradient = saliency_map(model, image, target)
    assert gradient.shape == (28, 28) and gradient.dtype == np.float64

    x = as_batch(model, image)
    strongest = np.argsort(-np.abs(gradient).ravel())[:12]
    anywhere = rng.choice(28 * 28, 12, replace=False)
    score = float(model.forward(x)[0, target])
    eps = 1e-6
    checked = 0
    for row, column in (np.unravel_index(i, (28, 28)) for i in [*strongest, *anywhere]):
        original = x[0, row, column, 0]
        x[0, row, column, 0] = original + eps
        plus = float(model.forward(x)[0, target])
        x[0, row, column, 0] = original - eps
        minus = float(model.forward(x)[0, target])
        x[0, row, column, 0] = original
        forward, backward = (plus - score) / eps, (score - minus) / eps
        if abs(forward - backward) > 1e-6:
            continue     # a ReLU or max-pool switch lies within eps: no derivative here
        np.testing.assert_allclose(gradient[row, column], (plus - minus) / (2 * eps),
                                   rtol=1e-5, atol=1e-8, err_msg=f"pixel ({row}, {column})")
        checked += 1
    assert checked >= 20
    assert np.abs(gradient).max() > 0


def test_saliency_of_each_class_is_that_class_score_gradient(model, test_digits):
    """Linearity: the one-hot gradients of all classes sum to the gradient of the summed scores."""
    image = test_digits[0][7].astype(np.float64)
    total = sum(saliency_map(model, image, target) for target in range(10))
    summed = model.input_gradient(as_batch(model, image), np.ones((1, 10)))[0, :, :, 0]
    np.testing.assert_allclose(total, summed, rtol=1e-10, atol=1e-12)


def test_one_digit_becomes_a_float64_batch_of_one_for_an_mnist_model(model, test_digits):
    from scratchnet import Sequential
    from scratchnet.nn.layers import Dense, Flatten
    digit = test_digits[0][0]                                   # (28, 28, 1) float32
    batch = as_batch(model, digit)
    assert batch.shape == (1, 28, 28, 1) and batch.dtype == np.float64
    np.testing.assert_array_equal(as_batch(model, digit[..., 0]), batch)
    with pytest.raises(ValueError, match="expected one digit"):
        as_batch(model, test_digits[0][:2])
    with pytest.raises(ValueError, match=r"models of MNIST digits \(28, 28, 1\)"):
        as_batch(Sequential([Flatten(), Dense(10)], input_shape=(14, 14, 1)), digit)


def test_saliency_map_rejects_a_class_the_model_does_not_have(model, test_digits):
    with pytest.raises(ValueError, match="0..9"):
        saliency_map(model, test_digits[0][0], 10)


def test_saliency_figure_names_the_predicted_class(model, test_digits):
    images, _ = test_digits
    predicted = int(model.predict(images[:1]).argmax())
    figure = saliency_figure(model, images[0], caption="test digit #0")
    assert f"predicted {predicted}" in figure.get_suptitle()
    assert len(figure.get_axes()) == 5     # digit, gradient, its colour bar, overlay, bars


# ------------------------------------------------------------------------ filters and maps
@pytest.mark.parametrize("build", [small_cnn, reference_cnn])
def test_filters_figure_has_one_cell_per_first_layer_filter(build):
    model = build()
    first = conv_layers(model)[0]
    figure = filters_figure(model)
    assert len(cells(figure, "filter ")) == first.filters
    assert f"{first.filters} filters of 3×3" in figure.get_suptitle()


def test_filters_figure_needs_a_conv_layer():
    from scratchnet import Sequential
    from scratchnet.nn.layers import Dense, Flatten
    with pytest.raises(ValueError, match="no Conv2D"):
        filters_figure(Sequential([Flatten(), Dense(10)], input_shape=(28, 28, 1)))


def test_feature_maps_are_each_conv_layers_output_one_cell_per_channel(model, test_digits):
    image = test_digits[0][0]
    maps = conv_feature_maps(model, image)
    layers = conv_layers(model)
    assert [name for name, _ in maps] == [layer.name for layer in layers]
    first_output = layers[0].forward(image[None].astype(np.float64), training=False)[0]
    np.testing.assert_array_equal(maps[0][1], first_output)
    for (name, array), layer in zip(maps, layers):
        assert array.shape == layer.output_shape(layer.input_shape)
        figure = feature_maps_figure(name, array, image, caption="test digit #0")
        assert len(cells(figure, "channel ")) == layer.filters


# ---------------------------------------------------------------------------------- mistakes
def test_most_confident_mistakes_are_wrong_and_ranked_by_confidence(model, test_digits):
    images, labels = test_digits
    mistakes = most_confident_mistakes(model, images, labels, count=10)
    probabilities = model.predict(images)
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    assert len(wrong) >= 10, "the test model should make some mistakes on 2000 digits"
    assert mistakes.wrong == len(wrong) and mistakes.total == len(labels)
    assert len(mistakes.indices) == 10
    np.testing.assert_array_equal(mistakes.true, labels[mistakes.indices])
    np.testing.assert_array_equal(mistakes.predicted, predicted[mistakes.indices])
    assert np.all(mistakes.predicted != mistakes.true)
    np.testing.assert_allclose(mistakes.confidence,
                               probabilities[mistakes.indices, mistakes.predicted])
    assert np.all(np.diff(mistakes.confidence) <= 0)
    # No mistake left out was surer than the least sure one listed.
    left_out = np.setdiff1d(wrong, mistakes.indices)
    assert probabilities[left_out, predicted[left_out]].max() <= mistakes.confidence[-1]


def test_mistakes_figure_shows_each_mistake_with_its_labels(model, test_digits):
    images, labels = test_digits
    mistakes = most_confident_mistakes(model, images, labels, count=10)
    figure = mistakes_figure(images, mistakes)
    shown = cells(figure, "mistake ")
    assert len(shown) == 10
    first = shown[0].get_title()
    assert first.startswith(f"true {mistakes.true[0]} → {mistakes.predicted[0]}")


def test_save_figure_writes_a_png(tmp_path):
    path = save_figure(filters_figure(small_cnn()), tmp_path / "deep" / "filters.png")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > 300


# ------------------------------------------------------------------------------ command line
@pytest.fixture(scope="module")
def small_data_dir(mnist, tmp_path_factory):
    """A data directory whose MNIST files hold the first 300 real test digits (and 50 training)."""
    (x_train, y_train), (x_test, y_test) = mnist
    root = tmp_path_factory.mktemp("data")
    folder = root / MNIST_SUBDIR
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte", x_train[:50])
    write_idx(folder / "train-labels-idx1-ubyte", y_train[:50])
    write_idx(folder / "t10k-images-idx3-ubyte", x_test[:300])
    write_idx(folder / "t10k-labels-idx1-ubyte", y_test[:300])
    return root


def test_cli_writes_every_png_and_says_where(trained_model_path, small_data_dir, tmp_path,
                                            capsys):
    out = tmp_path / "pictures"
    status = main([str(trained_model_path), "--digit-index", "12", "--out", str(out),
                   "--data-dir", str(small_data_dir)])
    assert status == 0
    printed = capsys.readouterr().out
    model = load_model(trained_model_path)
    names = [f"filters_{conv_layers(model)[0].name}.png"]
    names += [f"feature_maps_{layer.name}.png" for layer in conv_layers(model)]
    names += ["saliency.png", "mistakes.png"]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    for name in names:
        assert str(out / name) in printed
        with Image.open(out / name) as image:
            assert image.format == "PNG" and min(image.size) > 200
    assert "of 300 test digits misclassified" in printed


def test_cli_rejects_a_bad_model_file(tmp_path, capsys):
    junk = tmp_path / "model.npz"
    junk.write_bytes(b"not a model")
    assert main([str(junk), "--out", str(tmp_path / "out")]) == 2
    assert str(junk) in capsys.readouterr().err
    assert main([str(tmp_path / "missing.npz")]) == 2
    assert "no such model file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cli_rejects_a_digit_index_past_the_test_set(trained_model_path, small_data_dir,
                                                    tmp_path, capsys):
    status = main([str(trained_model_path), "--digit-index", "300", "--out", str(tmp_path),
                   "--data-dir", str(small_data_dir)])
    assert status == 2
    assert "--digit-index must be in 0..299" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_rejects_a_negative_digit_index(trained_model_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(trained_model_path), "--digit-index", "-1"])
    assert exit_info.value.code == 2
    assert "--digit-index: must not be negative" in capsys.readouterr().err


def test_cli_rejects_an_unreadable_image(trained_model_path, tmp_path, capsys):
    broken = tmp_path / "digit.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n but then nothing an image needs")
    status = main([str(trained_model_path), "--image", str(broken), "--out",
                   str(tmp_path / "out")])
    assert status == 2
    assert str(broken) in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cli_draws_an_image_file(trained_model_path, small_data_dir, mnist, tmp_path, capsys):
    """A test digit saved as an ordinary dark-on-light PNG goes through the app's preprocessing."""
    _, (x_test, _) = mnist
    digit = Image.fromarray(255 - x_test[0]).resize((140, 140), Image.BILINEAR)
    path = tmp_path / "seven.png"
    digit.save(path)
    out = tmp_path / "out"
    status = main([str(trained_model_path), "--image", str(path), "--out", str(out),
                   "--data-dir", str(small_data_dir)])
    assert status == 0
    assert (out / "saliency.png").is_file() and (out / "mistakes.png").is_file()
    assert str(out / "saliency.png") in capsys.readouterr().out
