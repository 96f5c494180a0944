"""What one cell will cost, estimated from its config before anything runs, and the limits
it is checked against (``[limits]``, the one override for a user who means it).

Memory (bytes, in the worker that trains the cell): the data arrays (generated, split and
cast: ~3 copies of ``n x (features + 1)`` float64), the parameters with their gradients,
optimizer state and the best/initial copies (~6 x P), the activations of a batch and of
one forward pass over the largest scored set, and, for 2-D data, the probability grid of
``plot_resolution``² points. Time: optimizer steps, and work - each sample a step or an
epoch-end score visits times the parameter count P (the multiply-adds of its forward
pass). ``estimate`` computes these for a validated grid point; ``limit_problems`` compares
them with the limits and names the key that drives the largest part.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from data_utils.datasets.specs import declaration, split_counts

__all__ = ["Estimate", "estimate", "limit_problems", "DEFAULT_LIMITS", "GB"]

GB = 1e9
# per cell; the biggest shipped configs use ~1.2 GB, 1e5 steps and 6e10 work (README "Limits")
DEFAULT_LIMITS = {"max_memory_gb": 4.0, "max_steps": 10_000_000, "max_work": 1e13}
_PARAM_COPIES = 6        # parameters, gradients, up to two optimizer buffers, best and initial copies
_DATA_COPIES = 3         # generated, split/standardised, cast to the training dtype


@dataclass(frozen=True)
class Estimate:
    """``memory``: part name -> (bytes, the key that sets it); ``steps`` optimizer steps;
    ``work`` sample-parameter products; the sizes they come from."""

    memory: dict[str, tuple[float, str]]
    steps: int
    work: float
    n_params: int
    batch: int
    length_key: str

    @property
    def total_bytes(self) -> float:
        return sum(b for b, _ in self.memory.values())


def _data_key(cfg) -> str:
    """The dataset parameter that sets the sample count: the largest given one."""
    decl, given = declaration(cfg.data.dataset), cfg.data.params
    keys = [k for k in decl.size_keys if given.get(k) is not None]
    return f"data.params.{max(keys, key=lambda k: given[k])}" if keys else "data.dataset"


def estimate(cfg, n_steps: int | None = None) -> Estimate:
    """The cost of one cell of the grid point ``cfg`` (its dataset parameters valid);
    ``n_steps`` overrides the run's length (parity's ``--steps``)."""
    d, m, t = cfg.data, cfg.model, cfg.train
    decl = declaration(d.dataset)
    n_train, n_test, n_classes = split_counts(decl, d.params, d.test_size)
    widths = [decl.n_features, *m.hidden, n_classes if decl.task == "classification" else 1]
    n_params = sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))
    itemsize = 4 if t.dtype == "float32" else 8
    hold = t.recipe.holdout_fraction
    n_val = math.ceil(hold * n_train) if hold else 0
    n_fit = max(n_train - n_val, 1)
    batch = n_fit if t.batch is None else min(t.batch, n_fit)
    per_epoch = math.ceil(n_fit / batch)
    length_key = "train.n_iter" if t.n_iter is not None else "train.epochs"
    steps = n_steps if n_steps is not None else t.n_iter if t.n_iter is not None else t.epochs * per_epoch
    scored = n_test + n_val + (n_fit if cfg.output.train_curve and not n_val else 0)
    work = steps * batch * n_params + math.ceil(steps / per_epoch) * scored * n_params
    units = sum(widths)
    data_key = _data_key(cfg)
    memory = {
        "data": (_DATA_COPIES * (n_train + n_test) * (decl.n_features + 1) * 8.0, data_key),
        "parameters and optimizer state": (_PARAM_COPIES * n_params * itemsize, "model.hidden" if m.hidden else data_key),
        "activations of a batch": (3.0 * batch * units * itemsize, "train.batch_size"),
        "activations of a scored set": (2.0 * max(n_train, n_test) * units * itemsize, data_key),
    }
    if decl.n_features == 2:
        memory["2-D surface grid"] = (2.0 * cfg.output.plot_resolution ** 2 * units * 8, "output.plot_resolution")
    return Estimate(memory, int(steps), float(work), n_params, batch, length_key)


def _over(name: str, value: str) -> str:
    return (f"above limits.{name} = {value}; raise it in a [limits] table (or --set limits.{name}=...) "
            "to run it anyway")


def limit_problems(cfg, n_steps: int | None = None, steps_key: str | None = None) -> list[tuple[str, str]]:
    """``[(key, "key: message")]`` for the first limit of ``cfg.limits`` the estimate
    exceeds - memory (blamed on the key of its largest part), then steps and work (blamed
    on the run's length, or on ``steps_key`` when ``n_steps`` overrides it) -, else ``[]``."""
    est, limits = estimate(cfg, n_steps), cfg.limits
    total = est.total_bytes
    if total > limits.max_memory_gb * GB:
        part, (_, key) = max(est.memory.items(), key=lambda item: item[1][0])
        parts = ", ".join(f"{name} {b / GB:.3g}" for name, (b, _) in est.memory.items() if b >= total / 100)
        return [(key, f"{key}: a cell needs about {total / GB:.3g} GB of memory, mostly {part} ({parts} GB), "
                      f"{_over('max_memory_gb', f'{limits.max_memory_gb:g}')}")]
    length = steps_key or est.length_key
    if est.steps > limits.max_steps:
        return [(length, f"{length}: {est.steps:,} optimizer steps per cell, {_over('max_steps', f'{limits.max_steps:,}')}")]
    if est.work > limits.max_work:
        return [(length, f"{length}: about {est.work:.3g} multiply-adds per cell ({est.steps:,} steps of {est.batch:,} "
                         f"samples plus the epoch-end scoring, {est.n_params:,} parameters), "
                         f"{_over('max_work', f'{limits.max_work:g}')}")]
    return []
