"""Stroke-level copies of a drawing: other shapes, the same box, reproducible."""

import numpy as np

from scratchnet.preprocess import strokes_to_mnist
from scratchnet.training.stroke_jitter import jitter_strokes, jittered_copies

SEVEN = [{"width": 18.0, "points": [[80.0, 60.0], [200.0, 60.0], [120.0, 230.0]]},
         {"width": 18.0, "points": [[110.0, 140.0], [170.0, 140.0]]}]


def test_jitter_moves_every_point_but_keeps_widths_and_stroke_lengths():
    moved = jitter_strokes(SEVEN, np.random.default_rng(0))
    assert [len(s["points"]) for s in moved] == [len(s["points"]) for s in SEVEN]
    assert [s["width"] for s in moved] == [s["width"] for s in SEVEN]
    before = np.concatenate([s["points"] for s in SEVEN])
    after = np.concatenate([s["points"] for s in moved])
    assert np.all(np.linalg.norm(after - before, axis=1) > 0)
    # Small: within a fifth of the digit's size.
    assert np.abs(after - before).max() < 0.2 * np.ptp(before, axis=0).max()


def test_copies_are_reproducible_distinct_and_read_as_the_app_reads():
    first = jittered_copies(SEVEN, (280, 280), 4, np.random.default_rng(1))
    again = jittered_copies(SEVEN, (280, 280), 4, np.random.default_rng(1))
    assert first.shape == (4, 28, 28, 1) and first.dtype == np.float32
    np.testing.assert_array_equal(first, again)
    assert np.abs(first[0] - first[1]).max() > 0.1
    original = strokes_to_mnist(SEVEN, (280, 280))
    for copy in first[..., 0]:
        assert copy.max() == 1.0
        assert np.abs(copy - original).mean() < 0.1          # the same digit, reshaped
