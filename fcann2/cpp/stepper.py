"""The C++ network's side of the shared training loop (``data_utils.training.loop``): the
loop walks the schedule, ends epochs, scores, stops early and restores; every step's
arithmetic - forward, loss, backward, L2 penalty and weight decay, the recipe's update rule -
runs in C++ (``src/``). ``run_samples`` trains a whole epoch of a per-sample schedule in one
call, which is what ``TrainingLoop.run`` uses when nothing watches single steps.
"""
from __future__ import annotations

import ctypes
import weakref

import numpy as np

from data_utils.training.loop import TrainingPlan

from ._lib import library
from .model import CppMLP, dtype_code, free, pointer

__all__ = ["CppStepper", "OPTIMIZER_CODES"]

OPTIMIZER_CODES = {"sgd": 0, "rmsprop": 1, "adam": 2}   # src/rules.hpp


class CppStepper:
    """See ``data_utils.training.loop.Stepper``; the update rule's state lives in C++."""

    def __init__(self, model: CppMLP, plan: TrainingPlan):
        self.lib, self.model = library(), model
        recipe = plan.recipe
        # contiguous copies once (the C++ side reads rows by address)
        self.X = np.ascontiguousarray(plan.X, dtype=model.dtype)
        self.targets = model.c_targets(plan.y)
        self._X, self._t = pointer(self.X), pointer(self.targets)
        self.weight_decay = float(recipe.weight_decay)
        beta1, beta2 = recipe.betas or (0.0, 0.0)
        handle = self.lib.fc_rule_new(dtype_code(model.dtype), model.theta.size, OPTIMIZER_CODES[recipe.optimizer],
                                      float(recipe.momentum or 0.0), int(bool(recipe.nesterov)),
                                      float(recipe.alpha or 0.0), float(recipe.eps or 0.0), float(beta1),
                                      float(beta2), self.weight_decay)
        if not handle:
            raise MemoryError("the C++ update rule could not be allocated")
        self.rule = ctypes.c_void_p(handle)
        weakref.finalize(self, free, self.lib.fc_rule_free, self.rule)
        self.rate = plan.rate   # the epoch's learning rate (the loop advances it)

    def loss_and_grad(self, index) -> float:
        if isinstance(index, slice):   # a full-batch step: slice(0, n), every row in order
            if index == slice(0, len(self.X)):
                return self.lib.fc_loss_grad(self.model.handle, self._X, None, len(self.X), self._t,
                                             self.weight_decay)
            index = np.arange(len(self.X))[index]
        index = np.ascontiguousarray(index, dtype=np.int64)
        return self.lib.fc_loss_grad(self.model.handle, self._X, pointer(index), len(index), self._t,
                                     self.weight_decay)

    def step(self) -> None:
        self.lib.fc_step(self.model.handle, self.rule, self.rate.lr)

    def run_samples(self, samples) -> list[float]:
        """One step per sample of one epoch (one learning rate), stopping after the first
        non-finite loss, whose update is not applied; the step losses."""
        samples = np.ascontiguousarray(samples, dtype=np.int64)
        losses = np.empty(len(samples), dtype=np.float64)
        done = self.lib.fc_run_samples(self.model.handle, self.rule, self._X, self._t, pointer(samples),
                                       len(samples), self.rate.lr, pointer(losses))
        return losses[:done].tolist()

    def end_epoch(self) -> None:
        """Nothing: the rate is the plan's, which the loop advances."""

    def evaluate(self, X, y) -> tuple[float, np.ndarray]:
        return self.model._forward(X, y)

    def snapshot(self) -> np.ndarray:
        return self.model.theta.copy()

    def restore(self, state: np.ndarray) -> None:
        self.model.theta[...] = state
