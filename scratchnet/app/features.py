"""The first two conv layers' feature maps of a digit, tiled into colour images for the app.

Each layer's F maps (H, W) are laid out in rows of ``columns`` cells, ``gap`` pixels apart, and
coloured with the colormap of scratchnet.figures.visualize (black: silent, yellow: strongly active), all
on the layer's own scale from 0 to its largest activation: a map that stays dark is one this
digit barely excites.
"""

from __future__ import annotations

import numpy as np

from scratchnet.nn.model import Sequential

from scratchnet.figures.visualize import ACTIVATION, GRID_COLUMNS, conv_feature_maps

GAP_VALUE = np.nan     # marks the gaps between cells, drawn in the background colour
BACKGROUND = (255, 255, 255)


def tile_maps(maps: np.ndarray, columns: int = GRID_COLUMNS, gap: int = 1) -> np.ndarray:
    """Feature maps (H, W, F) as one grid image, scaled to [0, 1] by the largest activation.

    Returns float64 (rows*(H+gap)-gap, cols*(W+gap)-gap), where cols = min(columns, F); the
    gaps and the empty cells after the last map hold NaN.
    """
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 3 or maps.shape[2] == 0:
        raise ValueError(f"expected feature maps (H, W, F) with F >= 1, got shape {maps.shape}")
    height, width, count = maps.shape
    columns = min(columns, count)
    rows = -(-count // columns)
    top = maps.max()
    scaled = maps / top if top > 0 else np.zeros_like(maps)
    grid = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap), GAP_VALUE)
    for index in range(count):
        row, column = divmod(index, columns)
        top_y, left_x = row * (height + gap), column * (width + gap)
        grid[top_y:top_y + height, left_x:left_x + width] = np.clip(scaled[:, :, index], 0, 1)
    return grid


def colorize(grid: np.ndarray) -> np.ndarray:
    """A grid from :func:`tile_maps` as uint8 RGB (h, w, 3); NaN cells get the background."""
    from matplotlib import colormaps     # only when the panel is first shown: it takes a while
    lookup = (colormaps[ACTIVATION](np.linspace(0, 1, 256))[:, :3] * 255).round().astype(np.uint8)
    blank = np.isnan(grid)
    rgb = lookup[np.round(np.where(blank, 0, grid) * 255).astype(np.intp)]
    rgb[blank] = BACKGROUND
    return rgb


def first_conv_grids(model: Sequential, image: np.ndarray, layers: int = 2
                     ) -> list[tuple[str, tuple[int, int, int], np.ndarray]]:
    """The first ``layers`` Conv2D layers' maps for one (28, 28) image.

    Returns (layer name, (H, W, F), RGB grid uint8) for each, in network order.
    """
    grids = []
    for name, maps in conv_feature_maps(model, image)[:layers]:
        grids.append((name, maps.shape, colorize(tile_maps(maps))))
    return grids
