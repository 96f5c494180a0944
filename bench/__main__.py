"""``python -m bench``: time fcann2 against pt_deep (and scikit-learn) on identical work and
print the tables; they are also written to ``bench/out/results.md`` and ``.csv``."""
from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from . import cases
from .harness import Workers, median

TARGETS = {"sgd": 25.0, "full": 2.0, "floor": 1.5, "mnist_bound": 1.2, "stacked_us": 1.5, "startup_s": 0.5,
           "sweep_s": 12.0, "cpp_us": 1.0, "cpp_sgd": 150.0}


def _cpp() -> bool:
    """Whether the C++ implementation is built (its rows are left out, with a note, if not)."""
    from fcann2.cpp import available, unavailable_reason
    if not available():
        print(f"note: no cpp rows: {unavailable_reason()}", file=sys.stderr)
    return available()


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def bench_sgd(repeats: int, quick: bool) -> pd.DataFrame:
    rows = []
    steps = 2000 if quick else 10000
    cpp = _cpp()
    with Workers(["numpy", "torch", "sklearn"] + ["cpp"] * cpp, threads=1) as w:
        for H in (5, 50, 500):
            jobs = {
                "fcann2": ("numpy", cases.train_seconds_per_step, "numpy", [2, H, 2], 1000, 1, steps),
                "fcann2 general": ("numpy", cases.general_seconds_per_step, [2, H, 2], 1000, steps // 3),
                "pt_deep": ("torch", cases.train_seconds_per_step, "torch", [2, H, 2], 1000, 1, steps // 5),
                "sklearn": ("sklearn", cases.sklearn_seconds_per_step, H, 1000, 2 if quick else 5),
                "numpy floor": ("numpy", cases.numpy_floor_per_step, H, 1000, steps),
            }
            if cpp:
                jobs["cpp"] = ("cpp", cases.train_seconds_per_step, "cpp", [2, H, 2], 1000, 1, steps * 10)
            t = {k: median(v) * 1e6 for k, v in w.interleaved(jobs, repeats).items()}
            row = {"sizes": f"[2, {H}, 2]", "fcann2 us": t["fcann2"], "fcann2 general us": t["fcann2 general"],
                   "pt_deep us": t["pt_deep"], "sklearn us": t["sklearn"], "numpy floor us": t["numpy floor"],
                   "pt_deep/fcann2": t["pt_deep"] / t["fcann2"],
                   "general/fcann2": t["fcann2 general"] / t["fcann2"],
                   "sklearn/fcann2": t["sklearn"] / t["fcann2"],
                   "fcann2/floor": t["fcann2"] / t["numpy floor"]}
            if cpp:
                row.update({"cpp us": t["cpp"], "pt_deep/cpp": t["pt_deep"] / t["cpp"], "fcann2/cpp": t["fcann2"] / t["cpp"],
                            f"cpp <= {TARGETS['cpp_us']} us and >= {TARGETS['cpp_sgd']:g}x pt_deep":
                                t["cpp"] <= TARGETS["cpp_us"] and t["pt_deep"] / t["cpp"] >= TARGETS["cpp_sgd"]})
            rows.append(row)
    return pd.DataFrame(rows)


def bench_full_batch(repeats: int, quick: bool) -> pd.DataFrame:
    steps = 300 if quick else 1000
    impls = ("numpy", "torch") + ("cpp",) * _cpp()
    with Workers(impls, threads=1) as w:
        jobs = {impl: (impl, cases.train_seconds_per_step, impl, [2, 50, 3], 1000, None, steps) for impl in impls}
        t = {k: median(v) * 1e6 for k, v in w.interleaved(jobs, repeats).items()}
    row = {"problem": "N=1000, [2, 50, 3], float64", "fcann2 us/iter": t["numpy"],
           "pt_deep us/iter": t["torch"], "pt_deep/fcann2": t["torch"] / t["numpy"]}
    if "cpp" in t:
        row.update({"cpp us/iter": t["cpp"], "fcann2/cpp": t["numpy"] / t["cpp"]})
    return pd.DataFrame([row])


def bench_mnist(repeats: int, quick: bool, threads: int) -> pd.DataFrame:
    n = 12000 if quick else 60000
    rows = []
    cpp = _cpp()
    with Workers(["numpy", "torch"] + ["cpp"] * cpp, threads=threads) as w:
        peak = w.run("numpy", cases.matmul_peak_gflops)
        for bs in (64, 256):
            jobs = {"fcann2": ("numpy", cases.mnist_epoch_seconds, "numpy", bs, n),
                    "pt_deep": ("torch", cases.mnist_epoch_seconds, "torch", bs, n),
                    "matmul": ("numpy", cases.mnist_matmul_seconds, bs, n)}
            if cpp:  # one thread whatever --mnist-threads: the C++ loops are not threaded
                jobs["cpp"] = ("cpp", cases.mnist_epoch_seconds, "cpp", bs, n // 4)
            t = {k: median(v) * 60000 / (n // 4 if k == "cpp" else n) for k, v in w.interleaved(jobs, repeats).items()}
            gflop = cases.mnist_flops(bs) / 1e9
            row = {"batch": bs, "fcann2 s/epoch": t["fcann2"], "pt_deep s/epoch": t["pt_deep"],
                   "matmul-only s": t["matmul"], "fcann2/matmul": t["fcann2"] / t["matmul"],
                   "pt_deep/fcann2": t["pt_deep"] / t["fcann2"],
                   "fcann2 GFLOP/s": gflop / t["fcann2"], "pt_deep GFLOP/s": gflop / t["pt_deep"],
                   "peak GFLOP/s": peak}
            if cpp:
                row.update({"cpp s/epoch": t["cpp"], "cpp/fcann2": t["cpp"] / t["fcann2"],
                            "cpp/matmul": t["cpp"] / t["matmul"], "cpp GFLOP/s": gflop / t["cpp"]})
            rows.append(row)
    return pd.DataFrame(rows)


def bench_stacked(repeats: int, quick: bool) -> pd.DataFrame:
    steps = 300 if quick else 2000
    sizes = (1, 8, 27, 64, 256)
    with Workers(["numpy", "torch"], threads=1) as w:
        jobs = {(impl, k): (impl, cases.stacked_seconds_per_model_step, impl, k, steps // (1 if impl == "numpy" else 2))
                for k in sizes for impl in ("numpy", "torch")}
        t = {key: median(v) * 1e6 for key, v in w.interleaved(jobs, repeats).items()}
    return pd.DataFrame([{"K": k, "numpy us per model-step": t["numpy", k], "torch us per model-step": t["torch", k],
                          f"numpy <= {TARGETS['stacked_us']} us": t["numpy", k] <= TARGETS["stacked_us"]}
                         for k in sizes])


def bench_startup(repeats: int) -> pd.DataFrame:
    times = [cases.cli_startup_seconds() for _ in range(repeats)]
    return pd.DataFrame([{"command": "python -m experiments --help", "median s": median(times),
                          f"<= {TARGETS['startup_s']} s": median(times) <= TARGETS["startup_s"]}])


def bench_sweep(repeats: int) -> pd.DataFrame:
    """The default sweep per engine and --jobs, repetitions interleaved, medians."""
    from .sweep_bench import SWEEP_RUNS, run_default_sweep
    runs = {run: [] for run in SWEEP_RUNS}
    for _ in range(repeats):
        for engine, jobs in SWEEP_RUNS:
            runs[engine, jobs].append(run_default_sweep(jobs, engine))
    reference = median([s for s, _ in runs["cells", 2]])
    rows = []
    for (engine, jobs), measured in runs.items():
        seconds = median([s for s, _ in measured])
        rows.append({"engine": engine, "jobs": jobs, "wall s": seconds,
                     "min-max s": f"{min(s for s, _ in measured):.1f}-{max(s for s, _ in measured):.1f}",
                     "peak memory MiB": median([m for _, m in measured]),
                     "cells --jobs 2 / this": reference / seconds,
                     f"<= {TARGETS['sweep_s']} s": seconds <= TARGETS["sweep_s"]})
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="fewer steps and repetitions (a smoke run)")
    p.add_argument("--repeats", type=int, default=None, help="interleaved repetitions per measurement")
    p.add_argument("--only", choices=("sgd", "full", "mnist", "sweep", "stacked", "startup"), action="append")
    p.add_argument("--mnist-threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--out", default=str(Path(__file__).parent / "out"))
    args = p.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 7)
    which = args.only or ["sgd", "full", "mnist", "sweep", "stacked", "startup"]
    header = (f"{date.today().isoformat()}, {_cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"command: python -m bench {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    sections = []
    fmt = {"float_format": lambda v: f"{v:.3g}"}
    for name, title, fn in (("sgd", "1. Per-sample SGD (batch 1), float64, us per step", lambda: bench_sgd(repeats, args.quick)),
                            ("full", "2. Full-batch gradient descent, us per iteration", lambda: bench_full_batch(repeats, args.quick)),
                            ("mnist", f"3. MNIST-shaped epoch, [784, 250, 250, 10], float32, {args.mnist_threads} threads",
                             lambda: bench_mnist(max(3, repeats // 2), args.quick, args.mnist_threads)),
                            ("sweep", "4. Default experiment sweep end to end, per engine and --jobs",
                             lambda: bench_sweep(1 if args.quick else max(3, repeats // 2))),
                            ("stacked", "5. Stacked engine, [2, 20, 3] per-sample, float64, us per model-step",
                             lambda: bench_stacked(repeats, args.quick)),
                            ("startup", "6. CLI start-up", lambda: bench_startup(repeats))):
        if name not in which:
            continue
        table = fn()
        print(f"\n{title}\n{table.to_string(index=False, **fmt)}", flush=True)
        sections.append((name, title, table))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    md = [f"Measured {header}", ""]
    for name, title, table in sections:
        md += [f"### {title}", "", table.to_markdown(index=False, floatfmt=".3g"), ""]
        table.to_csv(out / f"{name}.csv", index=False)
    (out / "results.md").write_text("\n".join(md))
    print(f"\nwrote {out / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
