"""Reading a picture: its ink in connected pieces, each thinned and traced as one stroke."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnet.preprocess.images import BlankImageError
from scratchnet.reading.picture import PictureInk, connected_pieces, thin, trace


def test_pieces_touching_at_a_corner_are_one_and_pieces_apart_are_two():
    mask = np.zeros((6, 8), bool)
    mask[0, 0] = mask[1, 1] = True               # diagonal neighbours: one piece
    mask[4:6, 3:8] = True                        # a bar
    mask[0:3, 6] = True                          # a stem apart from it
    labels, count = connected_pieces(mask)
    assert count == 3
    assert labels[0, 0] == labels[1, 1] != 0
    assert len({labels[5, 3], labels[0, 6], labels[0, 0]}) == 3
    assert (labels > 0).sum() == mask.sum()
    u = np.zeros((5, 5), bool)
    u[:, 0] = u[:, 4] = u[4, :] = True           # a U: its arms meet only at the bottom row
    assert connected_pieces(u)[1] == 1


def test_a_thick_bar_thins_to_a_line_traced_end_to_end():
    mask = np.zeros((20, 60), bool)
    mask[6:14, 5:55] = True
    skeleton = thin(mask)
    assert skeleton.any() and (skeleton.sum(axis=0) <= 1).all()
    assert skeleton.sum() >= 40
    pixels = set(zip(*np.nonzero(skeleton)))
    path = trace({(int(r), int(c)) for r, c in pixels})
    assert set(path) == {(int(r), int(c)) for r, c in pixels}
    cols = [col for _, col in path]
    assert cols == sorted(cols)                  # from the leftmost end, straight along it
    steps = np.abs(np.diff(np.array(path), axis=0)).max(axis=1)
    assert (steps <= 1).all()                    # every step to a neighbour: it draws no jump


def test_a_picture_is_strokes_one_a_piece_and_its_images_are_its_own_pixels():
    paper = np.ones((200, 400), np.float32)
    paper[40:160, 60:75] = 0                     # a 1
    paper[95:105, 150:210] = 0                   # a dash
    paper[40:160, 280:300] = 0                   # another 1
    paper[10, 390] = 0                           # dust
    ink = PictureInk(paper)
    assert len(ink.strokes) == 3 and ink.canvas[1] == 150 + 2 * 4
    whole = ink.image_of(ink.pieces[:1])
    assert whole.shape == (28, 28) and whole.max() == 1.0
    with pytest.raises(BlankImageError):
        PictureInk(np.ones((50, 50), np.float32))
