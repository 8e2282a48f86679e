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
Dropout's random draws are made for the whole batch (``Sequential.draw_dropout``), in the order a
single pass makes them, and each worker gets its rows.

The model knows nothing of threads: this module only calls its passes and its optimizer's
element-wise update on slices of the parameters.
"""

from __future__ import annotations

import concurrent.futures
import os
from typing import Callable, Sequence

import numpy as np

from scratchnet.nn.checks import positive_int
from scratchnet.nn.losses import check_loss
from scratchnet.nn.optimizers import chunks
from scratchnet import blas

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
    """Training steps of ``model`` with the batch split between ``count`` workers, and
    inference over many batches with the batches split between them.

    Each worker runs the model's own passes (``Sequential.gradients``, ``forward``) on a
    replica of the model (``Sequential.replica``: the same weight arrays, its own buffers and
    gradients); worker 0 is the model itself. Use as a context manager (the threads and the
    replicas are released at exit):

        with DataParallel(model, 2) as workers:
            loss, correct = workers.train_step(x, y)       # as model.train_step(x, y)

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
        self.replicas = [model] + [model.replica() for _ in range(self.count - 1)]

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

    def train_step(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        """The model's ``train_step(x, y)``: the gradients, then the optimizer's update, each
        shared between the workers."""
        if self.model.optimizer is None:
            self.model.compile()
        loss, correct = self.gradients(x, y)
        check_loss(loss)
        self.update()
        return loss, correct

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        """The model's ``gradients(x, y)`` with the rows split between the workers, leaving the
        batch's gradients (as one pass over all of x would) in ``model.grads``."""
        total = len(x)
        count = min(self.count, total)
        bounds = np.linspace(0, total, count + 1).round().astype(int)
        draws = self.model.draw_dropout(total)

        def share(k: int, rows: slice) -> tuple[float, int]:
            loss, correct = self.replicas[k].gradients(
                x[rows], y[rows], {index: d[rows] for index, d in draws.items()},
                mean_over=total)
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
