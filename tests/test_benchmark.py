"""The benchmark's bookkeeping: the GEMM floor must count exactly the step's multiply-adds."""

import os

from scratchnet.tools import benchmark
from scratchnet.nn.networks import reference_cnn


def test_gemm_floor_products_do_the_work_of_one_training_step():
    """The useful multiply-adds, plus those on the two zero columns by which the second layer's
    dX products widen the 24-pixel output rows to the 26-pixel input rows."""
    model = reference_cnn()
    batch = 128
    products = benchmark.gemm_shapes(model, batch)
    flops = sum(2 * m * k * n * count for _, (m, k, n, _, _), count in products)
    widening = 2 * batch * 24 * 2 * 64 * 32 * 9
    assert flops == benchmark.training_flops_per_sample(model) * batch + widening
    expected = set()
    for name, parts in benchmark.layer_flops(model).items():
        expected |= {f"{name} forward", f"{name} dW"} | ({f"{name} dX"} if parts["input"] else set())
    assert {label for label, _, _ in products} == expected


def test_product_seconds_times_a_product_with_transposed_operands():
    assert benchmark.product_seconds((64, 32, 16, True, True), runs=2) > 0


def test_blas_threads_follows_the_environment(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    assert benchmark.blas_threads() == 3
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert benchmark.blas_threads() == os.cpu_count()
