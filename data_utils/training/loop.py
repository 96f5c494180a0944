"""The training loop both trainers share: it walks a schedule, stops at the first
non-finite loss, and collects loss histories. The maths of a step is not here: each
implementation supplies its own ``loss_fn`` (forward + backward) and ``update_fn``.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from .schedules import Schedule, make_schedule
from ..validation import check_positive

__all__ = ["TrainResult", "sgd_steps", "collect", "resolve_schedule", "check_sgd_hyper"]


@dataclass
class TrainResult:
    """What a training run did.

    ``status`` is ``"ok"`` or ``"diverged"``; a diverged run stopped at step
    ``diverged_at`` (0-based) whose loss was non-finite, *before* applying that update.
    ``loss_per_epoch`` holds sample-weighted means of step losses per (possibly partial)
    epoch; ``loss_per_step`` is filled when asked for.
    """

    status: str = "ok"
    n_steps: int = 0
    diverged_at: int | None = None
    loss_per_epoch: list[float] = field(default_factory=list)
    loss_per_step: list[float] | None = None
    wall_time: float = 0.0

    @property
    def final_loss(self) -> float:
        return self.loss_per_epoch[-1] if self.loss_per_epoch else float("nan")

    def to_dict(self) -> dict:
        return {"status": self.status, "n_steps": self.n_steps, "diverged_at": self.diverged_at,
                "final_loss": self.final_loss, "wall_time": self.wall_time}


def sgd_steps(schedule: Schedule, loss_fn: Callable, update_fn: Callable[[], None]
              ) -> Iterator[tuple[int, float, int]]:
    """Yield ``(step, loss, batch_len)`` after each step of ``schedule``.

    ``loss_fn(index)`` computes the batch loss and gradients; ``update_fn()`` applies them.
    A non-finite loss is yielded without an update and ends the iteration, so callers can
    run two trainers in lockstep with ``zip``.
    """
    n = schedule.n_samples
    for step, index in enumerate(schedule):
        loss = float(loss_fn(index))
        batch_len = n if isinstance(index, slice) else len(index)
        if not math.isfinite(loss):
            yield step, loss, batch_len
            return
        update_fn()
        yield step, loss, batch_len


def collect(steps: Iterator[tuple[int, float, int]], schedule: Schedule, *,
            callback: Callable[[int, float], None] | None = None,
            record_steps: bool = False) -> TrainResult:
    """Run ``steps`` to the end and summarise them as a ``TrainResult``."""
    result = TrainResult(loss_per_step=[] if record_steps else None)
    per_epoch = schedule.steps_per_epoch
    acc = weight = 0.0
    start = time.perf_counter()
    for step, loss, batch_len in steps:
        if not math.isfinite(loss):
            result.status, result.diverged_at = "diverged", step
            if record_steps:
                result.loss_per_step.append(loss)
            result.loss_per_epoch.append((acc + loss * batch_len) / (weight + batch_len))
            break
        result.n_steps = step + 1
        acc += loss * batch_len
        weight += batch_len
        if record_steps:
            result.loss_per_step.append(loss)
        if callback is not None:
            callback(step, loss)
        if (step + 1) % per_epoch == 0:
            result.loss_per_epoch.append(acc / weight)
            acc = weight = 0.0
    else:
        if weight:
            result.loss_per_epoch.append(acc / weight)
    result.wall_time = time.perf_counter() - start
    return result


def check_sgd_hyper(lr, weight_decay) -> tuple[float, float]:
    """Validate learning rate (> 0) and weight decay (>= 0)."""
    return check_positive(lr, "lr"), check_positive(weight_decay, "weight_decay", allow_zero=True)


def resolve_schedule(n_samples: int, *, schedule: Schedule | None, batch_size, epochs, n_iter,
                     sampling: str = "epoch", seed: int = 0) -> Schedule:
    """Use the given ``schedule`` (checked against ``n_samples``) or build one."""
    if schedule is None:
        if epochs is None and n_iter is None:
            raise ValueError("give epochs, n_iter or an explicit schedule")
        return make_schedule(n_samples, batch_size=batch_size, epochs=epochs, n_iter=n_iter,
                             sampling=sampling, seed=seed)
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a data_utils.Schedule, got {type(schedule).__name__}")
    if schedule.n_samples != n_samples:
        raise ValueError(f"schedule is for {schedule.n_samples} samples but X has {n_samples}")
    return schedule
