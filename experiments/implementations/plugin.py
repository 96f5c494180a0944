"""Bring your own network: the protocol a hand-written implementation satisfies so that the
harness can train it with any recipe and check it, step by step, against torch autograd.

A plug-in is a class, named ``package.module:Class`` (importable from the working
directory), with

- ``from_params(params, activation=..., loss=...)`` (classmethod): a network holding
  ``params``, a list of ``(W (out, in), b (out,))`` (``z = x @ W.T + b``);
- ``to_params()``: its current parameters in the same layout (copies);
- ``loss_and_grads(X, y)``: for a batch ``X`` (n, in) with int labels ``y`` (n,)
  (cross-entropy) or targets (n, out) (mse), the mean loss and ``[(dW, db), ...]``. If it
  accepts a ``weight_decay`` keyword it must add the L2 penalty ``weight_decay / 2 *
  sum ||W||^2`` itself (loss and gradients); otherwise the harness adds it.

Optional: ``set_params(params)`` (else the harness rebuilds with ``from_params`` after each
update), ``output(X)`` (else outputs are computed from ``to_params()`` by fcann2), and
``step(grads, lr)`` - the plug-in's own update, called with the objective's gradients
and the epoch's learning rate instead of the harness applying the recipe's rule.
"""
from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

import numpy as np

from data_utils.training.loop import TrainingPlan, iter_training, run_training
from data_utils.validation import check_features, check_loss_targets
from fcann2.optimizers import UPDATE_RULES

from ..errors import UserInputError
from . import PLUGIN_SPEC
from .base import Implementation

__all__ = ["PLUGIN_SPEC", "load_plugin", "PluginModel", "PluginStepper", "PluginError", "REQUIRED_METHODS"]

REQUIRED_METHODS = ("from_params", "to_params", "loss_and_grads")


class PluginError(UserInputError):
    """A plug-in that does not meet the protocol (a missing method, a wrong shape)."""


def load_plugin(spec: str) -> type:
    """The class named by ``package.module:Class``, imported with the working directory on
    the path; ``PluginError`` names what is missing."""
    if not PLUGIN_SPEC.match(spec):
        raise PluginError(f"{spec!r}: name a plug-in as package.module:Class")
    module_name, class_name = spec.split(":")
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - the user's module: report why it does not import
        raise PluginError(f"{spec}: cannot import {module_name}: {type(exc).__name__}: {exc}") from None
    cls = getattr(module, class_name, None)
    if not inspect.isclass(cls):
        raise PluginError(f"{spec}: {module_name} has no class {class_name}")
    missing = [m for m in REQUIRED_METHODS if not callable(getattr(cls, m, None))]
    if missing:
        raise PluginError(f"{spec}: {class_name} does not meet the plug-in protocol: missing "
                          f"{', '.join(missing)} (needs {', '.join(REQUIRED_METHODS)})")
    return cls


def _shapes(params) -> list[tuple[tuple, tuple]]:
    return [(np.shape(W), np.shape(b)) for W, b in params]


class PluginModel:
    """A plug-in network behind the harness's model interface (``from_params``,
    ``to_params``, ``set_params``, ``output``, ``predict_proba``, ``predict``, ``check_X``,
    ``check_y``), checking what the plug-in returns."""

    def __init__(self, cls: type, params, activation: str = "relu", loss: str = "cross_entropy",
                 negative_slope: float = 0.01):
        self.cls, self.name = cls, f"{cls.__module__}:{cls.__name__}"
        self.activation, self.loss_name, self.negative_slope = activation, loss, negative_slope
        self.shapes = _shapes(params)
        self.dtype = np.asarray(params[0][0]).dtype
        self.sizes = [self.shapes[0][0][1]] + [s[0][0] for s in self.shapes]
        self.net = self._build(params)
        self.takes_weight_decay = "weight_decay" in inspect.signature(self.net.loss_and_grads).parameters
        self.own_step = callable(getattr(self.net, "step", None))

    def _build(self, params):
        try:
            return self.cls.from_params([(W.copy(), b.copy()) for W, b in params], activation=self.activation,
                                        loss=self.loss_name)
        except TypeError as exc:
            raise PluginError(f"{self.name}.from_params(params, activation=..., loss=...) failed: {exc}") from None

    def to_params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        params = self.net.to_params()
        if _shapes(params) != self.shapes:
            raise PluginError(f"{self.name}.to_params() returned shapes {_shapes(params)}, expected {self.shapes}")
        return [(np.array(W, dtype=self.dtype), np.array(b, dtype=self.dtype)) for W, b in params]

    def set_params(self, params) -> None:
        if callable(getattr(self.net, "set_params", None)):
            self.net.set_params([(W.copy(), b.copy()) for W, b in params])
        else:
            self.net = self._build(params)

    def loss_and_grads(self, X, y, weight_decay: float = 0.0) -> tuple[float, list[np.ndarray]]:
        """Objective (mean loss + L2 penalty) and its gradients, flat ``[dW1, db1, ...]``."""
        if self.takes_weight_decay:
            loss, grads = self.net.loss_and_grads(X, y, weight_decay=weight_decay)
        else:
            loss, grads = self.net.loss_and_grads(X, y)
        grads = list(grads)
        if len(grads) != len(self.shapes):
            raise PluginError(f"{self.name}.loss_and_grads returned {len(grads)} (dW, db) pairs, "
                              f"expected {len(self.shapes)}")
        flat = []
        for k, ((dW, db), (w_shape, b_shape)) in enumerate(zip(grads, self.shapes)):
            for name, g, shape in ((f"dW{k + 1}", dW, w_shape), (f"db{k + 1}", db, b_shape)):
                if np.shape(g) != shape:
                    raise PluginError(f"{self.name}.loss_and_grads returned {name} of shape {np.shape(g)}, "
                                      f"expected {shape}")
                flat.append(np.asarray(g, dtype=self.dtype))
        loss = float(loss)
        if weight_decay and not self.takes_weight_decay:
            params = self.to_params()
            loss += 0.5 * weight_decay * sum(float(np.sum(W * W)) for W, _ in params)
            for k, (W, _) in enumerate(params):
                flat[2 * k] = flat[2 * k] + weight_decay * W
        return loss, flat

    def output(self, X) -> np.ndarray:
        X = self.check_X(X)
        if callable(getattr(self.net, "output", None)):
            return np.asarray(self.net.output(X), dtype=self.dtype)
        from fcann2 import MLP
        return MLP.from_params(self.to_params(), self.activation, self.loss_name, self.negative_slope).output(X)

    def predict_proba(self, X) -> np.ndarray:
        from fcann2.functional import softmax  # feature-major: (C, n)
        return softmax(self.output(X).T).T

    def predict(self, X) -> np.ndarray:
        out = self.output(X)
        return out.argmax(axis=1) if self.loss_name == "cross_entropy" else out

    def check_X(self, X) -> np.ndarray:
        return check_features(X, n_features=self.sizes[0], dtype=self.dtype)

    def check_y(self, y, n_samples: int) -> np.ndarray:
        return check_loss_targets(y, self.loss_name, n_samples=n_samples, n_outputs=self.sizes[-1], dtype=self.dtype)


class PluginStepper:
    """The plug-in's side of the training loop: its gradients, the recipe's update rule
    (fcann2's, written after ``torch.optim``) or its own ``step``, the epoch's rate."""

    def __init__(self, model: PluginModel, plan: TrainingPlan):
        self.model, self.X, self.y = model, plan.X, plan.y
        self.recipe = plan.recipe
        params = model.to_params()
        self.theta = np.concatenate([a.ravel() for W_b in params for a in W_b])
        self.grad = np.zeros_like(self.theta)
        self.rule = UPDATE_RULES[plan.recipe.optimizer](plan.recipe, self.theta)
        self.rate = plan.rate   # the epoch's learning rate (the loop advances it)
        self._grads: list[np.ndarray] = []

    def _unflatten(self, flat: np.ndarray):
        out, at = [], 0
        for w_shape, b_shape in self.model.shapes:
            nw, nb = int(np.prod(w_shape)), int(np.prod(b_shape))
            out.append((flat[at:at + nw].reshape(w_shape).copy(), flat[at + nw:at + nw + nb].copy()))
            at += nw + nb
        return out

    def loss_and_grad(self, index) -> float:
        loss, self._grads = self.model.loss_and_grads(self.X[index], self.y[index], self.recipe.weight_decay)
        return loss

    def step(self) -> None:
        if self.model.own_step:
            grads = [(self._grads[2 * k], self._grads[2 * k + 1]) for k in range(len(self.model.shapes))]
            self.model.net.step(grads, self.rate.lr)
            return
        self.grad[...] = np.concatenate([g.ravel() for g in self._grads])
        self.rule.update(self.theta, self.grad, self.rate.lr)
        self.model.set_params(self._unflatten(self.theta))

    def end_epoch(self) -> None:
        """Nothing: the rate is the plan's, which the loop advances."""

    def evaluate(self, X, y) -> tuple[float, np.ndarray]:
        loss, _ = self.model.loss_and_grads(X, y, 0.0)
        return loss, self.model.output(X)

    def snapshot(self):
        return self.model.to_params()

    def restore(self, state) -> None:
        self.model.set_params(state)
        self.theta[...] = np.concatenate([a.ravel() for W_b in state for a in W_b])


def plugin_implementation(spec: str):
    """An ``experiments.implementations.Implementation`` for a plug-in class."""
    cls = load_plugin(spec)

    class _Model(PluginModel):
        @classmethod
        def from_params(cls_, params, activation="relu", loss="cross_entropy", negative_slope=0.01):
            return PluginModel(cls, params, activation, loss, negative_slope)

    def train(model, X, y, **options):
        with np.errstate(over="ignore", invalid="ignore"):
            return run_training(PluginStepper, model, X, y, **options)

    def iter_train(model, X, y, **options):
        return iter_training(PluginStepper, model, X, y, **options)

    return Implementation(spec, _Model, train, iter_train)  # no load, save, stacking or views
