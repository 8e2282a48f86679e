"""Training and evaluation figures, drawn with matplotlib's Agg renderer (no display needed).

Figures are built with ``matplotlib.figure.Figure`` rather than ``pyplot``, so nothing here
touches global plotting state or needs a GUI backend; each PNG is written atomically.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, PercentFormatter

from scratchnet.files import write_atomically

def _save(figure: Figure, path: str | os.PathLike) -> Path:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    path = Path(path)
    write_atomically(path, lambda f: f.write(buffer.getvalue()))
    return path


def training_curves(history: dict, path: str | os.PathLike,
                    validation_name: str = "test") -> Path:
    """Loss and accuracy per epoch, training vs validation, side by side.

    ``history`` is a ``History.history`` dict: lists ``loss``, ``acc`` and, if present,
    ``val_loss``, ``val_acc``, one entry per epoch.
    """
    figure = Figure(figsize=(10, 4), layout="constrained")
    epochs = np.arange(1, len(history.get("loss", [])) + 1)
    for index, (key, title) in enumerate((("loss", "Loss (cross-entropy)"),
                                          ("acc", "Accuracy"))):
        axes = figure.add_subplot(1, 2, index + 1)
        train, val = history.get(key, []), history.get(f"val_{key}", [])
        if len(train):
            axes.plot(epochs, train, "o-", label="train", color="tab:blue")
        if len(val):
            axes.plot(np.arange(1, len(val) + 1), val, "s-", label=validation_name,
                      color="tab:orange")
            best = int(np.argmax(val) if key == "acc" else np.argmin(val))
            text = f"{val[best]:.2%}" if key == "acc" else f"{val[best]:.4f}"
            axes.annotate(f"best {validation_name}: {text}", (best + 1, val[best]),
                          textcoords="offset points", xytext=(0, -18 if key == "acc" else 10),
                          ha="center", fontsize=8, color="tab:orange")
        if key == "loss":
            axes.set_yscale("log")
            axes.yaxis.set_major_formatter(FormatStrFormatter("%g"))
            axes.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
            axes.tick_params(axis="y", which="minor", labelsize=7)
        else:
            axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        axes.set_title(title)
        axes.set_xlabel("epoch")
        axes.grid(True, which="both", alpha=0.3)
        if len(epochs) and len(epochs) <= 20:
            axes.set_xticks(epochs)
        axes.legend()
    return _save(figure, path)


def confusion_matrix(matrix: np.ndarray, path: str | os.PathLike,
                     title: str = "Confusion matrix") -> Path:
    """A heat map of counts (rows: true digit, columns: predicted digit), diagonal muted.

    The off-diagonal cells use their own colour scale: with 99% accuracy the diagonal would
    otherwise swamp the mistakes, which are what the figure is for.
    """
    matrix = np.asarray(matrix)
    classes = matrix.shape[0]
    errors = matrix.astype(np.float64).copy()
    np.fill_diagonal(errors, np.nan)
    figure = Figure(figsize=(6.4, 5.6), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(errors, cmap="Reds", vmin=0, vmax=max(1.0, np.nanmax(errors, initial=0)))
    figure.colorbar(image, ax=axes, shrink=0.8, label="mistakes (off-diagonal counts)")
    threshold = 0.6 * max(1.0, np.nanmax(errors, initial=0))
    for t in range(classes):
        for p in range(classes):
            value = int(matrix[t, p])
            if t == p:
                axes.add_patch(_cell(t, "#d9ead3"))
                axes.text(p, t, str(value), ha="center", va="center", fontsize=8,
                          fontweight="bold", color="#274e13")
            elif value:
                axes.text(p, t, str(value), ha="center", va="center", fontsize=8,
                          color="white" if value > threshold else "black")
    total = matrix.sum()
    accuracy = np.trace(matrix) / total if total else 0.0
    axes.set_title(f"{title}: {int(np.trace(matrix))}/{int(total)} correct ({accuracy:.2%})")
    axes.set_xlabel("predicted digit")
    axes.set_ylabel("true digit")
    axes.set_xticks(range(classes))
    axes.set_yticks(range(classes))
    return _save(figure, path)


def _cell(index: int, colour: str):
    from matplotlib.patches import Rectangle
    return Rectangle((index - 0.5, index - 0.5), 1, 1, facecolor=colour, edgecolor="none")


def misclassified(images: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray,
                  probabilities: np.ndarray, path: str | os.PathLike, limit: int = 40,
                  columns: int = 10) -> Path:
    """A grid of wrongly classified digits, most confident mistakes first.

    ``images`` (N, 28, 28[, 1]) in [0, 1], ``y_true``/``y_pred`` (N,), ``probabilities`` (N, 10).
    Each cell is titled "true → predicted" with the predicted class's probability.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    wrong = np.flatnonzero(y_true != y_pred)
    confidence = probabilities[wrong, y_pred[wrong]]
    chosen = wrong[np.argsort(-confidence, kind="stable")][:limit]
    rows = max(1, -(-len(chosen) // columns))
    figure = Figure(figsize=(columns * 1.15, rows * 1.35 + 0.5), layout="constrained")
    figure.suptitle(f"Misclassified: {len(wrong)} of {len(y_true)}"
                    + (f", the {len(chosen)} most confident shown" if len(wrong) > limit else "")
                    + "; titles read true → predicted (probability)", fontsize=11)
    if not len(chosen):
        axes = figure.add_subplot()
        axes.text(0.5, 0.5, "no mistakes", ha="center", va="center")
        axes.axis("off")
    for cell, index in enumerate(chosen):
        axes = figure.add_subplot(rows, columns, cell + 1)
        axes.imshow(np.asarray(images[index]).reshape(images.shape[1], images.shape[2]),
                    cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        axes.set_title(f"{y_true[index]} → {y_pred[index]} "
                       f"({probabilities[index, y_pred[index]]:.0%})", fontsize=8,
                       color="#a61c00")
        axes.set_xticks([])
        axes.set_yticks([])
    return _save(figure, path)
