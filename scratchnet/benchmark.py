"""Measurements behind ``scripts/bench.py``: how fast a training step runs, and against what.

Every speed is reported twice: in absolute terms, and as a ratio measured in the same run —
achieved GFLOP/s over this machine's NumPy float32 matmul GFLOP/s, and step time over the time
of the step's own matrix products (the "GEMM floor", which no im2col implementation can beat).
Ratios hold across the different CPUs of shared machines where absolute figures differ 2x.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from typing import Callable

import numpy as np

from scratchnet.layers import Conv2D, Dense
from scratchnet.model import Sequential


def median_seconds(function: Callable[[], object], runs: int, warmup: int = 1) -> float:
    """Median wall time of ``function()`` over ``runs`` calls after ``warmup`` untimed calls."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
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
def gemm_shapes(model: Sequential, batch: int) -> list[tuple[str, tuple[int, int, int], bool]]:
    """(label, (M, K, N), transposed-A) of every matrix product in one training step."""
    shapes = []
    shape = model.input_shape
    for index, layer in enumerate(model.layers):
        out_shape = layer.output_shape(shape)
        if isinstance(layer, Conv2D):
            rows = batch * out_shape[0] * out_shape[1]
            k = layer.kernel_h * layer.kernel_w * shape[2]
            f = layer.filters
            shapes += [(f"{layer.name} forward", (rows, k, f), False),
                       (f"{layer.name} dW", (k, rows, f), True)]
            if index > 0:
                shapes.append((f"{layer.name} dX", (rows, f, k), False))
        elif isinstance(layer, Dense):
            d, u = shape[0], layer.units
            shapes += [(f"{layer.name} forward", (batch, d, u), False),
                       (f"{layer.name} dW", (d, batch, u), True)]
            if index > 0:
                shapes.append((f"{layer.name} dX", (batch, u, d), False))
        shape = out_shape
    return shapes


def gemm_floor(model: Sequential, batch: int, runs: int = 7) -> dict[str, float]:
    """Median seconds of each product of a training step, timed alone, float32."""
    rng = np.random.default_rng(0)
    times = {}
    for label, (m, k, n), transposed in gemm_shapes(model, batch):
        a = rng.random((k, m) if transposed else (m, k), dtype=np.float32)
        a = a.T if transposed else a     # dW = cols.T @ grad reads a transposed operand
        b = rng.random((k, n), dtype=np.float32)
        out = np.empty((m, n), np.float32)
        times[label] = median_seconds(lambda: np.matmul(a, b, out=out), runs)
    return times


# ------------------------------------------------------------------------------ training step
def synthetic_batch(model: Sequential, batch: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.random((batch, *model.input_shape), dtype=np.float32)
    y = rng.integers(0, model.output_shape[-1], batch)
    return x, y


def step_seconds(model: Sequential, batch: int, steps: int) -> list[float]:
    """Wall time of each of ``steps`` training steps after three warm-up steps."""
    x, y = synthetic_batch(model, batch)
    for _ in range(3):
        model.train_on_batch(x, y)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - start)
    return times


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
from scratchnet.models import reference_cnn
(x, y), (xt, yt) = load_mnist({data_dir!r}, download=False)
x, xt = to_float_images(x), to_float_images(xt)
model = reference_cnn(); model.compile()
for i in range({steps}):
    model.train_on_batch(x[i * {batch}:(i + 1) * {batch}], y[i * {batch}:(i + 1) * {batch}])
model.evaluate(xt, yt)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(peak / 2**20 if sys.platform == "darwin" else peak / 2**10)   # bytes on macOS, KiB on Linux
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr else "failed"}
    return {"peak_rss_mb": float(result.stdout.strip().splitlines()[-1])}


# -------------------------------------------------------------------------------- vs PyTorch
def torch_training_step(batch: int):
    """A function running one PyTorch CPU training step of the reference model at ``batch``, or
    None when PyTorch is not installed. PyTorch is only ever used here, for comparison."""
    try:
        import torch
        from torch import nn
    except ImportError:
        return None
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 256), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(256, 10))
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.95, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    model.train()

    def step():
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()

    step.version = f"{torch.__version__} ({torch.get_num_threads()} threads)"
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
