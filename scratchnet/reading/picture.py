"""Reading a number in a picture: its ink split into connected pieces, each traced as a stroke,
then read as a drawing's strokes are (``scratchnet.reading.number.read_ink``).

    ink      ``preprocess.images.ink_of``: how much ink each pixel holds, whatever the polarity;
             a pixel above ``INK_THRESHOLD`` of the largest is ink, as ``to_mnist`` counts it
    scale    the picture cropped to its ink and scaled so that the ink is ``HEIGHT`` px high (at
             most ``WIDEST`` px wide), with a margin: a photo and a thumbnail look alike to
             what follows, and tracing costs the same
    pieces   the ink's 8-connected pieces; pieces smaller than ``SPECK`` of the ink's height,
             squared, are dust and left out
    strokes  each piece thinned to its skeleton (Zhang and Suen's thinning, 1984) and traced as
             one path, depth first, going back along each branch it has followed, so that the
             path draws the skeleton and nothing else; its pen is the piece's mean thickness
    images   a mark made of whole pieces is read from the picture's own pixels (``to_mnist`` of
             those pieces' ink: a picture of one digit is read as ``to_mnist`` of the picture);
             a mark cut out of a piece (digits that touch) from its traced strokes

Everything else, the line, the marks and their readings, is ``read_number``'s.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PIL import Image

from scratchnet.preprocess.images import INK_THRESHOLD, ImageLike, ink_of, to_mnist
from scratchnet.preprocess.strokes import Stroke
from scratchnet.reading.ink import MAX_STROKES, Ink, Piece, ReadingError
from scratchnet.reading.number import NumberReading, read_ink

HEIGHT = 150            # px: the ink's height once scaled, as ../shared/numbers' inks
WIDEST = 6000           # px: the widest the scaled ink may be (a 40-digit line at 150 px)
MARGIN = 4              # px of background around the scaled ink
SPECK = 0.002           # pieces of fewer pixels than this times HEIGHT squared are dust

# The eight neighbours of a pixel, (row, column) steps: the four beside it first, so that a
# traced path goes along a line rather than across its corners.
NEIGHBOURS = ((0, 1), (1, 0), (0, -1), (-1, 0), (1, 1), (1, -1), (-1, -1), (-1, 1))


def read_picture(model, image: ImageLike) -> NumberReading:
    """Read the number written in ``image`` (what ``to_mnist`` takes: a Pillow image or an
    array, dark ink on light paper or light on dark).

    Raises ``BlankImageError`` when the picture has no ink, ``ReadingError`` when its ink falls
    into more pieces than a number could have, and ``ValueError`` as ``to_mnist`` does.
    """
    return read_ink(model, PictureInk(image))


class PictureInk(Ink):
    """A picture's ink as strokes (module docstring): ``ink`` the scaled ink, ``labels`` its
    pieces (0 background, k for the k-th piece), ``stroke_labels[i]`` the piece stroke i
    traces."""

    def __init__(self, image: ImageLike):
        self.ink = _scaled_ink(ink_of(image))
        mask = self.ink > INK_THRESHOLD * float(self.ink.max())
        self.labels, count = connected_pieces(mask)
        areas = np.bincount(self.labels.ravel(), minlength=count + 1)
        kept = [label for label in range(1, count + 1) if areas[label] >= SPECK * HEIGHT ** 2]
        if not kept:                          # only dust: the largest piece is the ink
            kept = [int(np.argmax(areas[1:])) + 1]
        if len(kept) > MAX_STROKES:
            raise ReadingError(f"the picture's ink falls into {len(kept):,} separate pieces, "
                               f"more than the {MAX_STROKES} a written number could have "
                               "(paper texture or noise?)")
        skeleton = thin(mask)
        strokes = []
        for label in kept:
            own = self.labels == label
            rows, cols = np.nonzero(skeleton & own)
            if len(rows) == 0:                # a dot thinned away: its middle pixel
                rows, cols = np.nonzero(own)
                middle = len(rows) // 2
                rows, cols = rows[middle:middle + 1], cols[middle:middle + 1]
            path = trace(set(zip(rows.tolist(), cols.tolist())))
            pen = max(1.0, float(areas[label]) / len(rows))
            strokes.append(Stroke(pen, tuple((col + 0.5, row + 0.5) for row, col in path)))
        self.stroke_labels = kept
        super().__init__(strokes, (self.ink.shape[1], self.ink.shape[0]))

    def image_of(self, pieces: Sequence[Piece]) -> np.ndarray:
        """The picture's own ink of the pieces' strokes when they are whole strokes, else what
        ``Ink.image_of`` draws of them."""
        if not all(piece.start == 0 and piece.stop == len(self.points[piece.stroke])
                   for piece in pieces):
            return super().image_of(pieces)
        own = np.isin(self.labels, [self.stroke_labels[piece.stroke] for piece in pieces])
        return to_mnist(np.where(own, self.ink, np.float32(0)))


def _scaled_ink(ink: np.ndarray) -> np.ndarray:
    """The ink cropped to its box, scaled to ``HEIGHT`` px high (at most ``WIDEST`` wide), with
    ``MARGIN`` px around it."""
    mask = ink > INK_THRESHOLD * float(ink.max())
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    box = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    height, width = box.shape
    scale = min(HEIGHT / height, WIDEST / width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    scaled = np.asarray(Image.fromarray(box.astype(np.float32)).resize(size, resample))
    return np.pad(scaled, MARGIN)


def connected_pieces(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """The 8-connected pieces of ``mask`` (H, W): labels int32 (H, W), 0 off the mask and 1 to
    count on it, numbered in the order their first run is met (row by row), and count.

    Runs of each row are joined to the runs of the row above that touch them, corners included,
    by union-find."""
    padded = np.pad(mask.astype(np.int8), ((0, 0), (1, 1)))
    edges = np.diff(padded, axis=1)
    runs = []                                 # (row, start, stop) of each run, row by row
    for row in range(mask.shape[0]):
        starts, stops = np.flatnonzero(edges[row] == 1), np.flatnonzero(edges[row] == -1)
        runs += [(row, int(start), int(stop)) for start, stop in zip(starts, stops)]
    parent = list(range(len(runs)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    above_first = above_stop = 0             # the runs of the row above: runs[first:stop]
    index = 0
    while index < len(runs):
        row = runs[index][0]
        first = index
        while index < len(runs) and runs[index][0] == row:
            index += 1
        if above_stop > above_first and runs[above_first][0] == row - 1:
            other = above_first
            for current in range(first, index):
                _, start, stop = runs[current]
                while other < above_stop and runs[other][2] < start:
                    other += 1
                touching = other
                while touching < above_stop and runs[touching][1] <= stop:
                    parent[root(touching)] = root(current)
                    touching += 1
        above_first, above_stop = first, index
    labels = np.zeros(mask.shape, np.int32)
    numbers: dict[int, int] = {}
    for index, (row, start, stop) in enumerate(runs):
        labels[row, start:stop] = numbers.setdefault(root(index), len(numbers) + 1)
    return labels, len(numbers)


def thin(mask: np.ndarray) -> np.ndarray:
    """The skeleton of ``mask`` (H, W), bool: Zhang and Suen's thinning, each pass taking the
    border pixels whose removal keeps the shape connected, until none is left to take."""
    image = np.pad(mask.astype(np.uint8), 1)
    centre = image[1:-1, 1:-1]
    while True:
        changed = False
        for step in (0, 1):
            p2, p3, p4 = image[:-2, 1:-1], image[:-2, 2:], image[1:-1, 2:]
            p5, p6, p7 = image[2:, 2:], image[2:, 1:-1], image[2:, :-2]
            p8, p9 = image[1:-1, :-2], image[:-2, :-2]
            ring = (p2, p3, p4, p5, p6, p7, p8, p9, p2)
            count = sum(p.astype(np.int8) for p in ring[:8])
            crossings = sum(((a == 0) & (b == 1)).astype(np.int8) for a, b in zip(ring, ring[1:]))
            if step == 0:
                side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            remove = (centre == 1) & (count >= 2) & (count <= 6) & (crossings == 1) & side
            if remove.any():
                centre[remove] = 0
                changed = True
        if not changed:
            return centre.astype(bool)


def trace(pixels: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """A path (row, column) through every pixel of a skeleton: depth first from its leftmost
    end, going back along each branch followed; a part the search cannot reach is joined on from
    its pixel nearest the path's end."""
    ends = [pixel for pixel in pixels if _degree(pixel, pixels) <= 1]
    start = min(ends or pixels, key=lambda pixel: (pixel[1], pixel[0]))
    seen: set[tuple[int, int]] = set()
    path: list[tuple[int, int]] = []
    while True:
        path += _depth_first(start, pixels, seen)
        left = pixels - seen
        if not left:
            return path
        end = np.array(path[-1])
        start = min(left, key=lambda pixel: float(((np.array(pixel) - end) ** 2).sum()))


def _degree(pixel: tuple[int, int], pixels: set[tuple[int, int]]) -> int:
    row, col = pixel
    return sum((row + dr, col + dc) in pixels for dr, dc in NEIGHBOURS)


def _depth_first(start: tuple[int, int], pixels: set[tuple[int, int]],
                 seen: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """The walk of a depth-first search from ``start``, steps back included, up to the last
    pixel it reached (the way back to ``start`` left out)."""
    seen.add(start)
    walk, last = [start], 1
    stack = [(start, iter(NEIGHBOURS))]
    while stack:
        (row, col), steps = stack[-1]
        for dr, dc in steps:
            pixel = (row + dr, col + dc)
            if pixel in pixels and pixel not in seen:
                seen.add(pixel)
                walk.append(pixel)
                last = len(walk)
                stack.append((pixel, iter(NEIGHBOURS)))
                break
        else:
            stack.pop()
            if stack:
                walk.append(stack[-1][0])
    return walk[:last]
