"""The model file: one ``.npz`` archive of plain arrays and a JSON header, never a pickle.

    header                 uint8 bytes of JSON: format version, architecture (each layer's class
                           and ``config()``), optimizer class/config/iterations, the random
                           generator's state, where training stands, metadata
    param/<layer>/<name>   each weight array
    optimizer/<key>/<slot> each optimizer state array (Adadelta's running averages, ...)
    train_order            the sample order of an epoch under way (checkpoints only)

A *compact* file (``save_model(..., compact=True)``, what ``scripts/export_model.py`` writes
for the package's shipped model) holds the weights as float16 and no optimizer state or
sample order: a model to read with, not to resume. ``weights_digest`` names its weights.

``Sequential.save`` writes it with ``save_model``, atomically
(``scratchnet.files.write_atomically``); ``scratchnet.nn.loading.load_model`` reads it back. This
module knows the model only through what it writes, so the model imports it and it imports no
model: loading, which builds a ``Sequential``, sits above both.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from scratchnet.files import write_atomically
from scratchnet.version import __version__

FORMAT_VERSION = 1


def architecture(model) -> dict:
    """The JSON-able description ``load_model`` rebuilds the layers from."""
    return {"input_shape": list(model.input_shape), "seed": model.seed,
            "layers": [{"class": type(layer).__name__, "config": layer.config()}
                       for layer in model.layers]}


def save_model(model, path: str | os.PathLike, metadata: dict | None = None,
               compact: bool = False) -> None:
    """Write ``model`` (a ``Sequential``) to one ``.npz`` file, atomically: a crash never leaves
    half a file.

    The file holds the architecture (JSON), the weights, the optimizer's state, the random
    generator's state, where training stands, and ``metadata`` (any JSON-able dict). With
    ``compact``, the weights are float16, compressed, and the optimizer's state and the sample
    order are left out: about a quarter of the size, for reading only.
    """
    if not model.built:
        raise ValueError("cannot save a model that has not been built")
    path = Path(path)
    keep_optimizer = model.optimizer is not None and not compact
    header = {
        "format_version": FORMAT_VERSION,
        "scratchnet_version": __version__,
        "architecture": architecture(model),
        "optimizer": None if not keep_optimizer else {
            "class": type(model.optimizer).__name__, "config": model.optimizer.config(),
            "iterations": model.optimizer.iterations},
        "rng_state": model.rng.bit_generator.state,
        "train_state": {"epoch": model.train_state.epoch, "step": model.train_state.step},
        "metadata": metadata or {},
    }
    arrays = {"header": np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)}
    for key, value in model.params.items():
        arrays[f"param/{key}"] = compact_weights(value) if compact else value
    if keep_optimizer:
        for key, slots in model.optimizer.state.items():
            for slot, value in slots.items():
                arrays[f"optimizer/{key}/{slot}"] = value
    if model.train_state.order is not None and not compact:
        arrays["train_order"] = model.train_state.order
    write = np.savez_compressed if compact else np.savez
    write_atomically(path, lambda f: write(f, **arrays))


def compact_weights(weights: np.ndarray) -> np.ndarray:
    """``weights`` as float16, refusing any that float16 cannot hold (beyond ±65504)."""
    if not np.all(np.isfinite(weights)):
        raise ValueError("cannot store weights that are NaN or infinite")
    if np.abs(weights).max(initial=0) > np.finfo(np.float16).max:
        raise ValueError(f"weights up to {np.abs(weights).max():.3g} do not fit float16 "
                         f"(at most {np.finfo(np.float16).max:g}); save the model in full")
    return weights.astype(np.float16)


def weights_digest(model) -> str:
    """SHA-256 of the model's weights as a compact file stores them (float16, each layer's
    arrays in order with their names): the same for the file ``scripts/export_model.py`` writes
    and for the model loaded back from it, whatever the file's timestamps."""
    digest = hashlib.sha256()
    for key in sorted(model.params):
        digest.update(key.encode("utf-8"))
        digest.update(np.ascontiguousarray(model.params[key], dtype=np.float16).tobytes())
    return digest.hexdigest()
