"""fcann2's side of the shared training loop: the general path, for every schedule.

The objective is the mean data loss plus ``(weight_decay / 2) * sum ||W||^2`` over weights
(not biases); the reported step loss includes that penalty. Every update works on the
model's flat parameter buffer (weights and biases of every layer at once). This is the
reference the per-sample path (``lean.LeanStepper``) is held to, bit for bit.
"""
from __future__ import annotations

import numpy as np

from data_utils.training.loop import TrainingPlan

from .model import MLP
from .optimizers import UPDATE_RULES

__all__ = ["NumpyStepper"]


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
        self.rate = plan.rate   # the epoch's learning rate (the loop advances it)
        self._decay = np.empty_like(self.weights)

    def loss_and_grad(self, index) -> float:
        loss = self._data_loss_and_grad(index)
        if self.weight_decay:
            loss += self._penalty()
        return loss

    def _data_loss_and_grad(self, index) -> float:
        t = self.targets[index] if self.labels else self.targets[:, index]
        loss = self.model._loss(self.X[index].T, t)
        self.model._backward()
        return loss

    def _penalty(self) -> float:
        """``(weight_decay / 2) * sum ||W||^2``."""
        return 0.5 * self.weight_decay * float(np.dot(self.weights, self.weights))

    def _decay_weight_grads(self) -> None:
        """``g_W += lambda W``."""
        self.weight_grads += np.multiply(self.weights, self.weight_decay, out=self._decay)

    def step(self) -> None:
        if self.weight_decay:
            self._decay_weight_grads()
        self.rule.update(self.theta, self.grad, self.rate.lr)

    def end_epoch(self) -> None:
        """Nothing: the rate is the plan's, which the loop advances."""

    def evaluate(self, X, y) -> tuple[float, np.ndarray]:
        outputs = self.model._forward(X.T)
        loss, _ = self.model._loss_fn(outputs, self.model.feature_major_targets(y))
        return loss, outputs.T

    def snapshot(self) -> np.ndarray:
        return self.theta.copy()

    def restore(self, state: np.ndarray) -> None:
        self.theta[...] = state
