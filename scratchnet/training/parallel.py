"""Data-parallel training: the cores of the CPU share each batch, one worker thread per core.

    batch of N samples ── split ──> worker k gets rows [start_k, stop_k)
    worker k, on its own copy of the layers (the copies share the weight arrays):
        forward, loss, backward         its gradients sum over its rows, scaled by 1/N
    gradients  g = g_0 + g_1 + ...      chunk by chunk, each worker a share of the chunks
    optimizer  one update of the weights, chunk by chunk, each worker a share of the chunks

Why threads help at all in Python: NumPy releases the interpreter lock inside its loops and
matrix products, so the workers' array operations do run at the same time. A single thread
leaves all but one core idle outside BLAS, and in this model that is most of the step (the
copies for im2col, col2im, masks, pooling, dropout, the optimizer's passes; see
docs/performance.md). Each worker's products run on one BLAS thread (``scratchnet.tools.blas``).

Inference over many batches (``predict_logits``, as in the evaluation after each epoch) gives
each worker every count-th batch; its outputs are exactly those of one thread.

The result is the same training whatever the number of workers, up to the rounding of the
gradient sums: worker 0 is the model's own layers, so the summed gradients end up in
``model.grads``; Dropout's random draws are made here for the whole batch, in the order a single
pass makes them, and each worker gets its rows (``Dropout.next_draws``).
"""

from __future__ import annotations

import concurrent.futures
import copy
import os
from typing import Callable, Sequence

import numpy as np

from scratchnet.tools import blas
from scratchnet.nn.layers import Dropout
from scratchnet.nn.optimizers import chunks, shares

# The default number of workers leaves each at least this many samples of a batch: a smaller
# share is mostly fixed per-call costs. (Not tuned; batch 128 gives up to 8 workers.)
MIN_SAMPLES_PER_WORKER = 16


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def default_workers(batch_size: int) -> int:
    """One worker per core (at most as many as OPENBLAS_NUM_THREADS / OMP_NUM_THREADS say),
    when NumPy's BLAS can be held to one thread per worker; else one."""
    if not blas.available():
        return 1
    # Someone who keeps BLAS to one core (say, to run two trainings side by side) means the
    # workers too.
    cores = min(available_cores(), blas.threads_from_environment() or available_cores())
    return max(1, min(cores, batch_size // MIN_SAMPLES_PER_WORKER))


def training_pass(layers: Sequence, loss_fn, x: np.ndarray, y: np.ndarray,
                  mean_over: int | None = None) -> tuple[float, int]:
    """Forward with dropout on, the loss, and the backward pass that fills each layer's
    ``grads``: the gradient part of a training step. ``mean_over`` (default len(x)) is the
    number of samples the loss is the mean of: a worker passes the whole batch's. Returns the
    mean loss over x and the number of samples classified correctly."""
    out = x
    for layer in layers:
        out = layer.forward(out, training=True)
    loss = loss_fn.forward(out, y)
    correct = int((out.argmax(axis=1) == y).sum())
    grad = loss_fn.backward(mean_over=mean_over)
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return loss, correct


def check_workers(workers) -> int:
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    return int(workers)


class Workers:
    """``count`` threads that run functions side by side, with BLAS on one thread meanwhile."""

    def __init__(self, count: int):
        self.count = check_workers(count)
        self._pool = concurrent.futures.ThreadPoolExecutor(self.count,
                                                           thread_name_prefix="scratchnet")

    def run(self, functions: Sequence[Callable[[], object]]) -> list:
        """Call each function in a thread of its own; return their results in order. Waits for
        all of them, then re-raises the first exception if any failed."""
        with blas.limited_threads(1):
            futures = [self._pool.submit(function) for function in functions]
            try:
                concurrent.futures.wait(futures)
            except BaseException:        # Ctrl-C while waiting: let the workers finish first
                concurrent.futures.wait(futures)
                raise
        return [future.result() for future in futures]

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class DataParallel(Workers):
    """Training steps of ``model`` with the batch split between ``count`` workers, and
    inference over many batches with the batches split between them.

    Use as a context manager (the threads and the workers' copies are released at exit):

        with DataParallel(model, 2) as workers:
            loss, correct = workers.gradients(x, y)          # fills model.grads
            model.optimizer.step(model.params, model.grads, workers)

    The copies share the model's ``params`` dicts, so weights changed in place (by the
    optimizer, or by replacing an entry as ``training.set_dtype`` does) are seen by every worker.
    """

    def __init__(self, model, count: int):
        if not model.built:
            raise ValueError("build the model (give input_shape, or call build) before sharing "
                             "its training between workers")
        super().__init__(count)
        self.model = model
        self.replicas = [model.layers] + [[layer.replica() for layer in model.layers]
                                          for _ in range(self.count - 1)]
        self.losses = [model.loss] + [copy.copy(model.loss) for _ in range(self.count - 1)]

    def __enter__(self) -> "DataParallel":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        super().close()
        del self.replicas[1:], self.losses[1:]

    def predict_logits(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        """The last layer's inference outputs for x, ``batch_size`` images at a time, the
        workers taking turns at the batches."""
        starts = range(0, len(x), batch_size)
        dtype = np.result_type(x, *self.model.params.values())
        out = np.empty((len(x), *self.model.output_shape), dtype=dtype)

        def forward(layers, share):
            for start in share:
                h = x[start:start + batch_size]
                for layer in layers:
                    h = layer.forward(h, training=False)
                out[start:start + len(h)] = h
        self.run([lambda k=k: forward(self.replicas[k], starts[k::self.count])
                  for k in range(min(self.count, len(starts)))])
        return out

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        """Forward and backward over (x, y), split between the workers, leaving the batch's
        gradients (as one pass over all of x would) in ``model.grads``. Returns the batch's mean
        loss and the number of correctly classified samples."""
        total = len(x)
        count = min(self.count, total)
        bounds = np.linspace(0, total, count + 1).round().astype(int)
        draws = {index: layer.draw((total, *layer.input_shape))
                 for index, layer in enumerate(self.model.layers) if isinstance(layer, Dropout)}
        results = self.run([
            lambda k=k, rows=slice(bounds[k], bounds[k + 1]):
                self._share(k, x[rows], y[rows], total,
                            {i: None if d is None else d[rows] for i, d in draws.items()})
            for k in range(count)])
        if count > 1:
            self._sum_gradients(count)
        loss = sum(loss_sum for loss_sum, _ in results) / total
        return loss, sum(correct for _, correct in results)

    def _share(self, k: int, x: np.ndarray, y: np.ndarray, total: int,
               draws: dict) -> tuple[float, int]:
        """Worker k's forward and backward pass over its rows: (loss summed over them, correct)."""
        layers = self.replicas[k]
        for index, rows in draws.items():
            layers[index].next_draws = rows
        try:
            loss, correct = training_pass(layers, self.losses[k], x, y, mean_over=total)
        finally:            # after a failure, no layer may keep draws meant for this batch
            for index in draws:
                layers[index].next_draws = None
        return loss * len(y), correct

    def _sum_gradients(self, count: int) -> None:
        """model.grads += every other worker's gradients, chunk by chunk, in the workers."""
        jobs = []
        for index, layer in enumerate(self.model.layers):
            for key in layer.grads:
                jobs.extend(chunks(layer.grads[key],
                                   *(self.replicas[k][index].grads[key] for k in range(1, count))))

        def add(share):
            for total, *parts in share:
                for part in parts:
                    total += part
        self.run([lambda share=share: add(share) for share in shares(jobs, self.count)])
