"""Training an ``MLP`` with a recipe: the update rules of ``optimizers``, the learning rate
of each epoch from the recipe's schedule, and the shared loop of ``data_utils.training``,
driven by a stepper: ``stepper.NumpyStepper`` (general) or ``lean.LeanStepper`` (batch 1).
"""
from __future__ import annotations

import contextlib

import numpy as np
from threadpoolctl import threadpool_limits

from data_utils.training.loop import TrainingLoop, TrainingPlan, TrainResult, iter_training, run_training
from data_utils.training.threads import choose_threads

from .lean import LeanStepper
from .model import MLP
from .stepper import NumpyStepper

__all__ = ["train", "iter_train", "NumpyStepper", "LeanStepper", "make_stepper"]


def make_stepper(model: MLP, plan: TrainingPlan) -> NumpyStepper:
    """The stepper ``train`` and ``iter_train`` use: ``LeanStepper`` for per-sample schedules
    (``batch_size=1``), the general ``NumpyStepper`` otherwise.

    Both compute the same numbers (bit-identical parameters, losses and histories): the
    general one stays the readable reference. The lean one does a per-sample step of
    [2, H, 2] in 11 NumPy array operations on 1-D buffers (plus 4 on two-element and scalar
    values) instead of ~30 on (features, 1) columns, and trains whole epochs per call when
    nothing watches single steps: about 8 against 25 us per step at H = 50 on a 2-core VM,
    where pt_deep takes ~200 (``python -m bench --only sgd``)."""
    if plan.schedule.batch_size == 1:
        return LeanStepper(model, plan)
    return NumpyStepper(model, plan)


def iter_train(model: MLP, X, y, *, record_steps: bool = False, **options) -> TrainingLoop:
    """A ``TrainingLoop`` over ``model``: iterate it to train, one ``(step, loss, batch_len)``
    per step (two of them ``zip`` into a lockstep run); ``.result`` holds the histories.
    ``options`` as ``train``."""
    return iter_training(make_stepper, model, X, y, record_steps=record_steps, **options)


def train(model: MLP, X, y, *, n_threads="auto", **options) -> TrainResult:
    """Train ``model`` in place.

    Parameters
    ----------
    X : ndarray of shape (n_samples, D)
    y : int labels (n_samples,) for cross-entropy, targets (n_samples, k) for MSE.
    lr, weight_decay, optimizer, momentum, nesterov, alpha, eps, betas, lr_schedule, gamma,
    step_size, early_stopping, validation_fraction, patience : the recipe's keys (see
        ``data_utils.training.recipe.Recipe``), or ``recipe=`` a ``Recipe``.
    batch_size : 1 (per-sample SGD), k, or None (full-batch gradient descent).
    epochs, n_iter : exactly one, unless ``schedule`` is given.
    schedule : an explicit ``data_utils.Schedule``; replaces batch_size/epochs/n_iter/seed.
    sampling, seed : how the trainer's own schedule (and a validation split) is drawn.
    validation_data : ``(X_val, y_val)`` scored every epoch (early stopping uses it).
    eval_sets : more ``{name: (X, y)}`` scored every epoch.
    callback : called as ``callback(step, loss, model)`` after each finite step.
    record_steps : also keep the loss of every step.
    n_threads : BLAS threads for this call: ``"auto"`` (1 for problems too small to gain
        from threads, see ``data_utils.training.threads``), an int, or ``None`` (as is).

    Returns
    -------
    TrainResult : status ("ok" / "diverged"), steps, loss and score histories, best epoch.
    """
    # A diverging run overflows on its way to inf/NaN; that is a recorded result, not a warning.
    n = choose_threads(n_threads, model.sizes, len(X), options.get("batch_size"), options.get("schedule"))
    with np.errstate(over="ignore", invalid="ignore"), \
            (threadpool_limits(limits=n) if n is not None else contextlib.nullcontext()):
        return run_training(make_stepper, model, X, y, **options)
