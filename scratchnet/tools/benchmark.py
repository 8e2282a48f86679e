"""Measurements behind ``scripts/bench.py``: how fast a training step runs, and against what.

Every speed is reported twice: in absolute terms, and as a ratio measured in the same run —
achieved GFLOP/s over this machine's NumPy float32 matmul GFLOP/s, and step time over the time
of the step's own matrix products (the "GEMM floor", which no im2col implementation can beat).
Ratios hold across the different CPUs of shared machines where absolute figures differ 2x.
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from typing import Callable, Iterator

import numpy as np

from scratchnet import blas
from scratchnet.nn.layers import Conv2D, Dense
from scratchnet.nn.model import Sequential
from scratchnet.nn.trainer import Trainer


def median_seconds(function: Callable[[], object], runs: int, warmup: int = 1,
                   clock: Callable[[], float] = time.perf_counter) -> float:
    """Median time of ``function()`` over ``runs`` calls after ``warmup`` untimed calls, by
    ``clock``: wall time by default, ``time.thread_time`` for the calling thread's CPU time."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(runs):
        start = clock()
        function()
        times.append(clock() - start)
    return statistics.median(times)


# ------------------------------------------------------------------------------------ machine
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_features() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return "unknown"
    return "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"


def blas_name() -> str:
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:           # older NumPy: no dict mode
        return "unknown"


def machine_info() -> dict:
    return {"cpu": cpu_model(), "vector": cpu_features(), "cores": os.cpu_count(),
            "python": platform.python_version(), "numpy": np.__version__, "blas": blas_name()}


def matmul_peak_gflops(size: int = 2048, runs: int = 7) -> float:
    """GFLOP/s of a size x size float32 product: the machine's own yardstick."""
    a = np.random.default_rng(0).random((size, size), dtype=np.float32)
    seconds = median_seconds(lambda: a @ a, runs, warmup=2)
    return 2 * size ** 3 / seconds / 1e9


# -------------------------------------------------------------------------------- FLOP counts
def layer_flops(model: Sequential) -> dict[str, dict[str, float]]:
    """Analytic FLOPs per sample of each Conv2D/Dense layer: forward, dW and dX products.

    A layer's forward product is 2 * rows * K * F per sample (rows = output pixels, K = inputs per
    output), and so are the dW and dX products; the first layer computes no dX.
    """
    flops = {}
    shape = model.input_shape
    for index, layer in enumerate(model.layers):
        out_shape = layer.output_shape(shape)
        if isinstance(layer, Conv2D):
            rows = out_shape[0] * out_shape[1]
            k = layer.kernel_h * layer.kernel_w * shape[2]
            product = 2.0 * rows * k * layer.filters
        elif isinstance(layer, Dense):
            product = 2.0 * shape[0] * layer.units
        else:
            product = 0.0
        if product:
            flops[layer.name] = {"forward": product, "weights": product,
                                 "input": product if index > 0 else 0.0}
        shape = out_shape
    return flops


def training_flops_per_sample(model: Sequential) -> float:
    return sum(sum(parts.values()) for parts in layer_flops(model).values())


# --------------------------------------------------------------------------------- GEMM floor
# A product is (M, K, N, A transposed, B transposed): (M, K) @ (K, N), either operand possibly a
# transposed view, as NumPy hands it to BLAS.
Product = tuple[int, int, int, bool, bool]


def gemm_shapes(model: Sequential, batch: int) -> list[tuple[str, Product, int]]:
    """(label, product, count) for the matrix products of one training step, exactly as the
    layers run them.

    Conv2D works through the batch in slices (``Conv2D.batch_slices``): per slice of R output
    rows, one forward product (R, KH*KW*C) @ (KH*KW*C, F), one dW product cols.T @ grad, and, for
    dX, one (R', F) @ (F, C) product per kernel offset, where R' counts the output rows widened
    to the input's width when the stride is 1 (the extra KW-1 columns hold zeros, see
    ``Conv2D._input_gradient``). A full batch is ``count`` equal slices and possibly a shorter
    last one, listed separately.
    """
    shapes = []
    shape = model.input_shape
    for index, layer in enumerate(model.layers):
        out_shape = layer.output_shape(shape)
        if isinstance(layer, Conv2D):
            k, f, c = layer.kernel_h * layer.kernel_w * shape[2], layer.filters, shape[2]
            parts, _ = layer.batch_slices(batch, np.dtype(np.float32).itemsize)
            pixels = out_shape[0] * out_shape[1]
            dx_pixels = out_shape[0] * (out_shape[1] + layer.kernel_w - 1) \
                if layer.stride == 1 else pixels
            sizes: dict[int, int] = defaultdict(int)
            for part in parts:
                sizes[part.stop - part.start] += 1
            for images, count in sizes.items():
                rows = images * pixels
                shapes += [(f"{layer.name} forward", (rows, k, f, False, False), count),
                           (f"{layer.name} dW", (k, rows, f, True, False), count)]
                if index > 0:
                    shapes.append((f"{layer.name} dX", (images * dx_pixels, f, c, False, True),
                                   count * layer.kernel_h * layer.kernel_w))
        elif isinstance(layer, Dense):
            d, u = shape[0], layer.units
            shapes += [(f"{layer.name} forward", (batch, d, u, False, False), 1),
                       (f"{layer.name} dW", (d, batch, u, True, False), 1)]
            if index > 0:
                shapes.append((f"{layer.name} dX", (batch, u, d, False, True), 1))
        shape = out_shape
    return shapes


def product_seconds(product: Product, runs: int = 7, dtype=np.float32) -> float:
    """Median seconds of one product on preallocated operands, as ``np.matmul(a, b, out=c)``."""
    m, k, n, transposed_a, transposed_b = product
    rng = np.random.default_rng(0)
    a = rng.random((k, m) if transposed_a else (m, k), dtype=dtype)
    b = rng.random((n, k) if transposed_b else (k, n), dtype=dtype)
    a, b = (a.T if transposed_a else a), (b.T if transposed_b else b)
    out = np.empty((m, n), dtype)
    return median_seconds(lambda: np.matmul(a, b, out=out), runs)


def gemm_floor(model: Sequential, batch: int, runs: int = 7) -> dict[str, float]:
    """Seconds of the matrix products of a training step, float32, per label ("conv2d_1 dW"):
    each distinct product timed alone on operands already in the cache (median), times how
    often the step runs it. No implementation of this arrangement of the products can be
    faster; the layouts behind it are the fastest found by ``gemm_layouts``."""
    times: dict[str, float] = defaultdict(float)
    for label, product, count in gemm_shapes(model, batch):
        times[label] += count * product_seconds(product, runs)
    return dict(times)


def gemm_layouts(model: Sequential, batch: int, runs: int = 5) -> list[tuple[str, float]]:
    """Seconds of each candidate arrangement of the products of the widest Conv2D layer (the
    one with most multiply-adds), float32, so that the fastest can be chosen: the batch in one
    product or in cache-sized slices, the output as (pixels, F) or transposed as (F, pixels),
    and dX per kernel offset, as one (pixels, F) @ (F, KH*KW*C) product, or as a full
    correlation of the zero-padded gradient with the flipped kernel (K = KH*KW*F)."""
    flops = layer_flops(model)
    convs = [layer for layer in model.layers if isinstance(layer, Conv2D)]
    layer = max(convs, key=lambda layer: flops[layer.name]["forward"])
    in_shape = model.input_shape
    for other in model.layers:
        if other is layer:
            break
        in_shape = other.output_shape(in_shape)
    out_h, out_w, f = layer.output_shape(in_shape)
    c = in_shape[2]
    k = layer.kernel_h * layer.kernel_w * c
    rows = batch * out_h * out_w
    _, slice_rows = layer.batch_slices(batch, np.dtype(np.float32).itemsize)
    slices = rows / slice_rows
    offsets = layer.kernel_h * layer.kernel_w
    input_rows = batch * in_shape[0] * in_shape[1]     # one row per input pixel, for dX
    candidates = [
        ("forward: whole batch, (pixels, K) @ (K, F)", [((rows, k, f, False, False), 1)]),
        ("forward: whole batch, (F, K) @ (K, pixels)", [((f, k, rows, True, True), 1)]),
        ("forward: slices, (pixels, K) @ (K, F)  [used]", [((slice_rows, k, f, False, False),
                                                           slices)]),
        ("forward: slices, (F, K) @ (K, pixels)", [((f, k, slice_rows, True, True), slices)]),
        ("dW: whole batch, cols.T @ grad", [((k, rows, f, True, False), 1)]),
        ("dW: slices, cols.T @ grad  [used]", [((k, slice_rows, f, True, False), slices)]),
        ("dW: slices, grad.T @ cols", [((f, slice_rows, k, True, False), slices)]),
        ("dX: whole batch, one product grad @ K.T", [((rows, f, k, False, True), 1)]),
        ("dX: slices, one product grad @ K.T", [((slice_rows, f, k, False, True), slices)]),
        ("dX: slices, per kernel offset", [((slice_rows, f, c, False, True), slices * offsets)]),
        ("dX: slices, per offset, rows widened  [used]",
         [((slice_rows * in_shape[1] // out_w, f, c, False, True), slices * offsets)]),
        ("dX: whole batch, full correlation", [((input_rows, offsets * f, c, False, False), 1)]),
    ]
    return [(label, sum(count * product_seconds(product, runs) for product, count in products))
            for label, products in candidates]


# ------------------------------------------------------------------------------ training step
def synthetic_batch(model: Sequential, batch: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.random((batch, *model.input_shape), dtype=np.float32)
    y = rng.integers(0, model.output_shape[-1], batch)
    return x, y


def step_seconds(model: Sequential, batch: int, steps: int, workers: int = 1) -> list[float]:
    """Wall time of each of ``steps`` training steps after three warm-up steps, with the batch
    shared by ``workers`` threads as ``fit`` shares it."""
    x, y = synthetic_batch(model, batch)
    with training_steps(model, workers) as step:
        for _ in range(3):
            step(x, y)
        times = []
        for _ in range(steps):
            start = time.perf_counter()
            step(x, y)
            times.append(time.perf_counter() - start)
    return times


@contextlib.contextmanager
def training_steps(model: Sequential, workers: int) -> Iterator[Callable]:
    """A function ``step(x, y)`` running one training step as ``fit`` would with ``workers``."""
    with Trainer(model, workers) as trainer:
        yield trainer.train_step


def layer_shares(model: Sequential, batch: int, steps: int = 10) -> dict[str, float]:
    """Median seconds of each layer's forward and backward pass and of the optimizer update,
    timed one by one inside real training steps."""
    x, y = synthetic_batch(model, batch)
    timings: dict[str, list[float]] = defaultdict(list)

    def timed(label, function, *args):
        start = time.perf_counter()
        result = function(*args)
        timings[label].append(time.perf_counter() - start)
        return result

    for _ in range(steps + 2):
        out = x
        for layer in model.layers:
            out = timed(f"{layer.name} forward", layer.forward, out, True)
        timed("loss", model.loss.forward, out, y)
        grad = timed("loss backward", model.loss.backward)
        for layer in reversed(model.layers):
            grad = timed(f"{layer.name} backward", layer.backward, grad)
        timed("optimizer", model.optimizer.step, model.params, model.grads)
    return {label: statistics.median(values[2:]) for label, values in timings.items()}


def predict_latency(model: Sequential, calls: int = 1000) -> float:
    x, _ = synthetic_batch(model, 1)
    return median_seconds(lambda: model.predict(x), calls, warmup=10)


def predict_throughput(model: Sequential, count: int = 10000) -> float:
    x, _ = synthetic_batch(model, count)
    return count / median_seconds(lambda: model.predict(x), 3)


def peak_rss_of_full_data_training(data_dir: str, steps: int = 5, batch: int = 128) -> dict:
    """Peak resident memory of a fresh process that loads all of MNIST as float32 and trains a
    few steps of the reference model, as ``scripts/train.py`` does."""
    code = f"""
import resource, sys
import numpy as np
from scratchnet.data.mnist import load_mnist, to_float_images
from scratchnet.nn.networks import reference_cnn
(x, y), (xt, yt) = load_mnist({data_dir!r}, download=False)
x, xt = to_float_images(x), to_float_images(xt)
model = reference_cnn(); model.compile()
model.fit(x[:{steps} * {batch}], y[:{steps} * {batch}], epochs=1, batch_size={batch})
model.evaluate(xt, yt)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(peak / 2**20 if sys.platform == "darwin" else peak / 2**10)   # bytes on macOS, KiB on Linux
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr else "failed"}
    return {"peak_rss_mb": float(result.stdout.strip().splitlines()[-1])}


# -------------------------------------------------------------------------------- vs PyTorch
def blas_threads() -> int:
    """Threads OpenBLAS runs NumPy's products on: its environment variables, else every core."""
    return blas.threads_from_environment() or os.cpu_count() or 1


def torch_training_step(batch: int, threads: int):
    """A function running one PyTorch CPU training step of the reference model at ``batch``, or
    None when PyTorch is not installed. PyTorch is only ever used here, for comparison.

    Same model, loss, optimizer (Adadelta, lr 1, rho 0.95, eps 1e-7), float32, no gradient for
    the input, and ``threads`` threads: as many as our step uses. PyTorch runs its convolutions
    in NCHW or in channels_last (NHWC) memory; it gets whichever of the two is faster here.
    """
    try:
        import torch
        from torch import nn
    except ImportError:
        return None
    torch.set_num_threads(threads)
    loss_fn = nn.CrossEntropyLoss()

    def make_step(memory_format):
        torch.manual_seed(0)
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 256), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(256, 10)).to(memory_format=memory_format)
        optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.95, eps=1e-7)
        x = torch.rand(batch, 1, 28, 28).contiguous(memory_format=memory_format)
        y = torch.randint(0, 10, (batch,))
        model.train()

        def step():
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        return step

    steps = {"NCHW": make_step(torch.contiguous_format),
             "channels_last": make_step(torch.channels_last)}
    seconds = {layout: median_seconds(step, 5, warmup=2) for layout, step in steps.items()}
    layout = min(seconds, key=seconds.get)
    step = steps[layout]
    step.version = f"{torch.__version__} ({torch.get_num_threads()} threads, {layout} layout)"
    return step


def alternate(ours: Callable[[], object], theirs: Callable[[], object], rounds: int,
              steps: int) -> tuple[list[float], list[float]]:
    """Median step time of each, measured in alternating blocks (A B A B ...) so that both see
    the same machine load; returns the per-block medians."""
    for function in (ours, theirs):
        for _ in range(3):
            function()
    ours_times, theirs_times = [], []
    for _ in range(rounds):
        for function, sink in ((ours, ours_times), (theirs, theirs_times)):
            sink.append(median_seconds(function, steps, warmup=0))
    return ours_times, theirs_times
