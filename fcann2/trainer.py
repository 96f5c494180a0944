"""Training an ``MLP`` with a recipe: the update rules of ``optimizers``, the learning rate
of each epoch from the recipe's schedule, and the shared loop of ``data_utils.training``.

The objective is the mean data loss plus ``(weight_decay / 2) * sum ||W||^2`` over weights
(not biases); the reported step loss includes that penalty. Every update works on the
model's flat parameter buffer (weights and biases of every layer at once).
"""
from __future__ import annotations

import contextlib

import numpy as np
from threadpoolctl import threadpool_limits

from data_utils.training.loop import (EpochRate, TrainingLoop, TrainingPlan, TrainResult, plan_training,
                                     run_training)
from data_utils.training.threads import choose_threads

from .model import MLP
from .optimizers import UPDATE_RULES
from .stacked import StackedMLP

__all__ = ["train", "iter_train", "NumpyStepper", "LeanStepper", "make_stepper"]


class NumpyStepper:
    """fcann2's side of the training loop (see ``data_utils.training.loop.Stepper``)."""

    def __init__(self, model: MLP, plan: TrainingPlan):
        recipe = plan.recipe
        self.model, self.X = model, plan.X
        # Rows are gathered from the sample-major X (contiguous copies), then viewed
        # feature-major (D, b); matmul reads the transposed view directly.
        self.targets = model.feature_major_targets(plan.y)     # labels (n,) or targets (k, n)
        self.labels = self.targets.ndim == 1
        self.theta, self.grad = model.theta, model.grad
        self.weights, self.weight_grads = self.theta[:model.n_weights], self.grad[:model.n_weights]
        self.rule = UPDATE_RULES[recipe.optimizer](recipe, self.theta)
        self.weight_decay = recipe.weight_decay
        self.rate = EpochRate(recipe, plan.schedule.n_epochs)
        self._decay = np.empty_like(self.weights)

    def loss_and_grad(self, index) -> float:
        loss = self._data_loss_and_grad(index)
        if self.weight_decay:
            loss += 0.5 * self.weight_decay * float(np.dot(self.weights, self.weights))
        return loss

    def _data_loss_and_grad(self, index) -> float:
        t = self.targets[index] if self.labels else self.targets[:, index]
        loss = self.model._loss(self.X[index].T, t)
        self.model._backward()
        return loss

    def step(self) -> None:
        if self.weight_decay:
            self.weight_grads += np.multiply(self.weights, self.weight_decay, out=self._decay)  # g_W += lambda W
        self.rule.update(self.theta, self.grad, self.rate.lr)

    def end_epoch(self) -> None:
        self.rate.advance()

    def evaluate(self, X, y) -> tuple[float, np.ndarray]:
        outputs = self.model._forward(X.T)
        loss, _ = self.model._loss_fn(outputs, self.model.feature_major_targets(y))
        return loss, outputs.T

    def snapshot(self) -> np.ndarray:
        return self.theta.copy()

    def restore(self, state: np.ndarray) -> None:
        self.theta[...] = state


class LeanStepper(NumpyStepper):
    """Per-sample SGD (batch 1): ``StackedMLP`` with K = 1 over the model's own buffers.

    The same arithmetic as the general path (bit-identical parameters), fused: every
    activation, gradient and softmax lands in a buffer allocated once, and the sample is
    the one column of a (1, D, 1) view - no per-step arrays beyond the row gather.
    """

    def __init__(self, model: MLP, plan: TrainingPlan):
        super().__init__(model, plan)
        self.net = StackedMLP(model.theta[None], model.grad[None], model.sizes, model.activation,
                              model.loss_name, model.negative_slope)

    def _data_loss_and_grad(self, index) -> float:
        t = self.targets[index][None] if self.labels else self.targets[:, index][None]
        return self.net.loss_and_grad(self.X[index][:, :, None], t)[0]


def make_stepper(model: MLP, plan: TrainingPlan) -> NumpyStepper:
    """The stepper ``train`` and ``iter_train`` use: the general one for every schedule.

    ``LeanStepper`` is bit-identical for batch 1 but, measured side by side (2026-11-23,
    [2, H, 2], busy 2-core machine), not faster yet (H = 5: 76 vs 52 us/step; H = 50: 61 vs
    61; H = 500: 55 vs 47), so it is not chosen automatically until it is."""
    return NumpyStepper(model, plan)


def iter_train(model: MLP, X, y, *, record_steps: bool = False, **options) -> TrainingLoop:
    """A ``TrainingLoop`` over ``model``: iterate it to train, one ``(step, loss, batch_len)``
    per step (two of them ``zip`` into a lockstep run); ``.result`` holds the histories.
    ``options`` as ``train``."""
    plan = plan_training(model, X, y, **options)
    return TrainingLoop(make_stepper(model, plan), plan, record_steps=record_steps)


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
