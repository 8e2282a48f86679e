"""The model file: one ``.npz`` archive of plain arrays and a JSON header, never a pickle.

    header                 uint8 bytes of JSON: format version, architecture (each layer's class
                           and ``config()``), optimizer class/config/iterations, the random
                           generator's state, where training stands, metadata
    param/<layer>/<name>   each weight array
    optimizer/<key>/<slot> each optimizer state array (Adadelta's running averages, ...)
    train_order            the sample order of an epoch under way (checkpoints only)

``Sequential.save`` writes it with ``save_model``, atomically
(``scratchnet.files.write_atomically``); ``scratchnet.nn.loading.load_model`` reads it back. This
module knows the model only through what it writes, so the model imports it and it imports no
model: loading, which builds a ``Sequential``, sits above both.
"""

from __future__ import annotations

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


def save_model(model, path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write ``model`` (a ``Sequential``) to one ``.npz`` file, atomically: a crash never leaves
    half a file.

    The file holds the architecture (JSON), the weights, the optimizer's state, the random
    generator's state, where training stands, and ``metadata`` (any JSON-able dict).
    """
    if not model.built:
        raise ValueError("cannot save a model that has not been built")
    path = Path(path)
    header = {
        "format_version": FORMAT_VERSION,
        "scratchnet_version": __version__,
        "architecture": architecture(model),
        "optimizer": None if model.optimizer is None else {
            "class": type(model.optimizer).__name__, "config": model.optimizer.config(),
            "iterations": model.optimizer.iterations},
        "rng_state": model.rng.bit_generator.state,
        "train_state": {"epoch": model.train_state.epoch, "step": model.train_state.step},
        "metadata": metadata or {},
    }
    arrays = {"header": np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)}
    for key, value in model.params.items():
        arrays[f"param/{key}"] = value
    if model.optimizer is not None:
        for key, slots in model.optimizer.state.items():
            for slot, value in slots.items():
                arrays[f"optimizer/{key}/{slot}"] = value
    if model.train_state.order is not None:
        arrays["train_order"] = model.train_state.order
    write_atomically(path, lambda f: np.savez(f, **arrays))
