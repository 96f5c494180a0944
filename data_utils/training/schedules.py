"""Sample schedules: the explicit order in which training visits samples.

A ``Schedule`` is an immutable description (sizes + seed). Iterating it always yields the
same batches, so two trainers handed the same schedule see identical data. Batches are
indices usable as ``X[index]``: int64 arrays, or ``slice(0, n)`` for full-batch steps
(a view, no copy).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterator

import numpy as np

__all__ = ["Schedule", "make_schedule", "iter_stacked", "SAMPLING_MODES"]

SAMPLING_MODES = ("epoch", "replacement")


@dataclass(frozen=True)
class Schedule:
    """Batches of sample indices for ``n_steps`` SGD steps.

    Parameters
    ----------
    n_samples : size of the training set.
    batch_size : samples per step; ``None`` is full batch (every step sees all samples).
    n_steps : total number of steps.
    sampling : ``"epoch"`` - each epoch is a fresh permutation cut into consecutive
        batches (the last one may be smaller); ``"replacement"`` - each step draws
        ``batch_size`` indices uniformly with replacement.
    seed : int seed of the order.
    """

    n_samples: int
    batch_size: int | None
    n_steps: int
    sampling: str = "epoch"
    seed: int = 0

    def __post_init__(self):
        for name in ("n_samples", "n_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.batch_size is not None and (
                isinstance(self.batch_size, bool) or not isinstance(self.batch_size, (int, np.integer))
                or self.batch_size < 1):
            raise ValueError(f"batch_size must be a positive integer or None, got {self.batch_size!r}")
        if self.sampling not in SAMPLING_MODES:
            raise ValueError(f"sampling must be one of {SAMPLING_MODES}, got {self.sampling!r}")

    @property
    def effective_batch_size(self) -> int:
        return self.n_samples if self.batch_size is None else min(self.batch_size, self.n_samples)

    @property
    def steps_per_epoch(self) -> int:
        """Steps that make one pass over the data (one epoch)."""
        return -(-self.n_samples // self.effective_batch_size)

    @property
    def n_epochs(self) -> int:
        """Epochs the schedule spans (the last one may be partial)."""
        return -(-self.n_steps // self.steps_per_epoch)

    def epoch_of_step(self, step: int) -> int:
        return step // self.steps_per_epoch

    def __len__(self) -> int:
        return self.n_steps

    def __iter__(self) -> Iterator[np.ndarray | slice]:
        n, b = self.n_samples, self.effective_batch_size
        if self.batch_size is None:
            full = slice(0, n)
            for _ in range(self.n_steps):
                yield full
            return
        if self.sampling == "replacement":
            rng = np.random.default_rng(self.seed)
            for _ in range(self.n_steps):
                yield rng.integers(0, n, size=b)
            return
        for batch in iter_stacked([self]):
            yield batch[0]

    def epoch_samples(self) -> Iterator[np.ndarray]:
        """Per-sample schedules (``batch_size=1``): the sample of every step, one int64
        array (steps of that epoch,) per epoch (the last may be partial) - exactly what
        iteration yields one (1,) batch at a time, without a Python step per sample."""
        if self.batch_size != 1:
            raise ValueError(f"epoch_samples needs batch_size=1, got {self.batch_size!r}")
        n = self.n_samples
        if self.sampling == "epoch":  # iter_stacked's draw for one schedule: a permutation per epoch
            rng = np.random.default_rng(self.seed)
            for start in range(0, self.n_steps, n):
                yield rng.permutation(n)[:self.n_steps - start]
            return
        batches = iter(self)
        for start in range(0, self.n_steps, n):
            yield np.concatenate(list(itertools.islice(batches, n)))

    def as_list(self) -> list[np.ndarray]:
        """All batches as int64 arrays (full-batch slices expanded)."""
        return [np.arange(self.n_samples)[idx] if isinstance(idx, slice) else idx for idx in self]


def iter_stacked(schedules) -> Iterator[np.ndarray | slice]:
    """The batches of K schedules that differ at most in ``seed``, step by step: (K, b)
    index arrays whose row k is schedule k's batch (the full-batch slice when
    ``batch_size`` is None). Each epoch's K permutations are drawn at once and cut into
    column blocks, so the per-step cost does not grow with K."""
    first = schedules[0]
    shape = (first.n_samples, first.batch_size, first.n_steps, first.sampling)
    if any((s.n_samples, s.batch_size, s.n_steps, s.sampling) != shape for s in schedules):
        raise ValueError("stacked schedules must differ in seed only")
    if first.batch_size is None or first.sampling == "replacement":
        for batches in zip(*schedules):
            yield batches[0] if first.batch_size is None else np.stack(batches)
        return
    n, b = first.n_samples, first.effective_batch_size
    rngs = [np.random.default_rng(s.seed) for s in schedules]
    step = 0
    while step < first.n_steps:
        perms = np.stack([rng.permutation(n) for rng in rngs])
        for start in range(0, n, b):
            if step == first.n_steps:
                return
            yield perms[:, start:start + b]
            step += 1


def make_schedule(n_samples: int, *, batch_size: int | None = None, epochs: int | None = None,
                  n_iter: int | None = None, sampling: str = "epoch", seed: int = 0) -> Schedule:
    """Build a schedule from trainer knobs: exactly one of ``epochs`` or ``n_iter``.

    ``epochs`` counts passes over the data (``steps_per_epoch`` steps each);
    ``n_iter`` counts steps directly.
    """
    if (epochs is None) == (n_iter is None):
        raise ValueError(f"give exactly one of epochs or n_iter, got epochs={epochs!r}, n_iter={n_iter!r}")
    probe = Schedule(n_samples, batch_size, 1, sampling, seed)
    if epochs is not None:
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        n_steps = int(epochs) * probe.steps_per_epoch
    else:
        if isinstance(n_iter, float) and n_iter.is_integer():
            n_iter = int(n_iter)  # the course writes param_niter=1e5
        n_steps = n_iter
    return Schedule(n_samples, batch_size, n_steps, sampling, seed)
