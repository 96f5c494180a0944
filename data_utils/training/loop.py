"""The training loop both trainers share.

It walks a sample schedule, stops at the first non-finite loss, ends epochs (learning-rate
schedule, evaluation of the monitored sets, early stopping with the best parameters
restored) and collects the histories. The maths is not here: each implementation supplies
a ``Stepper`` - forward + backward on a batch, its update rule, its lr schedule, and a
forward pass for evaluation.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator, Protocol

import numpy as np

from .recipe import Recipe, as_recipe
from .schedules import Schedule, make_schedule

__all__ = ["TrainResult", "TrainingPlan", "TrainingLoop", "Stepper", "EpochRate", "plan_training",
           "run_training", "iter_training", "resolve_schedule"]


@dataclass
class TrainResult:
    """What a training run did.

    ``status`` is ``"ok"`` or ``"diverged"``; a diverged run stopped at step
    ``diverged_at`` (0-based) whose loss was non-finite, *before* applying that update.
    ``loss_per_epoch`` holds sample-weighted means of the step objectives (data loss plus
    L2 penalty) per (possibly partial) epoch; ``loss_per_step`` is filled when asked for.
    ``history`` holds per-epoch series measured at the end of each epoch: ``"lr"`` (the
    rate the epoch used), and for each monitored set ``S`` (``train`` and ``validation``
    when a validation split exists, plus any ``eval_sets``) ``S_loss`` (mean data loss,
    no penalty) and ``S_score`` (accuracy for classification, R^2 for regression).
    ``best_epoch`` (0-based) is the epoch of lowest validation loss when there is a
    validation set; with early stopping its parameters are the ones the model ends with.
    """

    status: str = "ok"
    n_steps: int = 0
    diverged_at: int | None = None
    loss_per_epoch: list[float] = field(default_factory=list)
    loss_per_step: list[float] | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int | None = None
    stopped_early: bool = False
    wall_time: float = 0.0

    @property
    def final_loss(self) -> float:
        return self.loss_per_epoch[-1] if self.loss_per_epoch else float("nan")

    def to_dict(self) -> dict:
        return {"status": self.status, "n_steps": self.n_steps, "diverged_at": self.diverged_at,
                "final_loss": self.final_loss, "best_epoch": self.best_epoch,
                "stopped_early": self.stopped_early, "wall_time": self.wall_time}


@dataclass(frozen=True)
class TrainingPlan:
    """Checked inputs of one training run: training data, schedule, recipe, monitored sets,
    and ``rate``, the learning rate of the current epoch from the recipe's schedule
    (``EpochRate``: computed once per epoch; the loop advances it at the end of every full
    epoch, the history records it, steppers that apply the recipe by hand read it)."""

    X: np.ndarray
    y: np.ndarray
    schedule: Schedule
    recipe: Recipe
    eval_sets: dict[str, tuple[np.ndarray, np.ndarray]]
    classification: bool
    rate: EpochRate | None = None

    def __post_init__(self):
        if self.rate is None:
            object.__setattr__(self, "rate", EpochRate(self.recipe, self.schedule.n_epochs))


class Stepper(Protocol):
    """One implementation's side of a training run (built from the model and a plan).

    Optionally, for per-sample schedules, ``run_samples(samples: list[int]) -> list[float]``:
    ``loss_and_grad`` + ``step`` for each sample index in order (all within one epoch),
    stopping after the first non-finite loss, whose update is not applied; returns the
    step losses. ``TrainingLoop.run`` hands it whole epochs when nothing watches single steps.
    """

    def loss_and_grad(self, index) -> float:
        """Objective (mean data loss + L2 penalty) of batch ``X[index]``; gradients ready."""

    def step(self) -> None:
        """Apply the recipe's update with the current epoch's learning rate."""

    def end_epoch(self) -> None:
        """Advance the learning-rate schedule by one epoch."""

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean data loss on ``(X, y)`` and the outputs (n, k); no gradients, no penalty."""

    def snapshot(self):
        """A copy of the parameters."""

    def restore(self, state) -> None:
        """Put a ``snapshot`` back."""


class EpochRate:
    """The learning rate of the current epoch, from the recipe's schedule (``lr``);
    ``advance()`` at the end of each full epoch. A run's one is ``TrainingPlan.rate``."""

    def __init__(self, recipe: Recipe, n_epochs: int):
        self.recipe, self.n_epochs, self.epoch = recipe, n_epochs, 0
        self.lr = recipe.lr_at(0, n_epochs)

    def advance(self) -> None:
        self.epoch += 1
        self.lr = self.recipe.lr_at(self.epoch, self.n_epochs)


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


def plan_training(model, X, y, *, lr=None, weight_decay=None, batch_size=None, epochs=None, n_iter=None,
                  schedule: Schedule | None = None, sampling: str = "epoch", seed: int = 0,
                  recipe: Recipe | None = None, validation_data=None, eval_sets=None,
                  **recipe_keys) -> TrainingPlan:
    """Validate the inputs of a training run once (the public boundary of both trainers).

    ``model`` is either implementation's model (``check_X``, ``check_y``, ``loss_name``).
    The recipe comes from ``recipe`` or from ``lr``, ``weight_decay`` and ``recipe_keys``.
    Without ``validation_data``, ``recipe.holdout_fraction`` of ``(X, y)`` (if any) is held out (stratified for classification, seeded by ``seed``) and the
    schedule covers the rest. ``eval_sets`` (name -> ``(X, y)``) are scored every epoch.
    """
    from ..datasets.split import split_indices

    recipe = as_recipe(recipe, lr=lr, weight_decay=weight_decay, **recipe_keys)
    X = model.check_X(X)
    y = model.check_y(y, X.shape[0])
    classification = model.loss_name == "cross_entropy"
    sets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if validation_data is not None:
        Xv, yv = validation_data
        Xv = model.check_X(Xv)
        sets["validation"] = (Xv, model.check_y(yv, Xv.shape[0]))
    elif recipe.holdout_fraction is not None:
        keep, held = split_indices(X.shape[0], fraction=recipe.holdout_fraction, seed=seed,
                                   labels=y if classification else None)
        sets["validation"] = (X[held], y[held])
        X, y = X[keep], y[keep]
    if sets:
        sets = {"train": (X, y), **sets}
    for name, (Xe, ye) in (eval_sets or {}).items():
        if name in sets:
            raise ValueError(f"eval_sets: {name!r} is reserved (train and validation are monitored already)")
        Xe = model.check_X(Xe)
        sets[name] = (Xe, model.check_y(ye, Xe.shape[0]))
    schedule = resolve_schedule(X.shape[0], schedule=schedule, batch_size=batch_size, epochs=epochs,
                                n_iter=n_iter, sampling=sampling, seed=seed)
    return TrainingPlan(X, y, schedule, recipe, sets, classification)


def _score(outputs: np.ndarray, y: np.ndarray, classification: bool) -> float:
    """Accuracy of argmax(outputs) (classification) or R^2 of outputs (regression)."""
    if not np.isfinite(outputs).all():
        return float("nan")
    if classification:
        return float(np.mean(outputs.argmax(axis=1) == y))
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging model's score is a result
        ss_res = float(np.sum((y - outputs) ** 2))
        ss_tot = float(np.sum((y - y.mean(axis=0)) ** 2))
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")


class TrainingLoop:
    """Iterate to train: yields ``(step, loss, batch_len)`` after every step.

    A non-finite loss is yielded without an update and ends the run; early stopping ends
    it at an epoch boundary. When iteration ends the model holds its final parameters
    (the best epoch's with early stopping), and ``result`` is complete. Two loops can be
    ``zip``-ped to run two implementations in lockstep.
    """

    def __init__(self, stepper: Stepper, plan: TrainingPlan, *, record_steps: bool = False):
        self.stepper, self.plan = stepper, plan
        self.result = TrainResult(loss_per_step=[] if record_steps else None)
        if plan.eval_sets:
            self.result.history = {"lr": [], **{f"{name}_{kind}": [] for name in plan.eval_sets
                                                for kind in ("loss", "score")}}
        else:
            self.result.history = {"lr": []}
        self._best = (math.inf, None, None)  # (validation loss, epoch, snapshot)

    def __iter__(self) -> Iterator[tuple[int, float, int]]:
        stepper, schedule, res = self.stepper, self.plan.schedule, self.result
        n, per_epoch = schedule.n_samples, schedule.steps_per_epoch
        acc = weight = 0.0
        epoch = 0
        start = time.perf_counter()
        for step, index in enumerate(schedule):
            loss = float(stepper.loss_and_grad(index))
            batch_len = n if isinstance(index, slice) else len(index)
            if res.loss_per_step is not None:
                res.loss_per_step.append(loss)
            if not math.isfinite(loss):
                self._diverged(step, (acc + loss * batch_len) / (weight + batch_len), start)
                yield step, loss, batch_len
                return
            stepper.step()
            res.n_steps = step + 1
            acc += loss * batch_len
            weight += batch_len
            stop = False
            if (step + 1) % per_epoch == 0 or step + 1 == schedule.n_steps:
                stop = self._epoch_done(epoch, acc / weight, start)
                acc = weight = 0.0
                epoch += 1
            yield step, loss, batch_len
            if stop:
                return

    def _run_samples(self) -> None:
        """``run()`` of a per-sample schedule by a stepper with ``run_samples``: one call per
        epoch instead of a Python step per sample; the same bookkeeping as iteration (the
        epoch's loss summed in step order: ``loss * 1`` is ``loss``)."""
        res = self.result
        start = time.perf_counter()
        for epoch, samples in enumerate(self.plan.schedule.epoch_samples()):
            losses = self.stepper.run_samples(samples.tolist())
            acc = 0.0
            for loss in losses:
                acc += loss
            if not math.isfinite(losses[-1]):
                res.n_steps += len(losses) - 1
                self._diverged(res.n_steps, acc / len(losses), start)
                return
            res.n_steps += len(losses)
            if self._epoch_done(epoch, acc / len(losses), start):
                return

    def _diverged(self, step: int, epoch_loss: float, start: float) -> None:
        """End the run at ``step``, whose loss was non-finite (its update not applied)."""
        res = self.result
        res.status, res.diverged_at = "diverged", step
        res.loss_per_epoch.append(epoch_loss)
        self._finish(start)

    def _epoch_done(self, epoch: int, epoch_loss: float, start: float) -> bool:
        """Close epoch ``epoch`` after its last step (counted in ``n_steps``): record it,
        advance the lr schedule after a full epoch, finish the run if it ends here. True
        when early stopping says stop."""
        res, schedule = self.result, self.plan.schedule
        res.loss_per_epoch.append(epoch_loss)
        stop = self._end_of_epoch(epoch)
        if res.n_steps % schedule.steps_per_epoch == 0:
            self.plan.rate.advance()
            self.stepper.end_epoch()
        if stop or res.n_steps == schedule.n_steps:
            res.stopped_early = stop and res.n_steps < schedule.n_steps
            self._finish(start)
        return stop

    def _end_of_epoch(self, epoch: int) -> bool:
        """Record the epoch's lr and scores; True when early stopping says stop."""
        plan, hist = self.plan, self.result.history
        hist["lr"].append(self.plan.rate.lr)   # the rate epoch ``epoch`` used
        for name, (X, y) in plan.eval_sets.items():
            loss, outputs = self.stepper.evaluate(X, y)
            hist[f"{name}_loss"].append(float(loss))
            hist[f"{name}_score"].append(_score(outputs, y, plan.classification))
        if "validation" not in plan.eval_sets:
            return False
        val_loss = hist["validation_loss"][-1]
        best_loss, best_epoch, _ = self._best
        if val_loss < best_loss:
            snapshot = self.stepper.snapshot() if plan.recipe.early_stopping else None
            self._best = (val_loss, epoch, snapshot)
            self.result.best_epoch = epoch
            return False
        return plan.recipe.early_stopping and best_epoch is not None and epoch - best_epoch >= plan.recipe.patience

    def _finish(self, start: float) -> None:
        _, best_epoch, snapshot = self._best
        if snapshot is not None:
            self.stepper.restore(snapshot)
        self.result.wall_time = time.perf_counter() - start

    def run(self, callback: Callable[[int, float], None] | None = None) -> TrainResult:
        """Train to the end; ``callback(step, loss)`` after every finite step.

        With no callback, no per-step record, a per-sample schedule and a stepper that has
        ``run_samples``, whole epochs go to the stepper at once (same result, less Python
        per step); otherwise this iterates."""
        if (callback is None and self.result.loss_per_step is None and self.plan.schedule.batch_size == 1
                and hasattr(self.stepper, "run_samples")):
            self._run_samples()
            return self.result
        for step, loss, _ in self:
            if callback is not None and math.isfinite(loss):
                callback(step, loss)
        return self.result


def run_training(make_stepper: Callable[[object, TrainingPlan], Stepper], model, X, y, *,
                 callback: Callable | None = None, record_steps: bool = False, **options) -> TrainResult:
    """Train ``model`` in place with one implementation's stepper.

    ``options`` are those of ``plan_training`` (data, schedule and recipe keys);
    ``callback(step, loss, model)`` runs after each finite step.
    """
    loop = iter_training(make_stepper, model, X, y, record_steps=record_steps, **options)
    return loop.run(None if callback is None else (lambda step, loss: callback(step, loss, model)))


def iter_training(make_stepper: Callable[[object, TrainingPlan], Stepper], model, X, y, *,
                  record_steps: bool = False, **options) -> TrainingLoop:
    """A ``TrainingLoop`` over ``model`` with one implementation's stepper (every
    implementation's ``iter_train``): iterate it to train, one ``(step, loss, batch_len)``
    per step (two of them ``zip`` into a lockstep run); ``.result`` holds the histories.
    ``options`` as ``run_training``."""
    plan = plan_training(model, X, y, **options)
    return TrainingLoop(make_stepper(model, plan), plan, record_steps=record_steps)
