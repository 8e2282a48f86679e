"""What the network sees: filters, feature maps, saliency and its most confident mistakes.

Every function that draws returns a ``matplotlib.figure.Figure`` built without ``pyplot`` (Agg
renderer, no display, no global state); :func:`save_figure` writes one as a PNG, atomically.
Images are single digits (28, 28) or (28, 28, 1) in [0, 1], ink = 1, as the model was trained on;
they are drawn dark ink on white.

The saliency map is the gradient of one class score with respect to the input pixels, computed
by the layers' own backward passes (``Sequential.input_gradient`` with a one-hot output gradient)
in float64:

    saliency[h, w] = d out[target] / d x[h, w]

where ``out`` is the last layer's output: the logits for models that end in ``Dense`` (all of
scratchnet's, which leave softmax to the loss), the probabilities for one that ends in ``Softmax``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from scratchnet.nn.layers import Conv2D
from scratchnet.files import write_atomically
from scratchnet.nn.model import Sequential
from scratchnet.preprocess.network_input import MNIST_SHAPE, to_network_input

GRID_COLUMNS = 8
INK = "gray_r"            # digits: dark ink on white, as on paper
ACTIVATION = "magma"      # feature maps: black = silent, yellow = strongly active
SIGNED = "RdBu_r"         # weights and gradients: red positive, blue negative, white zero


class Mistakes(NamedTuple):
    """The most confidently wrong predictions, most confident first."""

    indices: np.ndarray      # (K,) positions in the evaluated set
    true: np.ndarray         # (K,) the labels
    predicted: np.ndarray    # (K,) the model's classes
    confidence: np.ndarray   # (K,) probability the model gave its (wrong) class
    wrong: int               # how many of the set the model got wrong in all
    total: int               # how many it evaluated


# ------------------------------------------------------------------------------------ numbers
def as_batch(model: Sequential, image: np.ndarray) -> np.ndarray:
    """One digit (28, 28) or (28, 28, 1) as a float64 batch of one (1, 28, 28, 1), for a model of
    MNIST digits: the saliency map is a gradient, taken in float64."""
    if tuple(model.input_shape) != MNIST_SHAPE:
        raise ValueError(f"the figures are drawn for models of MNIST digits {MNIST_SHAPE}; this "
                         f"model takes {tuple(model.input_shape)}")
    batch = to_network_input(image, np.float64)
    if len(batch) != 1:
        raise ValueError(f"expected one digit, (28, 28) or (28, 28, 1), got shape {np.shape(image)}")
    return batch


def conv_layers(model: Sequential) -> list[Conv2D]:
    return [layer for layer in model.layers if isinstance(layer, Conv2D)]


def conv_feature_maps(model: Sequential, image: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Each Conv2D layer's output (OH, OW, F) for one image, after its fused activation."""
    names = {layer.name for layer in conv_layers(model)}
    return [(name, maps[0]) for name, maps in model.feature_maps(as_batch(model, image))
            if name in names]


def saliency_map(model: Sequential, image: np.ndarray, target: int) -> np.ndarray:
    """d out[target] / d pixels for one image: (H, W), summed over input channels, float64."""
    x = as_batch(model, image)
    classes = model.output_shape[-1]
    if not 0 <= target < classes:
        raise ValueError(f"target must be a class in 0..{classes - 1}, got {target}")
    one_hot = np.zeros((1, classes))
    one_hot[0, target] = 1.0
    return model.input_gradient(x, one_hot)[0].sum(axis=-1)


def most_confident_mistakes(model: Sequential, images: np.ndarray, labels: np.ndarray,
                            count: int = 10, batch_size: int = 256) -> Mistakes:
    """The ``count`` wrongly classified images the model was surest of, surest first.

    ``images`` (N, H, W, C) floats in [0, 1], ``labels`` (N,) integers. Ties in confidence keep
    the order of the set.
    """
    labels = np.asarray(labels)
    probabilities = model.predict(images, batch_size=batch_size)
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    order = np.argsort(-confidence, kind="stable")[:count]
    chosen = wrong[order]
    return Mistakes(chosen, labels[chosen], predicted[chosen], confidence[order], len(wrong),
                    len(labels))


# ----------------------------------------------------------------------------------- figures
def save_figure(figure: Figure, path: str | os.PathLike, dpi: int = 120) -> Path:
    """Render ``figure`` to a PNG at ``path`` (parent directories created; written atomically)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    path = Path(path)
    write_atomically(path, lambda f: f.write(buffer.getvalue()))
    return path


def _grid_shape(count: int, columns: int = GRID_COLUMNS) -> tuple[int, int]:
    columns = min(columns, count)
    return -(-count // columns), columns


def _bare(axes) -> None:
    axes.set_xticks([])
    axes.set_yticks([])


def _show_digit(axes, image: np.ndarray, title: str | None = None) -> None:
    axes.imshow(np.asarray(image).reshape(image.shape[0], image.shape[1]), cmap=INK, vmin=0,
                vmax=1, interpolation="nearest")
    _bare(axes)
    if title:
        axes.set_title(title, fontsize=9)


def filters_figure(model: Sequential, layer: Conv2D | None = None) -> Figure:
    """The kernels of ``layer`` (default: the first Conv2D) as a grid, one cell per filter.

    All cells share one symmetric colour scale, so strong and weak filters can be compared.
    With several input channels each cell shows the kernel averaged over them.
    """
    if layer is None:
        layers = conv_layers(model)
        if not layers:
            raise ValueError("the model has no Conv2D layer, so no filters to show")
        layer = layers[0]
    kernel = np.asarray(layer.params["kernel"], dtype=np.float64)   # (KH, KW, C, F)
    kernels = kernel.mean(axis=2)
    filters = kernels.shape[-1]
    limit = float(np.abs(kernels).max()) or 1.0
    rows, columns = _grid_shape(filters)
    figure = Figure(figsize=(columns * 0.95 + 1.2, rows * 0.95 + 0.9), layout="constrained")
    channels = kernel.shape[2]
    averaged = f", averaged over {channels} input channels" if channels > 1 else ""
    figure.suptitle(f"{layer.name}: {filters} filters of {layer.kernel_h}×{layer.kernel_w}"
                    f"{averaged}", fontsize=11)
    grid = figure.subplots(rows, columns, squeeze=False)
    image = None
    for index, axes in enumerate(grid.flat):
        _bare(axes)
        if index >= filters:
            axes.set_axis_off()
            continue
        axes.set_label(f"filter {index}")
        image = axes.imshow(kernels[:, :, index], cmap=SIGNED, vmin=-limit, vmax=limit,
                            interpolation="nearest")
        axes.set_title(str(index), fontsize=7, pad=2)
    figure.colorbar(image, ax=grid, shrink=0.8, label="weight")
    return figure


def feature_maps_figure(name: str, maps: np.ndarray, image: np.ndarray,
                        caption: str = "") -> Figure:
    """One conv layer's F feature maps (OH, OW, F) for ``image``, input digit on the left.

    The maps share one colour scale (0 to the layer's largest activation), so a map that stays
    dark is one this digit barely excites.
    """
    height, width, channels = maps.shape
    rows, columns = _grid_shape(channels)
    cell = 0.95 if channels <= 32 else 0.8
    figure = Figure(figsize=(columns * cell + 2.6, rows * cell + 0.9), layout="constrained")
    figure.suptitle(f"{name}: {channels} feature maps of {height}×{width}"
                    + (f" for {caption}" if caption else ""), fontsize=11)
    left, right = figure.subfigures(1, 2, width_ratios=[2.2, columns * cell])
    _show_digit(left.subplots(), image, "input")
    grid = right.subplots(rows, columns, squeeze=False)
    top = float(maps.max()) if maps.size and maps.max() > 0 else 1.0
    shown = None
    for index, axes in enumerate(grid.flat):
        _bare(axes)
        if index >= channels:
            axes.set_axis_off()
            continue
        axes.set_label(f"channel {index}")
        shown = axes.imshow(maps[:, :, index], cmap=ACTIVATION, vmin=min(0.0, maps.min()),
                            vmax=top, interpolation="nearest")
        axes.set_title(str(index), fontsize=7, pad=2)
    right.colorbar(shown, ax=grid, shrink=0.8, label="activation")
    return figure


def saliency_figure(model: Sequential, image: np.ndarray, target: int | None = None,
                    caption: str = "") -> Figure:
    """The digit, the saliency map of one class (default: the predicted one), and the
    probabilities the model gives every class.

    Red pixels raise the class score when inked more, blue ones lower it; the third panel shows
    the gradient's magnitude with the digit's outline, to show where the decision looks.
    """
    probabilities = model.predict(as_batch(model, image))[0]
    predicted = int(probabilities.argmax())
    target = predicted if target is None else int(target)
    gradient = saliency_map(model, image, target)
    limit = float(np.abs(gradient).max()) or 1.0

    figure = Figure(figsize=(12, 3.6), layout="constrained")
    figure.suptitle(f"Saliency of class {target}" + (f" for {caption}" if caption else "")
                    + f": predicted {predicted} ({probabilities[predicted]:.1%})", fontsize=11)
    digit_axes, signed_axes, overlay_axes, bar_axes = figure.subplots(
        1, 4, width_ratios=[1, 1.2, 1, 1.1])
    _show_digit(digit_axes, image, "input")

    shown = signed_axes.imshow(gradient, cmap=SIGNED, vmin=-limit, vmax=limit,
                               interpolation="nearest")
    _bare(signed_axes)
    signed_axes.set_title(f"gradient of score {target} (red: more ink, higher score)",
                          fontsize=9)
    figure.colorbar(shown, ax=signed_axes, shrink=0.85)

    digit = np.asarray(image).reshape(gradient.shape)
    overlay_axes.imshow(np.abs(gradient), cmap="Reds", vmin=0, vmax=limit,
                        interpolation="nearest")
    overlay_axes.contour(digit, levels=[0.5], colors="black", linewidths=1.0)
    _bare(overlay_axes)
    overlay_axes.set_title("|gradient|, digit outlined", fontsize=9)

    classes = np.arange(len(probabilities))
    colours = ["#bbbbbb"] * len(classes)
    colours[predicted] = "#1f77b4"
    if target != predicted:
        colours[target] = "#d62728"
    bar_axes.bar(classes, probabilities, color=colours)
    bar_axes.text(predicted, probabilities[predicted] + 0.02, f"{probabilities[predicted]:.0%}",
                  ha="center", fontsize=8)
    bar_axes.set_xticks(classes)
    bar_axes.set_ylim(0, 1.05)
    bar_axes.set_xlabel("class")
    bar_axes.set_title("probabilities", fontsize=9)
    bar_axes.spines[["top", "right"]].set_visible(False)
    return figure


def mistakes_figure(images: np.ndarray, mistakes: Mistakes, columns: int = 5) -> Figure:
    """The most confident mistakes as a grid, each titled "true → predicted (confidence)"."""
    count = len(mistakes.indices)
    rows, columns = _grid_shape(max(count, 1), columns)
    figure = Figure(figsize=(columns * 1.9, rows * 2.1 + 0.6), layout="constrained")
    figure.suptitle(f"The {count} most confidently wrong of {mistakes.wrong:,} mistakes on "
                    f"{mistakes.total:,} test digits", fontsize=11)
    if not count:
        axes = figure.add_subplot()
        axes.text(0.5, 0.5, "no mistakes", ha="center", va="center")
        axes.set_axis_off()
        return figure
    grid = figure.subplots(rows, columns, squeeze=False)
    for cell, axes in enumerate(grid.flat):
        if cell >= count:
            axes.set_axis_off()
            continue
        index = mistakes.indices[cell]
        axes.set_label(f"mistake {cell}")
        _show_digit(axes, images[index])
        axes.set_title(f"true {mistakes.true[cell]} → {mistakes.predicted[cell]}  "
                       f"({mistakes.confidence[cell]:.1%})", fontsize=9, color="#a61c00")
        axes.set_xlabel(f"test #{index}", fontsize=8)
    return figure


# ------------------------------------------------------------------------------------ writing
def write_digit_figures(model: Sequential, image: np.ndarray, out_dir: str | os.PathLike,
                        caption: str = "") -> list[Path]:
    """Write the filters, every conv layer's feature maps and the saliency map for one image.

    Returns the paths written: ``filters_<layer>.png``, ``feature_maps_<layer>.png`` for each
    Conv2D layer, then ``saliency.png``.
    """
    out_dir = Path(out_dir)
    as_batch(model, image)   # a wrong shape fails here, before anything is written
    paths = []
    layers = conv_layers(model)
    if layers:
        paths.append(save_figure(filters_figure(model, layers[0]),
                                 out_dir / f"filters_{layers[0].name}.png"))
    for name, maps in conv_feature_maps(model, image):
        paths.append(save_figure(feature_maps_figure(name, maps, image, caption),
                                 out_dir / f"feature_maps_{name}.png"))
    paths.append(save_figure(saliency_figure(model, image, caption=caption),
                             out_dir / "saliency.png"))
    return paths


def write_mistakes(model: Sequential, images: np.ndarray, labels: np.ndarray,
                   out_dir: str | os.PathLike, count: int = 10) -> tuple[Path, Mistakes]:
    """Find the ``count`` most confident mistakes on (images, labels) and write ``mistakes.png``."""
    mistakes = most_confident_mistakes(model, images, labels, count)
    return save_figure(mistakes_figure(images, mistakes), Path(out_dir) / "mistakes.png"), mistakes
