"""Numerical gradient checks: central differences in float64.

For a scalar function f of an array a, at a coordinate i:

    numeric_i = (f(a + eps e_i) - f(a - eps e_i)) / (2 eps)
    rel_err_i = |analytic_i - numeric_i| / max(1e-12, |analytic_i| + |numeric_i|)

A correct backward pass in float64 gives rel_err around 1e-8 or below; a wrong one gives errors of
order 1. Layers are checked through the scalar ``sum(forward(x) * grad_out)`` for a fixed random
``grad_out``, whose gradient is exactly what ``backward(grad_out)`` returns.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from scratchnet.nn.layers.base import Layer


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """Largest per-coordinate relative error between two gradient samples."""
    analytic, numeric = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    return float(np.max(np.abs(analytic - numeric)
                        / np.maximum(1e-12, np.abs(analytic) + np.abs(numeric)), initial=0.0))


def sample_coordinates(shape: tuple, count: int, rng: np.random.Generator) -> list[tuple]:
    """All coordinates of a small array, else ``count`` distinct ones drawn at random."""
    size = int(np.prod(shape))
    flat = np.arange(size) if size <= count else rng.choice(size, count, replace=False)
    return [np.unravel_index(i, shape) for i in flat]


def numerical_gradient(f: Callable[[], float], array: np.ndarray, coordinates: list[tuple],
                       eps: float = 1e-6) -> np.ndarray:
    """Central differences of ``f()`` with respect to ``array`` (perturbed in place, restored)."""
    values = []
    for index in coordinates:
        original = array[index]
        array[index] = original + eps
        plus = f()
        array[index] = original - eps
        minus = f()
        array[index] = original
        values.append((plus - minus) / (2 * eps))
    return np.array(values)


def to_float64(layers: list[Layer]) -> None:
    """Replace every parameter by a float64 copy, so that checks are not limited by float32."""
    for layer in layers:
        for key, value in layer.params.items():
            layer.params[key] = value.astype(np.float64)


def check_layer(layer: Layer, x: np.ndarray, training: bool = False, coordinates: int = 30,
                seed: int = 0, before_forward: Callable[[], None] = lambda: None) -> dict[str, float]:
    """Relative errors of ``layer``'s input and parameter gradients, keyed "input" and by name.

    ``x`` must be float64 and the layer built with float64 parameters (see ``to_float64``).
    ``before_forward`` runs before every forward pass, e.g. to reseed a dropout layer so that
    every evaluation uses the same mask.
    """
    rng = np.random.default_rng(seed)
    before_forward()
    out = layer.forward(x, training=training)
    grad_out = rng.standard_normal(out.shape)

    def f() -> float:
        before_forward()
        return float((layer.forward(x, training=training) * grad_out).sum())

    before_forward()
    layer.forward(x, training=training)
    grad_x = layer.backward(grad_out)
    # Copies: layers keep their gradient arrays and may write into them again.
    analytic = {"input": None if grad_x is None else grad_x.copy(),
                **{key: value.copy() for key, value in layer.grads.items()}}
    arrays = {"input": x, **layer.params}
    errors = {}
    for name, array in arrays.items():
        if analytic.get(name) is None:
            continue
        coords = sample_coordinates(array.shape, coordinates, rng)
        numeric = numerical_gradient(f, array, coords)
        errors[name] = relative_error([analytic[name][c] for c in coords], numeric)
    return errors
