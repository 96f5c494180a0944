"""The training loop for K models of one architecture trained at once.

Each model follows exactly what ``TrainingLoop`` does for it alone: its own schedule (a
row of every stacked batch), its own recipe (learning rate, schedule, early stopping), its
own divergence step and best epoch. A model that stops - diverged or stopped early - is
frozen: its parameters are taken at that moment (or its best epoch's), later rows of the
stack are ignored for it, and the others go on undisturbed.

A ``StackedStepper`` answers like a ``Stepper`` with a leading model axis:
``loss_and_grad(index)`` -> losses (K,) for ``index`` (K, b) or a full-batch slice,
``step()``, ``end_epoch()``, ``evaluate(X, y)`` -> losses (K,) and outputs (K, n, k),
``snapshot(k)`` and ``to_params(snapshot)``.
"""
from __future__ import annotations

import math
import time

import numpy as np

from .loop import TrainingPlan, TrainResult, _score, plan_training
from .schedules import iter_stacked

__all__ = ["run_stacked", "plan_stacked", "stack_kind", "per_model", "rates_at", "PAD_ACTIVATIONS"]

# Activations that map 0 to 0: a hidden unit whose weights and bias are zero outputs 0 and
# gets zero gradients, so a stack may pad narrower models with such units.
PAD_ACTIVATIONS = ("relu", "leaky_relu", "tanh", "identity")


def per_model(recipes, key: str) -> np.ndarray:
    """Recipe ``key`` of every model as a (K, 1) float64 array."""
    return np.array([getattr(r, key) for r in recipes], dtype=np.float64).reshape(-1, 1)


def rates_at(recipes, epoch: int, n_epochs: int) -> np.ndarray:
    """Every model's learning rate of ``epoch`` from its recipe's schedule, (K, 1) float64."""
    return np.array([r.lr_at(epoch, n_epochs) for r in recipes]).reshape(-1, 1)


def stack_kind(recipe) -> tuple:
    """What models of one stack must share: the optimizer, Nesterov, and whether it has
    momentum (RMSprop's and SGD's formulas differ with and without it)."""
    return recipe.optimizer, bool(recipe.nesterov), bool(recipe.momentum)


def plan_stacked(models, X, y, options: list[dict]) -> list[TrainingPlan]:
    """One checked ``TrainingPlan`` per model (``options[k]``: model k's keyword options of
    ``train``); refuses models that cannot share a stack: another optimizer form, other
    training data or other monitored sets, and models of another activation, negative
    slope, loss or dtype (the stack computes every model with the first one's)."""
    shared = ("activation", "negative_slope", "loss_name", "dtype")
    first = {name: getattr(models[0], name) for name in shared}
    for k, model in enumerate(models[1:], 1):
        for name, value in first.items():
            if getattr(model, name) != value:
                raise ValueError(f"stacked models must share {name}: model 0 has {value!r}, "
                                 f"model {k} has {getattr(model, name)!r}")
    plans = [plan_training(m, X, y, **o) for m, o in zip(models, options)]
    kinds = {stack_kind(p.recipe) for p in plans}
    if len(kinds) > 1:
        raise ValueError(f"stacked models must share the optimizer and its form, got {sorted(kinds)}")
    for plan in plans[1:]:
        if not (np.array_equal(plan.X, plans[0].X) and plan.eval_sets.keys() == plans[0].eval_sets.keys()):
            raise ValueError("stacked models must train on the same data and score the same sets "
                             "(give validation_data rather than a per-seed validation split)")
    return plans


def run_stacked(stepper, plans: list[TrainingPlan]) -> tuple[list[TrainResult], list]:
    """Train every model of ``stepper`` (one ``TrainingPlan`` each, same data and schedule
    shape, seeds and recipes free); returns their results and final parameters. Times in
    the results are the stack's wall time divided evenly (amortised per model)."""
    K, first = len(plans), plans[0]
    n_steps, per_epoch = first.schedule.n_steps, first.schedule.steps_per_epoch
    results = [TrainResult(history={"lr": [], **{f"{s}_{kind}": [] for s in first.eval_sets
                                                 for kind in ("loss", "score")}}) for _ in range(K)]
    best = [(math.inf, None, None)] * K
    final: list = [None] * K
    active = np.ones(K, dtype=bool)
    updates = np.zeros(K, dtype=np.int64)  # steps each model applied
    acc, weight, epoch = np.zeros(K), 0.0, 0
    start = time.perf_counter()

    def freeze(k: int) -> None:
        active[k] = False
        final[k] = best[k][2] if best[k][2] is not None else stepper.snapshot(k)

    for step, index in enumerate(iter_stacked([p.schedule for p in plans])):
        losses = np.asarray(stepper.loss_and_grad(index), dtype=np.float64)
        batch_len = first.schedule.n_samples if isinstance(index, slice) else index.shape[-1]
        finite = np.isfinite(losses)
        if not finite[active].all():
            for k in np.flatnonzero(active & ~finite):
                res = results[k]
                res.status, res.diverged_at = "diverged", step
                res.loss_per_epoch.append((float(acc[k]) + float(losses[k]) * batch_len) / (weight + batch_len))
                freeze(k)
        if not active.any():
            break
        stepper.step()
        updates[active] = step + 1
        acc += losses * batch_len
        weight += batch_len
        at_epoch_end = (step + 1) % per_epoch == 0
        if at_epoch_end or step + 1 == n_steps:
            stop = _end_of_epoch(stepper, plans, results, best, active, epoch, acc / weight)
            acc[:], weight = 0.0, 0.0
            for k in np.flatnonzero(stop):
                results[k].stopped_early = step + 1 < n_steps
                freeze(k)
            if at_epoch_end:
                stepper.end_epoch()
                epoch += 1
    for k in np.flatnonzero(active):
        freeze(k)
    share = (time.perf_counter() - start) / K
    for res, done in zip(results, updates.tolist()):
        res.wall_time, res.n_steps = share, done
    return results, [stepper.to_params(state) for state in final]


def _end_of_epoch(stepper, plans, results, best, active, epoch: int, epoch_loss) -> np.ndarray:
    """Record every active model's epoch; returns the mask of models early stopping stops."""
    first = plans[0]
    evaluated = {name: stepper.evaluate(X, y) for name, (X, y) in first.eval_sets.items()}
    stop = np.zeros(len(plans), dtype=bool)
    for k in np.flatnonzero(active):
        plan, res = plans[k], results[k]
        res.loss_per_epoch.append(float(epoch_loss[k]))
        res.history["lr"].append(plan.recipe.lr_at(epoch, plan.schedule.n_epochs))
        for name, (losses, outputs) in evaluated.items():
            res.history[f"{name}_loss"].append(float(losses[k]))
            res.history[f"{name}_score"].append(_score(outputs[k], first.eval_sets[name][1], first.classification))
        if "validation" not in first.eval_sets:
            continue
        val_loss = res.history["validation_loss"][-1]
        best_loss, best_epoch, _ = best[k]
        if val_loss < best_loss:
            best[k] = (val_loss, epoch, stepper.snapshot(k) if plan.recipe.early_stopping else None)
            res.best_epoch = epoch
        elif plan.recipe.early_stopping and best_epoch is not None and epoch - best_epoch >= plan.recipe.patience:
            stop[k] = True
    return stop
