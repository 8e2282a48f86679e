"""Synthetic digits in styles MNIST lacks (``scratchnet.data.synthetic``)."""

import numpy as np

from scratchnet.data.synthetic import STYLES, synthetic_digits, synthetic_strokes


def test_synthetic_digits_are_deterministic_by_seed_and_shaped_like_mnist():
    images, labels = synthetic_digits(12, seed=3, styles=tuple(STYLES))
    again, same_labels = synthetic_digits(12, seed=3, styles=tuple(STYLES))
    other, _ = synthetic_digits(12, seed=4, styles=tuple(STYLES))
    assert images.shape == (12, 28, 28) and images.dtype == np.uint8 and images.max() == 255
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(labels, same_labels)
    assert not np.array_equal(images, other)
    assert sorted(set(labels.tolist())) == [0, 1, 4, 7, 9]
    _, default_labels = synthetic_digits(6, seed=3)
    assert sorted(set(default_labels.tolist())) == [0, 1, 4, 7, 9]     # DEFAULT_STYLES


def test_synthetic_strokes_are_the_apps_strokes_inside_the_canvas():
    drawings, labels = synthetic_strokes(len(STYLES) * 4, seed=0, styles=tuple(STYLES))
    for strokes in drawings:
        points = np.concatenate([np.asarray(s.points) for s in strokes])
        assert all(s.width == 20.0 for s in strokes)
        assert points.min() >= 0 and points.max() <= 280
        extent = (points.max(axis=0) - points.min(axis=0)).max()
        assert 99 <= extent <= 221


def test_a_trained_model_reads_synthetic_digits_as_their_labels(trained_model_path):
    """The styles are still the digits they claim to be: a small MNIST model reads most of them
    right (it reads the flagged 1 worst, which is why they are made)."""
    from scratchnet.nn.loading import load_model

    model = load_model(trained_model_path)
    images, labels = synthetic_digits(80, seed=0, styles=tuple(STYLES))
    predicted = model.predict(images[..., None].astype(np.float32) / 255).argmax(axis=1)
    for label in (4, 7, 9):
        assert (predicted[labels == label] == label).mean() >= 0.7
    assert (predicted == labels).mean() >= 0.5


def test_slashed_zeros_are_an_oval_with_a_line_through_its_middle():
    rng = np.random.default_rng(0)
    strokes_drawn = set()
    for _ in range(60):
        label, paths = STYLES["slashed_zero"](rng)
        assert label == 0
        strokes_drawn.add(len(paths))
        if len(paths) == 1:             # the oval and the line without lifting the pen
            oval, line = paths[0][:-2], paths[0][-2:]
        else:
            oval, line = paths
        low, high = oval.min(axis=0), oval.max(axis=0)
        centre, size = (low + high) / 2, high - low
        # The line passes close to the oval's middle and reaches at least near its edge.
        start, end = line[0], line[-1]
        along = np.clip(np.dot(centre - start, end - start) / np.dot(end - start, end - start),
                        0, 1)
        assert np.linalg.norm(start + along * (end - start) - centre) < 0.15 * size.max()
        assert np.linalg.norm(end - start) > 0.7 * min(size)
    assert strokes_drawn == {1, 2}
