"""Training K fcann2 models of one architecture at once (the experiments' stacked engine).

The models share data, sizes, activation, loss, batch size, run length, sampling and
optimizer; everything else of the recipe - learning rate and its schedule, momentum,
betas, weight decay, early stopping - and the seed of the sample order are per model.
Each model's parameters, losses and histories are bit-identical to ``fcann2.train`` on
it alone: the stack makes the same NumPy calls per model (see ``stacked`` and
``optimizers``), and ``data_utils.training.stacked_loop`` keeps ``TrainingLoop``'s rules.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from data_utils.training.loop import TrainResult
from data_utils.training.stacked_loop import per_model, plan_stacked, rates_at, run_stacked

from .model import MLP
from .optimizers import UPDATE_RULES
from .stacked import StackedMLP

__all__ = ["train_stacked", "StackedNumpyStepper"]


class StackedNumpyStepper:
    """``StackedStepper`` over copies of ``models``' parameters (rows of one (K, P) buffer)."""

    def __init__(self, models: list[MLP], plans):
        first, self.plans = models[0], plans
        self.recipes = [p.recipe for p in plans]
        self.theta = np.stack([m.theta for m in models])
        self.grad = np.zeros_like(self.theta)
        self.net = StackedMLP(self.theta, self.grad, first.sizes, first.activation, first.loss_name,
                              first.negative_slope)
        self.X, self.y, self.labels = plans[0].X, plans[0].y, first.loss_name == "cross_entropy"
        n_weights = first.n_weights
        self.weights, self.weight_grads = self.theta[:, :n_weights], self.grad[:, :n_weights]
        self.weight_decay = per_model(self.recipes, "weight_decay").astype(self.theta.dtype)
        self.half_decay = 0.5 * per_model(self.recipes, "weight_decay")[:, 0]
        self._decay = np.empty_like(self.weights)
        r = self.recipes[0]
        hyper = SimpleNamespace(nesterov=r.nesterov, **{k: per_model(self.recipes, k) for k in
                                                        ("momentum", "alpha", "eps") if getattr(r, k) is not None})
        if r.betas is not None:
            hyper.betas = tuple(np.array([rec.betas[i] for rec in self.recipes]).reshape(-1, 1) for i in (0, 1))
        self.rule = UPDATE_RULES[r.optimizer](hyper, self.theta)
        self.n_epochs, self.epoch = plans[0].schedule.n_epochs, 0
        self.lr = rates_at(self.recipes, self.epoch, self.n_epochs)

    def _targets(self, y, index=None):
        """Labels (K, b) / (n,), or regression targets (K, k, b) / (k, n)."""
        if index is None:
            return y if self.labels else np.ascontiguousarray(y.T)
        return y[index] if self.labels else y[index].transpose(0, 2, 1)

    def loss_and_grad(self, index) -> np.ndarray:
        if isinstance(index, slice):
            x, t = self.X.T, self._targets(self.y)
        else:
            x, t = self.X[index].transpose(0, 2, 1), self._targets(self.y, index)
        loss = self.net.loss_and_grad(x, t)
        if self.half_decay.any():  # the penalty's dot: one BLAS dot per model, as np.dot
            w = self.weights[:, None, :]
            loss = loss + self.half_decay * np.matmul(w, w.swapaxes(-1, -2))[:, 0, 0]
        return loss

    def step(self) -> None:
        if self.half_decay.any():
            self.weight_grads += np.multiply(self.weights, self.weight_decay, out=self._decay)
        self.rule.update(self.theta, self.grad, self.lr)

    def end_epoch(self) -> None:
        self.epoch += 1
        self.lr = rates_at(self.recipes, self.epoch, self.n_epochs)

    def evaluate(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        outputs = self.net.forward(X.T)
        loss, _ = self.net.loss(outputs, self._targets(y))
        return loss, outputs.transpose(0, 2, 1)

    def snapshot(self, k: int) -> np.ndarray:
        return self.theta[k].copy()

    def to_params(self, state: np.ndarray) -> np.ndarray:
        return state


def train_stacked(models: list[MLP], X, y, options: list[dict]) -> list[TrainResult]:
    """Train ``models`` (same sizes, activation, loss and dtype) in place at once.

    ``options[k]`` are model k's keyword options of ``fcann2.train`` (recipe keys or
    ``recipe=``, ``schedule`` or its knobs, ``validation_data``, ``eval_sets``); they may
    differ in recipe and seed, not in data, batch size, length or sampling. Returns one
    ``TrainResult`` per model, ``wall_time`` amortised (the stack's time / K).
    """
    if any(m.sizes != models[0].sizes for m in models):
        raise ValueError(f"stacked fcann2 models must share their sizes, got {[m.sizes for m in models]}")
    plans = plan_stacked(models, X, y, options)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        results, finals = run_stacked(StackedNumpyStepper(models, plans), plans)
    for model, theta in zip(models, finals):
        model.theta[...] = theta
    return results
