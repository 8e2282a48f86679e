"""Data-parallel training: the cores of the CPU share each batch, one worker thread per core.

    batch of N samples ── split ──> worker k gets rows [start_k, stop_k)
    worker k, on its own replica of the model (the replicas share the weight arrays):
        model.gradients(rows)           forward, loss, backward; sums over its rows, scaled by 1/N
    gradients  g = g_0 + g_1 + ...      chunk by chunk, each worker a share of the chunks
    optimizer  one update of the weights, chunk by chunk, each worker a share of the chunks

Why threads help at all in Python: NumPy releases the interpreter lock inside its loops and
matrix products, so the workers' array operations do run at the same time. A single thread
leaves all but one core idle outside BLAS, and in this model that is most of the step (the
copies for im2col, col2im, masks, pooling, dropout, the optimizer's passes; see
docs/performance.md). Each worker's products run on one BLAS thread (``scratchnet.blas``).

Inference over many batches (``predict_logits``, as in the evaluation after each epoch) gives
each worker every count-th batch; its outputs are exactly those of one thread.

The result is the same training whatever the number of workers, up to the rounding of the
gradient sums: worker 0 is the model itself, so the summed gradients end up in ``model.grads``;
Dropout's random draws are made for the whole batch (``draw_dropout``), in the order a single
pass makes them, and each worker gets its rows.

The model knows nothing of threads: this module wraps it from outside, as nanoGPT's train.py
wraps its model in DDP. It calls the model's own gradient pass on replicas of the model
(``replica``) and its optimizer's element-wise update on slices of the parameters; the training
step (``scratchnet.nn.trainer.Trainer``) runs either this or the model itself. How many workers
share a batch is decided here, once, by ``worker_count``.
"""

from __future__ import annotations

import concurrent.futures
import copy
import os
from typing import Callable, Sequence

import numpy as np

from scratchnet import blas
from scratchnet.nn.checks import positive_int
from scratchnet.nn.layers import Dropout
from scratchnet.nn.optimizers import chunks

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


def shares_batches(model) -> bool:
    """Whether ``model``'s batches may be split between threads: every layer allows it and the
    optimizer's update can be shared out in slices (the fast ones; not the plain ones)."""
    return all(layer.shares_batches for layer in model.layers) and \
        hasattr(model.optimizer, "slices")


def worker_count(model, batch_size: int, workers: int | None = None) -> int:
    """How many threads share each batch of ``model``'s training: ``workers`` when given, else
    ``default_workers(batch_size)``; always one for a model that cannot share its batches (the
    plain layers and optimizers), which refuses more.

    ``Sequential.fit``, training runs, teaching and the benchmark all take the count from here.
    """
    if workers is None:
        return default_workers(batch_size) if shares_batches(model) else 1
    if positive_int(workers, "workers") > 1 and not shares_batches(model):
        raise ValueError("plain layers and optimizers train on one thread: use workers=1")
    return workers


def replica(model):
    """A copy of ``model`` that shares its weight arrays but has its own layer buffers,
    gradients and loss, so that several copies can run ``gradients`` on different samples at
    the same time."""
    twin = copy.copy(model)
    twin.layers = [layer.replica() for layer in model.layers]
    twin.loss = copy.copy(model.loss)
    return twin


def draw_dropout(model, batch: int) -> dict[int, np.ndarray]:
    """The random numbers each Dropout layer of ``model`` uses in a training pass over
    ``batch`` samples (layer index -> draws), drawn in the order one pass over the batch draws
    them."""
    return {index: draws for index, layer in enumerate(model.layers)
            if isinstance(layer, Dropout)
            and (draws := layer.draw((batch, *layer.input_shape))) is not None}


class Workers:
    """``count`` threads that run functions side by side, with BLAS on one thread meanwhile."""

    def __init__(self, count: int):
        self.count = positive_int(count, "workers")
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
    """The gradient pass and the optimizer's update of ``model`` with each batch split between
    ``count`` workers, and inference over many batches with the batches split between them.

    Each worker runs the model's own passes (``Sequential.gradients``, ``forward``) on a
    replica of the model (``replica``: the same weight arrays, its own buffers and gradients);
    worker 0 is the model itself. Use as a context manager (the threads and the replicas are
    released at exit):

        with DataParallel(model, 2) as workers:
            loss, correct = workers.gradients(x, y)     # as model.gradients(x, y)
            workers.update()                            # as model.optimizer.step(params, grads)

    The replicas share the model's ``params`` dicts, so weights changed in place (by the
    optimizer, or by replacing an entry as ``training.runs.set_dtype`` does) are seen by every
    worker.
    """

    def __init__(self, model, count: int):
        if not model.built:
            raise ValueError("build the model (give input_shape, or call build) before sharing "
                             "its training between workers")
        super().__init__(count)
        self.model = model
        self.replicas = [model] + [replica(model) for _ in range(self.count - 1)]

    def __enter__(self) -> "DataParallel":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        super().close()
        del self.replicas[1:]

    def predict_logits(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        """The model's ``predict_logits(x, batch_size)``, the workers taking turns at the
        batches."""
        starts = range(0, len(x), batch_size)
        dtype = np.result_type(x, *self.model.params.values())
        out = np.empty((len(x), *self.model.output_shape), dtype=dtype)

        def forward(replica, share):
            for start in share:
                h = replica.forward(x[start:start + batch_size])
                out[start:start + len(h)] = h
        self.run([lambda k=k: forward(self.replicas[k], starts[k::self.count])
                  for k in range(min(self.count, len(starts)))])
        return out

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        """The model's ``gradients(x, y)`` with the rows split between the workers, leaving the
        batch's gradients (as one pass over all of x would) in ``model.grads``."""
        total = len(x)
        count = min(self.count, total)
        bounds = np.linspace(0, total, count + 1).round().astype(int)
        draws = draw_dropout(self.model, total)

        def share(k: int, rows: slice) -> tuple[float, int]:
            worker = self.replicas[k]
            for index, layer_draws in draws.items():
                worker.layers[index].next_draws = layer_draws[rows]
            try:
                loss, correct = worker.gradients(x[rows], y[rows], mean_over=total)
            finally:        # after a failure, no layer may keep draws meant for this batch
                for index in draws:
                    worker.layers[index].next_draws = None
            return loss * len(y[rows]), correct
        results = self.run([lambda k=k: share(k, slice(bounds[k], bounds[k + 1]))
                            for k in range(count)])
        if count > 1:
            self._sum_gradients(count)
        loss = sum(loss_sum for loss_sum, _ in results) / total
        return loss, sum(correct for _, correct in results)

    def update(self) -> None:
        """One optimizer step of the model, its slices shared between the workers: an update
        is element-wise, so the slices can be updated in any order and at the same time."""
        optimizer = self.model.optimizer
        optimizer.begin_step()
        jobs = optimizer.slices(self.model.params, self.model.grads)
        self.run([lambda share=share: optimizer.update(share)
                  for share in shares(jobs, self.count)])

    def _sum_gradients(self, count: int) -> None:
        """model.grads += every other worker's gradients, chunk by chunk, in the workers."""
        jobs = []
        for index, layer in enumerate(self.model.layers):
            for key in layer.grads:
                jobs.extend(chunks(layer.grads[key],
                                   *(self.replicas[k].layers[index].grads[key]
                                     for k in range(1, count))))

        def add(share):
            for total, *parts in share:
                for part in parts:
                    total += part
        self.run([lambda share=share: add(share) for share in shares(jobs, self.count)])


def shares(jobs: list[tuple[np.ndarray, ...]], count: int) -> list[list]:
    """``jobs`` (tuples of same-sized chunks) dealt into ``count`` lists of near-equal total size,
    for parallel work: each job, largest first, to the list with the least so far."""
    loads = [0] * count
    dealt: list[list[int]] = [[] for _ in range(count)]
    for index in sorted(range(len(jobs)), key=lambda i: -len(jobs[i][0])):
        k = loads.index(min(loads))
        dealt[k].append(index)
        loads[k] += len(jobs[index][0])
    return [[jobs[i] for i in sorted(indices)] for indices in dealt]
