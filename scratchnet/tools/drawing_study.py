"""Measure a model on real people's drawings at several digit sizes, and on the MNIST test set.

The drawings are personal-digit JSON files (one folder per person, as the drawing app saves
them; ``scratchnet.data.drawings``). Each is redrawn from its strokes with its digit box - the
bounding box of the pen's points - scaled so that its longer side spans ``box`` canvas pixels,
centred, pen width unchanged, then read as the app reads it (``strokes_to_mnist``), or with each
stroke's own brush. That shows how a digit drawn small or large is read. ``finetune_trial`` and
``time_augmentations`` are the cheap comparisons of training ideas that docs/drawings.md reports.

``study_row`` gives one line of the results table in docs/drawings.md: accuracy at each box,
the worst digit at each box, and MNIST test accuracy.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from PIL import Image

from scratchnet.data.drawings import LabelledDrawing, drawings_to_mnist, load_drawings  # noqa: F401
from scratchnet.preprocess import images as preprocess_images
from scratchnet.preprocess.network_input import to_network_input

BOXES = (200, 100, 60)
RESAMPLING = {"lanczos": Image.Resampling.LANCZOS, "bilinear": Image.Resampling.BILINEAR,
              "bicubic": Image.Resampling.BICUBIC, "box": Image.Resampling.BOX}


@contextlib.contextmanager
def resampling(name: str | None):
    """While active, ``to_mnist`` resizes digits with the filter ``name`` (a key of RESAMPLING;
    None: its own choice). For measuring alternatives to what ``to_mnist`` does."""
    if name is None:
        yield
        return
    original = preprocess_images._fit_in_box

    def fit_in_box(box: np.ndarray) -> np.ndarray:
        height, width = box.shape
        scale = preprocess_images.BOX_SIZE / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        patch = Image.fromarray(box.astype(np.float32)).resize(size, RESAMPLING[name])
        return np.clip(np.asarray(patch), 0, None)

    preprocess_images._fit_in_box = fit_in_box
    try:
        yield
    finally:
        preprocess_images._fit_in_box = original


def drawings_as_images(drawings: Sequence[LabelledDrawing], box: float, pen: str = "mnist"
                       ) -> np.ndarray:
    """(N, 28, 28, 1) float32: each drawing redrawn at ``box`` px and read with ``pen``
    (``strokes_to_mnist``'s "mnist", as the app reads, or "drawn", each stroke's own brush)."""
    return to_network_input(drawings_to_mnist(drawings, box, pen))


@dataclass
class Score:
    """Accuracy on a set of drawings, overall and per digit (and per person)."""

    accuracy: float
    per_digit: np.ndarray                    # (10,)
    per_person: dict[str, float] = field(default_factory=dict)
    confusions: list[tuple[int, int, int]] = field(default_factory=list)   # (true, read, count)

    @property
    def worst_digit(self) -> tuple[int, float]:
        digit = int(np.argmin(self.per_digit))
        return digit, float(self.per_digit[digit])


def score(predicted: np.ndarray, drawings: Sequence[LabelledDrawing]) -> Score:
    labels = np.array([d.label for d in drawings])
    people = np.array([d.person for d in drawings])
    right = predicted == labels
    per_digit = np.array([right[labels == k].mean() for k in range(10)])
    per_person = {p: float(right[people == p].mean()) for p in sorted(set(people))}
    pairs: dict[tuple[int, int], int] = {}
    for true, read in zip(labels[~right], predicted[~right]):
        pairs[(int(true), int(read))] = pairs.get((int(true), int(read)), 0) + 1
    confusions = sorted(((t, r, n) for (t, r), n in pairs.items()), key=lambda c: -c[2])
    return Score(float(right.mean()), per_digit, per_person, confusions)


def predict(model, images: np.ndarray, transform: Callable[[np.ndarray], np.ndarray] | None
            = None) -> np.ndarray:
    """Predicted labels (N,) for (N, 28, 28, 1) images, after ``transform`` if given."""
    if transform is not None:
        images = transform(images)
    return np.argmax(model.predict_logits(images), axis=1)


def study_row(name: str, scores: dict[int, Score], mnist_accuracy: float | None) -> str:
    """One markdown table row: name | box 200 | 100 | 60 (worst digit) | MNIST test."""
    cells = [name]
    for box in sorted(scores, reverse=True):
        digit, worst = scores[box].worst_digit
        cells.append(f"{scores[box].accuracy:.1%} ({digit}: {worst:.0%})")
    cells.append("" if mnist_accuracy is None else f"{mnist_accuracy:.2%}")
    return "| " + " | ".join(cells) + " |"


def finetune_trial(base: str | Path, out: str | Path, augment=None, data_dir: str = "data",
                   epochs: int = 1, limit: int | None = None, synthetic: int = 0,
                   synthetic_seed: int = 1, deslant: bool = False, seed: int = 0,
                   log: Callable[[str], None] = print) -> Path:
    """A cheap comparison of training ideas: ``base`` trained ``epochs`` more epochs on MNIST's
    training digits (the first ``limit``), with ``augment``, ``synthetic`` synthetic digits mixed
    in, and every image deslanted if ``deslant``; saved to ``out``. Run both arms of a
    comparison through it, then read them with ``scripts/drawing_study.py``.
    """
    import time

    from scratchnet.data.mnist import load_mnist, to_float_images
    from scratchnet.nn.loading import load_model
    from scratchnet.preprocess.shape import deslant as deslant_images

    started = time.perf_counter()
    (x_train, y_train), _ = load_mnist(data_dir, download=False)
    if limit is not None:
        x_train, y_train = x_train[:limit], y_train[:limit]
    if synthetic:
        from scratchnet.data.synthetic import synthetic_digits
        extra_x, extra_y = synthetic_digits(synthetic, seed=synthetic_seed)
        x_train = np.concatenate([x_train, extra_x])
        y_train = np.concatenate([y_train, extra_y])
    x = to_float_images(x_train)
    if deslant:
        x = deslant_images(x)
    model = load_model(base)
    model.rng.bit_generator.state = np.random.default_rng(seed).bit_generator.state
    log(f"data ready in {time.perf_counter() - started:.0f} s: {len(x):,} digits")
    history = model.fit(x, y_train.astype(np.int64), epochs=epochs, augment=augment)
    log(f"trained in {time.perf_counter() - started:.0f} s "
        f"({history.history['seconds'][-1]:.0f} s the last epoch)")
    model.save(out, metadata={"kind": "trial", "base": str(base), "epochs": epochs,
                              "augment": repr(augment), "synthetic": synthetic,
                              "deslant": deslant, "limit": limit})
    return Path(out)


def time_augmentations(augmentations: dict, images: np.ndarray, batch_size: int = 128,
                       batches: int = 100, seed: int = 0) -> dict[str, float]:
    """Seconds each augmentation adds to an epoch of ``len(images)`` digits: the mean time of
    ``batches`` calls on batches of ``batch_size``, times the epoch's number of batches."""
    import time

    rng = np.random.default_rng(seed)
    steps = -(-len(images) // batch_size)
    seconds = {}
    for name, augment in augmentations.items():
        if augment is None:
            continue
        started = time.perf_counter()
        for index in range(batches):
            start = (index * batch_size) % (len(images) - batch_size)
            augment(images[start:start + batch_size], rng)
        seconds[name] = (time.perf_counter() - started) / batches * steps
    return seconds
