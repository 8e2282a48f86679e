"""Reading a model file (the format: ``scratchnet.nn.saving``) back into a ``Sequential``.

``load_model`` checks everything before it builds anything, never unpickles, and can only ever
construct the layer and optimizer classes named below.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from scratchnet.nn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU, Softmax
from scratchnet.nn.model import Sequential
from scratchnet.nn.optimizers import OPTIMIZERS
from scratchnet.nn.saving import FORMAT_VERSION
from scratchnet.nn.trainer import TrainState

# The layer classes a saved model may name. Spelled out so that loading a file can only ever
# construct one of these.
LAYER_CLASSES = {cls.__name__: cls for cls in (Conv2D, MaxPool2D, Dense, Flatten, Dropout, ReLU,
                                               Softmax)}
OPTIMIZER_CLASSES = {cls.__name__: cls for cls in OPTIMIZERS.values()}


class ModelFileError(ValueError):
    """A model file is missing, truncated, or does not describe a valid model."""


def load_model(path: str | os.PathLike) -> Sequential:
    """Read a model written by ``Sequential.save``. Never unpickles anything.

    Weights keep their stored precision: float64 stays float64, other floating types become
    float32.

    Raises
    ------
    ModelFileError
        The file is missing, not a model, truncated, or its arrays do not fit its architecture.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file (train one with: python scripts/train.py)")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path}: not a readable model file: a scratchnet model is a .npz "
                             "(zip) archive; this file is empty, truncated or something else")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise ModelFileError(f"{path}: holds pickled Python objects, which scratchnet never "
                                 "loads (a model file has only numeric arrays)") from error
        raise ModelFileError(f"{path}: not a readable model file ({error})") from error
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise ModelFileError(f"{path}: not a readable model file; it may be truncated or not a "
                             f"scratchnet .npz ({type(error).__name__}: {error})") from error
    return _model_from_arrays(path, arrays)


def _model_from_arrays(path: Path, arrays: dict[str, np.ndarray]) -> Sequential:
    def fail(message: str) -> ModelFileError:
        return ModelFileError(f"{path}: {message}")

    if "header" not in arrays or arrays["header"].dtype != np.uint8:
        raise fail("not a scratchnet model (no header)")
    try:
        header = json.loads(arrays["header"].tobytes().decode("utf-8"))
        architecture = header["architecture"]
        layer_specs = architecture["layers"]
        input_shape = architecture["input_shape"]
    except (ValueError, KeyError, TypeError) as error:
        raise fail(f"the architecture header is not valid JSON of the expected form ({error})")
    if header.get("format_version") != FORMAT_VERSION:
        raise fail(f"format version {header.get('format_version')!r} is not supported "
                   f"(expected {FORMAT_VERSION})")
    layers = []
    for index, spec in enumerate(layer_specs):
        cls = LAYER_CLASSES.get(spec.get("class")) if isinstance(spec, dict) else None
        if cls is None:
            raise fail(f"layer {index} has unknown class {spec!r}; expected one of "
                       f"{', '.join(LAYER_CLASSES)}")
        try:
            layers.append(cls(**spec.get("config", {})))
        except (TypeError, ValueError) as error:
            raise fail(f"layer {index} ({spec['class']}) has an invalid config: {error}")
    try:
        model = Sequential(layers, input_shape=input_shape, seed=architecture.get("seed", 0))
    except (TypeError, ValueError) as error:
        raise fail(f"the architecture does not build: {error}")
    for layer in model.layers:
        for name, param in layer.params.items():
            key = f"{layer.name}/{name}"
            stored = arrays.get(f"param/{key}")
            if stored is None:
                raise fail(f"missing weights for {key}")
            if stored.shape != param.shape or not np.issubdtype(stored.dtype, np.floating):
                raise fail(f"weights {key} have shape {stored.shape} and dtype {stored.dtype}; "
                           f"the architecture needs shape {param.shape} floating point")
            if not np.isfinite(stored).all():
                raise fail(f"weights {key} contain NaN or inf")
            # float64 weights stay float64 (a float64 run resumes at full precision); any other
            # floating type becomes float32, the type models are built with.
            layer.params[name] = stored.astype(np.float64 if stored.dtype == np.float64
                                               else np.float32)
    extra = {name for name in arrays if name.startswith("param/")} - \
        {f"param/{key}" for key in model.params}
    if extra:
        raise fail(f"holds weights the architecture has no place for: {', '.join(sorted(extra))}")
    _restore_training(model, header, arrays, fail)
    metadata = header.get("metadata", {})
    if not isinstance(metadata, dict):
        raise fail(f"the metadata must be a JSON object, found {type(metadata).__name__}")
    model.metadata = metadata
    return model


def _restore_training(model: Sequential, header: dict, arrays: dict, fail) -> None:
    """Optimizer state, generator state and training position, as saved."""
    try:
        spec = header.get("optimizer")
        if spec is not None:
            cls = OPTIMIZER_CLASSES.get(spec["class"])
            if cls is None:
                raise fail(f"unknown optimizer {spec['class']!r}")
            optimizer = cls(**spec["config"])
            optimizer.iterations = int(spec["iterations"])
            params = model.params
            for name, value in arrays.items():
                if not name.startswith("optimizer/"):
                    continue
                key, slot = name[len("optimizer/"):].rsplit("/", 1)
                if key not in params or value.shape != params[key].shape:
                    raise fail(f"optimizer state {name} does not match the weights")
                optimizer.state.setdefault(key, {})[slot] = value.copy()
            model.compile(optimizer)
        if "rng_state" in header:
            model.rng.bit_generator.state = header["rng_state"]
        train = header.get("train_state", {})
        order = arrays.get("train_order")
        model.train_state = TrainState(int(train.get("epoch", 0)), int(train.get("step", 0)),
                                       None if order is None else order.astype(np.int64))
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise fail(f"the training state is malformed ({error})")
