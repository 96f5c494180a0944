"""How many threads a training run should use: a tiny problem runs fastest on one.

Measured on a 2-core machine: pt_deep on the 60-point course problem takes 12.4 ms per
step with 2 torch threads and 0.34 ms with 1; BLAS thread pools on per-sample steps only
add wake-up latency. Above ``SMALL_WORK`` multiply-adds per step (an MNIST-sized minibatch:
64 x 261k = 17M) threads pay off and the library's own setting is kept.
"""
from __future__ import annotations

__all__ = ["choose_threads", "SMALL_WORK"]

SMALL_WORK = 2_000_000  # multiply-adds of one step's forward pass


def choose_threads(n_threads, sizes, n_samples: int, batch_size=None, schedule=None) -> int | None:
    """Threads for a run: ``n_threads`` when an int, ``None`` (leave the library's setting)
    when ``None``, and for ``"auto"`` 1 if one step's forward pass costs fewer than
    ``SMALL_WORK`` multiply-adds, else ``None``."""
    if n_threads is None or n_threads != "auto":
        if n_threads is not None and (isinstance(n_threads, bool) or not isinstance(n_threads, int)
                                      or n_threads < 1):
            raise ValueError(f"n_threads must be a positive integer, 'auto' or None, got {n_threads!r}")
        return n_threads
    if schedule is not None:
        batch = schedule.effective_batch_size
    else:
        batch = n_samples if batch_size is None else min(batch_size, n_samples)
    work = batch * sum(o * i for o, i in zip(sizes[1:], sizes[:-1]))
    return 1 if work < SMALL_WORK else None
