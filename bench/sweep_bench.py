"""Benchmark 4: the default experiment end to end (training, tables, plots, report) per
engine and ``--jobs``: wall time and peak memory of the whole process tree."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time

import psutil

SWEEP_RUNS = (("cells", 1), ("cells", 2), ("stacked", 1), ("stacked", 2))  # (engine, jobs)


def run_default_sweep(jobs: int, engine: str = "cells") -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB, whole process tree) of
    ``python -m experiments run --engine ENGINE --jobs N`` into a fresh folder."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        proc = psutil.Popen([sys.executable, "-m", "experiments", "run", "--engine", engine, "--jobs", str(jobs),
                             "--out", out, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = 0
        while proc.poll() is None:
            try:
                procs = [proc] + proc.children(recursive=True)
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"default sweep with --engine {engine} --jobs {jobs} exited {proc.returncode}")
    return elapsed, peak / 2**20
