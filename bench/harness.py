"""Fair timing: one worker process per implementation, repetitions interleaved
(numpy, torch, numpy, torch, ...), medians reported.

Separate processes keep one library's idle thread pools from spinning while the other is
timed; the workers also get ``OPENBLAS_THREAD_TIMEOUT=1`` and ``OMP_WAIT_POLICY=PASSIVE``
so that their own pools go to sleep between calls.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import statistics
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

__all__ = ["Workers", "median"]

_ENV = {"OPENBLAS_THREAD_TIMEOUT": "1", "OMP_WAIT_POLICY": "PASSIVE"}


def _init(threads: int) -> None:
    import torch
    from threadpoolctl import threadpool_limits
    torch.set_num_threads(threads)
    threadpool_limits(threads)  # process-wide; kept for the worker's lifetime


class Workers:
    """``Workers(["numpy", "torch"], threads=1)``: ``run(name, fn, *args)`` executes in that
    name's own process."""

    def __init__(self, names, threads: int = 1):
        os.environ.update(_ENV)  # inherited by the spawned workers
        ctx = mp.get_context("spawn")
        self.pools = {n: ProcessPoolExecutor(1, mp_context=ctx, initializer=_init, initargs=(threads,))
                      for n in names}

    def run(self, name: str, fn: Callable, *args):
        return self.pools[name].submit(fn, *args).result()

    def interleaved(self, jobs: dict[str, tuple], repeats: int) -> dict[str, list[float]]:
        """``jobs``: label -> (worker name, fn, *args); each label run ``repeats`` times,
        round-robin across labels. Returns label -> list of results."""
        out = {label: [] for label in jobs}
        for _ in range(repeats):
            for label, (name, fn, *args) in jobs.items():
                out[label].append(self.run(name, fn, *args))
        return out

    def close(self):
        for pool in self.pools.values():
            pool.shutdown()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def median(values) -> float:
    return float(statistics.median(values))
