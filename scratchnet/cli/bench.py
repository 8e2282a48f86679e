"""``scripts/bench.py``: training-step speed as a fraction of this machine's matmul peak, the GEMM
floor, per-layer shares, inference latency, memory, and optionally PyTorch side by side."""

from __future__ import annotations

import argparse
import json
import statistics
import sys

from scratchnet.tools import benchmark
from scratchnet.cli.arguments import positive_int
from scratchnet.nn.networks import reference_cnn
from scratchnet.nn.parallel import worker_count


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="bench.py", description="Measure the reference CNN's training step against this "
        "machine's own NumPy matmul peak and against the step's own matrix products.")
    parser.add_argument("--batch-size", type=positive_int, default=128)
    parser.add_argument("--workers", type=positive_int,
                        help="threads sharing each batch (default: as training, one per core "
                        "when NumPy's BLAS allows)")
    parser.add_argument("--steps", type=positive_int, default=30,
                        help="timed training steps after warm-up (default 30)")
    parser.add_argument("--predict-calls", type=positive_int, default=1000,
                        help="single-image predict calls timed for latency (default 1000)")
    parser.add_argument("--data-dir", default="data",
                        help="where MNIST is, for the full-data memory figure (default data)")
    parser.add_argument("--skip-memory", action="store_true",
                        help="skip the full-data peak-memory run")
    parser.add_argument("--vs-torch", action="store_true",
                        help="also time PyTorch CPU on the same model, alternating with ours")
    parser.add_argument("--rounds", type=positive_int, default=5,
                        help="alternating rounds for --vs-torch (default 5)")
    parser.add_argument("--layouts", action="store_true",
                        help="also time the candidate layouts of the widest convolution's "
                        "products (the choice behind the GEMM floor)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    return parser.parse_args(argv)


def run(args) -> dict:
    model = reference_cnn(seed=0)
    model.compile()
    batch = args.batch_size
    report: dict = {"machine": benchmark.machine_info(), "batch": batch}
    peak = benchmark.matmul_peak_gflops()
    report["matmul_peak_gflops"] = peak

    if args.layouts:
        report["layouts_ms"] = {label: seconds * 1e3
                                for label, seconds in benchmark.gemm_layouts(model, batch)}
    floor = benchmark.gemm_floor(model, batch)
    floor_seconds = sum(floor.values())
    report["gemm_floor_ms"] = {label: s * 1e3 for label, s in floor.items()}
    report["gemm_floor_total_ms"] = floor_seconds * 1e3

    workers = worker_count(model, batch, args.workers)
    report["workers"] = workers
    times = benchmark.step_seconds(model, batch, args.steps, workers)
    step = statistics.median(times)
    if workers > 1:
        report["one_worker_step_ms"] = statistics.median(
            benchmark.step_seconds(model, batch, args.steps)) * 1e3
    flops = benchmark.training_flops_per_sample(model)
    achieved = flops * batch / step / 1e9
    report["step_ms"] = step * 1e3
    report["samples_per_second"] = batch / step
    report["mflop_per_sample"] = flops / 1e6
    report["achieved_gflops"] = achieved
    report["fraction_of_peak"] = achieved / peak
    report["step_over_gemm_floor"] = step / floor_seconds
    report["outside_gemm_share"] = max(0.0, 1 - floor_seconds / step)
    report["layer_flops_mflop"] = {name: {k: v / 1e6 for k, v in parts.items()}
                                   for name, parts in benchmark.layer_flops(model).items()}

    shares = benchmark.layer_shares(model, batch)
    total = sum(shares.values())
    report["layer_ms"] = {label: s * 1e3 for label, s in shares.items()}
    report["layer_share"] = {label: s / total for label, s in shares.items()}

    report["predict_latency_ms"] = benchmark.predict_latency(model, args.predict_calls) * 1e3
    report["predict_images_per_second"] = benchmark.predict_throughput(model)
    if not args.skip_memory:
        report["memory"] = benchmark.peak_rss_of_full_data_training(args.data_dir, batch=batch)

    if args.vs_torch:
        torch_step = benchmark.torch_training_step(
            batch, workers if workers > 1 else benchmark.blas_threads())
        if torch_step is None:
            report["torch"] = {"error": "PyTorch is not installed (pip install torch==2.13.0)"}
        else:
            x, y = benchmark.synthetic_batch(model, batch)
            with benchmark.training_steps(model, workers) as our_step:
                ours, theirs = benchmark.alternate(lambda: our_step(x, y), torch_step,
                                                   args.rounds, max(5, args.steps // 2))
            ours_s, theirs_s = statistics.median(ours), statistics.median(theirs)
            ratios = [t / o for o, t in zip(ours, theirs)]
            report["torch"] = {
                "version": torch_step.version,
                "ours_step_ms": ours_s * 1e3, "torch_step_ms": theirs_s * 1e3,
                "torch_fraction_of_peak": flops * batch / theirs_s / 1e9 / peak,
                "speed_ratio_ours_over_torch": statistics.median(ratios),
                "rounds_ms": {"ours": [t * 1e3 for t in ours], "torch": [t * 1e3 for t in theirs]},
            }
    return report


def print_table(report: dict) -> None:
    m = report["machine"]
    print(f"CPU      {m['cpu']} ({m['vector']}, {m['cores']} cores)")
    print(f"Python   {m['python']}, NumPy {m['numpy']}, BLAS {m['blas']}")
    print(f"Peak     NumPy float32 2048x2048 matmul: {report['matmul_peak_gflops']:.1f} GFLOP/s")
    print()
    layouts = report.get("layouts_ms")
    if layouts:
        print(f"Layouts of the widest convolution's products at batch {report['batch']}:")
        for label, ms in layouts.items():
            print(f"  {label:50s} {ms:8.2f} ms")
        print()
    print(f"GEMM floor at batch {report['batch']}: the step's products as the layers run them, "
          "each timed alone on operands in the cache:")
    for label, ms in report["gemm_floor_ms"].items():
        print(f"  {label:22s} {ms:8.2f} ms")
    print(f"  {'total':22s} {report['gemm_floor_total_ms']:8.2f} ms")
    print()
    workers = report["workers"]
    print(f"Training step, reference CNN, batch {report['batch']}, float32, "
          f"{workers} worker thread{'s' if workers > 1 else ''}:")
    print(f"  step time              {report['step_ms']:8.2f} ms   "
          f"({report['samples_per_second']:.0f} samples/s)")
    if "one_worker_step_ms" in report:
        print(f"  on one worker          {report['one_worker_step_ms']:8.2f} ms   "
              f"(the whole batch on one worker, BLAS on its own threads)")
    print(f"  achieved               {report['achieved_gflops']:8.1f} GFLOP/s "
          f"({report['mflop_per_sample']:.1f} MFLOP/sample) = "
          f"{report['fraction_of_peak']:.1%} of matmul peak")
    print(f"  step / GEMM floor      {report['step_over_gemm_floor']:8.2f}x   "
          f"(time outside the products: {report['outside_gemm_share']:.0%})")
    print()
    print("Where the step's time goes (one worker; each part timed alone, median):")
    for label, ms in report["layer_ms"].items():
        print(f"  {label:22s} {ms:8.2f} ms  {report['layer_share'][label]:6.1%}")
    print()
    print(f"Inference: single-digit predict {report['predict_latency_ms']:.2f} ms (median), "
          f"batch predict {report['predict_images_per_second']:.0f} images/s")
    memory = report.get("memory")
    if memory:
        if "error" in memory:
            print(f"Memory: full-data run skipped: {memory['error']}")
        else:
            print(f"Memory: peak RSS of a full-data training run: {memory['peak_rss_mb']:.0f} MB")
    torch = report.get("torch")
    if torch:
        if "error" in torch:
            print(f"PyTorch: {torch['error']}")
        else:
            print(f"PyTorch {torch['version']}: {torch['torch_step_ms']:.1f} ms per step "
                  f"({torch['torch_fraction_of_peak']:.1%} of peak) vs ours "
                  f"{torch['ours_step_ms']:.1f} ms: ours is {torch['speed_ratio_ours_over_torch']:.2f}x "
                  f"PyTorch's speed (median ratio of alternating rounds)")


def main(argv=None) -> int:
    args = parse_args(argv)
    report = run(args)
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
