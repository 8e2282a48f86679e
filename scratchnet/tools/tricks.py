"""What some of the fast layers' speed tricks gain over the plain code (docs/performance.md).

Each timing is the median CPU time of the calling thread (``time.thread_time``), which stays
within a few percent on a busy machine; run with ``OPENBLAS_NUM_THREADS=1`` to keep BLAS on
that thread. ``python scripts/bench_tricks.py`` prints them.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from scratchnet.nn import optimizers
from scratchnet.nn.im2col import im2col, sliding_windows
from scratchnet.nn.networks import reference_cnn
from scratchnet.nn import plain
from scratchnet.tools.benchmark import median_seconds


def median_ms(function: Callable[[], object], repeats: int, warmup: int = 3) -> float:
    """Median CPU time of the calling thread, in ms: the other jobs on a shared machine do not
    count."""
    return median_seconds(function, repeats, warmup, clock=time.thread_time) * 1e3


def im2col_copies(repeats: int = 200) -> dict[str, float]:
    """The second layer's im2col for a 4-image slice (4, 26, 26, 32), three ways, in ms."""
    x = np.random.default_rng(0).random((4, 26, 26, 32), dtype=np.float32)
    out = np.empty((4 * 24 * 24, 3 * 3 * 32), np.float32)
    return {
        "void-dtype copy into a reused buffer (fast)": median_ms(
            lambda: im2col(x, 3, 3, 1, out=out), repeats),
        "element copy into a reused buffer": median_ms(
            lambda: np.copyto(out.reshape(4, 24, 24, 3, 3, 32), sliding_windows(x, 3, 3, 1)),
            repeats),
        "reshape copy into a new array (plain)": median_ms(
            lambda: plain.im2col(x, 3, 3, 1), repeats),
    }


def _adadelta_as_formula(self, param, grad, v, u, _delta, _temp):
    v[...] = self.rho * v + (1 - self.rho) * grad ** 2
    dx = np.sqrt((u + self.epsilon) / (v + self.epsilon)) * grad
    u[...] = self.rho * u + (1 - self.rho) * dx ** 2
    param -= self.learning_rate * dx


def _adam_as_formula(self, param, grad, m, v, _step, _temp):
    t = self.iterations
    m[...] = self.beta_1 * m + (1 - self.beta_1) * grad
    v[...] = self.beta_2 * v + (1 - self.beta_2) * grad ** 2
    param -= self.learning_rate * (m / (1 - self.beta_1 ** t)) \
        / (np.sqrt(v / (1 - self.beta_2 ** t)) + self.epsilon)


def optimizer_steps(repeats: int = 15) -> dict[str, float]:
    """One step on the reference model's weights (float32), in ms: the fast optimizers with
    ``out=``, the same chunks written as formulas, and the plain whole-array formulas."""
    params = reference_cnn().params
    rng = np.random.default_rng(0)
    grads = {key: rng.standard_normal(value.shape, dtype=np.float32)
             for key, value in params.items()}
    kinds = {
        "Adadelta, out= (fast)": optimizers.Adadelta,
        "Adadelta, chunks as formulas": type("Formula", (optimizers.Adadelta,),
                                             {"_update": _adadelta_as_formula}),
        "Adadelta, plain": plain.Adadelta,
        "Adam, out= (fast)": optimizers.Adam,
        "Adam, chunks as formulas": type("Formula", (optimizers.Adam,),
                                         {"_update": _adam_as_formula}),
        "Adam, plain": plain.Adam,
    }
    return {name: median_ms(lambda opt=make(): opt.step(params, grads), repeats)
            for name, make in kinds.items()}


def training_steps(rounds: int = 4, batch: int = 128) -> dict[str, list[float]]:
    """One Adadelta training step of the reference CNN, fast and plain, in ms, the two models
    taking turns for ``rounds`` rounds (each round the mean of two steps)."""
    rng = np.random.default_rng(0)
    x = rng.random((batch, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    fast_model, plain_model = reference_cnn(), reference_cnn(plain=True)
    fast_model.compile(optimizers.Adadelta())
    plain_model.compile(plain.Adadelta(), plain.SoftmaxCrossEntropy())
    times: dict[str, list[float]] = {"fast": [], "plain": []}
    for _ in range(rounds):
        for name, model in (("fast", fast_model), ("plain", plain_model)):
            times[name].append(median_ms(lambda m=model: m.train_on_batch(x, y), 2, warmup=1))
    return times
